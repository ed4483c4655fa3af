"""The bank of weekly reflection prompts and how one is chosen for a person.

Ids are stable (`<category>-NN`): entries and nudges keep them, so a prompt's text may be polished
but its id never reused for another question. Choice is gap-driven: categories where the person's
passport has little evidence come first, recently asked categories step back, and no prompt is
asked again within eight weeks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Prompt:
    """One weekly question."""

    id: str
    category: str
    text: str


CATEGORIES = (
    "growth",
    "projects",
    "passions",
    "helping",
    "setbacks",
    "learning",
    "proud",
    "curiosity",
    "work",
)

NO_REPEAT_WEEKS = 8

_BANK: dict[str, tuple[str, ...]] = {
    "growth": (
        "What's one thing you can do now that you couldn't a month ago?",
        "When did you feel a bit braver than usual this week?",
        "What got easier for you lately? Why do you think it did?",
        "Did you change your mind about something this week? What changed it?",
        "What's a habit you're building? How is it going?",
        "When did you step out of your comfort zone lately?",
        "What would you tell yourself from a year ago?",
    ),
    "projects": (
        "Did you make, fix or build anything this week, big or small?",
        "What are you working on just for fun right now?",
        "Tell me about a hobby you spent time on lately. What did you do?",
        "What's a project you started and want to finish? What's the next step?",
        "Did you cook, draw, code, grow or craft something lately? How did it turn out?",
        "What's something you made that you still use or look at?",
        "If you had a free Saturday, what would you build or try?",
        "What did you make, fix, plan or help with this week? How did you do it?",
    ),
    "passions": (
        "What did you lose track of time doing lately?",
        "What could you talk about for hours? What do you love about it?",
        "What gave you energy this week?",
        "What do friends come to you for, because you love it?",
        "What topic do you keep reading about or watching?",
        "What part of your week did you look forward to most?",
        "If you could spend a whole day on one thing, what would it be?",
    ),
    "helping": (
        "Who did you help this week, and how?",
        "Did you explain something to someone lately? How did you make it clear?",
        "When did you make someone's day a bit easier?",
        "Did you help a team, a club or your family get something done? What was your part?",
        "Who asked you for advice lately? What did you tell them?",
        "When did you listen to someone who needed it?",
        "Did you look after someone or something this week, like a person, a pet or a plant?",
    ),
    "setbacks": (
        "What didn't go to plan this week? What did you do next?",
        "Tell me about a mistake you learned from lately.",
        "What was hard this week, and how did you get through it?",
        "Did something go wrong that you fixed or worked around? How?",
        "When did you want to give up but kept going?",
        "What would you do differently if you had this week again?",
        "Did you get feedback that stung a bit? What did you take from it?",
    ),
    "learning": (
        "What's something new you learned this week?",
        "What did you figure out by yourself lately? How did you do it?",
        "What's a skill you're practising right now? What helps?",
        "Did you learn something from a friend, a video or a book lately? What was it?",
        "What question did you look up this week? What did you find?",
        "What's one thing you'd like to learn next, and why?",
        "Did you try a new tool, app or way of doing something? How was it?",
    ),
    "proud": (
        "What's one small thing you're proud of from this week?",
        "What did you finish lately that felt good?",
        "When did you do something well this week, even if nobody saw it?",
        "What did someone thank you for lately?",
        "What's a win from this week that you almost forgot?",
        "What are you proud of that would be hard to put on a CV?",
        "When did you surprise yourself lately?",
    ),
    "curiosity": (
        "What made you curious this week?",
        "What's a question you can't stop thinking about?",
        "Did you notice how something works and wonder why? What was it?",
        "What did you try for the first time lately?",
        "Who did you meet or talk to lately who had an interesting job or life?",
        "What's something you'd like to take apart, visit or ask an expert about?",
        "What surprised you this week?",
    ),
    "work": (
        "What was the trickiest part of your work or studies this week?",
        "What task did you do well at work or school this week? How did you do it?",
        "Did you plan or organise something this week? How did you keep it on track?",
        "Tell me about a time you worked with others this week. What did you bring?",
        "What problem did you solve at work or school lately?",
        "Did you deal with a tricky person or talk this week? How did you handle it?",
        "What part of your job or studies do you enjoy most right now?",
    ),
}

PROMPTS: tuple[Prompt, ...] = tuple(
    Prompt(f"{category}-{n:02d}", category, text)
    for category in CATEGORIES
    for n, text in enumerate(_BANK[category], 1)
)
BY_ID = {p.id: p for p in PROMPTS}

# Evidence that a signal of this kind or ESCO top group gives to a category, besides the
# category of the prompt its entry answered.
KIND_CATEGORIES = {
    "growth": ("growth",),
    "interest": ("passions", "curiosity"),
    "strength": ("proud",),
}
GROUP_CATEGORIES = {
    "S3": ("helping",),
    "T4": ("helping", "work"),
    "S4": ("work",),
    "T2": ("learning",),
    "S2": ("learning",),
    "T3": ("growth",),
    "S5": ("projects",),
    "S6": ("projects",),
    "S1": ("work",),
}


# The first question after setup: easy, concrete, and likely to show a skill at once, so the
# person sees straight away what UTP does with an answer.
FIRST_PROMPT_ID = "projects-08"


def first_prompt() -> Prompt:
    """The question a newcomer gets right after setup."""
    return BY_ID[FIRST_PROMPT_ID]


def get_prompt(prompt_id: str | None) -> Prompt | None:
    """A prompt by id, or None."""
    return BY_ID.get(prompt_id or "")


def evidence_by_category(
    rows: Iterable[tuple[str | None, str, str | None, int]],
) -> dict[str, int]:
    """Tally (prompt id answered, signal kind, ESCO top group, count) rows into categories."""
    totals = dict.fromkeys(CATEGORIES, 0)
    for prompt_id, kind, group, count in rows:
        hit: set[str] = set(KIND_CATEGORIES.get(kind, ()))
        hit.update(GROUP_CATEGORIES.get((group or "")[:2], ()))
        prompt = BY_ID.get(prompt_id or "")
        if prompt is not None:
            hit.add(prompt.category)
        for category in hit:
            totals[category] += count
    return totals


def _hash(seed: str, key: str) -> str:
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


PREFER_BONUS = 3


def choose_prompt(
    recent_ids: Sequence[str] | Iterable[str],
    evidence_by_category: Mapping[str, int] | None = None,
    *,
    seed: str = "",
    exclude: Iterable[str] = (),
    prefer: Iterable[str] = (),
) -> Prompt:
    """Pick a prompt not used recently, favouring categories with little evidence so far.

    `recent_ids` are the prompts of the last nudges, most recent first; only the first
    `NO_REPEAT_WEEKS` count. `exclude` is never chosen (the question on screen, for "different
    one"). The category scores its evidence, plus a step back for each of the last three weeks
    that already asked it; ties go to a hash of `seed`, so two people differ but a retry agrees.
    `prefer` (a team's chosen topics) gives those categories a head start, never a monopoly.
    """
    preferred = set(prefer)
    recent = list(recent_ids)[:NO_REPEAT_WEEKS]
    banned = set(exclude)
    evidence = evidence_by_category or {}
    candidates = [p for p in PROMPTS if p.id not in banned and p.id not in recent]
    if not candidates:
        candidates = [p for p in PROMPTS if p.id not in banned] or list(PROMPTS)
    lately = [BY_ID[i].category for i in recent[:3] if i in BY_ID]
    excluded_categories = {BY_ID[i].category for i in banned if i in BY_ID}

    def rank(p: Prompt) -> tuple[int, int, str]:
        score = evidence.get(p.category, 0) + 2 * lately.count(p.category)
        score -= PREFER_BONUS if p.category in preferred else 0
        # "Different one" should feel different: another category when one is free.
        other = 1 if p.category in excluded_categories else 0
        return other, score, _hash(seed, p.id)

    return min(candidates, key=rank)
