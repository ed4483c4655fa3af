"""An in-thread SQLite connection for SQLAlchemy's aiosqlite dialect (the embedded default).

aiosqlite runs every call on a helper thread and hands the answer back through the event loop:
four thread hops per statement, which cost more than the statement itself (a capture
transaction took ~2.9 ms that way against ~0.7 ms in-thread). SQLite calls are microseconds
and never wait on a network, so this adapter runs them directly on the loop's thread. Plugged in
through `create_async_engine(..., async_creator=...)`, it keeps SQLAlchemy's async API intact.

Trade-off, on purpose: while another *process* holds SQLite's write lock, a writer here waits
on the loop's thread; the busy timeout is therefore kept short (`BUSY_TIMEOUT_S`) and callers
retry (`StorageBusy`) with an asyncio sleep, which lets the rest of the process go on.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

BUSY_TIMEOUT_S = 0.25


class InlineCursor:
    """The subset of aiosqlite's cursor SQLAlchemy's adapter uses, executed in-thread."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def description(self) -> Any:
        """Column descriptions of the last query."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """Rows changed by the last statement."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """Row id of the last insert."""
        return self._cursor.lastrowid

    async def execute(self, *args: Any) -> InlineCursor:
        """Run one statement."""
        self._cursor.execute(*args)
        return self

    async def executemany(self, *args: Any) -> InlineCursor:
        """Run one statement for many parameter sets."""
        self._cursor.executemany(*args)
        return self

    async def fetchall(self) -> list[Any]:
        """All remaining rows."""
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        """The next row."""
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """Up to `size` rows."""
        return self._cursor.fetchmany(size) if size else self._cursor.fetchmany()

    async def close(self) -> None:
        """Release the cursor."""
        self._cursor.close()


class InlineConnection:
    """The subset of aiosqlite's connection SQLAlchemy's adapter uses, executed in-thread."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        # Cursors still alive (an exception's traceback can hold one) keep their statements
        # unfinalized, and sqlite3 then only half-closes the connection: its file stays open,
        # read-only if it was opened on a read-only disk, and later connections reuse it. So
        # closing closes every cursor first (see storage.faults: recovering by itself).
        self._cursors: weakref.WeakSet[sqlite3.Cursor] = weakref.WeakSet()

    def _track(self, cursor: sqlite3.Cursor) -> sqlite3.Cursor:
        self._cursors.add(cursor)
        return cursor

    @property
    def isolation_level(self) -> str | None:
        """sqlite3's transaction mode."""
        return self._conn.isolation_level

    async def cursor(self) -> InlineCursor:
        """A new cursor."""
        return InlineCursor(self._track(self._conn.cursor()))

    async def execute(self, *args: Any) -> InlineCursor:
        """Run one statement on a fresh cursor."""
        return InlineCursor(self._track(self._conn.execute(*args)))

    async def commit(self) -> None:
        """Commit the transaction."""
        self._conn.commit()

    async def rollback(self) -> None:
        """Roll the transaction back."""
        self._conn.rollback()

    async def close(self) -> None:
        """Close the connection."""
        self.stop()

    def stop(self) -> None:
        """Force-close (SQLAlchemy's terminate), its cursors first."""
        for cursor in list(self._cursors):
            try:
                cursor.close()
            except sqlite3.Error:
                pass
        self._conn.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        """Register a SQL function."""
        self._conn.create_function(*args, **kwargs)


def inline_creator(path: str) -> Callable[[], Awaitable[InlineConnection]]:
    """An `async_creator` opening in-thread SQLite connections to `path`."""

    async def connect() -> InlineConnection:
        # check_same_thread=False: the pool may hand a connection to another loop's thread in
        # tests; each connection is still used by one task at a time.
        return InlineConnection(
            sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        )

    return connect
