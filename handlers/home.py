"""A person's passport at a glance for a platform "home" screen (Slack App Home), no platform code.

The channel renders `HomeSummary` natively; nothing here reads entries' words, only counts and
signal labels, so a home screen never shows more than the person's own digest would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers.context import Services
from passport.messages import Address
from passport.model import WEEKDAYS
from passport.signals import SignalKind, SignalStatus
from passport.timeutil import zone

TOP = 5


@dataclass(frozen=True, slots=True)
class HomeSummary:
    """What a home screen shows; `opted_in` is False while setup is unfinished or declined."""

    opted_in: bool
    paused: bool
    strengths: tuple[str, ...]
    recent_skills: tuple[str, ...]
    weeks_reflected: int
    entries: int
    next_nudge: str | None  # "Sunday 06 Dec at 18:00 (Europe/Berlin)" in the person's zone
    next_nudge_at: datetime | None
    slot: str  # "Sunday at 18:00 (Europe/Berlin)"
    paused_until: datetime | None = None


def _local(at: datetime, tz: str) -> str:
    local = at.astimezone(zone(tz))
    return f"{WEEKDAYS[local.weekday()]} {local:%d %b} at {local:%H:%M} ({tz})"


async def home_summary(services: Services, address: Address) -> HomeSummary | None:
    """The summary for the person behind `address`, or None when they never wrote."""
    async with services.uow() as uow:
        person = await uow.people.find_person(address)
        if person is None:
            return None
        signals = await uow.signals.signals(person.id, statuses=(SignalStatus.CONFIRMED,))
        entries = await uow.entries.entries(person.id)
    s = person.schedule
    strengths = [x for x in signals if x.kind != SignalKind.SKILL]
    skills = [x for x in signals if x.kind == SignalKind.SKILL]
    by_count: dict[str, int] = {}
    for signal in sorted(strengths + skills, key=lambda x: x.created_at):
        by_count[signal.label] = by_count.get(signal.label, 0) + 1
    top = sorted(by_count, key=lambda label: -by_count[label])[:TOP]
    recent: list[str] = []
    for signal in sorted(skills, key=lambda x: x.created_at, reverse=True):
        if signal.label not in recent:
            recent.append(signal.label)
    weeks = {e.iso_week for e in entries if e.iso_week}
    opted_in = person.consented and person.onboarded and person.active
    nxt = s.next_nudge_at if opted_in and not s.paused else None
    return HomeSummary(
        opted_in=opted_in,
        paused=s.paused,
        strengths=tuple(top),
        recent_skills=tuple(recent[:TOP]),
        weeks_reflected=len(weeks),
        entries=len(entries),
        next_nudge=_local(nxt, s.timezone) if nxt else None,
        next_nudge_at=nxt,
        slot=f"{WEEKDAYS[s.weekday]} at {s.hour:02d}:00 ({s.timezone})",
        paused_until=s.paused_until,
    )
