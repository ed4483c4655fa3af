"""Building the async engine for SQLite (embedded default) or PostgreSQL (`DATABASE_URL`)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from storage.faults import drops_connection
from storage.private_files import private_dir, touch_private
from storage.sqlite_inline import BUSY_TIMEOUT_S as INLINE_BUSY_TIMEOUT_S
from storage.sqlite_inline import inline_creator

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000


def normalize_database_url(url: str | None, data_dir: Path) -> str:
    """Turn `DATABASE_URL` (Heroku's `postgres://` too) or nothing into an async SQLAlchemy URL."""
    if not url:
        private_dir(data_dir)
        return f"sqlite+aiosqlite:///{data_dir / 'utp.sqlite3'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://") or url.startswith("postgresql+psycopg2://"):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        url = "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def make_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    """An async engine; SQLite gets WAL, a busy timeout and foreign keys on every connection."""
    kwargs: dict[str, Any] = {}
    busy_ms = SQLITE_BUSY_TIMEOUT_MS
    if url.startswith("sqlite"):
        path = make_url(url).database or ""
        if path and path != ":memory:":
            if Path(path).parent.is_dir():  # 0600 before SQLite makes it (-wal/-shm follow)
                touch_private(Path(path))
            # In-thread SQLite (see storage.sqlite_inline): the embedded default's speed.
            kwargs["async_creator"] = inline_creator(path)
            busy_ms = int(INLINE_BUSY_TIMEOUT_S * 1000)
        else:
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    else:
        # No pre-ping: on asyncpg it costs three round trips (BEGIN, a ping, ROLLBACK) on every
        # checkout. A connection the server closed is noticed without a round trip (below);
        # one that dies unnoticed fails its first statement, which retires the pool and is
        # retried once at once by the storage-fault policy (passport.faults).
        kwargs["pool_size"] = pool_size
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):
        _configure_sqlite(engine, busy_ms)
    else:
        _skip_closed_connections(engine)
    _drop_faulty_connections(engine)
    return engine


def _skip_closed_connections(engine: AsyncEngine) -> None:
    """A pooled connection whose server went away (restart, idle timeout, admin kill) is
    replaced at checkout: asyncpg saw its socket close, so no round trip is needed to know."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        driver = getattr(dbapi_conn, "_connection", None)
        is_closed = getattr(driver, "is_closed", None)
        if is_closed is not None and is_closed():
            raise DisconnectionError("the server closed this pooled connection")


def _drop_faulty_connections(engine: AsyncEngine) -> None:
    """A storage fault (disk full, read-only, I/O, gone) retires the pool's connections, so the
    process recovers by itself once the fault clears (see storage.faults)."""

    @event.listens_for(engine.sync_engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        if drops_connection(context.original_exception):
            context.is_disconnect = True


def _configure_sqlite(engine: AsyncEngine, busy_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        # WAL lets readers run beside the one writer; busy_timeout waits out a brief lock
        # instead of failing; foreign keys make ON DELETE CASCADE (used by /forget) work.
        if ":memory:" not in str(engine.url):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten with zeros, whatever the system's SQLite was built with.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    """Sessions that keep loaded values usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def single_statements(factory: Any) -> Any:
    """The same unit-of-work factory, its sessions in autocommit on PostgreSQL: for writes that
    are one statement each (outbox marks), which then cost one round trip, no BEGIN / COMMIT.
    Anything else (SQLite, in-process and cheap; a test double) is returned as it is."""
    sessionmaker = getattr(factory, "sessionmaker", None)
    engine = sessionmaker.kw.get("bind") if sessionmaker is not None else None
    if engine is None or engine.dialect.name != "postgresql":
        return factory
    return type(factory)(make_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT")))
