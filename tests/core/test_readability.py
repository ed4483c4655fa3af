"""Every sentence UTP says, and every question it asks, reads at Flesch-Kincaid grade 7 or below.

Scored with `textstat` (syllables from the CMU dictionary, pyphen for unknown words). Placeholders
are filled with one-syllable words, so the template's own words are what is judged. Button labels
of one to three words have no sentence for a grade formula to measure (a single two-syllable word
scores 8.4); they are held to at most two syllables a word on average instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import textstat

from handlers import texts
from insight.followup_llm import SYSTEM_PROMPT as FOLLOWUP_SYSTEM_PROMPT
from passport import digest, followup, prompts
from passport.goal import EssentialSkill, goal_gap, render_goal
from passport.profile import build_profile, inputs_from_records
from tests.insight.conftest import NOW, make_records

MAX_GRADE = 7.0
LABEL_WORDS = 3
_FIELD = re.compile(r"\{[a-z_]+(:[^}]*)?\}")


def _fill(text: str) -> str:
    return _FIELD.sub("Sam", text)


def _strings(name: str, value: object) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, tuple | list):
        for i, item in enumerate(value):
            yield from _strings(f"{name}[{i}]", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(f"{name}[{key}]", item)


def bot_texts() -> list[tuple[str, str]]:
    """(where, text) for everything the bot says or asks."""
    found: list[tuple[str, str]] = []
    for name, value in vars(texts).items():
        if not name.startswith("_") and name.isupper():
            found += _strings(f"texts.{name}", value)
    found += [(f"prompt {p.id}", p.text) for p in prompts.PROMPTS]
    for topic, _cues, questions in followup.TOPICS:
        found += [(f"follow-up {topic}", q) for q in questions]
    found += [("follow-up general", q) for q in followup.GENERAL]
    found += _strings("digest.NEXT_STEPS", digest.NEXT_STEPS)
    found += [("digest.EMPTY_TEXT", digest.EMPTY_TEXT), ("digest.HEADER", digest.HEADER)]
    from bot.channels.telegram import COMMANDS

    found += [(f"telegram menu /{cmd}", words) for cmd, words in COMMANDS]
    from handlers import commands

    found += [(f"/{c.name} summary", c.summary) for c in commands.COMMANDS]
    found += [(f"/help on {p}", commands.help_text(p)) for p in ("telegram", "slack", "console")]
    from bot.channels import slack_home

    for name, value in vars(slack_home).items():
        # Words on the Slack Home tab (ids and keys have no spaces and are left out).
        if name.isupper() and isinstance(value, str) and " " in value:
            found.append((f"slack_home.{name}", value.replace("*", "")))
    found += [("follow-up LLM prompt", FOLLOWUP_SYSTEM_PROMPT)]
    return [(where, text) for where, text in found if text.strip()]


def rendered_texts() -> list[tuple[str, str]]:
    """Whole messages as a person reads them: a digest and a /goal answer."""
    signals, entries = make_records(12)
    profile = build_profile(
        inputs_from_records(signals, entries, now=NOW, since_last_digest=NOW - timedelta(7)),
        now=NOW,
    )
    skills = [
        EssentialSkill("u1", "work in teams", "T4", "transversal"),
        EssentialSkill("u2", "plan a menu", "S4", "sector-specific"),
        EssentialSkill("u3", "keep things clean", "S6", "cross-sector"),
    ]
    view = goal_gap("cook", skills, ["u1"])
    return [
        ("digest (12 weeks)", digest.render_digest(profile, now=NOW)),
        ("goal answer", render_goal(view)),
    ]


def grade(text: str) -> float:
    """Flesch-Kincaid grade of the text with its placeholders filled."""
    return float(textstat.flesch_kincaid_grade(_fill(text)))


def test_the_readability_library_tells_easy_from_hard() -> None:
    assert grade("I like my dog. He is fun. We play a lot.") < 3
    hard = (
        "Notwithstanding considerable institutional heterogeneity, comprehensive "
        "competency frameworks facilitate interoperability."
    )
    assert grade(hard) > 15


@pytest.mark.parametrize(("where", "text"), bot_texts() + rendered_texts())
def test_every_bot_text_reads_at_grade_seven_or_below(where: str, text: str) -> None:
    filled = _fill(text)
    words = textstat.lexicon_count(filled)
    if words <= LABEL_WORDS:
        per_word = textstat.syllable_count(filled) / max(1, words)
        assert per_word <= 2.0, f"{where}: {text!r} has long words ({per_word:.1f} syllables)"
        return
    assert grade(text) <= MAX_GRADE, f"{where}: grade {grade(text):.1f} for {text!r}"
