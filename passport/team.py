"""The team skill map as values: counts per ESCO skill, grouped by ESCO pillar, never a person.

`storage.team` builds `TeamCounts` (URIs and numbers, with the privacy rules applied);
`handlers.team` names the skills from ESCO and groups them into a `TeamView` for App Home,
`utp team` and the weekly team post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

# ESCO's skill pillars, in the order views show them.
PILLARS = ("transversal", "digital", "language", "field")
PILLAR_LABELS = {
    "transversal": "Transversal",
    "digital": "Digital",
    "language": "Language",
    "field": "Field",
}


@dataclass(frozen=True, slots=True)
class SkillCount:
    """One ESCO skill: distinct sharing members who kept it, and how many grew into it."""

    uri: str
    members: int
    grew: int  # 0 unless enough members first showed it in the last 30 days


@dataclass(frozen=True, slots=True)
class TeamCounts:
    """A team map as counts only (what is published and shown)."""

    members: int  # sharing members when it was built
    skills: tuple[SkillCount, ...]  # most members first
    built_at: datetime
    iso_week: str

    def to_json(self) -> dict[str, Any]:
        """As stored."""
        return {
            "members": self.members,
            "skills": [[s.uri, s.members, s.grew] for s in self.skills],
            "built_at": self.built_at.isoformat(),
            "iso_week": self.iso_week,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TeamCounts:
        """From the stored value."""
        return cls(
            members=int(data["members"]),
            skills=tuple(SkillCount(str(u), int(m), int(g)) for u, m, g in data["skills"]),
            built_at=datetime.fromisoformat(data["built_at"]),
            iso_week=str(data["iso_week"]),
        )


@dataclass(frozen=True, slots=True)
class Participation:
    """Share of sharing members who answered the latest weekly question (nearest 10 %)."""

    iso_week: str
    percent: int


@dataclass(frozen=True, slots=True)
class Sharing:
    """A member's own sharing choice (for their export and their Home tab)."""

    workspace: str
    sharing: bool
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class TeamSkill:
    """A skill as shown: its ESCO label and pillar with the counts."""

    label: str
    pillar: str
    members: int
    grew: int


@dataclass(frozen=True, slots=True)
class TeamView:
    """What a team sees: the published map (or None) and this week's participation (or None)."""

    workspace: str
    members: int = 0
    skills: tuple[TeamSkill, ...] = ()
    iso_week: str = ""
    built_at: datetime | None = None
    participation: Participation | None = None
    shown: bool = False  # False: below the thresholds, or withdrawn until the change rule allows

    def by_pillar(self) -> list[tuple[str, tuple[TeamSkill, ...]]]:
        """Skills grouped by pillar, pillars in `PILLARS` order, empty pillars left out."""
        out = []
        for pillar in PILLARS:
            part = tuple(s for s in self.skills if s.pillar == pillar)
            if part:
                out.append((pillar, part))
        return out

    def grew(self) -> tuple[TeamSkill, ...]:
        """Skills the team grew into in the last 30 days, most first."""
        return tuple(sorted((s for s in self.skills if s.grew), key=lambda s: (-s.grew, s.label)))

    def to_json(self) -> dict[str, Any]:
        """For `utp team --json`: counts and ESCO labels only."""
        return {
            "workspace": self.workspace,
            "shown": self.shown,
            "map": (
                {
                    "members": self.members,
                    "iso_week": self.iso_week,
                    "built_at": self.built_at.isoformat() if self.built_at else None,
                    "pillars": {
                        pillar: [
                            {"skill": s.label, "members": s.members, "grew_30d": s.grew}
                            for s in skills
                        ]
                        for pillar, skills in self.by_pillar()
                    },
                    "grew_30d": [{"skill": s.label, "members": s.grew} for s in self.grew()],
                }
                if self.shown
                else None
            ),
            "participation": (
                {"iso_week": self.participation.iso_week, "percent": self.participation.percent}
                if self.participation
                else None
            ),
        }
