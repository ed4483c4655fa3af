"""One person's nudge history: which weeks they were asked, with which questions, and answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from passport.repositories import NudgeHistory
from storage.mapping import SessionRepository
from storage.models import NudgeRow
from storage.nudges import evidence_rows


class SqlAlchemyNudgeHistory(SessionRepository, NudgeHistory):
    """What the conversation needs to know about a person's weekly questions."""

    async def nudged_weeks(self, person_id: int, limit: int = 12) -> set[str]:
        """ISO weeks (most recent first, bounded) in which this person already had a nudge."""
        rows = await self.session.scalars(
            select(NudgeRow.iso_week)
            .where(NudgeRow.person_id == person_id)
            .order_by(NudgeRow.iso_week.desc())
            .limit(limit)
        )
        return set(rows)

    async def recent_prompt_ids(self, person_id: int, weeks: int = 8) -> list[str]:
        """Prompts sent in the last `weeks` nudges (no repeat within 8 weeks)."""
        rows = await self.session.scalars(
            select(NudgeRow.prompt_id)
            .where(NudgeRow.person_id == person_id)
            .order_by(NudgeRow.iso_week.desc())
            .limit(weeks)
        )
        return list(rows)

    async def prompt_evidence(
        self, person_id: int
    ) -> list[tuple[str | None, str, str | None, int]]:
        """(prompt answered, signal kind, ESCO top group, count) rows for gap-driven prompts."""
        return (await evidence_rows(self.session, [person_id]))[person_id]

    async def mark_nudge_answered(self, person_id: int, iso_week: str, now: datetime) -> None:
        """A reply arrived for that week's question: no reminder is needed any more."""
        await self.session.execute(
            update(NudgeRow)
            .where(
                NudgeRow.person_id == person_id,
                NudgeRow.iso_week == iso_week,
                NudgeRow.answered_at.is_(None),
            )
            .values(answered_at=now)
        )
