"""The coaching follow-up: at most one short question after a reply, never more than two in a row.

Offline, the question is picked from templates matched to what was noticed in the entry (a
setback, a project, helping someone, learning, a team, a proud moment). The person can always
ignore it; the handler joins an answer to the same entry.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from passport.signals import ExtractionResult

MAX_IN_A_ROW = 2
MIN_WORDS = 6
MAX_QUESTION_CHARS = 120

# Topic -> cue words and questions. Cues match at a word start; a trailing space ends the word.
# Order is priority: a setback is worth asking about before a project.
TOPICS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "setback",
        (
            "hard",
            "difficult",
            "fail",
            "mistake",
            "stuck",
            "struggl",
            "tough",
            "wrong",
            "lost ",
            "worr",
            "stress",
            "annoy",
            "frustrat",
            "problem",
            "challeng",
        ),
        ("What made that hard?", "What helped you keep going?", "What would you try next time?"),
    ),
    (
        "helping",
        (
            "help",
            "taught",
            "teach",
            "support",
            "mentor",
            "explain",
            "listen",
            "care ",
            "caring",
            "volunteer",
        ),
        ("How did you know what they needed?", "What did helping them teach you?"),
    ),
    (
        "project",
        (
            "project",
            "built",
            "build",
            "made",
            "finish",
            "launch",
            "ship",
            "design",
            "creat",
            "organi",
            "plan ",
            "planned",
            "planning",
            "deliver",
            "wrote",
            "fixed",
        ),
        (
            "What would you do differently next time?",
            "Which part are you most proud of?",
            "What was the trickiest step?",
        ),
    ),
    (
        "learning",
        ("learn", "first time", "new ", "practi", "course", "class", "studi", "train", "tried"),
        ("What surprised you while learning it?", "How will you use this next?"),
    ),
    (
        "team",
        ("team", "together", "group", "colleague", "classmate", "friend", "partner", "club"),
        ("What did you bring to the group?", "How did the group decide what to do?"),
    ),
    (
        "proud",
        ("proud", "happy", "glad", "win ", "won ", "success", "good", "great", "enjoy"),
        ("What made it go well?", "What does this say about you?"),
    ),
)
GENERAL = ("What part of this matters most to you?", "What did you learn about yourself?")

# ESCO top groups hint at a topic when the words alone do not.
GROUP_TOPICS = {"S3": "helping", "T4": "team", "S1": "team", "S4": "project", "S5": "project"}

_WORD = re.compile(r"[a-z']+")


def _labels(noticed: ExtractionResult | Sequence[str] | None) -> tuple[list[str], list[str]]:
    """(labels, groups) from what the extractor noticed; growth moments hint at a setback."""
    if noticed is None:
        return [], []
    if isinstance(noticed, ExtractionResult):
        labels = [s.label for s in noticed.skills]
        labels += [p.label for p in noticed.strengths + noticed.interests]
        groups = [s.group for s in noticed.skills]
        if noticed.growth:
            groups.append("growth")
        return labels, groups
    return list(noticed), []


def topic_of(text: str, noticed: ExtractionResult | Sequence[str] | None = None) -> str | None:
    """The first topic whose cue words start a word in the entry (or in a noticed label)."""
    labels, groups = _labels(noticed)
    if "growth" in groups:
        return "setback"
    hay = " " + " ".join(_WORD.findall((text + " " + " ".join(labels)).lower())) + " "
    for name, cues, _questions in TOPICS:
        if any(f" {cue}" in hay for cue in cues):
            return name
    for group in groups:
        if group in GROUP_TOPICS:
            return GROUP_TOPICS[group]
    return None


def choose_followup(
    entry_text: str,
    noticed: ExtractionResult | Sequence[str] | None,
    recent_followups_in_a_row: int,
    seed: int,
) -> str | None:
    """One short question that deepens the entry, or None (limit reached, or entry too thin)."""
    if recent_followups_in_a_row >= MAX_IN_A_ROW:
        return None
    if len(_WORD.findall(entry_text.lower())) < MIN_WORDS:
        return None
    topic = topic_of(entry_text, noticed)
    questions: tuple[str, ...] = GENERAL
    for name, _cues, qs in TOPICS:
        if name == topic:
            questions = qs
    return random.Random(seed).choice(questions)


def is_good_question(text: str) -> bool:
    """A follow-up we are willing to send: one short question, ending with '?'."""
    text = text.strip()
    return (
        0 < len(text) <= MAX_QUESTION_CHARS
        and text.endswith("?")
        and text.count("?") == 1
        and "\n" not in text
    )
