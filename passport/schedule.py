"""Weekly timing: the next nudge in UTC from weekday + local hour + IANA zone (DST-safe).

Slot arithmetic only; the rules that use it (paused, quiet hours, which week is open) are in
`passport.rhythm`.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from datetime import UTC, datetime, timedelta

from passport.model import Schedule
from passport.timeutil import iso_week, zone


def local_slot(day: datetime, hour: int, tz: str) -> datetime:
    """`hour`:00 on the local calendar date of `day`, as an aware UTC instant.

    A wall time that does not exist (spring-forward gap) lands just after the gap (02:00 → 03:00
    in Berlin); an ambiguous one (fall-back) takes the first occurrence.
    """
    naive = datetime(day.year, day.month, day.day, hour, 0)
    # fold=0 reads a gap time with the offset in force before it, which is the instant the
    # clocks show as the first minute after the gap.
    return naive.replace(tzinfo=zone(tz), fold=0).astimezone(UTC)


def next_slot(schedule: Schedule, after: datetime) -> datetime:
    """The first weekly slot strictly after `after` (UTC in, UTC out)."""
    tzinfo = zone(schedule.timezone)
    local_now = after.astimezone(tzinfo)
    days_ahead = (schedule.weekday - local_now.weekday()) % 7
    for extra in (0, 7, 14):
        candidate_day = local_now.date() + timedelta(days=days_ahead + extra)
        slot = local_slot(
            datetime(candidate_day.year, candidate_day.month, candidate_day.day),
            schedule.hour,
            schedule.timezone,
        )
        if slot > after:
            return slot
    raise AssertionError("unreachable: a weekly slot always exists within three weeks")


def slot_in_week(schedule: Schedule, week: str) -> datetime:
    """The slot that belongs to ISO week `week` ("2026-W49") on the person's calendar."""
    year, wk = week.split("-W")
    monday = datetime.fromisocalendar(int(year), int(wk), 1)
    day = monday + timedelta(days=schedule.weekday)
    return local_slot(day, schedule.hour, schedule.timezone)


def next_nudge_at(
    schedule: Schedule, after: datetime, *, sent_weeks: AbstractSet[str] = frozenset()
) -> datetime:
    """The next slot after `after` whose week has not had its nudge and is not skipped."""
    candidate = next_slot(schedule, after)
    for _ in range(4):
        week = iso_week(candidate, schedule.timezone)
        if week not in sent_weeks and week != schedule.skip_week:
            return candidate
        candidate = next_slot(schedule, candidate)
    return candidate


def week_end(week: str, tz: str) -> datetime:
    """The instant the ISO week `week` ends on the person's calendar (next Monday 00:00 local)."""
    year, wk = week.split("-W")
    monday = datetime.fromisocalendar(int(year), int(wk), 1)
    return local_slot(monday + timedelta(days=7), 0, tz)


def next_digest_slot(schedule: Schedule, after: datetime, frequency: str) -> datetime:
    """The next digest instant: the person's day and hour, weekly or on its first in a month."""
    slot = next_slot(schedule, after)
    if frequency != "monthly":
        return slot
    for _ in range(6):
        if slot.astimezone(zone(schedule.timezone)).day <= 7:
            return slot
        slot = next_slot(schedule, slot)
    return slot


def describe_local(at: datetime | None, tz: str) -> str:
    """ "Sunday 06 Dec 2026 18:00 (Europe/Berlin)" for operators, or "—"."""
    if at is None:
        return "—"
    local = at.astimezone(zone(tz))
    return f"{local:%A %d %b %Y %H:%M} ({tz})"


def describe_slot(schedule: Schedule) -> tuple[str, str, str]:
    """(day name, "18:00", zone) for messages."""
    from passport.model import WEEKDAYS

    return WEEKDAYS[schedule.weekday], f"{schedule.hour:02d}:00", schedule.timezone
