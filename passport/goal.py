"""Where next: how a person's evidence meets the essential skills of an occupation they aim for.

Pure domain: the occupation and its essential skills come from ESCO (see `insight/occupations.py`),
the evidence URIs from the person's passport. "Grow next" prefers broadly reusable skills
(transversal, then cross-sector) so the advice travels beyond one job.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

GROW_NEXT = 3
MAX_HAVE_LISTED = 5

# Lower is more reusable; unknown reuse sorts last.
REUSE_RANK = {"transversal": 0, "cross-sector": 1, "sector-specific": 2, "occupation-specific": 3}


@dataclass(frozen=True, slots=True)
class EssentialSkill:
    """One essential ESCO skill of an occupation: URI, label, top groups ("S4|T4"), reuse level."""

    uri: str
    label: str
    groups: str = ""
    reuse: str = ""

    @property
    def rank(self) -> tuple[int, int]:
        """Sort key: more reusable first, transversal top groups before the rest."""
        transversal = any(g.startswith("T") for g in self.groups.split("|") if g)
        return (REUSE_RANK.get(self.reuse, 4), 0 if transversal else 1)


class OccupationLike(Protocol):
    """Anything with an ESCO occupation's label and URI."""

    @property
    def label(self) -> str:
        """The occupation's preferred label."""
        ...

    @property
    def uri(self) -> str:
        """The occupation's ESCO URI."""
        ...


@dataclass(frozen=True, slots=True)
class GoalView:
    """What a person already shows for an occupation, and two or three skills to grow next."""

    occupation: str
    occupation_uri: str | None
    have: tuple[EssentialSkill, ...]
    grow: tuple[EssentialSkill, ...]
    total: int
    via: str = ""  # set when the key skills were borrowed from a broader or similar occupation


def _as_skill(item: EssentialSkill | tuple[str, str]) -> EssentialSkill:
    if isinstance(item, EssentialSkill):
        return item
    uri, label = item
    return EssentialSkill(uri=uri, label=label)


def goal_gap(
    occupation: str | OccupationLike,
    essential_skills: Sequence[EssentialSkill | tuple[str, str]],
    evidence_uris: Iterable[str],
    *,
    grow_next: int = GROW_NEXT,
) -> GoalView:
    """Split an occupation's essential skills into "have evidence" and "grow next"."""
    if isinstance(occupation, str):
        label, uri, via = occupation, None, ""
    else:
        label, uri = occupation.label, occupation.uri
        via = str(getattr(occupation, "via", "") or "")
    have_uris = set(evidence_uris)
    skills: list[EssentialSkill] = []
    seen: set[str] = set()
    for item in essential_skills:
        skill = _as_skill(item)
        if skill.uri not in seen:
            seen.add(skill.uri)
            skills.append(skill)
    have = tuple(s for s in skills if s.uri in have_uris)
    missing = [s for s in skills if s.uri not in have_uris]
    # Stable sort: within a rank, ESCO's order (the caller's) decides.
    grow = tuple(sorted(missing, key=lambda s: s.rank)[:grow_next])
    return GoalView(
        occupation=label, occupation_uri=uri, have=have, grow=grow, total=len(skills), via=via
    )


def render_goal(view: GoalView) -> str:
    """The /goal answer in plain, warm words (plain text, fits a phone screen)."""
    lines = [f"Goal: {view.occupation}"]
    if view.via:
        lines[0] += "\n(ESCO lists no key skills for it yet, so these come from similar jobs.)"
    if view.total == 0:
        lines.append("I could not find the key skills for this job yet. Try a similar job name.")
        return "\n\n".join(lines)
    if view.have:
        listed = [f"- {s.label}" for s in view.have[:MAX_HAVE_LISTED]]
        more = len(view.have) - len(listed)
        if more > 0:
            listed.append(f"- and {more} more")
        lines.append(
            f"You already show {len(view.have)} of its {view.total} key skills:\n"
            + "\n".join(listed)
        )
    else:
        lines.append(
            f"This job has {view.total} key skills. Your passport has none of them yet. "
            "That is normal at the start."
        )
    if view.grow:
        lines.append("Good skills to grow next:\n" + "\n".join(f"- {s.label}" for s in view.grow))
        lines.append(
            "Tip: this week, try one of these and write about how it went. "
            "I will add it to your passport."
        )
    else:
        lines.append("You show every key skill of this job. Wonderful work!")
    return "\n\n".join(lines)
