"""Durable jobs: enqueued in the caller's transaction, claimed with a lease, retried, parked.

A job is claimed by flipping it to `running` with a lease (`locked_until`). A worker that dies
leaves the lease to expire, and the job is claimed again: nothing is lost. On PostgreSQL the
candidate rows are read with `FOR UPDATE SKIP LOCKED`, so workers never wait on each other; on
both databases the claim is a conditional UPDATE, so two workers never run the same attempt.

Jobs are typed messages (`passport.jobs`); this is where they become rows (`kind`, JSON
`payload`, `person_id`) and rows become messages again (`ClaimedJob.message`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from passport.jobs import JobMessage, decode
from storage import sealing
from storage.faults import translated
from storage.models import JobRow, _table

logger = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=5)
_INSERT_JOB = insert(_table(JobRow))
MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    """A job a worker now holds."""

    id: int
    kind: str
    payload: dict[str, Any]
    person_id: int | None
    attempts: int
    max_attempts: int
    forgotten: bool = False  # the person's key is gone (/forget): nothing is left to do

    @property
    def message(self) -> JobMessage:
        """The typed message this row holds; UnknownJob when this release cannot read it."""
        return decode(self.kind, self.person_id, self.payload)


def _opened(job: ClaimedJob, sealer: sealing.Sealer) -> ClaimedJob:
    try:
        payload, forgotten = sealer.open_json(job.payload), False
    except sealing.KeyGone:
        payload, forgotten = {}, True  # the person was forgotten meanwhile
    return ClaimedJob(
        job.id, job.kind, payload or {}, job.person_id, job.attempts, job.max_attempts, forgotten
    )


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 5 s, 10 s, 20 s … capped at an hour."""
    return min(timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class JobWriter:
    """Enqueues jobs inside an open session, so they commit with the data they concern."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(
        self,
        message: JobMessage,
        now: datetime,
        *,
        delay: timedelta = timedelta(0),
        max_attempts: int = 6,
    ) -> None:
        """Add a job that may run from `now + delay`, committed with the caller's work."""
        await self.enqueue_row(
            message.kind,
            message.payload(),
            now,
            person_id=message.person_id,
            delay=delay,
            max_attempts=max_attempts,
        )

    async def enqueue_row(
        self,
        kind: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        person_id: int | None = None,
        delay: timedelta = timedelta(0),
        max_attempts: int = 6,
    ) -> None:
        """Add a job row as it is stored (one prebuilt INSERT, no ORM flush).

        A person's job payload is sealed with their data key (it may carry their words).
        """
        if person_id is not None and payload:
            payload = (await sealing.vault_for(self.session, person_id)).seal_json(payload)
        await self.session.execute(
            _INSERT_JOB,
            {
                "kind": kind,
                "payload": payload,
                "person_id": person_id,
                "status": "queued",
                "attempts": 0,
                "run_after": now + delay,
                "created_at": now,
                "updated_at": now,
                "max_attempts": max_attempts,
            },
        )


class JobStore:
    """Claims and settles jobs, each in its own short transaction."""

    def __init__(self, sessionmaker: async_sessionmaker, *, lease: timedelta = DEFAULT_LEASE):
        self.sessionmaker = sessionmaker
        self.lease = lease

    @staticmethod
    def _runnable(now: datetime) -> Any:
        return or_(
            and_(JobRow.status == "queued", JobRow.run_after <= now),
            and_(JobRow.status == "running", JobRow.locked_until < now),
        )

    @translated
    async def claim(
        self, worker: str, now: datetime, *, limit: int = 10, kinds: tuple[str, ...] = ()
    ) -> list[ClaimedJob]:
        """Take up to `limit` runnable jobs (due, or abandoned by a dead worker)."""
        claimed: list[ClaimedJob] = []
        async with self.sessionmaker() as session, session.begin():
            query = select(JobRow.id).where(self._runnable(now))
            if kinds:
                query = query.where(JobRow.kind.in_(kinds))
            query = query.order_by(JobRow.run_after, JobRow.id).limit(limit)
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            ids = list(await session.scalars(query))
            for job_id in ids:
                result = await session.execute(
                    update(JobRow)
                    .where(JobRow.id == job_id, self._runnable(now))
                    .values(
                        status="running",
                        attempts=JobRow.attempts + 1,
                        locked_until=now + self.lease,
                        locked_by=worker,
                        updated_at=now,
                    )
                    .returning(
                        JobRow.id,
                        JobRow.kind,
                        JobRow.payload,
                        JobRow.person_id,
                        JobRow.attempts,
                        JobRow.max_attempts,
                    )
                )
                row = result.first()
                if row is not None:
                    claimed.append(ClaimedJob(*row))
            if any(sealing.key_id_of(job.payload) for job in claimed):
                sealer = await sealing.load_keys(session, [job.payload for job in claimed])
                claimed = [_opened(job, sealer) for job in claimed]
        return claimed

    @translated
    async def complete(self, job_id: int, now: datetime) -> None:
        """Mark a job done."""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(JobRow)
                .where(JobRow.id == job_id)
                .values(status="done", locked_until=None, updated_at=now, last_error=None)
            )

    @translated
    async def fail(
        self,
        job: ClaimedJob,
        error: str,
        now: datetime,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
    ) -> str:
        """Record a failure: retry later with backoff, or park it when attempts run out."""
        parked = permanent or job.attempts >= job.max_attempts
        delay = timedelta(seconds=retry_after) if retry_after else backoff(job.attempts)
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(JobRow)
                .where(JobRow.id == job.id)
                .values(
                    status="parked" if parked else "queued",
                    run_after=now + delay,
                    locked_until=None,
                    last_error=error[:2000],
                    updated_at=now,
                )
            )
        if parked:
            logger.error("job %s (%s) parked after %s attempts", job.id, job.kind, job.attempts)
        return "parked" if parked else "queued"

    @translated
    async def release(self, job: ClaimedJob, now: datetime, delay: timedelta) -> None:
        """Give a job back without counting the attempt (e.g. a rate limit said wait)."""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(JobRow)
                .where(JobRow.id == job.id)
                .values(
                    status="queued",
                    attempts=JobRow.attempts - 1,
                    run_after=now + delay,
                    locked_until=None,
                    updated_at=now,
                )
            )

    @translated
    async def release_person(self, person_id: int, now: datetime) -> None:
        """Queued jobs of one person become runnable now (e.g. the terminal chat reopened)."""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(JobRow)
                .where(
                    JobRow.person_id == person_id,
                    JobRow.status == "queued",
                    JobRow.run_after > now,
                )
                .values(run_after=now)
            )

    @translated
    async def counts(self) -> dict[str, int]:
        """How many jobs are in each status."""
        async with self.sessionmaker() as session:
            rows = await session.execute(
                select(JobRow.status, func.count()).group_by(JobRow.status)
            )
            return {status: int(n) for status, n in rows}

    @translated
    async def pending(self, now: datetime | None = None, person_id: int | None = None) -> int:
        """Jobs not yet done or parked (optionally only those runnable by `now`)."""
        async with self.sessionmaker() as session:
            query = (
                select(func.count())
                .select_from(JobRow)
                .where(JobRow.status.in_(("queued", "running")))
            )
            if now is not None:
                query = query.where(JobRow.run_after <= now)
            if person_id is not None:
                query = query.where(JobRow.person_id == person_id)
            return int(await session.scalar(query) or 0)

    @translated
    async def requeue_parked(self, now: datetime) -> int:
        """Parked jobs run again from now, with fresh attempts (after a fix)."""
        async with self.sessionmaker() as session, session.begin():
            result = await session.execute(
                update(JobRow)
                .where(JobRow.status == "parked")
                .values(
                    status="queued", attempts=0, run_after=now, locked_until=None, updated_at=now
                )
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    @translated
    async def parked(self) -> list[tuple[int, str, str | None]]:
        """Parked jobs with their last error: visible, never silently dropped."""
        async with self.sessionmaker() as session:
            rows = await session.execute(
                select(JobRow.id, JobRow.kind, JobRow.last_error).where(JobRow.status == "parked")
            )
            return [tuple(r) for r in rows]  # type: ignore[misc]
