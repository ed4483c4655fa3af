"""The one place feedback changes an extractor's output: a person's "not me" for similar
actions, and the global smoothed keep rate that lets rejected skills sink."""

from __future__ import annotations

from extractors.feedback import (
    MIN_ANSWERS,
    SILENT_RATE,
    apply_feedback,
    keep_rate,
    prior_weight,
    similar_action,
)
from passport.feedback import SkillTally
from passport.signals import ExtractionResult, PlainSignal, SkillHit

PRESENT = "http://data.europa.eu/esco/skill/present"
TEAM = "http://data.europa.eu/esco/skill/team"
MARKETING = "http://data.europa.eu/esco/skill/marketing"


def hit(uri: str, evidence: str, confidence: float = 0.6) -> SkillHit:
    return SkillHit(uri, uri.rsplit("/", 1)[1], "S1", evidence, confidence)


def test_the_same_verb_or_the_same_thing_done_is_a_similar_action() -> None:
    rejected = ["I gave a 10 minute talk in my marketing class"]
    assert similar_action("Presented our project to the class.", rejected)  # present ~ gave a talk
    assert similar_action("I gave another talk at the club", rejected)
    assert similar_action("We prepared a talk for the open day", rejected)  # same object head
    assert not similar_action("I wrote the newsletter for the choir", rejected)
    assert not similar_action("Fixed my neighbour's bike.", rejected)


def test_when_a_quote_reads_as_no_action_of_theirs_the_no_holds() -> None:
    # what someone else did, and a rejected quote that was not an action of theirs
    assert similar_action("The team met again today.", ["I organised the bake sale"])
    assert similar_action("I wrote the newsletter", ["Busy week at the shop."])


def test_a_rejected_skill_is_dropped_for_a_similar_action_and_back_for_a_different_one() -> None:
    rejected = {PRESENT: ["I gave a 10 minute talk in my marketing class"]}
    similar = ExtractionResult(
        skills=(hit(PRESENT, "Presented our project to the class"), hit(TEAM, "Presented our"))
    )
    adjusted = apply_feedback(similar, {}, rejected)
    assert [s.uri for s in adjusted.result.skills] == [TEAM]
    assert adjusted.reconsidered == frozenset()

    different = ExtractionResult(skills=(hit(PRESENT, "I ran the quiz night at the pub"),))
    adjusted = apply_feedback(different, {}, rejected)
    assert [s.uri for s in adjusted.result.skills] == [PRESENT]
    assert adjusted.reconsidered == {PRESENT}


def test_counts_speak_only_after_enough_answers() -> None:
    assert keep_rate(None) is None
    assert keep_rate(SkillTally(PRESENT, kept=0, rejected=MIN_ANSWERS - 1)) is None
    assert prior_weight(SkillTally(PRESENT, kept=0, rejected=MIN_ANSWERS - 1)) == 1.0
    assert keep_rate(SkillTally(PRESENT, kept=0, rejected=MIN_ANSWERS)) == 2 / (MIN_ANSWERS + 4)


def test_skills_people_keep_are_left_alone_and_rejected_ones_sink_then_go_quiet() -> None:
    kept = SkillTally(TEAM, noticed=50, kept=30, rejected=20)
    assert prior_weight(kept) == 1.0
    often_rejected = SkillTally(MARKETING, noticed=40, kept=6, rejected=14)  # rate 8/24
    assert 0.0 < prior_weight(often_rejected) < 1.0
    always_rejected = SkillTally(PRESENT, noticed=40, kept=1, rejected=30)
    assert keep_rate(always_rejected) < SILENT_RATE and prior_weight(always_rejected) == 0.0

    result = ExtractionResult(
        skills=(
            hit(MARKETING, "I ran the bakery campaign", 0.9),
            hit(TEAM, "I ran the bakery campaign", 0.7),
            hit(PRESENT, "I ran the bakery campaign", 0.95),
        ),
        strengths=(PlainSignal("persistence", "finally"),),
    )
    tallies = {t.key: t for t in (kept, often_rejected, always_rejected)}
    adjusted = apply_feedback(result, tallies, {}).result
    assert [s.uri for s in adjusted.skills] == [TEAM, MARKETING]  # sunk below; silent gone
    assert adjusted.skills[1].confidence == round(0.9 * (8 / 24) / 0.5, 3)
    assert adjusted.strengths == result.strengths  # only ESCO skills are counted and moved


def test_no_feedback_changes_nothing() -> None:
    result = ExtractionResult(skills=(hit(TEAM, "a", 0.3), hit(PRESENT, "b", 0.9)))
    assert apply_feedback(result, {}, {}).result == result
