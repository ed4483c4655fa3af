"""Claiming the weekly rhythm's due work: one transaction per batch, the rules applied inside.

Each claim reads a batch of due rows under lock (`storage.nudges`), asks the pure rules of
`passport.rhythm` what to do with each (the caller passes them in, already bound to `now` and
the limits), and writes every outcome in the same transaction: people moved on, nudge rows
(unique per person and ISO week), and the durable jobs that will send them. So a process that
dies mid-batch leaves nothing half done, and two workers never nudge anyone twice in a week.
The shape of the jobs is the caller's (`bot/scheduler.py`); this module only stores them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from passport.jobs import JobMessage, as_row
from passport.rhythm import (
    HISTORY_WEEKS,
    DigestPlan,
    DuePerson,
    EvidenceRow,
    NudgeInfo,
    NudgePlan,
    ReminderPlan,
)
from passport.timeutil import iso_week

# Called through the module (`q.insert_nudges`), so a test can stand in for one query.
from storage import nudges as q
from storage.team import claim_team_posts
from storage.team_topics import team_categories

NudgePlanner = Callable[
    [DuePerson, Sequence[tuple[str, str]], Sequence[EvidenceRow], tuple[str, ...]], NudgePlan
]


@dataclass(frozen=True, slots=True)
class NudgeClaim:
    """What one batch of due people came to."""

    people: int = 0  # claimed (a full batch means: claim again)
    plans: tuple[NudgePlan, ...] = ()
    nudged: tuple[int, ...] = ()  # people whose week's nudge was stored, in claim order
    raced: int = 0  # a nudge was planned, but the week already had one (a raced /settings)


@dataclass(frozen=True, slots=True)
class ReminderClaim:
    """What one batch of due reminders came to."""

    claimed: int = 0
    sent: int = 0
    dropped: int = 0


@dataclass(frozen=True, slots=True)
class DigestClaim:
    """What one batch of due (or unplaced) digests came to."""

    claimed: int = 0
    due: int = 0


def _nudge_row(plan: NudgePlan, now: datetime) -> dict[str, Any]:
    assert plan.prompt is not None
    return dict(
        person_id=plan.person_id,
        iso_week=plan.week,
        prompt_id=plan.prompt.id,
        category=plan.prompt.category,
        status="queued",
        created_at=now,
    )


def _person_columns(plan: NudgePlan, *, with_state: bool) -> dict[str, Any]:
    values: dict[str, Any] = {"next_nudge_at": plan.next_nudge_at}
    if plan.resumed:
        values.update(paused=False, paused_until=None)
    if with_state and plan.state is not None:
        values["state"] = plan.state.to_json()
    return values


class SqlAlchemyRhythmClaims:
    """The scheduler's claims; any number of processes may claim from the same database."""

    def __init__(self, sessionmaker: async_sessionmaker, *, max_attempts: int) -> None:
        self.sessionmaker = sessionmaker
        self.max_attempts = max_attempts  # of each job a claim enqueues

    def _rows(self, jobs: Sequence[JobMessage]) -> list[dict[str, Any]]:
        return [{**as_row(job), "max_attempts": self.max_attempts} for job in jobs]

    async def resume_expired(self, now: datetime) -> int:
        """End every pause whose end date has come; how many ended."""
        async with self.sessionmaker() as session, session.begin():
            return await q.resume_expired(session, now)

    async def claim_nudges(
        self,
        now: datetime,
        limit: int,
        plan: NudgePlanner,
        jobs: Callable[[list[tuple[int, int]]], list[JobMessage]],
    ) -> NudgeClaim:
        """Claim up to `limit` due people, plan each (history, evidence, team topics) and store
        the plans; `jobs` turns the stored (person, nudge id) pairs into jobs to enqueue."""
        async with self.sessionmaker() as session, session.begin():
            await q.take_write_lock(session)
            people = await q.due_people(session, now, limit)
            if not people:
                return NudgeClaim()
            ids = [p.id for p in people]
            since = iso_week(now - timedelta(weeks=HISTORY_WEEKS), "UTC")
            history = await q.nudge_history(session, ids, since)
            evidence = await q.evidence_rows(session, ids)
            topics = await team_categories(session, ids)
            plans = [plan(p, history[p.id], evidence[p.id], topics.get(p.id, ())) for p in people]
            asks = [p for p in plans if p.prompt is not None]
            inserted = await q.insert_nudges(session, [_nudge_row(p, now) for p in asks])
            # The week already had its nudge (a raced /settings change): the next time still
            # moves on, but the question on screen is left alone.
            raced = {p.person_id for p in asks if p.person_id not in inserted}
            await q.update_people(
                session,
                [
                    (p.person_id, _person_columns(p, with_state=p.person_id not in raced))
                    for p in plans
                ],
            )
            claimed = [
                (p.person_id, inserted[p.person_id]) for p in asks if p.person_id in inserted
            ]
            await q.enqueue_jobs(session, self._rows(jobs(claimed)) if claimed else [], now)
        return NudgeClaim(len(people), tuple(plans), tuple(pid for pid, _ in claimed), len(raced))

    async def claim_reminders(
        self,
        now: datetime,
        limit: int,
        plan: Callable[[NudgeInfo], ReminderPlan],
        job: Callable[[NudgeInfo], JobMessage],
    ) -> ReminderClaim:
        """Claim up to `limit` due reminders: send (a job), move past quiet hours, or drop."""
        async with self.sessionmaker() as session, session.begin():
            await q.take_write_lock(session)
            due = await q.due_reminders(session, now, limit)
            if not due:
                return ReminderClaim()
            plans = [plan(nudge) for nudge in due]
            await q.update_nudges(
                session,
                [
                    (p.nudge_id, {"reminded_at": now} if p.send else {"remind_at": p.later})
                    for p in plans
                ],
            )
            sends = [job(nudge) for nudge, p in zip(due, plans, strict=True) if p.send]
            await q.enqueue_jobs(session, self._rows(sends), now)
        sent = sum(1 for p in plans if p.send)
        dropped = sum(1 for p in plans if not p.send and p.later is None)
        return ReminderClaim(len(due), sent, dropped)

    async def claim_digests(
        self,
        now: datetime,
        limit: int,
        plan: Callable[[DuePerson], DigestPlan],
        job: Callable[[DigestPlan], JobMessage],
    ) -> DigestClaim:
        """Claim up to `limit` people whose digest is due (or not yet placed): place the next
        slot for each, and a job for those whose slot is to be sent now."""
        async with self.sessionmaker() as session, session.begin():
            await q.take_write_lock(session)
            due = await q.due_digests(session, now, limit)
            if not due:
                return DigestClaim()
            plans = [plan(person) for person in due]
            await q.update_people(
                session, [(p.person_id, {"next_digest_at": p.next_digest_at}) for p in plans]
            )
            sends = [job(p) for p in plans if p.due is not None]
            await q.enqueue_jobs(session, self._rows(sends), now)
        return DigestClaim(len(due), len(sends))

    async def claim_team_posts(self, now: datetime, job: Callable[[str, str], JobMessage]) -> int:
        """Claim this week's post of every team with a post channel (once per workspace and
        ISO week); `job(workspace, week)` is enqueued for each. How many were claimed."""
        async with self.sessionmaker() as session, session.begin():
            claimed = await claim_team_posts(session, now)
            await q.enqueue_jobs(session, self._rows([job(ws, week) for ws, week in claimed]), now)
        return len(claimed)
