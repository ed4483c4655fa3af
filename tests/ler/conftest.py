"""Fixtures for the portability tests: a small passport, a fixed time, a person key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ler.keys import PersonKey, new_person_key
from passport.model import Artifact, Entry, PassportSnapshot, Person, Signal
from passport.signals import SignalKind, SignalStatus

EXAMPLES = Path(__file__).parent / "examples"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
ESCO_BUDGET = "http://data.europa.eu/esco/skill/1f7d5a8e-6a5e-4a0b-8f3b-2a3c2ac6d6c1"
ESCO_TEAM = "http://data.europa.eu/esco/skill/e5e2a2a6-5e2b-4b0b-9d1a-0c2b1b8c3f10"


def make_snapshot(*, confirmed: bool = True) -> PassportSnapshot:
    """Two entries, an artifact, confirmed/suggested/rejected signals for person 7."""
    t0 = NOW - timedelta(days=14)
    person = Person(id=7, display_name="Ada Example", created_at=t0, consented=True)
    e1 = Entry(
        id=1,
        person_id=7,
        text="I rebuilt the team budget and cut costs by 10%.",
        created_at=t0,
        iso_week="2026-W46",
    )
    e2 = Entry(
        id=2,
        person_id=7,
        text="Ran the retro and helped two new colleagues settle in.",
        created_at=t0 + timedelta(days=7),
        iso_week="2026-W47",
    )
    art = Artifact(
        id=3,
        person_id=7,
        original_name="budget.xlsx",
        created_at=t0,
        sha256="ab" * 32,
        mime="application/vnd.ms-excel",
        size=1234,
        entry_id=1,
    )
    status = SignalStatus.CONFIRMED if confirmed else SignalStatus.SUGGESTED

    def sig(
        i: int,
        kind: SignalKind,
        label: str,
        evidence: str,
        entry: Entry,
        uri: str | None = None,
        st: SignalStatus = status,
    ) -> Signal:
        return Signal(
            id=i,
            person_id=7,
            kind=kind,
            label=label,
            evidence=evidence,
            confidence=0.8,
            status=st,
            created_at=entry.created_at,
            esco_uri=uri,
            group="S4" if uri else None,
            entry_id=entry.id,
        )

    signals = (
        sig(10, SignalKind.SKILL, "manage budgets", "rebuilt the team budget", e1, ESCO_BUDGET),
        sig(11, SignalKind.SKILL, "manage budgets", "cut costs by 10%", e2, ESCO_BUDGET),
        sig(
            12,
            SignalKind.SKILL,
            "work in teams",
            "helped two new colleagues settle in",
            e2,
            ESCO_TEAM,
        ),
        sig(
            13,
            SignalKind.SKILL,
            "lie convincingly",
            "Ran the retro",
            e2,
            ESCO_TEAM + "x",
            SignalStatus.REJECTED,
        ),
        sig(
            14,
            SignalKind.SKILL,
            "public speaking",
            "Ran the retro",
            e2,
            ESCO_TEAM + "y",
            SignalStatus.SUGGESTED,
        ),
        sig(15, SignalKind.STRENGTH, "steady under pressure", "cut costs", e1),
    )
    return PassportSnapshot(
        person=person, identities=(), entries=(e1, e2), artifacts=(art,), signals=signals
    )


@pytest.fixture
def snapshot() -> PassportSnapshot:
    return make_snapshot()


@pytest.fixture(scope="session")
def person_key() -> PersonKey:
    return new_person_key()
