"""What the nudge, reminder and digest jobs read and write, each in a short transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import aliased

from passport.jobs import Nudge, as_row
from passport.messages import Address
from passport.rhythm import NudgeInfo
from storage.models import EntryRow, IdentityRow, NudgeRow, PersonRow
from storage.nudges import JOBS, NUDGE_COLUMNS, NUDGES, PERSONS, nudge_info, update_many
from storage.sealing import load_keys

_RETRY_ATTEMPTS = 48  # a person away (the terminal chat) is retried for about a week


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
                    *NUDGE_COLUMNS,
                    newer.label("newer"),
                )
                .join(PersonRow, PersonRow.id == NudgeRow.person_id)
                .where(NudgeRow.id.in_(list(nudge_ids)))
                .order_by(NudgeRow.id)
            )
            found = rows.all()
            sealer = await load_keys(session, [r.state for r in found])
            return [nudge_info(r, sealer, bool(r.newer)) for r in found]

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
            await update_many(session, NUDGES, nudges)
            if inactive:
                await session.execute(
                    PERSONS.update().where(PERSONS.c.id.in_(list(inactive))).values(active=False)
                )
            if retry and now is not None:
                await session.execute(
                    insert(JOBS),
                    [
                        dict(
                            **as_row(Nudge((nid,), pid)),
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
                await update_many(session, NUDGES, nudges)
            return
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            for nudge_id, values in nudges:
                await conn.execute(NUDGES.update().where(NUDGES.c.id == nudge_id).values(**values))

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
                select(*NUDGE_COLUMNS)
                .join(PersonRow, PersonRow.id == NudgeRow.person_id)
                .where(NudgeRow.person_id == person_id)
                .order_by(NudgeRow.iso_week.desc())
                .limit(limit)
            )
            found = rows.all()
            sealer = await load_keys(session, [r.state for r in found])
            return [nudge_info(r, sealer) for r in found]

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
