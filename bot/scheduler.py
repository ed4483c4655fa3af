"""The weekly scheduler: a tick claims who is due and turns them into durable jobs.

State lives in the database, not in this process: `persons.next_nudge_at` (UTC) says when each
person's weekly slot comes, and a tick claims due people in batches (see `storage.nudges`). For
each, the week of the due slot on the person's own calendar decides: still open → one nudge row
(unique per person and week) and a "nudge" job, in the same transaction that moves
`next_nudge_at` on; over (everything was down) → only move on, never a burst of old questions.
The tick also claims reminders, scheduled digests and weekly team posts (one per workspace and
ISO week, see `storage.team`). `utp worker` runs a tick every
`TICK_SECONDS` with APScheduler; `utp tick` and `utp chat` run one pass.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from handlers.context import Limits
from handlers.rhythm import (
    NUDGES_PER_JOB,
    RHYTHM_MAX_ATTEMPTS,
    after_quiet_hours,
    in_quiet_hours,
    week_end,
)
from passport.clock import Clock
from passport.errors import StorageUnavailable
from passport.faults import DEFAULT_POLICY, FaultPolicy
from passport.model import Schedule
from passport.prompts import CATEGORIES, choose_prompt, evidence_by_category
from passport.schedule import next_nudge_at, next_slot
from passport.timeutil import iso_week, zone
from storage import nudges as q
from storage.faults import translated
from storage.team import claim_team_posts

if TYPE_CHECKING:
    from bot.bootstrap import App

logger = logging.getLogger(__name__)

TICK_SECONDS = 30
BATCH = 200
LATE_GRACE = timedelta(hours=1)  # later than this, a catch-up nudge keeps out of quiet hours
REMINDER_BEFORE_NEXT = timedelta(hours=24)  # no reminder this close to the next question
HISTORY_WEEKS = 10


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


def next_digest_slot(schedule: Schedule, after: datetime, frequency: str) -> datetime:
    """The next digest instant: the person's day and hour, weekly or on its first in a month."""
    slot = next_slot(schedule, after)
    if frequency != "monthly":
        return slot
    for _ in range(6):
        if slot.astimezone(zone(schedule.timezone)).day <= 7:
            return slot
        slot = next_slot(schedule, slot)
    return slot


def _nudge_jobs(claimed: list[tuple[int, int]]) -> list[dict[str, Any]]:
    """Slices of (person, nudge) as "nudge" jobs; a job of one carries its person (so the
    terminal chat can release it when that person comes back)."""
    jobs = []
    for start in range(0, len(claimed), NUDGES_PER_JOB):
        part = claimed[start : start + NUDGES_PER_JOB]
        jobs.append(
            dict(
                kind="nudge",
                payload={"nudge_ids": [nid for _, nid in part]},
                person_id=part[0][0] if len(part) == 1 else None,
                max_attempts=RHYTHM_MAX_ATTEMPTS,
            )
        )
    return jobs


class Scheduler:
    """One pass at a time claims due work; any number of processes may tick the same database."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker,
        clock: Clock,
        limits: Limits,
        *,
        batch: int = BATCH,
        faults: FaultPolicy = DEFAULT_POLICY,
    ) -> None:
        self.sessionmaker = sessionmaker
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

    async def _retrying(self, step: Any, now: datetime, report: TickReport) -> int:
        # Another process holding the write lock is waited out (passport.faults); a disk that is
        # full or a database that is away raises StorageUnavailable for the caller to log.
        attempt = translated(step)
        return await self.faults.run(lambda: attempt(now, report))

    async def _resume(self, now: datetime, report: TickReport) -> int:
        async with self.sessionmaker() as session, session.begin():
            report.resumed += await q.resume_expired(session, now)
        return 0

    # -- nudges ------------------------------------------------------------------------------

    async def _nudge_batch(self, now: datetime, report: TickReport) -> int:
        async with self.sessionmaker() as session, session.begin():
            await q.take_write_lock(session)
            people = await q.due_people(session, now, self.batch)
            if not people:
                return 0
            ids = [p.id for p in people]
            since = iso_week(now - timedelta(weeks=HISTORY_WEEKS), "UTC")
            history = await q.nudge_history(session, ids, since)
            evidence = await q.evidence_rows(session, ids)
            topics = await q.team_topics(session, ids)
            new_nudges: list[dict[str, Any]] = []
            changes: dict[int, dict[str, Any]] = {}
            for person in people:
                prefer = _categories(topics.get(person.id))
                change, nudge = self._plan(
                    person, now, history[person.id], evidence[person.id], report, prefer
                )
                changes[person.id] = change
                if nudge is not None:
                    new_nudges.append(nudge)
            inserted = await q.insert_nudges(session, new_nudges)
            claimed: list[tuple[int, int]] = []
            for nudge in new_nudges:
                pid = nudge["person_id"]
                if pid not in inserted:
                    # The week already had its nudge (a raced /settings change): do not
                    # touch the question on screen.
                    changes[pid].pop("state", None)
                    report.advanced += 1
                    continue
                report.nudged += 1
                report.people.append(pid)
                claimed.append((pid, inserted[pid]))
            await q.update_people(session, changes.items())
            await q.enqueue_jobs(session, _nudge_jobs(claimed), now)
        return len(people)

    def _plan(
        self,
        person: q.DuePerson,
        now: datetime,
        history: list[tuple[str, str]],
        evidence: list[Any],
        report: TickReport,
        prefer: tuple[str, ...] = (),
    ) -> tuple[dict[str, Any], dict | None]:
        """Decide for one due person: (person column changes, nudge row to insert or None)."""
        schedule = person.schedule
        tz = schedule.timezone
        change: dict[str, Any] = {}
        away = not person.active or (
            schedule.paused and (schedule.paused_until is None or schedule.paused_until > now)
        )
        if schedule.paused and not away:  # the pause ran out: it ends by itself
            change.update(paused=False, paused_until=None)
            report.resumed += 1
        slot = schedule.next_nudge_at or now
        week = iso_week(slot, tz)
        sent = {w for w, _ in history}
        if away or now >= week_end(week, tz) or week in sent or week == schedule.skip_week:
            change["next_nudge_at"] = next_nudge_at(schedule, now, sent_weeks=sent)
            report.advanced += 1
            return change, None
        if now - slot > LATE_GRACE and in_quiet_hours(now, tz, self.limits):
            later = after_quiet_hours(now, tz, self.limits)
            if later < week_end(week, tz):
                change["next_nudge_at"] = later
                report.deferred += 1
                return change, None
            # The week would end inside the quiet hours: a late question still beats none,
            # since its week is open (a Sunday-evening slot missed during downtime).
        recent = [prompt_id for _, prompt_id in history]
        on_screen = (person.state.get("prompt") or {}).get("id")
        if on_screen:
            recent.insert(0, on_screen)
        prompt = choose_prompt(
            recent, evidence_by_category(evidence), seed=f"{person.id}:{week}", prefer=prefer
        )
        state = dict(person.state)
        state["prompt"] = {"id": prompt.id, "week": week}
        state.pop("followup", None)  # a new week's question is what a reply now answers
        change.update(
            state=state, next_nudge_at=next_nudge_at(schedule, now, sent_weeks=sent | {week})
        )
        nudge = dict(
            person_id=person.id,
            iso_week=week,
            prompt_id=prompt.id,
            category=prompt.category,
            status="queued",
            created_at=now,
        )
        return change, nudge

    # -- reminders ---------------------------------------------------------------------------

    async def _reminder_batch(self, now: datetime, report: TickReport) -> int:
        async with self.sessionmaker() as session, session.begin():
            await q.take_write_lock(session)
            due = await q.due_reminders(session, now, self.batch)
            if not due:
                return 0
            changes: list[tuple[int, dict[str, Any]]] = []
            jobs = []
            for nudge in due:
                values = self._plan_reminder(nudge, now)
                changes.append((nudge.id, values))
                if values.get("reminded_at"):
                    report.reminders += 1
                    jobs.append(
                        dict(
                            kind="reminder",
                            payload={"nudge_id": nudge.id},
                            person_id=nudge.person_id,
                            max_attempts=RHYTHM_MAX_ATTEMPTS,
                        )
                    )
                elif values.get("remind_at") is None:
                    report.reminders_dropped += 1
            await q.update_nudges(session, changes)
            await q.enqueue_jobs(session, jobs, now)
        return len(due)

    def _plan_reminder(self, nudge: q.NudgeInfo, now: datetime) -> dict[str, Any]:
        """reminded_at (send it), a later remind_at (quiet hours), or remind_at=None (drop)."""
        s = nudge.schedule
        paused = s.paused and (s.paused_until is None or s.paused_until > now)
        current = (nudge.state.get("prompt") or {}).get("week")
        upcoming = s.next_nudge_at
        if (
            nudge.answered_at is not None
            or nudge.status != "sent"
            or not nudge.active
            or paused
            or not s.reminders
            or self.limits.reminder_hours <= 0
            or current != nudge.iso_week
            or (upcoming is not None and upcoming - now < REMINDER_BEFORE_NEXT)
        ):
            return {"remind_at": None}
        if in_quiet_hours(now, s.timezone, self.limits):
            return {"remind_at": after_quiet_hours(now, s.timezone, self.limits)}
        return {"reminded_at": now}

    # -- digests -----------------------------------------------------------------------------

    async def _digest_batch(self, now: datetime, report: TickReport) -> int:
        async with self.sessionmaker() as session, session.begin():
            await q.take_write_lock(session)
            due = await q.due_digests(session, now, self.batch)
            if not due:
                return 0
            changes = []
            jobs = []
            for person in due:
                s = person.schedule
                frequency = s.digest
                upcoming = next_digest_slot(s, now, frequency)
                changes.append((person.id, {"next_digest_at": upcoming}))
                slot = person.next_digest_at
                paused = s.paused and (s.paused_until is None or s.paused_until > now)
                # Not yet placed (just opted in), or long overdue: only place the next one.
                if slot is None or now - slot > timedelta(days=1) or paused:
                    continue
                report.digests += 1
                jobs.append(
                    dict(
                        kind="scheduled_digest",
                        payload={"due": slot.isoformat()},
                        person_id=person.id,
                        max_attempts=RHYTHM_MAX_ATTEMPTS,
                    )
                )
            await q.update_people(session, changes)
            await q.enqueue_jobs(session, jobs, now)
        return len(due)

    # -- weekly team posts ---------------------------------------------------------------------

    async def _team_posts(self, now: datetime, report: TickReport) -> int:
        async with self.sessionmaker() as session, session.begin():
            claimed = await claim_team_posts(session, now)
            jobs = [
                dict(
                    kind="team_post",
                    payload={"workspace": workspace, "week": week},
                    person_id=None,
                    max_attempts=RHYTHM_MAX_ATTEMPTS,
                )
                for workspace, week in claimed
            ]
            await q.enqueue_jobs(session, jobs, now)
        report.team_posts += len(claimed)
        return len(claimed)


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


def describe_local(at: datetime | None, tz: str) -> str:
    """ "Sunday 06 Dec 2026 18:00 (Europe/Berlin)" for operators, or "—"."""
    if at is None:
        return "—"
    local = at.astimezone(zone(tz))
    return f"{local:%A %d %b %Y %H:%M} ({tz})"


def _categories(raw: str | None) -> tuple[str, ...]:
    """The prompt topics in a stored team-defaults value (none when unset or damaged)."""
    if not raw:
        return ()
    try:
        chosen = json.loads(raw).get("categories") or ()
    except (ValueError, AttributeError):
        return ()
    return tuple(c for c in chosen if c in CATEGORIES)
