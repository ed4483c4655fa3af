"""Raw database and file-system errors, sorted into the storage-fault policy's few kinds.

SQLite, asyncpg and the file system each say "locked", "full", "read-only" or "gone" in their
own words; `classify` reads an exception (and what caused it) and answers with one kind, and
`as_utp_error` turns it into `StorageBusy` / `StorageUnavailable` for `passport.faults`.
"""

from __future__ import annotations

import errno
import functools
from collections.abc import Awaitable, Callable, Iterator
from typing import ParamSpec, TypeVar

from passport.errors import StorageBusy, StorageConflict, StorageUnavailable, UTPError

P = ParamSpec("P")
T = TypeVar("T")

BUSY = "busy"
FULL = "full"
READONLY = "readonly"
UNREACHABLE = "unreachable"
IO = "io"

_MESSAGES: tuple[tuple[str, str], ...] = (
    ("database is locked", BUSY),
    ("database table is locked", BUSY),
    ("database schema is locked", BUSY),
    ("database is busy", BUSY),
    ("could not obtain lock", BUSY),
    ("lock timeout", BUSY),
    ("database or disk is full", FULL),
    ("no space left", FULL),
    ("could not extend file", FULL),
    ("disk full", FULL),
    ("quota exceeded", FULL),
    ("readonly database", READONLY),
    ("read-only file system", READONLY),
    ("read-only transaction", READONLY),
    ("unable to open database file", READONLY),
    ("disk i/o error", IO),
    ("connection refused", UNREACHABLE),
    ("connect call failed", UNREACHABLE),
    ("connection is closed", UNREACHABLE),
    ("connection was closed", UNREACHABLE),
    ("connection reset", UNREACHABLE),
    ("server closed the connection", UNREACHABLE),
    ("terminating connection", UNREACHABLE),
    ("the database system is starting up", UNREACHABLE),
    ("the database system is shutting down", UNREACHABLE),
    ("the database system is in recovery mode", UNREACHABLE),
    ("cannot connect now", UNREACHABLE),
    ("could not connect", UNREACHABLE),
    ("name or service not known", UNREACHABLE),
    ("temporary failure in name resolution", UNREACHABLE),
)
_ERRNOS = {
    errno.ENOSPC: FULL,
    errno.EDQUOT: FULL,
    errno.EROFS: READONLY,
    errno.EACCES: READONLY,
    errno.EPERM: READONLY,
    errno.EIO: IO,
    errno.ECONNREFUSED: UNREACHABLE,
    errno.ECONNRESET: UNREACHABLE,
    errno.EHOSTUNREACH: UNREACHABLE,
    errno.ENETUNREACH: UNREACHABLE,
    errno.ETIMEDOUT: UNREACHABLE,
}
_PG_STATES = {"53100": FULL, "25006": READONLY, "55P03": BUSY, "40P01": BUSY, "57P03": UNREACHABLE}


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [getattr(current, "orig", None), current.__cause__, current.__context__]


def classify(exc: BaseException) -> str | None:
    """ "busy", "full", "readonly", "unreachable", "io", or None when it is not a storage fault."""
    invalidated = False
    for current in _chain(exc):
        if isinstance(current, StorageBusy):
            return BUSY
        if isinstance(current, StorageUnavailable):
            return current.kind
        if isinstance(current, UTPError):
            return None
        invalidated = invalidated or bool(getattr(current, "connection_invalidated", False))
        state = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(state, str):
            if state in _PG_STATES:
                return _PG_STATES[state]
            if state.startswith("08"):  # connection exceptions
                return UNREACHABLE
        if isinstance(current, OSError) and current.errno in _ERRNOS:
            return _ERRNOS[current.errno]
        if isinstance(current, ConnectionError):
            return UNREACHABLE
        name = type(current).__name__
        if name in {"ConnectionDoesNotExistError", "CannotConnectNowError", "InterfaceError"}:
            text = str(current).lower()
            if "closed" in text or "connect" in text or name != "InterfaceError":
                return UNREACHABLE
        text = str(current).lower()
        for needle, kind in _MESSAGES:
            if needle in text:
                return kind
    return UNREACHABLE if invalidated else None


def drops_connection(exc: BaseException) -> bool:
    """True when a connection that met `exc` should not be used again: a SQLite connection
    opened while the disk was read-only stays read-only, one that hit a full disk may keep
    failing with "disk I/O error"; a fresh connection sees the fault cleared."""
    return classify(exc) in {FULL, READONLY, IO, UNREACHABLE}


def as_utp_error(exc: BaseException) -> UTPError | None:
    """The policy's error for a raw storage fault (None: not a fault the policy handles)."""
    if isinstance(exc, (StorageBusy, StorageUnavailable, StorageConflict)):
        return exc
    kind = classify(exc)
    if kind is None:
        return None
    if kind == BUSY:
        return StorageBusy("the database is busy")
    stale = kind == UNREACHABLE and any(
        getattr(e, "connection_invalidated", False) for e in _chain(exc)
    )
    detail = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}"
    return StorageUnavailable(kind, detail, stale=stale)


def translated(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Decorate a storage coroutine so raw faults surface as `StorageBusy`/`StorageUnavailable`."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await fn(*args, **kwargs)
        except Exception as exc:
            mapped = as_utp_error(exc)
            if mapped is None or mapped is exc:
                raise
            raise mapped from exc

    return wrapper
