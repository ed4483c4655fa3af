"""The coaching follow-up: at most one short question after a reply, never more than two in a row.

Offline, the question is picked from templates matched to what was noticed in the entry (a
setback, a project, helping someone, learning, a team, a proud moment). With an LLM it is written
from the note itself and checked here (`check_question`). Either way a question already asked in
the last eight weeks is never asked again: `AskedRecord` is the durable record of what was asked
(kept in the person's state, pruned to the window). The person can always ignore a question; an
answer joins the note only while the question is open and the reply comes soon.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from passport.signals import ExtractionResult

MAX_IN_A_ROW = 2
MIN_WORDS = 6
MAX_QUESTION_CHARS = 120
MAX_QUESTION_WORDS = 20
NO_REPEAT = timedelta(weeks=8)  # the same follow-up is never asked twice inside this window

# An answer joins the note it answers only when it comes this soon after the question. People
# who answer a follow-up do it in the same sitting, within minutes; a message half an hour later
# is usually a new thought, and a second story must never vanish into the first. (Was 24 h.)
JOIN_WINDOW = timedelta(minutes=30)

# Topic -> cue words and questions. Cues match at a word start; a trailing space ends the word.
# Order is priority: a setback is worth asking about before a project. Each topic holds enough
# questions that a person writing twice a week does not run out inside eight weeks.
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
        (
            "What made that hard?",
            "What helped you keep going?",
            "What would you try next time?",
            "Who or what helped you most?",
            "What did you do first when it went wrong?",
            "What do you know now that you did not know before?",
        ),
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
        (
            "How did you know what they needed?",
            "What did helping them teach you?",
            "How did they react?",
            "What did you say or do that helped most?",
            "What would you do the same way again?",
        ),
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
            "How did you decide where to start?",
            "Who will use what you made?",
            "What did you have to learn to do it?",
        ),
    ),
    (
        "learning",
        ("learn", "first time", "new ", "practi", "course", "class", "studi", "train", "tried"),
        (
            "What surprised you while learning it?",
            "How will you use this next?",
            "What helped it click for you?",
            "What was the first thing you got right?",
            "How would you explain it to a friend?",
        ),
    ),
    (
        "team",
        ("team", "together", "group", "colleague", "classmate", "friend", "partner", "club"),
        (
            "What did you bring to the group?",
            "How did the group decide what to do?",
            "What was your part in it?",
            "How did you work out who does what?",
        ),
    ),
    (
        "proud",
        ("proud", "happy", "glad", "win ", "won ", "success", "good", "great", "enjoy"),
        (
            "What made it go well?",
            "What does this say about you?",
            "What did you do that made the difference?",
            "Who noticed, and what did they say?",
        ),
    ),
)
GENERAL = (
    "What part of this matters most to you?",
    "What did you learn about yourself?",
    "What was your own part in this?",
    "What would you like to do again?",
    "How did you feel when it was done?",
)

# ESCO top groups hint at a topic when the words alone do not.
GROUP_TOPICS = {"S3": "helping", "T4": "team", "S1": "team", "S4": "project", "S5": "project"}

# Words that turn a question into advice or a lecture: an LLM question with them is refused.
_ADVICE = re.compile(
    r"\b(you should|you could|you might want|try to|make sure|remember to|don't forget|"
    r"i suggest|i recommend|consider|have you considered|why not|it's important|you need to|"
    r"you must|next time,? try|great job|well done|amazing|awesome)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z']+")


def question_key(text: str) -> str:
    """The identity of a question for "never ask twice": its words, lower case, no punctuation."""
    return " ".join(_WORD.findall(text.lower().replace("’", "'")))


class AskedRecord:
    """The follow-ups asked of one person inside `NO_REPEAT`: question key -> UTC epoch seconds.

    Stored durably in the person's state (as a plain dict), so it survives restarts and works
    across processes; `prune` keeps it bounded to the window.
    """

    def __init__(self, raw: Mapping[str, float] | None = None) -> None:
        self.asked: dict[str, float] = {}
        for key, at in (raw or {}).items():
            if isinstance(key, str) and isinstance(at, int | float):
                self.asked[key] = float(at)

    def prune(self, now: datetime) -> AskedRecord:
        """Forget questions asked before the window."""
        floor = (now - NO_REPEAT).timestamp()
        self.asked = {k: at for k, at in self.asked.items() if at >= floor}
        return self

    def was_asked(self, question: str, now: datetime) -> bool:
        """True when this question (by its words) was asked inside the window."""
        at = self.asked.get(question_key(question))
        return at is not None and at >= (now - NO_REPEAT).timestamp()

    def add(self, question: str, now: datetime) -> AskedRecord:
        """Record that `question` is asked now."""
        self.asked[question_key(question)] = now.timestamp()
        return self

    def keys(self, now: datetime) -> tuple[str, ...]:
        """The question keys asked inside the window (to tell an LLM what not to repeat)."""
        floor = (now - NO_REPEAT).timestamp()
        return tuple(k for k, at in self.asked.items() if at >= floor)

    def to_state(self) -> dict[str, float]:
        """The plain dict kept in the person's state."""
        return dict(self.asked)


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


def worth_asking(entry_text: str, recent_followups_in_a_row: int) -> bool:
    """A follow-up may be asked: not too many in a row, and the entry has some substance."""
    if recent_followups_in_a_row >= MAX_IN_A_ROW:
        return False
    return len(_WORD.findall(entry_text.lower())) >= MIN_WORDS


def choose_followup(
    entry_text: str,
    noticed: ExtractionResult | Sequence[str] | None,
    recent_followups_in_a_row: int,
    seed: int,
    asked: Iterable[str] = (),
) -> str | None:
    """One short question that deepens the entry, or None (limit reached, entry too thin, or
    every fitting question was asked recently).

    `asked` holds question keys (`question_key`) asked inside the window: they are never picked.
    The entry's own topic comes first, then general questions, then any other topic's.
    """
    if not worth_asking(entry_text, recent_followups_in_a_row):
        return None
    banned = set(asked)
    topic = topic_of(entry_text, noticed)
    own: tuple[str, ...] = ()
    for name, _cues, qs in TOPICS:
        if name == topic:
            own = qs
    rng = random.Random(seed)
    for pool in (own, GENERAL):
        fresh = [q for q in pool if question_key(q) not in banned]
        if fresh:
            return rng.choice(fresh)
    return None


def is_good_question(text: str) -> bool:
    """A follow-up we are willing to send: one short question, ending with '?'."""
    text = text.strip()
    return (
        0 < len(text) <= MAX_QUESTION_CHARS
        and text.endswith("?")
        and text.count("?") == 1
        and "\n" not in text
    )


def check_question(text: str, asked: Iterable[str] = ()) -> str | None:
    """Why an LLM-written follow-up cannot be sent (a short reason), or None when it passes.

    One question, at most `MAX_QUESTION_WORDS` words, no advice or praise, no quotes or markup,
    and not a question asked inside the window.
    """
    if not is_good_question(text):
        return "not one short question"
    if len(text.split()) > MAX_QUESTION_WORDS:
        return "too many words"
    if any(mark in text for mark in ('"', "“", "”", "*", "`", "#", "http")):
        return "quotes or markup"
    if _ADVICE.search(text):
        return "advice or praise"
    if question_key(text) in set(asked):
        return "asked before"
    return None
