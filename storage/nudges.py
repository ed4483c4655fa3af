"""The weekly rhythm's queries: claiming due people, nudges and digests, in batches.

Claims run inside one transaction per batch. On PostgreSQL the rows are read with
`FOR UPDATE SKIP LOCKED`, so several workers split a wave without waiting on each other; on SQLite
the batch starts with a write, which takes the database's one write lock at once, so a second
process waits for the batch instead of reading rows the first is about to change. The unique
(person, ISO week) key on `nudges` is the last guard: a week's nudge row is inserted at most once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from passport.model import Schedule
from storage.models import EntryRow, JobRow, NudgeRow, PersonRow, SignalRow


@dataclass(frozen=True, slots=True)
class DuePerson:
    """A person whose weekly slot (or digest) came due, as read under the claim."""

    id: int
    schedule: Schedule
    state: dict[str, Any]
    active: bool
    last_digest_at: datetime | None = None
    next_digest_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NudgeInfo:
    """One nudge row with what its jobs need to know about the person."""

    id: int
    person_id: int
    iso_week: str
    prompt_id: str
    status: str
    sent_at: datetime | None
    remind_at: datetime | None
    reminded_at: datetime | None
    answered_at: datetime | None
    schedule: Schedule
    state: dict[str, Any]
    active: bool


_PERSON_COLUMNS = (
    PersonRow.id, PersonRow.weekday, PersonRow.hour, PersonRow.timezone, PersonRow.paused,
    PersonRow.paused_until, PersonRow.skip_week, PersonRow.reminders, PersonRow.digest,
    PersonRow.next_nudge_at, PersonRow.state, PersonRow.active, PersonRow.last_digest_at,
    PersonRow.next_digest_at,
)


def _schedule(r: Any) -> Schedule:
    return Schedule(weekday=r.weekday, hour=r.hour, timezone=r.timezone, paused=r.paused,
                    paused_until=r.paused_until, skip_week=r.skip_week, reminders=r.reminders,
                    digest=r.digest, next_nudge_at=r.next_nudge_at)


def _due(r: Any) -> DuePerson:
    return DuePerson(id=r.id, schedule=_schedule(r), state=dict(r.state or {}), active=r.active,
                     last_digest_at=r.last_digest_at, next_digest_at=r.next_digest_at)


def not_paused(now: datetime) -> Any:
    """Not paused, or paused until a moment that has passed (the pause ends by itself)."""
    return or_(PersonRow.paused.is_(False),
               and_(PersonRow.paused_until.is_not(None), PersonRow.paused_until <= now))


async def take_write_lock(session: AsyncSession) -> None:
    """SQLite: start the batch with a write, so the claim reads what it will change alone."""
    if session.bind.dialect.name == "sqlite":
        await session.execute(text("UPDATE persons SET id = id WHERE 0 = 1"))


def _locked(query: Any, session: AsyncSession, *of: Any) -> Any:
    if session.bind.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, of=of or None)
    return query


async def due_people(session: AsyncSession, now: datetime, limit: int) -> list[DuePerson]:
    """People whose next nudge time has come and who may be nudged (claimed under lock)."""
    query = (
        select(*_PERSON_COLUMNS)
        .where(PersonRow.next_nudge_at <= now, PersonRow.active.is_(True),
               PersonRow.onboarded.is_(True), not_paused(now))
        .order_by(PersonRow.next_nudge_at)
        .limit(limit)
    )
    rows = await session.execute(_locked(query, session, PersonRow))
    return [_due(r) for r in rows]


async def due_digests(session: AsyncSession, now: datetime, limit: int) -> list[DuePerson]:
    """People with a scheduled digest that is due, or not yet placed (claimed under lock)."""
    query = (
        select(*_PERSON_COLUMNS)
        .where(PersonRow.digest.in_(("weekly", "monthly")), PersonRow.active.is_(True),
               PersonRow.onboarded.is_(True),
               or_(PersonRow.next_digest_at.is_(None), PersonRow.next_digest_at <= now))
        .order_by(PersonRow.id)
        .limit(limit)
    )
    rows = await session.execute(_locked(query, session, PersonRow))
    return [_due(r) for r in rows]


async def nudge_history(
    session: AsyncSession, person_ids: Sequence[int], since_week: str
) -> dict[int, list[tuple[str, str]]]:
    """(ISO week, prompt id) of each person's nudges from `since_week` on, most recent first."""
    history: dict[int, list[tuple[str, str]]] = {pid: [] for pid in person_ids}
    if not person_ids:
        return history
    rows = await session.execute(
        select(NudgeRow.person_id, NudgeRow.iso_week, NudgeRow.prompt_id)
        .where(NudgeRow.person_id.in_(person_ids), NudgeRow.iso_week >= since_week)
        .order_by(NudgeRow.person_id, NudgeRow.iso_week.desc())
    )
    for pid, week, prompt_id in rows:
        history[pid].append((week, prompt_id))
    return history


async def evidence_rows(
    session: AsyncSession, person_ids: Sequence[int]
) -> dict[int, list[tuple[str | None, str, str | None, int]]]:
    """Per person: (prompt answered, signal kind, ESCO top group, count) of kept-or-suggested
    signals, for gap-driven prompt choice."""
    out: dict[int, list[tuple[str | None, str, str | None, int]]] = {pid: [] for pid in person_ids}
    if not person_ids:
        return out
    group = func.substr(SignalRow.group_code, 1, 2)
    rows = await session.execute(
        select(SignalRow.person_id, EntryRow.prompt_id, SignalRow.kind, group, func.count())
        .select_from(SignalRow)
        .outerjoin(EntryRow, EntryRow.id == SignalRow.entry_id)
        .where(SignalRow.person_id.in_(person_ids), SignalRow.status != "rejected")
        .group_by(SignalRow.person_id, EntryRow.prompt_id, SignalRow.kind, group)
    )
    for pid, prompt_id, kind, grp, n in rows:
        out[pid].append((prompt_id, kind, grp, int(n)))
    return out


async def insert_nudges(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> dict[int, int]:
    """Insert nudge rows, skipping any (person, week) that exists; person id → new nudge id."""
    if not rows:
        return {}
    dialect = session.bind.dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        make(NudgeRow)
        .on_conflict_do_nothing(index_elements=["person_id", "iso_week"])
        .returning(NudgeRow.person_id, NudgeRow.id)
    )
    inserted: dict[int, int] = {}
    for row in rows:  # one statement per row: RETURNING after ON CONFLICT must stay exact
        result = await session.execute(stmt.values(**row))
        got = result.first()
        if got is not None:
            inserted[int(got[0])] = int(got[1])
    return inserted


async def update_people(
    session: AsyncSession, changes: Iterable[tuple[int, dict[str, Any]]]
) -> None:
    """Write each claimed person's new next times, pause and state."""
    for person_id, values in changes:
        if values:
            await session.execute(
                update(PersonRow).where(PersonRow.id == person_id).values(**values)
            )


async def enqueue_jobs(
    session: AsyncSession, jobs: Sequence[dict[str, Any]], now: datetime
) -> None:
    """Add durable jobs in the claim's transaction (kind, payload, person_id, max_attempts)."""
    if not jobs:
        return
    await session.execute(
        insert(JobRow),
        [dict(status="queued", attempts=0, run_after=now, created_at=now, updated_at=now, **job)
         for job in jobs],
    )


async def due_reminders(session: AsyncSession, now: datetime, limit: int) -> list[NudgeInfo]:
    """Sent, unanswered, not yet reminded nudges whose reminder time came (claimed under lock)."""
    query = (
        select(NudgeRow.id, NudgeRow.person_id, NudgeRow.iso_week, NudgeRow.prompt_id,
               NudgeRow.status, NudgeRow.sent_at, NudgeRow.remind_at, NudgeRow.reminded_at,
               NudgeRow.answered_at, *_PERSON_COLUMNS[1:])
        .join(PersonRow, PersonRow.id == NudgeRow.person_id)
        .where(NudgeRow.remind_at <= now, NudgeRow.reminded_at.is_(None))
        .order_by(NudgeRow.remind_at)
        .limit(limit)
    )
    rows = await session.execute(_locked(query, session, NudgeRow))
    return [_nudge(r) for r in rows]


def _nudge(r: Any) -> NudgeInfo:
    return NudgeInfo(id=r.id, person_id=r.person_id, iso_week=r.iso_week, prompt_id=r.prompt_id,
                     status=r.status, sent_at=r.sent_at, remind_at=r.remind_at,
                     reminded_at=r.reminded_at, answered_at=r.answered_at,
                     schedule=_schedule(r), state=dict(r.state or {}), active=r.active)


async def update_nudges(
    session: AsyncSession, changes: Iterable[tuple[int, dict[str, Any]]]
) -> None:
    """Set columns on claimed nudges (reminded_at, or a moved / cleared remind_at)."""
    for nudge_id, values in changes:
        await session.execute(update(NudgeRow).where(NudgeRow.id == nudge_id).values(**values))


class SqlAlchemyNudgeStore:
    """What the nudge, reminder and digest jobs read and write, each in a short transaction."""

    def __init__(self, sessionmaker: async_sessionmaker) -> None:
        self.sessionmaker = sessionmaker

    async def get(self, nudge_id: int) -> NudgeInfo | None:
        """A nudge with its person's schedule and state, or None (forgotten meanwhile)."""
        async with self.sessionmaker() as session:
            row = (await session.execute(
                select(NudgeRow.id, NudgeRow.person_id, NudgeRow.iso_week, NudgeRow.prompt_id,
                       NudgeRow.status, NudgeRow.sent_at, NudgeRow.remind_at,
                       NudgeRow.reminded_at, NudgeRow.answered_at, *_PERSON_COLUMNS[1:])
                .join(PersonRow, PersonRow.id == NudgeRow.person_id)
                .where(NudgeRow.id == nudge_id)
            )).first()
            return _nudge(row) if row else None

    async def newer_exists(self, person_id: int, iso_week: str) -> bool:
        """True when the person already has a nudge for a later week."""
        async with self.sessionmaker() as session:
            found = await session.scalar(
                select(NudgeRow.id).where(NudgeRow.person_id == person_id,
                                          NudgeRow.iso_week > iso_week).limit(1)
            )
            return found is not None

    async def set(self, nudge_id: int, **values: Any) -> None:
        """Change a nudge's columns (status, sent_at, remind_at …)."""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(update(NudgeRow).where(NudgeRow.id == nudge_id).values(**values))

    async def set_person(self, person_id: int, **values: Any) -> None:
        """Change a person's columns (inactive after a block, last_digest_at)."""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(PersonRow).where(PersonRow.id == person_id).values(**values)
            )

    async def recent(self, person_id: int, limit: int = 8) -> list[NudgeInfo]:
        """A person's latest nudges, most recent week first (for `utp schedule`)."""
        async with self.sessionmaker() as session:
            rows = await session.execute(
                select(NudgeRow.id, NudgeRow.person_id, NudgeRow.iso_week, NudgeRow.prompt_id,
                       NudgeRow.status, NudgeRow.sent_at, NudgeRow.remind_at,
                       NudgeRow.reminded_at, NudgeRow.answered_at, *_PERSON_COLUMNS[1:])
                .join(PersonRow, PersonRow.id == NudgeRow.person_id)
                .where(NudgeRow.person_id == person_id)
                .order_by(NudgeRow.iso_week.desc())
                .limit(limit)
            )
            return [_nudge(r) for r in rows]

    async def year_ago_entry(self, person_id: int, now: datetime) -> str | None:
        """The text of an entry written about a year ago (51–53 weeks back), if any."""
        async with self.sessionmaker() as session:
            return await session.scalar(
                select(EntryRow.text)
                .where(EntryRow.person_id == person_id,
                       EntryRow.created_at >= now - timedelta(weeks=53),
                       EntryRow.created_at <= now - timedelta(weeks=51))
                .order_by(EntryRow.created_at)
                .limit(1)
            )
