"""A person's profile: bounded aggregates over their signals, turned into one insight value.

Storage hands over pre-aggregated rows (one per signal key, one per reflected week in the
recent term, one per month and ESCO family), so building a profile costs the same after five
years as after five weeks. Rejected keys are filtered before they get here, and again here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from passport.model import Entry, Signal
from passport.signals import SignalKind, SignalStatus

TERM_WEEKS = 12  # "weeks reflected this term": the last twelve ISO weeks, this one included
GROWTH_WINDOW = timedelta(days=56)  # evidence in the last eight weeks counts as "recent"
CHART_MONTHS = 12

# ESCO top groups as families a person can read: transversal, technical, knowledge, language.
FAMILY_LABELS = {
    "transversal": "Everyday skills",
    "technical": "Job skills",
    "knowledge": "Knowledge",
    "language": "Languages",
    "other": "Other",
}

GROUP_LABELS = {
    "S1": "communication, collaboration and creativity",
    "S2": "information skills",
    "S3": "assisting and caring",
    "S4": "management skills",
    "S5": "working with computers",
    "S6": "handling and moving",
    "S7": "constructing",
    "S8": "working with machinery and specialised equipment",
    "T1": "core skills and competences",
    "T2": "thinking skills and competences",
    "T3": "self-management skills and competences",
    "T4": "social and communication skills and competences",
    "T5": "physical and manual skills and competences",
    "T6": "life skills and competences",
    "L1": "languages",
    "L2": "classical languages",
    "K00": "generic programmes and qualifications",
    "K01": "education",
    "K02": "arts and humanities",
    "K03": "social sciences, journalism and information",
    "K04": "business, administration and law",
    "K05": "natural sciences, mathematics and statistics",
    "K06": "information and communication technologies",
    "K07": "engineering, manufacturing and construction",
    "K08": "agriculture, forestry, fisheries and veterinary",
    "K09": "health and welfare",
    "K10": "services",
    "K99": "field unknown",
}


def group_family(group: str | None) -> str:
    """The family of an ESCO top-group code: transversal, technical, knowledge or language."""
    if not group:
        return "other"
    return {"T": "transversal", "S": "technical", "K": "knowledge", "L": "language"}.get(
        group[0].upper(), "other"
    )


def signal_key(esco_uri: str | None, label: str) -> str:
    """The identity of a signal across entries: its ESCO URI, else its label in lower case."""
    return esco_uri or " ".join(label.lower().split())


@dataclass(frozen=True, slots=True)
class SignalAggregate:
    """Every non-rejected mention of one signal key, folded into one row."""

    kind: SignalKind
    key: str
    label: str
    esco_uri: str | None
    group: str | None
    status: SignalStatus  # confirmed when any mention is confirmed, else suggested
    evidence_count: int  # independent mentions (entries, artifacts, credentials)
    first_seen: datetime
    last_seen: datetime
    latest_evidence: str
    latest_evidence_at: datetime
    verification: str | None = None  # "verified" when any imported credential is verified
    recent_count: int = 0  # mentions inside GROWTH_WINDOW before now
    new_count: int = 0  # mentions since the last digest
    source: str = "reflection"

    @property
    def family(self) -> str:
        """Transversal, technical, knowledge, language or other."""
        return group_family(self.group)


@dataclass(frozen=True, slots=True)
class WeekStats:
    """How often a person reflected: total ISO weeks, and which weeks of the recent term."""

    total_weeks: int = 0
    term_weeks: tuple[str, ...] = ()  # ISO weeks ("2026-W48") with an entry, inside the term
    first_entry_at: datetime | None = None
    last_entry_at: datetime | None = None
    entries_since_last_digest: int = 0


@dataclass(frozen=True, slots=True)
class MonthGroupCount:
    """Evidence in one month ("2026-11") for one ESCO top group (for the chart)."""

    month: str
    group: str | None
    count: int


@dataclass(frozen=True, slots=True)
class ProfileInputs:
    """Everything `build_profile` reads: bounded rows from storage or from a snapshot."""

    signals: tuple[SignalAggregate, ...] = ()
    weeks: WeekStats = field(default_factory=WeekStats)
    months: tuple[MonthGroupCount, ...] = ()
    rejected_keys: frozenset[tuple[str, str]] = frozenset()  # (kind, key) the person said no to
    since_last_digest: datetime | None = None


@dataclass(frozen=True, slots=True)
class FamilySummary:
    """Skills of one ESCO family: how many, and how much evidence."""

    family: str
    label: str
    skills: int
    evidence: int


@dataclass(frozen=True, slots=True)
class Profile:
    """What a person's passport says, ready for the digest, the chart and the narrative."""

    now: datetime
    skills: tuple[SignalAggregate, ...]  # strongest first
    strengths: tuple[SignalAggregate, ...]
    interests: tuple[SignalAggregate, ...]
    growth: tuple[SignalAggregate, ...]
    families: tuple[FamilySummary, ...]
    new: tuple[SignalAggregate, ...]  # first seen since the last digest
    growing: tuple[SignalAggregate, ...]  # older signals with fresh evidence
    weeks: WeekStats
    term_weeks_reflected: int
    term_length: int
    months: tuple[MonthGroupCount, ...]
    since_last_digest: datetime | None

    @property
    def all_signals(self) -> tuple[SignalAggregate, ...]:
        """Every shown signal of every kind."""
        return self.skills + self.strengths + self.interests + self.growth

    @property
    def confirmed_count(self) -> int:
        """How many signals the person has said yes to."""
        return sum(1 for s in self.all_signals if s.status is SignalStatus.CONFIRMED)

    @property
    def suggested_count(self) -> int:
        """How many signals still wait for a yes or a no."""
        return sum(1 for s in self.all_signals if s.status is SignalStatus.SUGGESTED)

    def evidence_texts(self) -> tuple[str, ...]:
        """Every verbatim quote the profile holds (used to check a narrative)."""
        return tuple(s.latest_evidence for s in self.all_signals if s.latest_evidence)


def strength_score(agg: SignalAggregate) -> float:
    """How strong a signal looks: evidence, a yes from the person, a verified credential."""
    score = float(agg.evidence_count)
    if agg.status is SignalStatus.CONFIRMED:
        score += 2.0
    if agg.verification == "verified":
        score += 3.0
    return score + 0.5 * agg.recent_count


def _iso_week(at: datetime) -> str:
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def term_week_labels(now: datetime, weeks: int = TERM_WEEKS) -> tuple[str, ...]:
    """The ISO weeks of the current term, oldest first, this week last."""
    return tuple(_iso_week(now - timedelta(weeks=i)) for i in range(weeks - 1, -1, -1))


def _sorted(aggs: list[SignalAggregate]) -> tuple[SignalAggregate, ...]:
    return tuple(sorted(aggs, key=lambda a: (-strength_score(a), -a.last_seen.timestamp(), a.key)))


def build_profile(inputs: ProfileInputs, *, now: datetime) -> Profile:
    """Fold aggregate rows into a `Profile`; rejected keys never make it through."""
    by_kind: dict[SignalKind, list[SignalAggregate]] = {k: [] for k in SignalKind}
    for agg in inputs.signals:
        if agg.status is SignalStatus.REJECTED:
            continue
        if (str(agg.kind), agg.key) in inputs.rejected_keys:
            continue
        by_kind[SignalKind(agg.kind)].append(agg)
    skills = _sorted(by_kind[SignalKind.SKILL])
    others = (SignalKind.STRENGTH, SignalKind.INTEREST, SignalKind.GROWTH)
    everything = skills + tuple(a for k in others for a in by_kind[k])
    since = inputs.since_last_digest
    new = tuple(
        a for a in _sorted(list(everything)) if since is not None and a.first_seen >= since
    )
    window_start = now - GROWTH_WINDOW
    strengths = _sorted(by_kind[SignalKind.STRENGTH])
    growing = tuple(
        a
        for a in sorted(skills + strengths, key=lambda a: (-a.recent_count, -a.evidence_count))
        if a.recent_count >= 2 and a.first_seen < window_start and a not in new
    )
    families: list[FamilySummary] = []
    for family in ("transversal", "technical", "knowledge", "language", "other"):
        members = [a for a in skills if a.family == family]
        if members:
            families.append(
                FamilySummary(
                    family=family,
                    label=FAMILY_LABELS[family],
                    skills=len(members),
                    evidence=sum(a.evidence_count for a in members),
                )
            )
    term = set(term_week_labels(now))
    term_reflected = len(term.intersection(inputs.weeks.term_weeks))
    return Profile(
        now=now,
        skills=skills,
        strengths=strengths,
        interests=_sorted(by_kind[SignalKind.INTEREST]),
        growth=_sorted(by_kind[SignalKind.GROWTH]),
        families=tuple(families),
        new=new,
        growing=growing,
        weeks=inputs.weeks,
        term_weeks_reflected=term_reflected,
        term_length=TERM_WEEKS,
        months=tuple(sorted(inputs.months, key=lambda m: (m.month, m.group or ""))),
        since_last_digest=since,
    )


def inputs_from_records(
    signals: Iterable[Signal],
    entries: Iterable[Entry],
    *,
    now: datetime,
    since_last_digest: datetime | None = None,
) -> ProfileInputs:
    """Aggregate plain records in memory (tests, in-memory stores, export) the way SQL does."""
    signals = list(signals)
    # As in SQL: a key is left out while its latest answer is "not me" (a rejection covers
    # every row of the key, so a kept row means it was kept again afterwards).
    kept = {
        (str(s.kind), signal_key(s.esco_uri, s.label))
        for s in signals
        if s.status is SignalStatus.CONFIRMED
    }
    rejected = (
        frozenset(
            (str(s.kind), signal_key(s.esco_uri, s.label))
            for s in signals
            if s.status is SignalStatus.REJECTED
        )
        - kept
    )
    groups: dict[tuple[str, str], list[Signal]] = {}
    for s in signals:
        k = (str(s.kind), signal_key(s.esco_uri, s.label))
        if s.status is not SignalStatus.REJECTED and k not in rejected:
            groups.setdefault(k, []).append(s)
    window_start = now - GROWTH_WINDOW
    month_floor = chart_month_floor(now)
    aggs: list[SignalAggregate] = []
    months: dict[tuple[str, str | None], int] = {}
    for (kind, key), rows in groups.items():
        rows.sort(key=lambda s: (s.created_at, s.id))
        latest = rows[-1]
        verified = any(s.verification == "verified" for s in rows)
        aggs.append(
            SignalAggregate(
                kind=SignalKind(kind),
                key=key,
                label=latest.label,
                esco_uri=latest.esco_uri,
                group=latest.group,
                status=SignalStatus.CONFIRMED
                if any(s.status is SignalStatus.CONFIRMED for s in rows)
                else SignalStatus.SUGGESTED,
                evidence_count=len(rows),
                first_seen=rows[0].created_at,
                last_seen=latest.created_at,
                latest_evidence=latest.evidence,
                latest_evidence_at=latest.created_at,
                verification="verified" if verified else None,
                recent_count=sum(1 for s in rows if s.created_at >= window_start),
                new_count=sum(
                    1 for s in rows if since_last_digest and s.created_at >= since_last_digest
                ),
                source=latest.source,
            )
        )
        if kind == SignalKind.SKILL:
            for s in rows:
                if s.created_at >= month_floor:
                    m = (s.created_at.strftime("%Y-%m"), s.group)
                    months[m] = months.get(m, 0) + 1
    entries = list(entries)
    weeks = {e.iso_week or _iso_week(e.created_at) for e in entries}
    term = set(term_week_labels(now))
    stamps = [e.created_at for e in entries]
    return ProfileInputs(
        signals=tuple(aggs),
        weeks=WeekStats(
            total_weeks=len(weeks),
            term_weeks=tuple(sorted(weeks & term)),
            first_entry_at=min(stamps, default=None),
            last_entry_at=max(stamps, default=None),
            entries_since_last_digest=sum(
                1 for t in stamps if since_last_digest is None or t >= since_last_digest
            ),
        ),
        months=tuple(MonthGroupCount(m, g, c) for (m, g), c in sorted(months.items(), key=str)),
        rejected_keys=rejected,
        since_last_digest=since_last_digest,
    )


def chart_month_floor(now: datetime) -> datetime:
    """The first instant of the month CHART_MONTHS - 1 months before `now`'s month."""
    year, month = now.year, now.month - (CHART_MONTHS - 1)
    while month <= 0:
        month += 12
        year -= 1
    return now.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
