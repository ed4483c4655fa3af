"""The weekly rhythm's queries: due people, nudges and digests read under lock, and the writes.

Claims run inside one transaction per batch (`storage.nudge_claims`). On PostgreSQL the rows are
read with `FOR UPDATE SKIP LOCKED`, so several workers split a wave without waiting on each
other; on SQLite the batch starts with a write, which takes the database's one write lock at
once, so a second process waits for the batch instead of reading rows the first is about to
change. The unique (person, ISO week) key on `nudges` is the last guard: a week's nudge row is
inserted at most once. Row values become `passport.rhythm` values here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from passport.model import Schedule
from passport.rhythm import DuePerson, NudgeInfo
from passport.state import ConversationState
from storage.mapping import schedule_from_row
from storage.models import EntryRow, JobRow, NudgeRow, PersonRow, SignalRow
from storage.sealing import Sealer, load_keys, vault_for, vaults_for

__all__ = ["DuePerson", "NudgeInfo"]  # the values a claim reads (defined in passport.rhythm)

PERSONS = cast(Table, PersonRow.__table__)
NUDGES = cast(Table, NudgeRow.__table__)
JOBS = cast(Table, JobRow.__table__)

_PERSON_COLUMNS = (
    PersonRow.id,
    PersonRow.weekday,
    PersonRow.hour,
    PersonRow.timezone,
    PersonRow.paused,
    PersonRow.paused_until,
    PersonRow.skip_week,
    PersonRow.reminders,
    PersonRow.digest,
    PersonRow.next_nudge_at,
    PersonRow.state,
    PersonRow.active,
    PersonRow.last_digest_at,
    PersonRow.next_digest_at,
)
NUDGE_COLUMNS = (
    NudgeRow.id,
    NudgeRow.person_id,
    NudgeRow.iso_week,
    NudgeRow.prompt_id,
    NudgeRow.status,
    NudgeRow.sent_at,
    NudgeRow.remind_at,
    NudgeRow.reminded_at,
    NudgeRow.answered_at,
    *_PERSON_COLUMNS[1:],
)


def _schedule(r: Any) -> Schedule:
    return schedule_from_row(r)


def _due(r: Any, sealer: Sealer) -> DuePerson:
    return DuePerson(
        id=r.id,
        schedule=_schedule(r),
        state=ConversationState.of(sealer.open_json(r.state)),
        active=r.active,
        last_digest_at=r.last_digest_at,
        next_digest_at=r.next_digest_at,
    )


async def resume_expired(session: AsyncSession, now: datetime) -> int:
    """End every pause whose end date has passed; how many ended (the rule is
    `passport.rhythm.is_paused`, here as one statement for everyone at once)."""
    result = await session.execute(
        PERSONS.update()
        .where(
            PERSONS.c.paused.is_(True),
            PERSONS.c.paused_until.is_not(None),
            PERSONS.c.paused_until <= now,
        )
        .values(paused=False, paused_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def take_write_lock(session: AsyncSession) -> None:
    """SQLite: start the batch with a write, so the claim reads what it will change alone."""
    if session.bind.dialect.name == "sqlite":
        await session.execute(text("UPDATE persons SET id = id WHERE 0 = 1"))


def _locked(query: Any, session: AsyncSession, *of: Any) -> Any:
    if session.bind.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, of=of or None)
    return query


async def due_people(session: AsyncSession, now: datetime, limit: int) -> list[DuePerson]:
    """People whose next nudge time has come (claimed under lock).

    Paused and inactive people are claimed too, so that their time moves on a week and the
    front of the `next_nudge_at` index holds only work, however many people stepped away.
    """
    query = (
        select(*_PERSON_COLUMNS)
        .where(PersonRow.next_nudge_at <= now, PersonRow.onboarded.is_(True))
        .order_by(PersonRow.next_nudge_at)
        .limit(limit)
    )
    rows = (await session.execute(_locked(query, session, PersonRow))).all()
    sealer = await load_keys(session, [r.state for r in rows])
    return [_due(r, sealer) for r in rows]


async def due_digests(session: AsyncSession, now: datetime, limit: int) -> list[DuePerson]:
    """People with a scheduled digest that is due, or not yet placed (claimed under lock)."""
    query = (
        select(*_PERSON_COLUMNS)
        .where(
            PersonRow.digest.in_(("weekly", "monthly")),
            PersonRow.active.is_(True),
            PersonRow.onboarded.is_(True),
            or_(PersonRow.next_digest_at.is_(None), PersonRow.next_digest_at <= now),
        )
        .order_by(PersonRow.id)
        .limit(limit)
    )
    rows = (await session.execute(_locked(query, session, PersonRow))).all()
    sealer = await load_keys(session, [r.state for r in rows])
    return [_due(r, sealer) for r in rows]


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
        make(NUDGES)
        .on_conflict_do_nothing(index_elements=["person_id", "iso_week"])
        .returning(NUDGES.c.person_id, NUDGES.c.id)
    )
    # One statement for the batch (SQLAlchemy's "insertmanyvalues"); rows that hit the unique
    # key return nothing, so only the people who really got a new nudge come back.
    result = await session.execute(stmt, [dict(row) for row in rows])
    return {int(pid): int(nid) for pid, nid in result.all()}


async def update_many(
    session: AsyncSession, table: Any, changes: Iterable[tuple[int, dict[str, Any]]]
) -> None:
    """UPDATE by id, one executemany per set of changed columns (compiled once, cached)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row_id, values in changes:
        if values:
            row = {f"v_{k}": v for k, v in values.items()}
            row["b_id"] = row_id
            groups.setdefault(tuple(sorted(values)), []).append(row)
    for keys, params in groups.items():
        stmt = (
            table.update()
            .where(table.c.id == bindparam("b_id"))
            .values({k: bindparam(f"v_{k}") for k in keys})
        )
        await session.execute(stmt, params)


async def update_people(
    session: AsyncSession, changes: Iterable[tuple[int, dict[str, Any]]]
) -> None:
    """Write each claimed person's new next times, pause and state (sealed)."""
    changes = list(changes)
    with_state = [pid for pid, values in changes if values.get("state")]
    if with_state:
        vaults = await vaults_for(session, with_state)
        for pid in with_state:
            if pid not in vaults:  # a person from before sealing: their key is made now
                vaults[pid] = await vault_for(session, pid)
        changes = [
            (pid, {**values, "state": vaults[pid].seal_json(values["state"])})
            if values.get("state")
            else (pid, values)
            for pid, values in changes
        ]
    await update_many(session, PERSONS, changes)


async def enqueue_jobs(
    session: AsyncSession, jobs: Sequence[dict[str, Any]], now: datetime
) -> None:
    """Add durable jobs in the claim's transaction (kind, payload, person_id, max_attempts)."""
    if not jobs:
        return
    await session.execute(
        insert(JOBS),
        [
            dict(status="queued", attempts=0, run_after=now, created_at=now, updated_at=now, **job)
            for job in jobs
        ],
    )


async def due_reminders(session: AsyncSession, now: datetime, limit: int) -> list[NudgeInfo]:
    """Sent, unanswered, not yet reminded nudges whose reminder time came (claimed under lock)."""
    query = (
        select(*NUDGE_COLUMNS)
        .join(PersonRow, PersonRow.id == NudgeRow.person_id)
        .where(NudgeRow.remind_at <= now, NudgeRow.reminded_at.is_(None))
        .order_by(NudgeRow.remind_at)
        .limit(limit)
    )
    rows = (await session.execute(_locked(query, session, NudgeRow))).all()
    sealer = await load_keys(session, [r.state for r in rows])
    return [nudge_info(r, sealer) for r in rows]


def nudge_info(r: Any, sealer: Sealer, newer: bool = False) -> NudgeInfo:
    """A NudgeInfo from a row of `NUDGE_COLUMNS` (the state opened)."""
    return NudgeInfo(
        id=r.id,
        person_id=r.person_id,
        iso_week=r.iso_week,
        prompt_id=r.prompt_id,
        status=r.status,
        sent_at=r.sent_at,
        remind_at=r.remind_at,
        reminded_at=r.reminded_at,
        answered_at=r.answered_at,
        schedule=_schedule(r),
        state=ConversationState.of(sealer.open_json(r.state)),
        active=r.active,
        newer=newer,
    )


async def update_nudges(
    session: AsyncSession, changes: Iterable[tuple[int, dict[str, Any]]]
) -> None:
    """Set columns on claimed nudges (reminded_at, or a moved / cleared remind_at)."""
    await update_many(session, NUDGES, changes)
