"""The one storage-fault policy every caller uses (platform- and database-neutral).

- busy / locked (`StorageBusy`) and lost races (`StorageConflict`): wait and retry with backoff
  for up to `busy_wait` seconds, telling the person once ("one moment…") after `tell_after`;
  still locked after that, it becomes `StorageUnavailable("busy")`.
- a pooled connection found dead mid-use (`StorageUnavailable.stale`): tried once more at once,
  on a fresh connection (there is no ping before each use).
- disk full, read-only, unreachable (`StorageUnavailable`): raised at once; the caller keeps what
  it was given, says so in one line, and tries again later (`keep_trying`) — nothing is
  acknowledged that is not stored, and the process stays up.

storage/faults.py turns raw database and file-system errors into these errors.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from passport.errors import StorageBusy, StorageConflict, StorageUnavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")

CONFLICT_RETRIES = 4


@dataclass(frozen=True, slots=True)
class FaultPolicy:
    """How long and how often to wait out storage faults."""

    busy_wait: float = 30.0  # seconds a lock is waited out before it counts as unavailable
    tell_after: float = 1.0  # seconds of waiting before the person hears "one moment…"
    first_delay: float = 0.05
    max_delay: float = 1.0
    retry_every: float = 2.0  # first pause between tries while storage is unavailable
    retry_max: float = 10.0  # longest pause between tries while storage is unavailable

    async def run(
        self,
        attempt: Callable[[], Awaitable[T]],
        *,
        on_wait: Callable[[], Awaitable[None]] | None = None,
    ) -> T:
        """Run `attempt`, retrying busy and raced tries; unavailable storage raises at once."""
        started = time.monotonic()
        delay = self.first_delay
        conflicts = 0
        told = False
        stale_retried = False
        while True:
            try:
                return await attempt()
            except StorageUnavailable as exc:
                if not exc.stale or stale_retried:
                    raise
                stale_retried = True
                logger.info("a pooled database connection was gone; trying a fresh one")
                continue
            except StorageConflict:
                conflicts += 1
                if conflicts >= CONFLICT_RETRIES:
                    raise
            except StorageBusy as exc:
                waited = time.monotonic() - started
                if waited >= self.busy_wait:
                    raise StorageUnavailable("busy", "locked by another process") from exc
                if not told and waited >= self.tell_after and on_wait is not None:
                    told = True
                    try:
                        await on_wait()
                    except Exception:  # noqa: BLE001 - a notice must never stop the retry
                        logger.warning("could not tell the person to wait", exc_info=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_delay)

    async def keep_trying(
        self,
        attempt: Callable[[], Awaitable[T]],
        *,
        on_unavailable: Callable[[StorageUnavailable], Awaitable[None] | None] | None = None,
        on_wait: Callable[[], Awaitable[None]] | None = None,
        stop: asyncio.Event | None = None,
    ) -> T:
        """Like `run`, but wait out unavailable storage too, until it clears (or `stop` is set).

        `on_unavailable` is called once per new kind of fault (not on every retry).
        """
        delay = self.retry_every
        last_kind: str | None = None
        while True:
            try:
                return await self.run(attempt, on_wait=on_wait)
            except StorageUnavailable as exc:
                if exc.kind != last_kind:
                    last_kind = exc.kind
                    if on_unavailable is not None:
                        result = on_unavailable(exc)
                        if result is not None:
                            await result
            if stop is not None:
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                except TimeoutError:
                    pass
                if stop.is_set():
                    raise StorageUnavailable(last_kind or "unreachable", "stopped while waiting")
            else:
                await asyncio.sleep(delay)
            delay = min(delay * 1.5, self.retry_max)


DEFAULT_POLICY = FaultPolicy()
