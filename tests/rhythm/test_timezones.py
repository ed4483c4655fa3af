"""Weekly slots across time zones and DST changes, and weekday / hour edges, through the tick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.context import Limits
from passport.rhythm import after_quiet_hours, in_quiet_hours, remind_time
from passport.schedule import week_end
from storage.nudge_store import SqlAlchemyNudgeStore


async def _weekly(rig, pid: int, weeks: int) -> list[datetime]:
    """Tick at each due slot for `weeks` weeks; the instants the nudges went out."""
    sent = []
    for _ in range(weeks):
        person = await rig.person(pid)
        due = person.schedule.next_nudge_at
        report = await rig.tick(due)
        assert report.nudged == 1
        sent.append(due)
        # A second pass a minute later finds nothing: the week had its nudge.
        assert (await rig.tick(due + timedelta(minutes=1))).nudged == 0
    return sent


@pytest.mark.parametrize(
    ("tz", "start", "weekday", "hour"),
    [
        # EU summer time starts Sun 28 Mar 2027 (02:00 → 03:00).
        ("Europe/Berlin", datetime(2027, 3, 15, tzinfo=UTC), 6, 18),
        # US daylight time starts Sun 14 Mar 2027.
        ("America/New_York", datetime(2027, 3, 1, tzinfo=UTC), 6, 18),
        # No DST, a half-hour offset.
        ("Asia/Kolkata", datetime(2027, 3, 1, tzinfo=UTC), 0, 9),
        # NZ daylight time ends Sun 4 Apr 2027 (03:00 → 02:00).
        ("Pacific/Auckland", datetime(2027, 3, 22, tzinfo=UTC), 6, 18),
        # ... and starts Sun 26 Sep 2027 (02:00 → 03:00).
        ("Pacific/Auckland", datetime(2027, 9, 13, tzinfo=UTC), 6, 18),
        # EU summer time ends Sun 31 Oct 2027.
        ("Europe/Berlin", datetime(2027, 10, 18, tzinfo=UTC), 6, 18),
    ],
)
async def test_the_local_hour_holds_across_dst_changes(rig, tz, start, weekday, hour):
    rig.clock.set(start)
    pid = await rig.add("dana", weekday=weekday, hour=hour, tz=tz)
    sent = await _weekly(rig, pid, 4)
    local = [at.astimezone(ZoneInfo(tz)) for at in sent]
    assert [(t.weekday(), t.hour, t.minute) for t in local] == [(weekday, hour, 0)] * 4
    offsets = {t.utcoffset() for t in local}
    if tz != "Asia/Kolkata":
        assert len(offsets) == 2  # the window really crossed a change
    assert len(rig.nudges("dana")) == 4
    weeks = [n.iso_week for n in await SqlAlchemyNudgeStore(rig.app.sessionmaker).recent(pid)]
    assert len(set(weeks)) == 4


async def test_a_slot_in_the_spring_forward_gap_moves_forward_not_away(rig):
    # 02:00 does not exist in Auckland on Sun 26 Sep 2027: the nudge comes at 03:00 NZDT.
    rig.clock.set(datetime(2027, 9, 20, tzinfo=UTC))
    pid = await rig.add("kiri", weekday=6, hour=2, tz="Pacific/Auckland")
    due = (await rig.person(pid)).schedule.next_nudge_at
    assert due.astimezone(ZoneInfo("Pacific/Auckland")).hour == 3
    assert (await rig.tick(due)).nudged == 1


async def test_an_ambiguous_fall_back_hour_sends_once(rig):
    # 02:00 happens twice in Auckland on Sun 4 Apr 2027; only one nudge that week.
    rig.clock.set(datetime(2027, 3, 29, tzinfo=UTC))
    pid = await rig.add("kiri", weekday=6, hour=2, tz="Pacific/Auckland")
    due = (await rig.person(pid)).schedule.next_nudge_at
    assert (await rig.tick(due)).nudged == 1
    assert (await rig.tick(due + timedelta(hours=1))).nudged == 0
    assert len(rig.nudges("kiri")) == 1


@pytest.mark.parametrize(
    ("tz", "weekday", "hour", "week"),
    [
        # Monday 00:00 in Kolkata is still Sunday in UTC: the week is the local one.
        ("Asia/Kolkata", 0, 0, "2026-W50"),
        # Sunday 23:00 in Auckland is Sunday morning UTC; Sunday 00:00 is Saturday UTC.
        ("Pacific/Auckland", 6, 23, "2026-W49"),
        ("Pacific/Auckland", 6, 0, "2026-W49"),
        # Sunday 23:00 in New York is Monday 04:00 UTC (next ISO week in UTC).
        ("America/New_York", 6, 23, "2026-W49"),
    ],
)
async def test_weekday_and_hour_edges_use_the_local_week(rig, tz, weekday, hour, week):
    pid = await rig.add("edge", weekday=weekday, hour=hour, tz=tz)
    due = (await rig.person(pid)).schedule.next_nudge_at
    local = due.astimezone(ZoneInfo(tz))
    assert (local.weekday(), local.hour) == (weekday, hour)
    assert (await rig.tick(due)).nudged == 1
    [nudge] = await SqlAlchemyNudgeStore(rig.app.sessionmaker).recent(pid)
    assert nudge.iso_week == week
    person = await rig.person(pid)
    assert person.state["prompt"]["week"] == week
    assert person.schedule.next_nudge_at - due in (
        timedelta(days=7),
        timedelta(days=7, hours=1),
        timedelta(days=6, hours=23),
    )


def test_quiet_hours_wrap_midnight_and_end_in_the_morning_local():
    limits = Limits(quiet_start=22, quiet_end=8, reminder_hours=48)
    tz = "Europe/Berlin"
    late = datetime(2026, 12, 8, 22, 30, tzinfo=UTC)  # 23:30 Berlin
    assert in_quiet_hours(late, tz, limits)
    assert after_quiet_hours(late, tz, limits) == datetime(2026, 12, 9, 7, 0, tzinfo=UTC)
    early = datetime(2026, 12, 9, 5, 0, tzinfo=UTC)  # 06:00 Berlin
    assert after_quiet_hours(early, tz, limits) == datetime(2026, 12, 9, 7, 0, tzinfo=UTC)
    day = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)
    assert not in_quiet_hours(day, tz, limits) and after_quiet_hours(day, tz, limits) == day
    # Sent Sunday 21:00 Berlin, 48 h later is Tuesday 21:00: fine; 49 h is 22:00: moved on.
    sent = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
    assert remind_time(sent, tz, limits) == sent + timedelta(hours=48)
    later = Limits(quiet_start=22, quiet_end=8, reminder_hours=49)
    assert remind_time(sent, tz, later) == datetime(2026, 12, 9, 7, 0, tzinfo=UTC)
    assert remind_time(sent, tz, Limits(reminder_hours=0)) is None


def test_a_week_ends_at_local_midnight_on_monday():
    assert week_end("2026-W49", "Asia/Kolkata") == datetime(2026, 12, 6, 18, 30, tzinfo=UTC)
    assert week_end("2026-W49", "America/New_York") == datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
