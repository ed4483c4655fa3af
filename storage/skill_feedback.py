"""Skill feedback in storage: global per-skill counts, and a person's own "not me" evidence.

`skill_feedback` holds one row per ESCO skill URI with three counters (noticed, kept,
rejected) and nothing else: no text, no person id, no time. Counters move by a conditional
upsert (`INSERT .. ON CONFLICT DO UPDATE SET n = n + excluded.n`), so two processes counting
the same skill at once never lose an increment on PostgreSQL or SQLite, and they move in the
transaction of the change they count (a suggestion stored, a keep / not me answered).

What a person said "not me" to stays where it always was: their rejected signals, whose
evidence is sealed with their key and goes with them on /forget. Nothing per person is added.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import BigInteger, String, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from passport.feedback import SkillTally
from passport.model import Signal
from passport.signals import SignalKind, SignalStatus
from storage.models import Base, SignalRow, _table
from storage.sealing import load_keys

MAX_REJECTED_QUOTES = 200  # a person's rejected quotes read per extraction, newest first
_COUNTERS = ("noticed", "kept", "rejected")
_ANSWER_COUNTER = {SignalStatus.CONFIRMED: "kept", SignalStatus.REJECTED: "rejected"}


class SkillFeedbackRow(Base):
    """Counts for one ESCO skill across everyone (see the module docstring)."""

    __tablename__ = "skill_feedback"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    noticed: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    kept: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    rejected: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0", index=True)


_TABLE = _table(SkillFeedbackRow)


def _counted(kind: str, esco_uri: str | None) -> bool:
    """Only ESCO skills are counted: their key is a taxonomy URI, never a person's words."""
    return kind == SignalKind.SKILL.value and bool(esco_uri)


def _tally(row: Any) -> SkillTally:
    return SkillTally(row.key, int(row.noticed), int(row.kept), int(row.rejected))


class SqlAlchemySkillFeedbackRepository:
    """Reads and moves the skill counters inside one unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def tallies(self, keys: Iterable[str]) -> dict[str, SkillTally]:
        """The counts of these skills (skills never counted are left out)."""
        wanted = sorted({k for k in keys if k})
        if not wanted:
            return {}
        rows = await self.session.execute(select(_TABLE).where(_TABLE.c.key.in_(wanted)))
        return {row.key: _tally(row) for row in rows}

    async def most_rejected(self, limit: int = 10) -> list[SkillTally]:
        """The skills rejected most often (ties: fewer keeps first, then by key)."""
        rows = await self.session.execute(
            select(_TABLE)
            .where(_TABLE.c.rejected > 0)
            .order_by(_TABLE.c.rejected.desc(), _TABLE.c.kept, _TABLE.c.key)
            .limit(limit)
        )
        return [_tally(row) for row in rows]

    async def noticed(self, signals: Iterable[Signal]) -> None:
        """Count freshly suggested signals as noticed (ESCO skills only, once per skill)."""
        keys = {s.esco_uri for s in signals if s.esco_uri and _counted(str(s.kind), s.esco_uri)}
        await self._add(dict.fromkeys(keys, 1), "noticed")

    async def answered(
        self, person_id: int, signal_ids: Iterable[int], status: SignalStatus
    ) -> list[str]:
        """Move these signals to `status` and count each skill whose answer changed.

        A conditional UPDATE claims the change: a signal already at `status` is not counted
        again, and of two taps on the same button at once only one moves the row (PostgreSQL
        locks it; the other re-reads it as already changed). Returns the counted keys.
        """
        counter = _ANSWER_COUNTER.get(status)
        ids = sorted({int(i) for i in signal_ids})
        if counter is None or not ids:
            return []
        moved = await self.session.execute(
            update(SignalRow)
            .where(
                SignalRow.person_id == person_id,
                SignalRow.id.in_(ids),
                SignalRow.status != status.value,
            )
            .values(status=status.value)
            .returning(SignalRow.kind, SignalRow.esco_uri),
            execution_options={"synchronize_session": "fetch"},
        )
        keys = sorted({uri for kind, uri in moved if uri and _counted(kind, uri)})
        await self._add(dict.fromkeys(keys, 1), counter)
        return keys

    async def rejected_evidence(self, person_id: int, keys: Iterable[str]) -> dict[str, list[str]]:
        """The person's own (opened) evidence quotes for skills they said "not me" to."""
        wanted = sorted({k for k in keys if k})
        if not wanted:
            return {}
        rows = (
            await self.session.execute(
                select(SignalRow.key, SignalRow.evidence)
                .where(
                    SignalRow.person_id == person_id,
                    SignalRow.status == SignalStatus.REJECTED.value,
                    SignalRow.key.in_(wanted),
                )
                .order_by(SignalRow.id.desc())
                .limit(MAX_REJECTED_QUOTES)
            )
        ).all()
        sealer = await load_keys(self.session, [r.evidence for r in rows])
        found: dict[str, list[str]] = {}
        for key, evidence in rows:
            found.setdefault(key, []).append(sealer.open(evidence) or "")
        return found

    async def _add(self, deltas: dict[str, int], counter: str) -> None:
        """Add to one counter of many skills in one statement (keys sorted: two transactions
        touching the same skills lock their rows in the same order, so they never deadlock)."""
        if not deltas:
            return
        dialect = self.session.bind.dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        rows = [
            {name: (deltas[key] if name == counter else 0) for name in _COUNTERS} | {"key": key}
            for key in sorted(deltas)
        ]
        stmt = insert(_TABLE).values(rows)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[_TABLE.c.key],
                set_={counter: _TABLE.c[counter] + stmt.excluded[counter]},
            )
        )
