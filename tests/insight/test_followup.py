"""The coaching follow-up: one question matched to the entry, never more than two in a row."""

from __future__ import annotations

import pytest

from passport.followup import TOPICS, choose_followup, is_good_question, topic_of
from passport.signals import ExtractionResult, PlainSignal, SkillHit

SETBACK = "The science fair project was really hard and our volcano failed on the day."
PROJECT = "I finished the new website for my aunt's bakery and launched it on Friday."
HELPING = "I helped my little brother with his reading homework every evening this week."


def questions(topic: str) -> tuple[str, ...]:
    return next(qs for name, _cues, qs in TOPICS if name == topic)


@pytest.mark.parametrize(
    ("text", "topic"), [(SETBACK, "setback"), (PROJECT, "project"), (HELPING, "helping")]
)
def test_templates_match_what_was_noticed(text: str, topic: str) -> None:
    assert topic_of(text) == topic
    for seed in range(5):
        q = choose_followup(text, None, 0, seed)
        assert q in questions(topic)
        assert q is not None and is_good_question(q)


def test_growth_moment_noticed_asks_about_the_setback() -> None:
    noticed = ExtractionResult(growth=(PlainSignal("asked for help", "I asked Sam for help"),))
    q = choose_followup("Today at practice I asked Sam for help with the drill.", noticed, 0, 1)
    assert q in questions("setback")


def test_noticed_skill_groups_hint_a_topic() -> None:
    hit = SkillHit("http://data.europa.eu/esco/skill/x", "care for children", "S3", "x", 0.9)
    text = "Sunday morning at the shelter with the little ones again, as usual."
    assert topic_of(text, ExtractionResult(skills=(hit,))) == "helping"


def test_limit_of_two_in_a_row() -> None:
    assert choose_followup(PROJECT, None, 0, 1) is not None
    assert choose_followup(PROJECT, None, 1, 1) is not None
    assert choose_followup(PROJECT, None, 2, 1) is None
    assert choose_followup(PROJECT, None, 5, 1) is None


def test_thin_entry_gets_no_question() -> None:
    assert choose_followup("ok fine", None, 0, 1) is None
    assert choose_followup("", ["teamwork"], 0, 1) is None


def test_every_template_is_a_good_question() -> None:
    for _name, _cues, qs in TOPICS:
        assert all(is_good_question(q) for q in qs)
