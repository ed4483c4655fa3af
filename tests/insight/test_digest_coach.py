"""The digest as a coach: plain names beside ESCO labels, suggestions marked, each quote once,
and a next step tied to this person."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from passport.digest import (
    CATEGORY_STEPS,
    SUGGESTED_HINT,
    personal_next_step,
    render_digest,
)
from passport.goal import EssentialSkill, goal_gap
from passport.profile import build_profile, inputs_from_records
from passport.signals import SignalStatus
from tests.insight.conftest import NOW, make_records


def _profile(signals, entries):
    inputs = inputs_from_records(signals, entries, now=NOW, since_last_digest=NOW - timedelta(7))
    return build_profile(inputs, now=NOW)


def test_strengths_are_named_plainly_beside_their_esco_label() -> None:
    signals, entries = make_records(4)
    text = render_digest(_profile(signals, entries), now=NOW)
    assert "Teamwork (ESCO: work in teams)" in text


def test_suggestions_are_marked_as_suggestions() -> None:
    signals, entries = make_records(2)
    pending = [replace(s, status=SignalStatus.SUGGESTED) for s in signals]
    text = render_digest(_profile(pending, entries), now=NOW)
    strong = text.split("What shows up most\n", 1)[1].split("\n\n", 1)[0]
    items = [line for line in strong.splitlines() if line.startswith("- ")]
    assert items and all("suggested" in line for line in items)
    assert SUGGESTED_HINT in text
    kept = render_digest(_profile(signals[:3], entries), now=NOW)  # week 0 is kept
    assert "you kept it" in kept and SUGGESTED_HINT not in kept


def test_each_quote_is_shown_once() -> None:
    signals, entries = make_records(2)
    said = "we ran the bake sale together and I kept the money box"
    same = [replace(s, evidence=said) for s in signals]
    text = render_digest(_profile(same, entries), now=NOW)
    assert text.count(said) == 1


def test_the_next_step_is_a_gap_toward_the_goal() -> None:
    skills = [
        EssentialSkill("u1", "work in teams", "T4", "transversal"),
        EssentialSkill("u2", "plan menus", "S4", "sector-specific"),
    ]
    view = goal_gap("cook", skills, ["u1"])
    step = personal_next_step(view, {"helping": 0}, NOW)
    assert step is not None and "cook" in step and "plan menus" in step
    signals, entries = make_records(4)
    assert step in render_digest(_profile(signals, entries), now=NOW, step=step)


def test_without_a_goal_the_next_step_is_a_kind_of_question_not_answered_yet() -> None:
    evidence = dict.fromkeys(CATEGORY_STEPS, 3) | {"helping": 0}
    assert personal_next_step(None, evidence, NOW) == CATEGORY_STEPS["helping"]
    assert personal_next_step(None, dict.fromkeys(CATEGORY_STEPS, 2), NOW) is None
