"""The coaching follow-up: one question matched to the entry, never more than two in a row."""

from __future__ import annotations

import pytest

from passport.followup import GENERAL, TOPICS, choose_followup, is_good_question, topic_of
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


def test_an_asked_question_is_not_picked_again_inside_eight_weeks() -> None:
    from datetime import UTC, datetime, timedelta

    from passport.followup import NO_REPEAT, AskedRecord, question_key

    now = datetime(2026, 12, 6, 18, tzinfo=UTC)
    record = AskedRecord()
    seen = []
    for seed in range(len(questions("project")) + len(GENERAL)):
        q = choose_followup(PROJECT, None, 0, seed, asked=record.keys(now))
        assert q is not None and q not in seen
        seen.append(q)
        record.add(q, now)
    assert choose_followup(PROJECT, None, 0, 99, asked=record.keys(now)) is None  # all used
    # Stored as plain JSON in the person's state, and forgotten after the window.
    again = AskedRecord(dict(record.to_state()))
    assert again.was_asked(seen[0].upper(), now + timedelta(weeks=7))
    later = now + NO_REPEAT + timedelta(minutes=1)
    assert not again.prune(later).keys(later)
    assert question_key("What made it go well?") == question_key("what made it go  well")


def test_an_llm_question_is_checked() -> None:
    from passport.followup import check_question, question_key

    assert check_question("What was the hardest part of the fence?") is None
    assert check_question("You should rest more. Why not try?") is not None
    assert check_question("Have you considered asking your teacher for help?") == (
        "advice or praise"
    )
    long = (
        "Why did you go to the park and the shop and the pool and the gym on a cold wet day "
        "so late?"
    )
    assert check_question(long) == "too many words"
    assert check_question('What did "done" mean to you?') == "quotes or markup"
    asked = [question_key("What made that hard?")]
    assert check_question("What made that hard?", asked) == "asked before"
