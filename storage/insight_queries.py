"""Bounded aggregate reads for insight: the profile, the chart's months, the skills for /goal.

Every query is scoped to one person and served by the indexes on `signals (person_id, kind,
key)`, `signals (person_id, created_at)` and `entries (person_id, created_at | iso_week)`; the
rows returned are bounded by the number of distinct signal keys, weeks of one term and months of
one year, never by the length of the history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, distinct, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

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
from storage.models import EntryRow, SignalRow
from storage.sealing import load_keys

REJECTED = SignalStatus.REJECTED.value


def _flag(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((cond, 1), else_=0))


def _month_expr(dialect: str) -> ColumnElement[str]:
    # Constants inlined, not bound: PostgreSQL only sees SELECT and GROUP BY expressions as the
    # same when they are textually equal, and two bind parameters never are.
    if dialect == "sqlite":
        return func.strftime(literal_column("'%Y-%m'"), SignalRow.created_at)
    return func.to_char(
        func.timezone(literal_column("'UTC'"), SignalRow.created_at), literal_column("'YYYY-MM'")
    )


async def _signal_rows(
    session: AsyncSession, person_id: int, now: datetime, since: datetime | None
) -> tuple[list[SignalAggregate], frozenset[tuple[str, str]]]:
    s = SignalRow
    # Rejected rows count for nothing; a key is left out while its latest answer is "not me"
    # (a rejection covers every row of its key, so a kept row means it was kept afterwards,
    # for another action: extractors.feedback).
    live = s.status != REJECTED
    since_flag = _flag(and_(live, s.created_at >= since)) if since is not None else func.sum(0)
    agg = (
        select(
            s.kind,
            s.key,
            _flag(live).label("n"),
            func.min(case((live, s.created_at))).label("first"),
            func.max(case((live, s.created_at))).label("last"),
            _flag(s.status == SignalStatus.CONFIRMED.value).label("confirmed"),
            _flag(and_(live, s.verification == "verified")).label("verified"),
            _flag(and_(live, s.created_at >= now - GROWTH_WINDOW)).label("recent"),
            since_flag.label("new"),
            _flag(s.status == REJECTED).label("rejected"),
        )
        .where(s.person_id == person_id)
        .group_by(s.kind, s.key)
    )
    totals = {(r.kind, r.key): r for r in (await session.execute(agg)).all()}
    rejected = frozenset(k for k, r in totals.items() if r.rejected and not r.confirmed)
    rn = (
        func.row_number()
        .over(partition_by=(s.kind, s.key), order_by=(s.created_at.desc(), s.id.desc()))
        .label("rn")
    )
    inner = (
        select(
            s.kind,
            s.key,
            s.label,
            s.esco_uri,
            s.group_code,
            s.evidence,
            s.created_at,
            s.source,
            rn,
        )
        .where(s.person_id == person_id, s.status != REJECTED)
        .subquery()
    )
    latest = (await session.execute(select(inner).where(inner.c.rn == 1))).all()
    sealer = await load_keys(session, [r.evidence for r in latest])
    out: list[SignalAggregate] = []
    for r in latest:
        t = totals.get((r.kind, r.key))
        if t is None or (r.kind, r.key) in rejected:
            continue
        try:
            kind = SignalKind(r.kind)
        except ValueError:
            continue
        out.append(
            SignalAggregate(
                kind=kind,
                key=r.key,
                label=r.label,
                esco_uri=r.esco_uri,
                group=r.group_code,
                status=SignalStatus.CONFIRMED if t.confirmed else SignalStatus.SUGGESTED,
                evidence_count=int(t.n),
                first_seen=t.first,
                last_seen=t.last,
                latest_evidence=sealer.open(r.evidence) or "",
                latest_evidence_at=r.created_at,
                verification="verified" if t.verified else None,
                recent_count=int(t.recent or 0),
                new_count=int(t.new or 0),
                source=r.source,
            )
        )
    return out, rejected


async def _week_stats(
    session: AsyncSession, person_id: int, now: datetime, since: datetime | None
) -> WeekStats:
    e = EntryRow
    since_count = _flag(e.created_at >= since) if since is not None else func.count()
    row = (
        await session.execute(
            select(
                func.count(distinct(e.iso_week)),
                func.min(e.created_at),
                func.max(e.created_at),
                since_count,
            ).where(e.person_id == person_id)
        )
    ).one()
    term = term_week_labels(now)
    weeks = (
        await session.execute(
            select(distinct(e.iso_week)).where(e.person_id == person_id, e.iso_week.in_(term))
        )
    ).scalars()
    return WeekStats(
        total_weeks=int(row[0] or 0),
        term_weeks=tuple(sorted(w for w in weeks if w)),
        first_entry_at=row[1],
        last_entry_at=row[2],
        entries_since_last_digest=int(row[3] or 0),
    )


async def _months(
    session: AsyncSession, person_id: int, now: datetime, rejected: frozenset[tuple[str, str]]
) -> tuple[MonthGroupCount, ...]:
    s = SignalRow
    month = _month_expr(session.get_bind().dialect.name).label("month")
    stmt = (
        select(month, s.group_code, s.key, func.count())
        .where(
            s.person_id == person_id,
            s.kind == SignalKind.SKILL.value,
            s.status != REJECTED,
            s.created_at >= chart_month_floor(now),
        )
        .group_by(month, s.group_code, s.key)
    )
    counts: dict[tuple[str, str | None], int] = {}
    for m, group, key, n in (await session.execute(stmt)).all():
        if (SignalKind.SKILL.value, key) in rejected:
            continue
        counts[(m, group)] = counts.get((m, group), 0) + int(n)
    return tuple(MonthGroupCount(m, g, n) for (m, g), n in sorted(counts.items(), key=str))


async def load_profile_inputs(
    session: AsyncSession,
    person_id: int,
    *,
    now: datetime,
    since_last_digest: datetime | None,
) -> ProfileInputs:
    """Read everything `build_profile` needs for one person with a handful of GROUP BY queries."""
    signals, rejected = await _signal_rows(session, person_id, now, since_last_digest)
    return ProfileInputs(
        signals=tuple(signals),
        weeks=await _week_stats(session, person_id, now, since_last_digest),
        months=await _months(session, person_id, now, rejected),
        rejected_keys=rejected,
        since_last_digest=since_last_digest,
    )


async def load_profile(
    session: AsyncSession, person_id: int, *, now: datetime, since_last_digest: datetime | None
) -> Profile:
    """`load_profile_inputs` then `build_profile`: the one call a digest handler needs."""
    inputs = await load_profile_inputs(
        session, person_id, now=now, since_last_digest=since_last_digest
    )
    return build_profile(inputs, now=now)


async def load_evidence_uris(session: AsyncSession, person_id: int) -> set[str]:
    """ESCO URIs of the skills a person has evidence for (a key whose latest answer was "not
    me" left out)."""
    s = SignalRow
    stmt = (
        select(s.esco_uri)
        .where(s.person_id == person_id, s.kind == SignalKind.SKILL.value, s.esco_uri.is_not(None))
        .group_by(s.esco_uri)
        .having(
            or_(
                _flag(s.status == REJECTED) == 0,
                _flag(s.status == SignalStatus.CONFIRMED.value) > 0,
            )
        )
    )
    return {uri for uri in (await session.execute(stmt)).scalars() if uri}


class SqlAlchemyInsightReads(InsightReads):
    """The insight reads of one unit of work (profile and evidence, scoped by person)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def profile(self, person_id: int, *, now: datetime, since: datetime | None) -> Profile:
        """The person's profile from bounded aggregate queries (cost flat in history size)."""
        return await load_profile(self.session, person_id, now=now, since_last_digest=since)

    async def evidence_uris(self, person_id: int) -> set[str]:
        """ESCO URIs the person has evidence for (rejected ones left out)."""
        return await load_evidence_uris(self.session, person_id)
