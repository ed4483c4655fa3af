"""Insight reads in memory: the profile folded from the records exactly as the SQL aggregates
in `storage/insight_queries.py` fold them (stored signal keys, weeks only where recorded)."""

from __future__ import annotations

from datetime import UTC, datetime

from passport.model import Entry, Signal
from passport.profile import (
    GROWTH_WINDOW,
    MonthGroupCount,
    Profile,
    ProfileInputs,
    SignalAggregate,
    WeekStats,
    build_profile,
    chart_month_floor,
    term_week_labels,
)
from passport.repositories import InsightReads
from passport.signals import SignalKind, SignalStatus
from storage.memory.state import Transaction

REJECTED = SignalStatus.REJECTED


def _aggregate(key: str, rows: list[Signal], now: datetime, since: datetime | None):
    rows = [s for s in rows if s.status != REJECTED]  # a "not me" counts for nothing
    latest = max(rows, key=lambda s: (s.created_at, s.id))
    return SignalAggregate(
        kind=SignalKind(latest.kind),
        key=key,
        label=latest.label,
        esco_uri=latest.esco_uri,
        group=latest.group,
        status=SignalStatus.CONFIRMED
        if any(s.status == SignalStatus.CONFIRMED for s in rows)
        else SignalStatus.SUGGESTED,
        evidence_count=len(rows),
        first_seen=min(s.created_at for s in rows),
        last_seen=max(s.created_at for s in rows),
        latest_evidence=latest.evidence,
        latest_evidence_at=latest.created_at,
        verification="verified" if any(s.verification == "verified" for s in rows) else None,
        recent_count=sum(1 for s in rows if s.created_at >= now - GROWTH_WINDOW),
        new_count=sum(1 for s in rows if since is not None and s.created_at >= since),
        source=latest.source,
    )


def _weeks(entries: list[Entry], now: datetime, since: datetime | None) -> WeekStats:
    recorded = {e.iso_week for e in entries if e.iso_week}
    stamps = [e.created_at for e in entries]
    return WeekStats(
        total_weeks=len(recorded),
        term_weeks=tuple(sorted(recorded & set(term_week_labels(now)))),
        first_entry_at=min(stamps, default=None),
        last_entry_at=max(stamps, default=None),
        entries_since_last_digest=sum(1 for t in stamps if since is None or t >= since),
    )


def profile_inputs(
    signals: list[tuple[str, Signal]],
    entries: list[Entry],
    *,
    now: datetime,
    since: datetime | None,
) -> ProfileInputs:
    """What `build_profile` reads, from (stored key, signal) pairs and entries."""
    groups: dict[tuple[str, str], list[Signal]] = {}
    for key, s in signals:
        groups.setdefault((str(s.kind), key), []).append(s)
    # As in SQL: a key is left out while its latest answer is "not me" (kept again later, for
    # another action, it is back: extractors.feedback).
    rejected = frozenset(
        k
        for k, rows in groups.items()
        if any(s.status == REJECTED for s in rows)
        and not any(s.status == SignalStatus.CONFIRMED for s in rows)
    )
    aggregates = [
        _aggregate(key, rows, now, since)
        for (kind, key), rows in groups.items()
        if (kind, key) not in rejected
    ]
    floor = chart_month_floor(now)
    months: dict[tuple[str, str | None], int] = {}
    for (kind, key), rows in groups.items():
        if kind != SignalKind.SKILL or (kind, key) in rejected:
            continue
        for s in rows:
            if s.created_at >= floor and s.status != REJECTED:
                month = (s.created_at.astimezone(UTC).strftime("%Y-%m"), s.group)
                months[month] = months.get(month, 0) + 1
    return ProfileInputs(
        signals=tuple(aggregates),
        weeks=_weeks(entries, now, since),
        months=tuple(MonthGroupCount(m, g, n) for (m, g), n in sorted(months.items(), key=str)),
        rejected_keys=rejected,
        since_last_digest=since,
    )


class InMemoryInsightReads(InsightReads):
    """The profile and evidence of one in-memory unit of work."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    async def profile(self, person_id: int, *, now: datetime, since: datetime | None) -> Profile:
        """The person's profile."""
        state = self.tx.state
        signals = [(k, s) for k, s in state.signals.values() if s.person_id == person_id]
        entries = [r.entry for r in state.entries.values() if r.entry.person_id == person_id]
        return build_profile(profile_inputs(signals, entries, now=now, since=since), now=now)

    async def evidence_uris(self, person_id: int) -> set[str]:
        """ESCO URIs of skills with evidence (any URI the person rejected left out)."""
        skills = [
            s
            for _, s in self.tx.state.signals.values()
            if s.person_id == person_id and s.kind == SignalKind.SKILL and s.esco_uri
        ]
        kept = {s.esco_uri for s in skills if s.status == SignalStatus.CONFIRMED}
        rejected = {s.esco_uri for s in skills if s.status == REJECTED} - kept
        return {s.esco_uri for s in skills if s.esco_uri and s.esco_uri not in rejected}
