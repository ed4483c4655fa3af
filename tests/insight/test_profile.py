"""Profile aggregates on a known passport; rejected signals never shown."""

from __future__ import annotations

from datetime import timedelta

from passport.digest import render_digest
from passport.model import Entry, Signal
from passport.profile import build_profile, inputs_from_records, term_week_labels
from passport.signals import SignalKind, SignalStatus
from tests.insight.conftest import NOW, URI

DAY = timedelta(days=1)


def sig(i: int, label: str, at_days_ago: float, **kw: object) -> Signal:
    values: dict[str, object] = {
        "id": i,
        "person_id": 1,
        "kind": SignalKind.SKILL,
        "label": label,
        "evidence": f"quote {i} about {label}",
        "confidence": 0.7,
        "status": SignalStatus.SUGGESTED,
        "created_at": NOW - at_days_ago * DAY,
    }
    values.update(kw)
    return Signal(**values)  # type: ignore[arg-type]


def entry(i: int, days_ago: float) -> Entry:
    at = NOW - days_ago * DAY
    y, w, _ = at.isocalendar()
    return Entry(id=i, person_id=1, text="...", created_at=at, iso_week=f"{y}-W{w:02d}")


KNOWN = [
    sig(1, "work in teams", 100, esco_uri=URI + "team", group="T4"),
    sig(2, "work in teams", 30, esco_uri=URI + "team", group="T4", status=SignalStatus.CONFIRMED),
    sig(3, "work in teams", 3, esco_uri=URI + "team", group="T4"),
    sig(
        4,
        "use Python",
        200,
        esco_uri=URI + "py",
        group="S5",
        source="credential",
        verification="verified",
    ),
    sig(5, "statistics", 2, esco_uri=URI + "stats", group="K05"),
    sig(6, "draw comics", 50, esco_uri=URI + "comics", group="S1", status=SignalStatus.REJECTED),
    sig(7, "draw comics", 1, esco_uri=URI + "comics", group="S1"),  # re-suggested: still hidden
    sig(8, "patience", 20, kind=SignalKind.STRENGTH),
    sig(9, "Patience", 4, kind=SignalKind.STRENGTH, status=SignalStatus.CONFIRMED),
    sig(10, "space", 10, kind=SignalKind.INTEREST),
    sig(11, "gossip", 10, kind=SignalKind.INTEREST, status=SignalStatus.REJECTED),
]
ENTRIES = [entry(1, 100), entry(2, 30), entry(3, 20), entry(4, 3), entry(5, 2.5), entry(6, 400)]


def profile():
    inputs = inputs_from_records(KNOWN, ENTRIES, now=NOW, since_last_digest=NOW - 7 * DAY)
    return build_profile(inputs, now=NOW)


def test_aggregates_on_a_known_passport() -> None:
    p = profile()
    teams = next(a for a in p.skills if a.label == "work in teams")
    assert teams.evidence_count == 3
    assert teams.status is SignalStatus.CONFIRMED
    assert teams.first_seen == NOW - 100 * DAY and teams.last_seen == NOW - 3 * DAY
    assert teams.latest_evidence == "quote 3 about work in teams"
    assert teams.recent_count == 2 and teams.new_count == 1
    assert teams.family == "transversal"
    python = next(a for a in p.skills if a.label == "use Python")
    assert python.verification == "verified" and python.family == "technical"
    patience = p.strengths[0]
    assert patience.evidence_count == 2 and patience.status is SignalStatus.CONFIRMED
    assert {f.family: (f.skills, f.evidence) for f in p.families} == {
        "transversal": (1, 3),
        "technical": (1, 1),
        "knowledge": (1, 1),
    }
    assert [a.label for a in p.new] == ["statistics"]
    assert [a.label for a in p.growing] == ["work in teams"]
    assert p.weeks.total_weeks == 5  # two entries share a week
    term = set(term_week_labels(NOW))
    assert p.term_weeks_reflected == len({e.iso_week for e in ENTRIES} & term) == 3
    assert p.confirmed_count == 2 and p.suggested_count == 3
    assert sum(m.count for m in p.months) == 5  # skills inside the last 12 months, comics out


def test_rejected_signals_never_shown() -> None:
    p = profile()
    labels = {a.label.lower() for a in p.all_signals}
    assert "draw comics" not in labels and "gossip" not in labels
    assert all(m.group != "S1" for m in p.months)
    text = render_digest(p, now=NOW)
    assert "comics" not in text and "gossip" not in text
    assert "quote 7" not in text
