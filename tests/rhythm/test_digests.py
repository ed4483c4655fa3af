"""Scheduled digests (skipped when nothing is new), a year-ago entry now and then, the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from handlers.texts import YEAR_AGO
from passport.model import Schedule
from passport.rhythm import should_resurface
from passport.schedule import next_digest_slot
from passport.timeutil import iso_week
from tests.core.helpers import Person

SUNDAY_18_BERLIN = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)


def _digests(rig, user):
    return [
        t
        for t in rig.texts(user)
        if "passport" in t.lower() and not t.startswith("Your weekly question")
    ]


async def test_a_weekly_digest_is_sent_on_the_day_and_skipped_when_nothing_is_new(rig):
    ann = Person(rig.app, "ann")
    await ann.onboard()
    await ann.tap("settings:digest")
    await ann.tap("digestfreq:weekly")
    first = await rig.tick()  # places the first digest at the person's slot
    assert first.digests == 0
    async with rig.app.services.uow() as uow:
        person = await uow.people.find_person(ann.address)
    assert person is not None
    await ann.say("I took photos for the team newsletter.")
    await rig.app.runner.run_until_idle()
    rig.channel.sent.clear()
    report = await rig.tick(SUNDAY_18_BERLIN)
    assert report.digests == 1
    week_one = [m for a, m in rig.channel.sent if a.user_id == "ann"]
    assert any(m.attachment is not None for m in week_one)  # the chart
    texts = [m.text for m in week_one if m.text]
    assert any("take photographs" in t.lower() for t in texts)
    # Nothing new the next week: no digest, only the weekly question.
    rig.channel.sent.clear()
    report = await rig.tick(SUNDAY_18_BERLIN + timedelta(days=7))
    assert report.digests == 1  # claimed, then skipped by the job: nothing new
    sent = [m.text for a, m in rig.channel.sent if a.user_id == "ann"]
    assert all(t.startswith("Your weekly question") for t in sent) and len(sent) == 1


async def test_an_empty_passport_gets_no_scheduled_digest(rig):
    await rig.add("bea", tz="Europe/Berlin", digest="weekly", next_digest_at=SUNDAY_18_BERLIN)
    await rig.tick(SUNDAY_18_BERLIN)
    assert rig.texts("bea") and all(t.startswith("Your weekly question") for t in rig.texts("bea"))


async def test_paused_people_get_no_digest_and_off_means_off(rig):
    await rig.add(
        "cat", tz="Europe/Berlin", digest="weekly", paused=True, next_digest_at=SUNDAY_18_BERLIN
    )
    await rig.add("dan", tz="Europe/Berlin", digest="off", next_digest_at=SUNDAY_18_BERLIN)
    report = await rig.tick(SUNDAY_18_BERLIN)
    assert report.digests == 0


def test_monthly_digests_come_on_the_first_chosen_weekday_of_a_month():
    s = Schedule(weekday=6, hour=18, timezone="Europe/Berlin")
    at = next_digest_slot(s, datetime(2026, 12, 7, tzinfo=UTC), "monthly")
    assert at == datetime(2027, 1, 3, 17, 0, tzinfo=UTC)  # Sunday 3 Jan 2027, 18:00 Berlin
    weekly = next_digest_slot(s, datetime(2026, 12, 7, tzinfo=UTC), "weekly")
    assert weekly == datetime(2026, 12, 13, 17, 0, tzinfo=UTC)


async def test_a_year_ago_entry_comes_back_now_and_then(rig):
    pid = await rig.add("eli", tz="Europe/Berlin")
    sundays = [SUNDAY_18_BERLIN + timedelta(days=7 * n) for n in range(4)]
    [turn] = [d for d in sundays if should_resurface(pid, iso_week(d, "Europe/Berlin"))]
    async with rig.app.services.uow() as uow:
        await uow.entries.add_entry(
            pid, "I fixed my first bike brake today.", turn - timedelta(weeks=52)
        )
        await uow.commit()
    for due in sundays:
        await rig.tick(due)
    old = [t for t in rig.texts("eli") if t.startswith(YEAR_AGO.split("\n")[0])]
    assert len(old) == 1 and "first bike brake" in old[0]
    assert len(rig.nudges("eli")) == 4


def test_utp_tick_and_schedule_from_the_command_line(tmp_path, monkeypatch, capsys, cache_dir):
    from bot.cli import main

    monkeypatch.setenv("UTP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("UTP_CACHE_DIR", str(cache_dir))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    import asyncio

    from bot.bootstrap import bootstrap
    from bot.settings import Settings
    from passport.clock import FixedClock
    from tests.fakes.extractor import FakeExtractor

    async def setup() -> None:
        app = await bootstrap(
            Settings(),
            clock=FixedClock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC)),
            extractor=FakeExtractor(),
        )
        try:
            alice = Person(app, "alice")
            await alice.onboard()
        finally:
            await app.close()

    asyncio.run(setup())
    assert main(["schedule", "--person", "console:alice", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["next_nudge_at"] == "2026-12-06T17:00:00+00:00"
    assert info["next_nudge_local"].startswith("Sunday 06 Dec 2026 18:00")
    assert main(["tick", "--now", "2026-12-06T18:00:00+01:00", "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["nudges"] == 1
    assert outcome["jobs_waiting"] == 1  # a terminal person: shown when `utp chat` starts
    assert main(["tick", "--now", "2026-12-06T18:05:00+01:00", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["nudges"] == 0
    assert main(["schedule", "--person", "console:alice"]) == 0
    text = capsys.readouterr().out
    assert "Sunday 13 Dec 2026 18:00" in text and "2026-W49" in text
    assert main(["schedule", "--person", "console:nobody"]) == 1


async def test_the_worker_scheduler_ticks_until_stopped(rig):
    import asyncio

    from bot.scheduler import start_scheduler

    await rig.add("fin", tz="Europe/Berlin")
    rig.clock.set(SUNDAY_18_BERLIN)
    stop = asyncio.Event()
    task = asyncio.create_task(start_scheduler(rig.app, stop, seconds=0.05))
    for _ in range(200):
        await asyncio.sleep(0.02)
        if await rig.app.jobs.pending():
            break
    stop.set()
    await task
    await rig.app.runner.run_until_idle()
    assert len(rig.nudges("fin")) == 1
