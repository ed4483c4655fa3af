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
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from passport.messages import Address
from passport.model import Schedule
from storage.mapping import schedule_from_row
from storage.models import (
    ChannelStateRow,
    EntryRow,
    IdentityRow,
    JobRow,
    NudgeRow,
    PersonRow,
    SignalRow,
)
from storage.sealing import Sealer, load_keys, vault_for, vaults_for


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
    newer: bool = False  # the person already has a nudge for a later week


_RETRY_ATTEMPTS = 48  # a person away (the terminal chat) is retried for about a week
_PERSONS = cast(Table, PersonRow.__table__)
_NUDGES = cast(Table, NudgeRow.__table__)
_JOBS = cast(Table, JobRow.__table__)

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
_NUDGE_COLUMNS = (
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
        state=dict(sealer.open_json(r.state) or {}),
        active=r.active,
        last_digest_at=r.last_digest_at,
        next_digest_at=r.next_digest_at,
    )


async def resume_expired(session: AsyncSession, now: datetime) -> int:
    """End every pause whose end date has passed; how many ended."""
    result = await session.execute(
        _PERSONS.update()
        .where(
            _PERSONS.c.paused.is_(True),
            _PERSONS.c.paused_until.is_not(None),
            _PERSONS.c.paused_until <= now,
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
        make(_NUDGES)
        .on_conflict_do_nothing(index_elements=["person_id", "iso_week"])
        .returning(_NUDGES.c.person_id, _NUDGES.c.id)
    )
    # One statement for the batch (SQLAlchemy's "insertmanyvalues"); rows that hit the unique
    # key return nothing, so only the people who really got a new nudge come back.
    result = await session.execute(stmt, [dict(row) for row in rows])
    return {int(pid): int(nid) for pid, nid in result.all()}


async def _update_many(
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
    await _update_many(session, _PERSONS, changes)


async def enqueue_jobs(
    session: AsyncSession, jobs: Sequence[dict[str, Any]], now: datetime
) -> None:
    """Add durable jobs in the claim's transaction (kind, payload, person_id, max_attempts)."""
    if not jobs:
        return
    await session.execute(
        insert(_JOBS),
        [
            dict(status="queued", attempts=0, run_after=now, created_at=now, updated_at=now, **job)
            for job in jobs
        ],
    )


async def due_reminders(session: AsyncSession, now: datetime, limit: int) -> list[NudgeInfo]:
    """Sent, unanswered, not yet reminded nudges whose reminder time came (claimed under lock)."""
    query = (
        select(*_NUDGE_COLUMNS)
        .join(PersonRow, PersonRow.id == NudgeRow.person_id)
        .where(NudgeRow.remind_at <= now, NudgeRow.reminded_at.is_(None))
        .order_by(NudgeRow.remind_at)
        .limit(limit)
    )
    rows = (await session.execute(_locked(query, session, NudgeRow))).all()
    sealer = await load_keys(session, [r.state for r in rows])
    return [_nudge(r, sealer) for r in rows]


def _nudge(r: Any, sealer: Sealer, newer: bool = False) -> NudgeInfo:
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
        state=dict(sealer.open_json(r.state) or {}),
        active=r.active,
        newer=newer,
    )


async def update_nudges(
    session: AsyncSession, changes: Iterable[tuple[int, dict[str, Any]]]
) -> None:
    """Set columns on claimed nudges (reminded_at, or a moved / cleared remind_at)."""
    await _update_many(session, _NUDGES, changes)


class SqlAlchemyNudgeStore:
    """What the nudge, reminder and digest jobs read and write, each in a short transaction."""

    def __init__(self, sessionmaker: async_sessionmaker) -> None:
        self.sessionmaker = sessionmaker

    async def get_many(self, nudge_ids: Sequence[int]) -> list[NudgeInfo]:
        """Nudges with their person's schedule and state, in id order (forgotten ones drop)."""
        if not nudge_ids:
            return []
        later = aliased(NudgeRow)
        newer = (
            select(later.id)
            .where(later.person_id == NudgeRow.person_id, later.iso_week > NudgeRow.iso_week)
            .exists()
        )
        async with self.sessionmaker() as session:
            rows = await session.execute(
                select(
                    *_NUDGE_COLUMNS,
                    newer.label("newer"),
                )
                .join(PersonRow, PersonRow.id == NudgeRow.person_id)
                .where(NudgeRow.id.in_(list(nudge_ids)))
                .order_by(NudgeRow.id)
            )
            found = rows.all()
            sealer = await load_keys(session, [r.state for r in found])
            return [_nudge(r, sealer, bool(r.newer)) for r in found]

    async def addresses(self, person_ids: Sequence[int]) -> dict[int, Address]:
        """Where each person was seen last (one query for a batch of sends)."""
        if not person_ids:
            return {}
        async with self.sessionmaker() as session:
            rows = await session.execute(
                select(
                    IdentityRow.person_id,
                    IdentityRow.platform,
                    IdentityRow.user_id,
                    IdentityRow.chat_id,
                    IdentityRow.workspace,
                )
                .where(IdentityRow.person_id.in_(list(person_ids)))
                .order_by(IdentityRow.last_seen_at.desc())
            )
            found: dict[int, Address] = {}
            for pid, platform, user_id, chat_id, workspace in rows:
                found.setdefault(int(pid), Address(platform, user_id, chat_id, workspace))
            return found

    async def get(self, nudge_id: int) -> NudgeInfo | None:
        """One nudge (see `get_many`), or None."""
        found = await self.get_many([nudge_id])
        return found[0] if found else None

    async def settle(
        self,
        nudges: Sequence[tuple[int, dict[str, Any]]],
        *,
        inactive: Sequence[int] = (),
        retry: Sequence[tuple[int, int, float]] = (),
        now: datetime | None = None,
    ) -> None:
        """In one transaction: nudge columns (status, sent_at, remind_at), people who blocked
        the bot, and per-person retry jobs (person id, nudge id, delay in seconds)."""
        if not inactive and not retry:
            await self._marks(nudges)
            return
        async with self.sessionmaker() as session, session.begin():
            await _update_many(session, _NUDGES, nudges)
            if inactive:
                await session.execute(
                    _PERSONS.update().where(_PERSONS.c.id.in_(list(inactive))).values(active=False)
                )
            if retry and now is not None:
                await session.execute(
                    insert(_JOBS),
                    [
                        dict(
                            kind="nudge",
                            payload={"nudge_ids": [nid]},
                            person_id=pid,
                            status="queued",
                            attempts=0,
                            max_attempts=_RETRY_ATTEMPTS,
                            run_after=now + timedelta(seconds=delay),
                            created_at=now,
                            updated_at=now,
                        )
                        for pid, nid, delay in retry
                    ],
                )

    async def _marks(self, nudges: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Nudge marks alone: on PostgreSQL one autocommit statement each (no BEGIN / COMMIT
        round trips, the mark after every send is the hot path of a wave)."""
        if not nudges:
            return
        engine = self.sessionmaker.kw.get("bind")
        if engine is None or engine.dialect.name != "postgresql":
            async with self.sessionmaker() as session, session.begin():
                await _update_many(session, _NUDGES, nudges)
            return
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            for nudge_id, values in nudges:
                await conn.execute(
                    _NUDGES.update().where(_NUDGES.c.id == nudge_id).values(**values)
                )

    async def set(self, nudge_id: int, **values: Any) -> None:
        """Change a nudge's columns (status, sent_at, remind_at …)."""
        await self.settle([(nudge_id, values)])

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
                select(*_NUDGE_COLUMNS)
                .join(PersonRow, PersonRow.id == NudgeRow.person_id)
                .where(NudgeRow.person_id == person_id)
                .order_by(NudgeRow.iso_week.desc())
                .limit(limit)
            )
            found = rows.all()
            sealer = await load_keys(session, [r.state for r in found])
            return [_nudge(r, sealer) for r in found]

    async def year_ago_entries(self, person_ids: Sequence[int], now: datetime) -> dict[int, str]:
        """Per person, the text of an entry written about a year ago (51–53 weeks back)."""
        if not person_ids:
            return {}
        async with self.sessionmaker() as session:
            rows = await session.execute(
                select(EntryRow.person_id, EntryRow.text)
                .where(
                    EntryRow.person_id.in_(list(person_ids)),
                    EntryRow.created_at >= now - timedelta(weeks=53),
                    EntryRow.created_at <= now - timedelta(weeks=51),
                )
                .order_by(EntryRow.created_at)
            )
            found: dict[int, str] = {}
            pairs = rows.all()
            sealer = await load_keys(session, [t for _, t in pairs])
            for pid, text_ in pairs:
                found.setdefault(int(pid), sealer.open(text_) or "")
            return found

    async def year_ago_entry(self, person_id: int, now: datetime) -> str | None:
        """The text of an entry written about a year ago, if any."""
        return (await self.year_ago_entries([person_id], now)).get(person_id)


# Team defaults an admin sets (Slack App Home) live in channel_state under this key.
TEAM_DEFAULTS_KEY = "slack:defaults:{workspace}"


async def team_topics(
    session: AsyncSession, person_ids: Sequence[int], key_format: str = TEAM_DEFAULTS_KEY
) -> dict[int, str]:
    """Per person on a team platform: the stored team defaults (raw JSON)."""
    rows = (
        await session.execute(
            select(IdentityRow.person_id, IdentityRow.workspace).where(
                IdentityRow.person_id.in_(person_ids), IdentityRow.platform == "slack"
            )
        )
    ).all()
    if not rows:
        return {}
    keys = {key_format.format(workspace=ws) for _, ws in rows}
    found = await session.execute(
        select(ChannelStateRow.key, ChannelStateRow.value).where(ChannelStateRow.key.in_(keys))
    )
    stored: dict[str, str] = {key: value for key, value in found}
    return {
        pid: stored[key_format.format(workspace=ws)]
        for pid, ws in rows
        if key_format.format(workspace=ws) in stored
    }
