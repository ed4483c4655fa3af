"""The job runner: claims durable jobs, runs them, settles them (retry with backoff, or park).

Its table maps each job message type to the coroutine that handles it (`handlers.jobs.job_table`,
plus what a channel adds, e.g. Slack's team post); a worker claims only the kinds it can run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from passport.clock import Clock
from passport.errors import StorageBusy, StorageUnavailable, TransientDeliveryError
from passport.faults import DEFAULT_POLICY, FaultPolicy
from passport.jobs import JobHandler, JobMessage, UnknownJob, kinds
from storage.faults import as_utp_error
from storage.jobs import ClaimedJob, JobStore

logger = logging.getLogger(__name__)


def worker_name() -> str:
    """host:pid, to see in the jobs table who holds a lease."""
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


class JobRunner:
    """Runs jobs from the database; any number of runners may share one database."""

    def __init__(
        self,
        store: JobStore,
        handlers: Mapping[type[JobMessage], JobHandler],
        clock: Clock,
        *,
        worker: str | None = None,
        concurrency: int = 4,
        poll_seconds: float = 0.5,
        job_timeout: float = 120.0,
        faults: FaultPolicy = DEFAULT_POLICY,
    ) -> None:
        self.store = store
        self.handlers: dict[type[JobMessage], JobHandler] = dict(handlers)
        self.clock = clock
        self.worker = worker or worker_name()
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self.job_timeout = job_timeout
        self.wakeup = asyncio.Event()
        self.faults = faults

    def notify(self) -> None:
        """New work was committed: look for it now instead of at the next poll."""
        self.wakeup.set()

    async def run_once(self, limit: int | None = None) -> int:
        """Claim and run one batch of runnable jobs; returns how many ran."""
        jobs = await self.faults.run(
            lambda: self.store.claim(
                self.worker,
                self.clock.now(),
                limit=limit or self.concurrency,
                kinds=kinds(list(self.handlers)),
            )
        )
        if jobs:
            await asyncio.gather(*(self._run(job) for job in jobs))
        return len(jobs)

    async def _run(self, job: ClaimedJob) -> None:
        if job.forgotten:
            logger.info("job %s (%s) dropped: its person was forgotten", job.id, job.kind)
            await self._settle(job, lambda: self.store.complete(job.id, self.clock.now()))
            return
        try:
            message = job.message
            handler = self.handlers[type(message)]
            await asyncio.wait_for(handler(message), self.job_timeout)
        except TransientDeliveryError as exc:
            logger.warning("job %s (%s) will retry: %s", job.id, job.kind, exc)
            error, retry_after = f"{type(exc).__name__}: {exc}", exc.retry_after
            await self._settle(
                job,
                lambda: self.store.fail(job, error, self.clock.now(), retry_after=retry_after),
            )
        except UnknownJob as exc:
            # A row this release cannot read never will be: parked at once, visibly.
            logger.error("job %s parked: %s", job.id, exc)
            error = f"{type(exc).__name__}: {exc}"
            await self._settle(
                job, lambda: self.store.fail(job, error, self.clock.now(), permanent=True)
            )
        except Exception as exc:  # noqa: BLE001 - every failure is recorded, retried, or parked
            fault = as_utp_error(exc) if not isinstance(exc, TimeoutError) else None
            if isinstance(fault, (StorageBusy, StorageUnavailable)):
                # Storage, not the job, failed: give it back without spending an attempt.
                logger.warning("job %s (%s) waits for storage: %s", job.id, job.kind, fault)
                await self._settle(
                    job, lambda: self.store.release(job, self.clock.now(), timedelta(seconds=5))
                )
                return
            logger.exception("job %s (%s) failed (attempt %s)", job.id, job.kind, job.attempts)
            error = f"{type(exc).__name__}: {exc}"
            await self._settle(job, lambda: self.store.fail(job, error, self.clock.now()))
        else:
            await self._settle(job, lambda: self.store.complete(job.id, self.clock.now()))

    async def _settle(self, job: ClaimedJob, write: Callable[[], Awaitable[Any]]) -> None:
        """Record how a job ended; if storage is away, its lease runs out and it runs again."""
        try:
            await self.faults.run(write)
        except StorageUnavailable as exc:
            logger.warning(
                "job %s (%s) could not be recorded (%s); it runs again when its lease ends",
                job.id,
                job.kind,
                exc.kind,
            )

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Keep running jobs until `stop` is set; storage faults are waited out, never fatal."""
        pause = 1.0
        last_fault: str | None = None
        while not stop.is_set():
            try:
                ran = await self.run_once()
            except StorageUnavailable as exc:
                if exc.kind != last_fault:
                    logger.warning("job runner waits for storage: %s", exc)
                    last_fault = exc.kind
                ran = 0
                await self._pause(stop, pause)
                pause = min(pause * 2, 10.0)
                continue
            except Exception:  # noqa: BLE001 - a database hiccup must not kill the worker
                logger.exception("job runner could not claim jobs; retrying")
                ran = 0
                await asyncio.sleep(2)
            if last_fault is not None:
                logger.warning("job runner: storage is back")
                last_fault, pause = None, 1.0
            if ran:
                continue
            self.wakeup.clear()
            try:
                await asyncio.wait_for(self.wakeup.wait(), self.poll_seconds)
            except TimeoutError:
                pass

    @staticmethod
    async def _pause(stop: asyncio.Event, seconds: float) -> None:
        try:
            await asyncio.wait_for(stop.wait(), seconds)
        except TimeoutError:
            pass

    async def run_until_idle(self, *, max_rounds: int = 1000) -> int:
        """Run every job that is runnable now, including jobs those jobs enqueue."""
        total = 0
        for _ in range(max_rounds):
            try:
                ran = await self.run_once()
            except StorageUnavailable as exc:
                logger.warning("jobs wait for storage: %s", exc)
                break
            if not ran:
                break
            total += ran
        return total
