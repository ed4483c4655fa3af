"""Talent signals and the one result shape every extractor returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class SignalKind(StrEnum):
    """What a signal says about a person."""

    SKILL = "skill"
    STRENGTH = "strength"
    INTEREST = "interest"
    GROWTH = "growth"


class SignalStatus(StrEnum):
    """Who decided about a signal: nobody yet, the person said keep, or said not me."""

    SUGGESTED = "suggested"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class SkillHit:
    """An ESCO skill found in a text, with the person's own words as evidence."""

    uri: str
    label: str
    group: str  # ESCO top group code, e.g. "S1", "T2", "K06", "L1"
    evidence: str  # a verbatim substring of the text
    confidence: float  # 0..1


@dataclass(frozen=True, slots=True)
class PlainSignal:
    """A strength, interest or growth moment in plain words, with verbatim evidence."""

    label: str
    evidence: str
    confidence: float = 0.6


@dataclass(frozen=True, slots=True)
class RankedSkill:
    """One line of a ranking over all ESCO skills (for ranking benchmarks)."""

    uri: str
    label: str
    score: float


@dataclass(frozen=True, slots=True)
class ExtractionResult:
    """What an extractor returns for one text. Both extractors return exactly this shape."""

    skills: tuple[SkillHit, ...] = ()
    strengths: tuple[PlainSignal, ...] = ()
    interests: tuple[PlainSignal, ...] = ()
    growth: tuple[PlainSignal, ...] = ()
    extractor: str = "offline"  # "offline", "llm", or "offline (llm failed: ...)"
    tokens: dict[str, int] = field(default_factory=dict)  # prompt / completion / total
    notes: tuple[str, ...] = ()  # e.g. "text is not English: best effort"
    ranking: tuple[RankedSkill, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict in the documented shape (`utp extract` prints this)."""
        out = asdict(self)
        if self.ranking is None:
            out.pop("ranking")
        return out

    @property
    def is_empty(self) -> bool:
        """True when nothing at all was noticed."""
        return not (self.skills or self.strengths or self.interests or self.growth)


class Extractor(Protocol):
    """Turns one person's text into talent signals. Implementations live in `extractors/`."""

    @property
    def name(self) -> str:
        """Which extractor this is (stored with what it noticed)."""
        ...

    async def extract(self, text: str, *, rank: int = 0) -> ExtractionResult:
        """Extract signals from `text`; with `rank` > 0 also return the top `rank` ESCO skills."""
        ...
