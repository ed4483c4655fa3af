"""`load_profile_inputs` on SQLite and PostgreSQL agrees with the in-memory aggregation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from passport.model import Entry, Signal
from passport.profile import build_profile, inputs_from_records
from passport.signals import SignalKind, SignalStatus
from storage.engine import make_engine, make_sessionmaker, normalize_database_url
from storage.insight_queries import load_evidence_uris, load_profile, load_profile_inputs
from storage.keys import signal_key
from storage.models import Base, EntryRow, PersonRow, SignalRow
from tests.insight.conftest import NOW, URI, make_records


async def seed(session: AsyncSession, signals: list[Signal], entries: list[Entry]) -> None:
    """Write records as rows for person 1 (and one signal for person 2, never to be seen)."""
    session.add_all([PersonRow(id=1, created_at=NOW), PersonRow(id=2, created_at=NOW)])
    await session.flush()
    for e in entries:
        session.add(
            EntryRow(
                id=e.id,
                person_id=e.person_id,
                text=e.text,
                created_at=e.created_at,
                updated_at=e.created_at,
                iso_week=e.iso_week,
            )
        )
    await session.flush()
    for s in signals:
        session.add(
            SignalRow(
                person_id=s.person_id,
                kind=str(s.kind),
                key=signal_key(str(s.kind), s.label, s.esco_uri),
                label=s.label,
                esco_uri=s.esco_uri,
                group_code=s.group,
                evidence=s.evidence,
                confidence=s.confidence,
                status=str(s.status),
                source=s.source,
                verification=s.verification,
                entry_id=s.entry_id,
                created_at=s.created_at,
            )
        )
    session.add(
        SignalRow(
            person_id=2,
            kind="skill",
            key=URI + "other",
            label="someone else's skill",
            esco_uri=URI + "other",
            group_code="S1",
            evidence="not yours",
            created_at=NOW,
        )
    )
    await session.commit()


@pytest.fixture(params=["sqlite", "postgresql"])
def insight_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A SQLite file, or a throwaway PostgreSQL database (the lead's `pg_url` fixture)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'insight.sqlite3'}"
    return normalize_database_url(request.getfixturevalue("pg_url"), tmp_path)


@pytest.fixture
async def session(insight_db_url: str) -> AsyncIterator[AsyncSession]:
    engine = make_engine(insight_db_url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with make_sessionmaker(engine)() as s:
        yield s
    await engine.dispose()


def _with(s: Signal, status: SignalStatus) -> Signal:
    return Signal(**{**{f: getattr(s, f) for f in s.__slots__}, "status": status})


def _reject(
    signals: list[Signal], label: str, *, later: SignalStatus | None = None
) -> list[Signal]:
    """Reject the first mention of `label`; later mentions are re-suggested, not answered yet
    (or, with `later`, answered so: kept again for another action, see extractors.feedback)."""
    out, done = [], False
    for s in signals:
        if s.label == label:
            s = (
                _with(s, later or SignalStatus.SUGGESTED)
                if done
                else _with(s, SignalStatus.REJECTED)
            )
            done = True
        out.append(s)
    return out


async def test_sql_profile_matches_in_memory_profile(session: AsyncSession) -> None:
    signals, entries = make_records(40)
    signals = _reject(signals, "use Python")
    await seed(session, signals, entries)
    since = NOW - timedelta(days=7)
    inputs = await load_profile_inputs(session, 1, now=NOW, since_last_digest=since)
    from_sql = build_profile(inputs, now=NOW)
    from_mem = build_profile(
        inputs_from_records(signals, entries, now=NOW, since_last_digest=since), now=NOW
    )

    def shape(p):  # keys differ by design (storage prefixes the kind); compare what is shown
        return [
            (
                str(a.kind),
                a.label,
                a.status,
                a.evidence_count,
                a.first_seen,
                a.last_seen,
                a.latest_evidence,
                a.recent_count,
                a.new_count,
                a.group,
            )
            for a in p.all_signals
        ]

    assert shape(from_sql) == shape(from_mem)
    assert from_sql.weeks == from_mem.weeks
    assert from_sql.months == from_mem.months
    assert [a.label for a in from_sql.growing] == [a.label for a in from_mem.growing]
    labels = {a.label for a in from_sql.all_signals}
    assert "use Python" not in labels  # rejected once, re-suggested later: still never shown
    assert "someone else's skill" not in labels
    assert sum(m.count for m in from_sql.months) > 0
    assert all(m.group != "S5" for m in from_sql.months)  # Python (S5) was rejected


async def test_a_skill_kept_again_after_a_not_me_is_shown_in_sql_and_in_memory(
    session: AsyncSession,
) -> None:
    signals, entries = make_records(40)
    signals = _reject(signals, "use Python", later=SignalStatus.CONFIRMED)
    await seed(session, signals, entries)
    from_sql = await load_profile(session, 1, now=NOW, since_last_digest=None)
    from_mem = build_profile(inputs_from_records(signals, entries, now=NOW), now=NOW)
    (python,) = [a for a in from_sql.all_signals if a.label == "use Python"]
    (same,) = [a for a in from_mem.all_signals if a.label == "use Python"]
    mentions = [s for s in signals if s.label == "use Python"]
    assert python.status is SignalStatus.CONFIRMED
    assert python.evidence_count == same.evidence_count == len(mentions) - 1  # "not me" left out
    assert python.first_seen == same.first_seen == mentions[1].created_at
    assert URI + "python" in await load_evidence_uris(session, 1)


async def test_evidence_uris_leave_out_rejected_skills(session: AsyncSession) -> None:
    signals, entries = make_records(10)
    signals = _reject(signals, "use Python")
    await seed(session, signals, entries)
    uris = await load_evidence_uris(session, 1)
    assert URI + "team" in uris
    assert URI + "python" not in uris
    assert URI + "other" not in uris


async def test_empty_person_gives_empty_profile(session: AsyncSession) -> None:
    await seed(session, [], [])
    profile = await load_profile(session, 1, now=NOW, since_last_digest=None)
    assert profile.all_signals == ()
    assert profile.weeks.total_weeks == 0
    assert [s.kind for s in profile.all_signals if s.kind is SignalKind.SKILL] == []
