"""What people answered about noticed skills, counted across everyone: never text, never who.

`SkillTally` is one skill's counts; `SkillFeedback` is the port the handlers use
(implemented by `storage.skill_feedback.SqlAlchemySkillFeedbackRepository`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from passport.model import Signal
from passport.signals import SignalStatus


@dataclass(frozen=True, slots=True)
class SkillTally:
    """How often one skill (its ESCO URI) was noticed, kept and rejected, by anyone."""

    key: str
    noticed: int = 0
    kept: int = 0
    rejected: int = 0

    @property
    def answers(self) -> int:
        """Keeps plus rejections: the answers the keep rate is read from."""
        return self.kept + self.rejected


class SkillFeedback(Protocol):
    """Global per-skill counts, and a person's own "not me" evidence for similar actions."""

    async def tallies(self, keys: Iterable[str]) -> dict[str, SkillTally]:
        """The counts of these skills (skills nobody answered yet are left out)."""
        ...

    async def noticed(self, signals: Iterable[Signal]) -> None:
        """Count these freshly suggested signals as noticed (skills with an ESCO URI only)."""
        ...

    async def answered(
        self, person_id: int, signal_ids: Iterable[int], status: SignalStatus
    ) -> list[str]:
        """Move these signals to `status` and count each skill that changed (once per key)."""
        ...

    async def rejected_evidence(self, person_id: int, keys: Iterable[str]) -> dict[str, list[str]]:
        """The person's own evidence quotes for the skills they said "not me" to, by key."""
        ...

    async def most_rejected(self, limit: int = 10) -> Sequence[SkillTally]:
        """The skills rejected most often."""
        ...
