"""The weekly scheduler loop: a tick asks storage to claim who is due and enqueue their jobs.

State lives in the database, not in this process: `persons.next_nudge_at` (UTC) says when each
person's weekly slot comes. A tick claims due people in batches (`storage.nudge_claims`), each
planned by the pure rules of `passport.rhythm` inside the claim's transaction: a still-open week
→ one nudge row (unique per person and week) and a "nudge" job while `next_nudge_at` moves on;
a week that is over (everything was down) → only move on, never a burst of old questions. The
tick also claims reminders, scheduled digests and weekly team posts (one per workspace and ISO
week). This module owns only the loop and the shape of the jobs: `utp worker` runs a tick every
`TICK_SECONDS` with APScheduler; `utp tick` and `utp chat` run one pass.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from handlers.context import Limits
from handlers.rhythm import NUDGES_PER_JOB, RHYTHM_MAX_ATTEMPTS
from passport.clock import Clock
from passport.errors import StorageUnavailable
from passport.faults import DEFAULT_POLICY, FaultPolicy
from passport.jobs import JobMessage, Nudge, Reminder, ScheduledDigest, TeamPost
from passport.rhythm import (
    DigestPlan,
    DuePerson,
    EvidenceRow,
    NudgeInfo,
    NudgePlan,
    plan_digest,
    plan_nudge,
    plan_reminder,
)
from storage.faults import translated
from storage.nudge_claims import SqlAlchemyRhythmClaims

if TYPE_CHECKING:
    from bot.bootstrap import App

logger = logging.getLogger(__name__)

TICK_SECONDS = 30
BATCH = 200


@dataclass
class TickReport:
    """What one pass did (for logs, `utp tick` and tests)."""

    nudged: int = 0
    advanced: int = 0  # slot passed without a nudge: week over, skipped, or already nudged
    deferred: int = 0  # a late catch-up waiting for the quiet hours to end
    resumed: int = 0
    reminders: int = 0
    reminders_dropped: int = 0
    digests: int = 0
    team_posts: int = 0
    batches: int = 0
    people: list[int] = field(default_factory=list)

    @property
    def work(self) -> int:
        """How many jobs this pass enqueued."""
        return self.nudged + self.reminders + self.digests + self.team_posts


# -- the jobs a claim enqueues -------------------------------------------------------------------


def nudge_jobs(claimed: Sequence[tuple[int, int]]) -> list[JobMessage]:
    """Slices of (person, nudge) as `Nudge` jobs; a job of one carries its person (so the
    terminal chat can release it when that person comes back)."""
    jobs: list[JobMessage] = []
    for start in range(0, len(claimed), NUDGES_PER_JOB):
        part = claimed[start : start + NUDGES_PER_JOB]
        person_id = part[0][0] if len(part) == 1 else None
        jobs.append(Nudge(tuple(nid for _, nid in part), person_id))
    return jobs


def reminder_job(nudge: NudgeInfo) -> JobMessage:
    """The one reminder about a sent question."""
    return Reminder(nudge.person_id, nudge.id)


def digest_job(plan: DigestPlan) -> JobMessage:
    """A scheduled digest for the slot that came due."""
    assert plan.due is not None
    return ScheduledDigest(plan.person_id, plan.due.isoformat())


def team_post_job(workspace: str, week: str) -> JobMessage:
    """A team's weekly post."""
    return TeamPost(workspace, week)


# -- the loop ----------------------------------------------------------------------------------


class Scheduler:
    """One pass at a time claims due work; any number of processes may tick the same database."""

    def __init__(
        self,
        sessionmaker: Any,
        clock: Clock,
        limits: Limits,
        *,
        batch: int = BATCH,
        faults: FaultPolicy = DEFAULT_POLICY,
    ) -> None:
        self.claims = SqlAlchemyRhythmClaims(sessionmaker, max_attempts=RHYTHM_MAX_ATTEMPTS)
        self.clock = clock
        self.limits = limits
        self.batch = batch
        self.faults = faults

    async def tick(self, now: datetime | None = None) -> TickReport:
        """Claim everything due at `now` (default: the clock) and enqueue its jobs."""
        now = now or self.clock.now()
        report = TickReport()
        await self._retrying(self._resume, now, report)
        for step in (self._nudge_batch, self._reminder_batch, self._digest_batch):
            while True:
                claimed = await self._retrying(step, now, report)
                report.batches += 1
                if claimed < self.batch:
                    break
        await self._retrying(self._team_posts, now, report)
        if report.work or report.advanced:
            logger.info(
                "tick at %s: %s nudges, %s reminders, %s digests, %s moved on",
                now.isoformat(),
                report.nudged,
                report.reminders,
                report.digests,
                report.advanced,
            )
        return report

    async def _retrying(
        self,
        step: Callable[[datetime, TickReport], Awaitable[int]],
        now: datetime,
        report: TickReport,
    ) -> int:
        # Another process holding the write lock is waited out (passport.faults); a disk that is
        # full or a database that is away raises StorageUnavailable for the caller to log.
        attempt = translated(step)
        return await self.faults.run(lambda: attempt(now, report))

    async def _resume(self, now: datetime, report: TickReport) -> int:
        report.resumed += await self.claims.resume_expired(now)
        return 0

    async def _nudge_batch(self, now: datetime, report: TickReport) -> int:
        def plan(
            person: DuePerson,
            history: Sequence[tuple[str, str]],
            evidence: Sequence[EvidenceRow],
            prefer: tuple[str, ...],
        ) -> NudgePlan:
            return plan_nudge(person, now, self.limits, history, evidence, prefer)

        claim = await self.claims.claim_nudges(now, self.batch, plan, nudge_jobs)
        for p in claim.plans:
            report.resumed += p.resumed
            report.deferred += p.deferred
            report.advanced += p.prompt is None and not p.deferred
        report.advanced += claim.raced
        report.nudged += len(claim.nudged)
        report.people.extend(claim.nudged)
        return claim.people

    async def _reminder_batch(self, now: datetime, report: TickReport) -> int:
        claim = await self.claims.claim_reminders(
            now, self.batch, lambda nudge: plan_reminder(nudge, now, self.limits), reminder_job
        )
        report.reminders += claim.sent
        report.reminders_dropped += claim.dropped
        return claim.claimed

    async def _digest_batch(self, now: datetime, report: TickReport) -> int:
        claim = await self.claims.claim_digests(
            now, self.batch, lambda person: plan_digest(person, now), digest_job
        )
        report.digests += claim.due
        return claim.claimed

    async def _team_posts(self, now: datetime, report: TickReport) -> int:
        claimed = await self.claims.claim_team_posts(now, team_post_job)
        report.team_posts += claimed
        return claimed


async def run_tick(app: App, now: datetime | None = None) -> TickReport:
    """One scheduler pass on a wired app; wakes the job runner when work was queued."""
    scheduler = Scheduler(
        app.sessionmaker, app.clock, app.services.limits, faults=app.services.faults
    )
    report = await scheduler.tick(now)
    if report.work:
        app.runner.notify()
    return report


async def start_scheduler(app: App, stop: asyncio.Event, *, seconds: float = TICK_SECONDS) -> None:
    """Tick every `seconds` (APScheduler 3, `AsyncIOScheduler`) until `stop` is set."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    async def tick() -> None:
        try:
            await run_tick(app)
        except StorageUnavailable as exc:
            logger.warning("scheduler tick skipped: %s; the next one catches up", exc)
        except asyncio.CancelledError:  # shutting down mid-pass: its transaction rolls back
            logger.info("scheduler tick cancelled at shutdown")
        except Exception:  # noqa: BLE001 - a failed pass is logged; the next one catches up
            logger.exception("scheduler tick failed")

    scheduler = AsyncIOScheduler(timezone=UTC)
    # One pass at a time in this process; a pass that overruns is not queued twice.
    scheduler.add_job(
        tick,
        "interval",
        seconds=seconds,
        id="utp-tick",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
