"""What the chart shows: the skills on the map (grouped by pillar) and the weekly growth series."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from passport.plainwords import PILLARS, pillar_of, plain_name
from passport.profile import SignalAggregate, strength_score
from passport.signals import SignalStatus


@dataclass(frozen=True, slots=True)
class MapRow:
    """One skill on the map."""

    pillar: str
    name: str  # plain words
    esco: str  # the ESCO label ("" when the name is the label)
    notes: int
    status: str  # kept | suggested | verified


def _status(agg: SignalAggregate) -> str:
    if agg.verification == "verified":
        return "verified"
    return "kept" if agg.status is SignalStatus.CONFIRMED else "suggested"


def _row(agg: SignalAggregate) -> MapRow:
    plain = plain_name(agg.label, agg.group)
    label = agg.label[:1].upper() + agg.label[1:]
    if plain and plain.lower() != agg.label.lower():
        return MapRow(
            pillar_of(agg.group, agg.label), plain, agg.label, agg.evidence_count, _status(agg)
        )
    return MapRow(pillar_of(agg.group, agg.label), label, "", agg.evidence_count, _status(agg))


def map_rows(skills: Sequence[SignalAggregate], limit: int) -> tuple[list[MapRow], dict[str, int]]:
    """The strongest skills for the map, grouped by pillar; and how many per pillar were left out.

    Every pillar with a skill keeps at least one row, so a language or a digital skill is never
    crowded out by ten everyday ones.
    """
    ranked = sorted(skills, key=lambda a: (-strength_score(a), a.key))
    chosen: list[SignalAggregate] = []
    for pillar in PILLARS:  # one per pillar first
        first = next((a for a in ranked if pillar_of(a.group, a.label) == pillar), None)
        if first is not None and len(chosen) < limit:
            chosen.append(first)
    for agg in ranked:
        if len(chosen) >= limit:
            break
        if agg not in chosen:
            chosen.append(agg)
    left: dict[str, int] = {}
    for agg in ranked:
        if agg not in chosen:
            pillar = pillar_of(agg.group, agg.label)
            left[pillar] = left.get(pillar, 0) + 1
    order = {a.key: i for i, a in enumerate(ranked)}
    chosen.sort(key=lambda a: (PILLARS.index(pillar_of(a.group, a.label)), order[a.key]))
    return [_row(a) for a in chosen], left


def growth_series(
    skills: Sequence[SignalAggregate], now: datetime
) -> tuple[list[datetime], dict[str, list[int]]]:
    """Weekly points from the first skill to now: skills found so far, per pillar."""
    if not skills:
        return [], {}
    start = min(a.first_seen for a in skills)
    points: list[datetime] = []
    at = start
    while at < now:
        points.append(at)
        at += timedelta(weeks=1)
    points.append(now)
    series = {p: [0] * len(points) for p in PILLARS}
    for agg in skills:
        pillar = pillar_of(agg.group, agg.label)
        for i, point in enumerate(points):
            if agg.first_seen <= point:
                series[pillar][i] += 1
    return points, {p: v for p, v in series.items() if any(v)}
