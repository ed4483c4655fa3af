"""A year of simulated weeks across time zones, DST changes and restarts: one question a week."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from passport.model import Schedule
from passport.schedule import slot_in_week
from passport.timeutil import iso_week
from tests.rhythm.conftest import Rig

START = datetime(2026, 1, 1, tzinfo=UTC)
PEOPLE = (  # user, zone, weekday, hour
    ("berlin", "Europe/Berlin", 6, 18),
    ("newyork", "America/New_York", 0, 8),
    ("kolkata", "Asia/Kolkata", 2, 21),
    ("auckland", "Pacific/Auckland", 4, 7),
)


async def test_a_year_with_restarts_sends_each_week_once_at_local_time(make_app, clock):
    clock.set(START)
    rig = Rig(await make_app(), clock)
    for user, tz, weekday, hour in PEOPLE:
        await rig.add(user, weekday=weekday, hour=hour, tz=tz, reminders=False)
    sent_at: dict[str, list[datetime]] = {user: [] for user, *_ in PEOPLE}
    seen = 0
    at = clock.now()
    end = at + timedelta(weeks=52)
    step = timedelta(hours=5)  # not a divisor of a day: ticks land at every hour over time
    restarts = 0
    while at < end:
        at += step
        if at.day % 9 == 0 and at.hour < 5:
            # A restart: a fresh process on the same database, nothing kept in memory.
            rig = Rig(await make_app(), clock)
            restarts += 1
            seen = 0
        await rig.tick(at)
        for address, message in rig.channel.sent[seen:]:
            if message.text.startswith("Your weekly question"):
                sent_at[address.user_id].append(at)
        seen = len(rig.channel.sent)
    assert restarts >= 10
    for user, tz, weekday, hour in PEOPLE:
        weeks = Counter(iso_week(t, tz) for t in sent_at[user])
        assert max(weeks.values()) == 1, f"{user} got two questions in one week"
        every_week = {iso_week(START + timedelta(days=d), tz) for d in range(7, 357)}
        assert not every_week - set(weeks), f"{user} missed {sorted(every_week - set(weeks))}"
        schedule = Schedule(weekday=weekday, hour=hour, timezone=tz)
        for t in sent_at[user]:
            late = t - slot_in_week(schedule, iso_week(t, tz))
            # Never early; at the first tick after the slot, or after the night's quiet hours
            # when that tick fell inside them (a slot at 21:00 can wait until 08:00 + a tick).
            assert timedelta(0) <= late < step or (
                late < timedelta(hours=11) + step and t.astimezone(ZoneInfo(tz)).hour >= 8
            ), (user, t.astimezone(ZoneInfo(tz)))
