"""The job runner: claims durable jobs, runs them, settles them (retry with backoff, or park)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from passport.clock import Clock
from passport.errors import TransientDeliveryError
from storage.jobs import ClaimedJob, JobStore

logger = logging.getLogger(__name__)

JobHandler = Callable[[int | None, dict[str, Any]], Awaitable[None]]


def worker_name() -> str:
    """host:pid, to see in the jobs table who holds a lease."""
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


class JobRunner:
    """Runs jobs from the database; any number of runners may share one database."""

    def __init__(
        self,
        store: JobStore,
        handlers: dict[str, JobHandler],
        clock: Clock,
        *,
        worker: str | None = None,
        concurrency: int = 4,
        poll_seconds: float = 0.5,
        job_timeout: float = 120.0,
    ) -> None:
        self.store = store
        self.handlers = handlers
        self.clock = clock
        self.worker = worker or worker_name()
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self.job_timeout = job_timeout
        self.wakeup = asyncio.Event()

    def notify(self) -> None:
        """New work was committed: look for it now instead of at the next poll."""
        self.wakeup.set()

    async def run_once(self, limit: int | None = None) -> int:
        """Claim and run one batch of runnable jobs; returns how many ran."""
        jobs = await self.store.claim(
            self.worker,
            self.clock.now(),
            limit=limit or self.concurrency,
            kinds=tuple(self.handlers),
        )
        if jobs:
            await asyncio.gather(*(self._run(job) for job in jobs))
        return len(jobs)

    async def _run(self, job: ClaimedJob) -> None:
        handler = self.handlers[job.kind]
        try:
            await asyncio.wait_for(handler(job.person_id, job.payload), self.job_timeout)
        except TransientDeliveryError as exc:
            logger.warning("job %s (%s) will retry: %s", job.id, job.kind, exc)
            await self.store.fail(
                job, f"{type(exc).__name__}: {exc}", self.clock.now(), retry_after=exc.retry_after
            )
        except Exception as exc:  # noqa: BLE001 - every failure is recorded, retried, or parked
            logger.exception("job %s (%s) failed (attempt %s)", job.id, job.kind, job.attempts)
            await self.store.fail(job, f"{type(exc).__name__}: {exc}", self.clock.now())
        else:
            await self.store.complete(job.id, self.clock.now())

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Keep running jobs until `stop` is set."""
        while not stop.is_set():
            try:
                ran = await self.run_once()
            except Exception:  # noqa: BLE001 - a database hiccup must not kill the worker
                logger.exception("job runner could not claim jobs; retrying")
                ran = 0
                await asyncio.sleep(2)
            if ran:
                continue
            self.wakeup.clear()
            try:
                await asyncio.wait_for(self.wakeup.wait(), self.poll_seconds)
            except TimeoutError:
                pass

    async def run_until_idle(self, *, max_rounds: int = 1000) -> int:
        """Run every job that is runnable now, including jobs those jobs enqueue."""
        total = 0
        for _ in range(max_rounds):
            ran = await self.run_once()
            if not ran:
                break
            total += ran
        return total
