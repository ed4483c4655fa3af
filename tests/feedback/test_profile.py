"""A skill kept again, for another action, after a "not me" is in the passport; one whose
latest answer is "not me" is not (the in-memory aggregation, as the SQL one in test_answers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from passport.model import Signal
from passport.profile import build_profile, inputs_from_records
from passport.signals import SignalKind, SignalStatus

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
URI = "http://data.europa.eu/esco/skill/{}"


def signal(i: int, skill: str, status: SignalStatus) -> Signal:
    return Signal(
        id=i,
        person_id=1,
        kind=SignalKind.SKILL,
        label=skill,
        evidence=f"quote {i}",
        confidence=0.7,
        status=status,
        created_at=NOW - timedelta(days=10 - i),
        esco_uri=URI.format(skill),
        group="S1",
        entry_id=i,
    )


def test_kept_after_a_not_me_is_shown_and_a_not_me_alone_is_not() -> None:
    signals = [
        signal(1, "present", SignalStatus.REJECTED),
        signal(2, "present", SignalStatus.CONFIRMED),  # kept later, for another action
        signal(3, "teach", SignalStatus.REJECTED),
        signal(4, "teach", SignalStatus.SUGGESTED),  # suggested again, not answered yet
    ]
    profile = build_profile(inputs_from_records(signals, [], now=NOW), now=NOW)
    (shown,) = profile.skills
    assert (shown.label, shown.evidence_count, shown.status) == (
        "present",
        1,
        SignalStatus.CONFIRMED,
    )
    assert shown.first_seen == signals[1].created_at  # the "not me" row counts for nothing
