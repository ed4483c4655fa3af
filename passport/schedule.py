"""Weekly timing: the next nudge in UTC from weekday + local hour + IANA zone (DST-safe)."""

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


def describe_slot(schedule: Schedule) -> tuple[str, str, str]:
    """(day name, "18:00", zone) for messages."""
    from passport.model import WEEKDAYS

    return WEEKDAYS[schedule.weekday], f"{schedule.hour:02d}:00", schedule.timezone
