"""Plain-word strengths, interests and growth moments from cues."""

from __future__ import annotations

from extractors.lexicon import plain_signals
from extractors.text import clauses, looks_english


def test_cues_give_plain_signals_with_verbatim_evidence() -> None:
    text = (
        "I really enjoy teaching younger students. I learned that asking early saves days, "
        "and I am good at explaining maths. Next time I will plan the sprint better."
    )
    found = plain_signals(clauses(text))
    assert [s.label for s in found["interest"]] == ["teaching younger students"]
    assert [s.label for s in found["strength"]] == ["good at explaining maths"]
    assert "learned that asking early saves days" in [s.label for s in found["growth"]]
    for signals in found.values():
        for signal in signals:
            assert signal.evidence in text


def test_negated_cues_are_skipped() -> None:
    found = plain_signals(clauses("I don't enjoy long meetings. I never learned to swim."))
    assert found == {"strength": [], "interest": [], "growth": []}


def test_clauses_are_verbatim() -> None:
    text = "Busy week, nothing much; I fixed the bug — but then the build broke?!"
    for clause in clauses(text):
        assert text[clause.start : clause.start + len(clause.text)] == clause.text


def test_language_guess() -> None:
    assert looks_english("I went to the park and met a friend.")
    assert looks_english("Busy week, nothing much.")
    assert not looks_english("Diese Woche habe ich die Datenbank migriert und das Team geleitet.")
    assert not looks_english("这周我组织了团队会议")
