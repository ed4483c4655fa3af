"""The bank of weekly reflection prompts and how one is chosen for a person."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Prompt:
    """One weekly question."""

    id: str
    category: str
    text: str


CATEGORIES = (
    "growth", "projects", "passions", "helping", "setbacks", "learning", "proud", "curiosity",
    "work",
)

PROMPTS: tuple[Prompt, ...] = (
    Prompt("growth-01", "growth", "What's one thing you can do now that you couldn't a month ago?"),
    Prompt("projects-01", "projects", "Did you make, fix or build anything this week, big or small?"),
    Prompt("passions-01", "passions", "What did you lose track of time doing lately?"),
    Prompt("helping-01", "helping", "Who did you help this week, and how?"),
    Prompt("setbacks-01", "setbacks", "What didn't go to plan this week? What did you do next?"),
    Prompt("learning-01", "learning", "What's something new you learned this week?"),
    Prompt("proud-01", "proud", "What's one small thing you're proud of from this week?"),
    Prompt("curiosity-01", "curiosity", "What made you curious this week?"),
    Prompt("work-01", "work", "What was the trickiest part of your work or studies this week?"),
)
BY_ID = {p.id: p for p in PROMPTS}


def get_prompt(prompt_id: str | None) -> Prompt | None:
    """A prompt by id, or None."""
    return BY_ID.get(prompt_id or "")


def choose_prompt(
    recent_ids: Iterable[str],
    evidence_by_category: Mapping[str, int] | None = None,
    *,
    seed: str = "",
    exclude: Iterable[str] = (),
) -> Prompt:
    """Pick a prompt not used recently, favouring categories with little evidence so far."""
    recent = set(recent_ids) | set(exclude)
    evidence = evidence_by_category or {}
    candidates = [p for p in PROMPTS if p.id not in recent] or [
        p for p in PROMPTS if p.id not in set(exclude)
    ] or list(PROMPTS)

    def rank(p: Prompt) -> tuple[int, str]:
        tiebreak = hashlib.sha256(f"{seed}:{p.id}".encode()).hexdigest()
        return evidence.get(p.category, 0), tiebreak

    return min(candidates, key=rank)
