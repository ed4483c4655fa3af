"""The digest: one phone screen, plain and kind, with news only when there is news."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from passport.digest import (
    EMPTY_TEXT,
    MAX_CHARS,
    digest_is_empty,
    has_news,
    render_digest,
)
from passport.profile import ProfileInputs, build_profile, inputs_from_records
from tests.insight.conftest import NOW, make_records


def _syllables(word: str) -> int:
    groups = re.findall(r"[aeiouy]+", word.lower())
    n = len(groups) - (1 if word.lower().endswith("e") and len(groups) > 1 else 0)
    return max(1, n)


def fk_grade(text: str) -> float:
    """Flesch-Kincaid grade of the prose (bullet lines left out: they quote the person)."""
    prose = " ".join(line for line in text.splitlines() if not line.startswith("- "))
    sentences = max(1, len(re.findall(r"[.!?:]+(\s|$)", prose)))
    words = re.findall(r"[A-Za-z']+", prose)
    syll = sum(_syllables(w) for w in words)
    return 0.39 * len(words) / sentences + 11.8 * syll / max(1, len(words)) - 15.59


@pytest.mark.parametrize("weeks", [1, 5, 52, 260])
def test_digest_fits_one_screen_on_rich_passports(rich_inputs: ProfileInputs, weeks: int) -> None:
    signals, entries = make_records(weeks, per_week=3)
    # Long labels and long quotes, the worst case for length.
    signals = [
        replace(s, label=s.label + " and much more besides" * 3, evidence=s.evidence * 8)
        for s in signals
    ]
    inputs = inputs_from_records(signals, entries, now=NOW, since_last_digest=NOW - timedelta(60))
    profile = build_profile(inputs, now=NOW)
    narrative = "You keep showing up for your team, week after week. " * 6
    for narr in (None, narrative.strip()):
        text = render_digest(profile, now=NOW, narrative=narr)
        assert 0 < len(text) <= MAX_CHARS
        assert "**" not in text and "__" not in text and "`" not in text


def test_rich_digest_reads_plainly(rich_inputs: ProfileInputs) -> None:
    profile = build_profile(rich_inputs, now=NOW)
    text = render_digest(profile, now=NOW)
    assert "What shows up most" in text and '"' in text and "Next step:" in text
    assert "(29 Nov)" in text or "(22 Nov)" in text
    assert "You reflected in 12 of the last 12 weeks" in text
    assert fk_grade(text) <= 7, text
    assert "streak" not in text.lower() and "missed" not in text.lower()


def test_empty_passport_gives_an_encouraging_next_step() -> None:
    profile = build_profile(ProfileInputs(), now=NOW)
    assert digest_is_empty(profile) and not has_news(profile)
    assert render_digest(profile, now=NOW) == EMPTY_TEXT
    assert "Next step" in EMPTY_TEXT and fk_grade(EMPTY_TEXT) <= 7


def test_has_news_only_when_something_changed() -> None:
    signals, entries = make_records(10)
    old = [s for s in signals if s.created_at < NOW - timedelta(days=14)]
    quiet = inputs_from_records(old, entries, now=NOW, since_last_digest=NOW - timedelta(days=7))
    assert not has_news(build_profile(quiet, now=NOW))
    busy = inputs_from_records(signals, entries, now=NOW, since_last_digest=NOW - timedelta(7))
    assert has_news(build_profile(busy, now=NOW))


def test_verified_and_new_are_shown() -> None:
    signals, entries = make_records(3)
    signals = [replace(s, verification="verified") if s.id == 1 else s for s in signals]
    inputs = inputs_from_records(signals, entries, now=NOW, since_last_digest=NOW - timedelta(8))
    text = render_digest(build_profile(inputs, now=NOW), now=NOW)
    assert "verified" in text
    assert "New since last time:" in text
