"""Known passports for the insight tests: a rich one, a thin one, one with rejections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from passport.model import Entry, Signal
from passport.profile import ProfileInputs, inputs_from_records
from passport.signals import SignalKind, SignalStatus

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
URI = "http://data.europa.eu/esco/skill/"

# (label, uri-suffix or None, group, kind)
SKILLS = [
    ("work in teams", "team", "T4", SignalKind.SKILL),
    ("use Python", "python", "S5", SignalKind.SKILL),
    ("speak in public", "public", "S1", SignalKind.SKILL),
    ("manage a budget", "budget", "S4", SignalKind.SKILL),
    ("Spanish", "spanish", "L1", SignalKind.SKILL),
    ("statistics", "stats", "K05", SignalKind.SKILL),
    ("patience", None, None, SignalKind.STRENGTH),
    ("curiosity", None, None, SignalKind.STRENGTH),
    ("climate", None, None, SignalKind.INTEREST),
    ("asked for help early", None, None, SignalKind.GROWTH),
]


def make_records(
    weeks: int, *, now: datetime = NOW, per_week: int = 3
) -> tuple[list[Signal], list[Entry]]:
    """`weeks` weekly entries ending this week, each with `per_week` signals in rotation."""
    signals: list[Signal] = []
    entries: list[Entry] = []
    sid = 0
    for w in range(weeks):
        at = now - timedelta(weeks=weeks - 1 - w, hours=1)
        year, week, _ = at.isocalendar()
        text = f"Week {w}: we worked as a team and I fixed the Python script for the club."
        entries.append(
            Entry(id=w + 1, person_id=1, text=text, created_at=at, iso_week=f"{year}-W{week:02d}")
        )
        for j in range(per_week):
            label, suffix, group, kind = SKILLS[(w * per_week + j) % len(SKILLS)]
            sid += 1
            signals.append(
                Signal(
                    id=sid,
                    person_id=1,
                    kind=kind,
                    label=label,
                    evidence=f"in week {w} I showed {label} when it mattered",
                    confidence=0.7,
                    status=SignalStatus.CONFIRMED if w % 4 == 0 else SignalStatus.SUGGESTED,
                    created_at=at,
                    esco_uri=URI + suffix if suffix else None,
                    group=group,
                    entry_id=w + 1,
                )
            )
    return signals, entries


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def rich_inputs() -> ProfileInputs:
    signals, entries = make_records(52)
    return inputs_from_records(
        signals, entries, now=NOW, since_last_digest=NOW - timedelta(days=7)
    )
