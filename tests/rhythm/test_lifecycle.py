"""Around the nudge: downtime, pause / skip / resume, blocked people, reminders, quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from passport.messages import Address
from storage.nudge_store import SqlAlchemyNudgeStore
from tests.core.helpers import Person

SUNDAY_18_BERLIN = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)


async def _nudges(rig, pid):
    return await SqlAlchemyNudgeStore(rig.app.sessionmaker).recent(pid, limit=20)


async def test_downtime_across_the_nudge_time_sends_once_on_the_next_tick(rig):
    pid = await rig.add("ann", tz="Europe/Berlin")
    # Everything was down from Saturday until Sunday 20:30 Berlin.
    report = await rig.tick(SUNDAY_18_BERLIN + timedelta(hours=2, minutes=30))
    assert report.nudged == 1
    assert (await rig.tick(SUNDAY_18_BERLIN + timedelta(hours=3))).nudged == 0
    assert len(rig.nudges("ann")) == 1
    assert (await rig.person(pid)).schedule.next_nudge_at == SUNDAY_18_BERLIN + timedelta(days=7)


async def test_downtime_for_weeks_never_sends_a_burst_of_old_questions(rig):
    pid = await rig.add("ben", tz="Europe/Berlin")
    # Down for three weeks; back on a Wednesday: that week's slot has not come yet.
    report = await rig.tick(datetime(2026, 12, 23, 12, 0, tzinfo=UTC))
    assert report.nudged == 0 and report.advanced == 1
    assert rig.nudges("ben") == []
    assert (await rig.person(pid)).schedule.next_nudge_at == datetime(
        2026, 12, 27, 17, 0, tzinfo=UTC
    )
    assert (await rig.tick(datetime(2026, 12, 27, 17, 0, tzinfo=UTC))).nudged == 1
    assert len(rig.nudges("ben")) == 1


async def test_a_late_catch_up_keeps_out_of_quiet_hours(rig):
    pid = await rig.add("cal", weekday=5, tz="Europe/Berlin")  # Saturday 18:00
    saturday = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)
    report = await rig.tick(saturday + timedelta(hours=5))  # back at 23:00 Berlin
    assert report.nudged == 0 and report.deferred == 1
    assert (await rig.person(pid)).schedule.next_nudge_at == datetime(
        2026, 12, 6, 7, 0, tzinfo=UTC
    )
    assert (await rig.tick(datetime(2026, 12, 6, 7, 0, tzinfo=UTC))).nudged == 1
    [nudge] = await _nudges(rig, pid)
    assert nudge.iso_week == "2026-W49"
    # The regular slot follows a week later, not again this week.
    assert (await rig.person(pid)).schedule.next_nudge_at == saturday + timedelta(days=7)


async def test_paused_people_are_not_nudged_until_they_resume(rig):
    pid = await rig.add("dee", tz="Europe/Berlin", paused=True)
    assert (await rig.tick(SUNDAY_18_BERLIN)).nudged == 0
    assert (await rig.tick(SUNDAY_18_BERLIN + timedelta(days=7))).nudged == 0
    assert rig.nudges("dee") == []
    # Their time still moves on, so the due index does not fill up with people who are away.
    assert (await rig.person(pid)).schedule.next_nudge_at > rig.clock.now()
    dee = Person(rig.app, "dee")
    await dee.say("/resume")
    due = (await rig.person(pid)).schedule.next_nudge_at
    assert due == SUNDAY_18_BERLIN + timedelta(days=14)
    assert (await rig.tick(due)).nudged == 1


async def test_a_pause_for_two_weeks_ends_by_itself(rig):
    pid = await rig.add("eve", tz="Europe/Berlin")
    eve = Person(rig.app, "eve")
    await eve.say("/pause 2w")  # Monday 30 Nov → Monday 14 Dec
    assert (await rig.tick(SUNDAY_18_BERLIN)).nudged == 0
    assert (await rig.tick(SUNDAY_18_BERLIN + timedelta(days=7))).nudged == 0
    report = await rig.tick(datetime(2026, 12, 14, 10, 0, tzinfo=UTC))
    assert report.resumed == 1 and report.nudged == 0  # the missed week is over
    person = await rig.person(pid)
    assert not person.schedule.paused and person.schedule.paused_until is None
    assert (await rig.tick(person.schedule.next_nudge_at)).nudged == 1
    assert len(rig.nudges("eve")) == 1


async def test_skip_this_week_then_next_week_as_usual(rig):
    await rig.add("fay", tz="Europe/Berlin")
    await Person(rig.app, "fay").say("/skip")
    assert (await rig.tick(SUNDAY_18_BERLIN)).nudged == 0
    assert (await rig.tick(SUNDAY_18_BERLIN + timedelta(days=7))).nudged == 1
    assert len(rig.nudges("fay")) == 1


async def test_inactive_people_are_never_nudged_and_blocking_marks_inactive(rig):
    gone = await rig.add("gus", tz="Europe/Berlin", active=False)
    blocker = await rig.add("hal", tz="Europe/Berlin")
    rig.channel.blocked.add("hal")
    await rig.tick(SUNDAY_18_BERLIN)
    assert rig.texts("gus") == [] and rig.texts("hal") == []
    assert not (await rig.person(blocker)).active
    [nudge] = await _nudges(rig, blocker)
    assert nudge.status == "failed"
    assert await _nudges(rig, gone) == []
    assert (await rig.tick(SUNDAY_18_BERLIN + timedelta(days=7))).nudged == 0
    assert (await rig.app.jobs.counts()).get("parked", 0) == 0
    assert (await rig.person(gone)).schedule.next_nudge_at > rig.clock.now()


async def test_one_reminder_once_and_only_once(rig):
    pid = await rig.add("ida", tz="Europe/Berlin")
    await rig.tick(SUNDAY_18_BERLIN)
    assert (await rig.tick(SUNDAY_18_BERLIN + timedelta(hours=47))).reminders == 0
    for hours in (48, 49, 60, 72, 100):
        await rig.tick(SUNDAY_18_BERLIN + timedelta(hours=hours))
    assert len(rig.reminders("ida")) == 1
    [nudge] = await _nudges(rig, pid)
    assert nudge.reminded_at == SUNDAY_18_BERLIN + timedelta(hours=48)


async def test_no_reminder_after_a_reply_or_when_turned_off(rig):
    await rig.add("jo", tz="Europe/Berlin")
    await rig.add("kay", tz="Europe/Berlin", reminders=False)
    await rig.tick(SUNDAY_18_BERLIN)
    rig.clock.set(SUNDAY_18_BERLIN + timedelta(hours=5))
    await Person(rig.app, "jo").say("I helped my neighbour fix a bike.")
    await rig.tick(SUNDAY_18_BERLIN + timedelta(hours=50))
    assert rig.reminders("jo") == [] and rig.reminders("kay") == []


async def test_reminders_can_be_off_for_everyone(make_rig):
    rig = await make_rig(utp_reminder_hours=0)
    await rig.add("lee", tz="Europe/Berlin")
    await rig.tick(SUNDAY_18_BERLIN)
    await rig.tick(SUNDAY_18_BERLIN + timedelta(days=3))
    assert len(rig.nudges("lee")) == 1 and rig.reminders("lee") == []


async def test_a_reminder_never_comes_in_quiet_hours(make_rig):
    rig = await make_rig(utp_reminder_hours=29)  # Sunday 18:00 + 29 h = Monday 23:00 Berlin
    pid = await rig.add("max", tz="Europe/Berlin")
    await rig.tick(SUNDAY_18_BERLIN)
    [nudge] = await _nudges(rig, pid)
    assert nudge.remind_at == datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # Tuesday 08:00
    await rig.tick(SUNDAY_18_BERLIN + timedelta(hours=29, minutes=30))
    assert rig.reminders("max") == []
    await rig.tick(datetime(2026, 12, 8, 7, 0, tzinfo=UTC))
    assert len(rig.reminders("max")) == 1


async def test_a_reminder_found_late_at_night_waits_for_morning(rig):
    pid = await rig.add("ned", tz="Europe/Berlin")
    await rig.tick(SUNDAY_18_BERLIN)
    # The scheduler was down until Tuesday 23:30 Berlin.
    report = await rig.tick(datetime(2026, 12, 8, 22, 30, tzinfo=UTC))
    assert report.reminders == 0 and rig.reminders("ned") == []
    [nudge] = await _nudges(rig, pid)
    assert nudge.remind_at == datetime(2026, 12, 9, 7, 0, tzinfo=UTC)
    await rig.tick(datetime(2026, 12, 9, 7, 0, tzinfo=UTC))
    assert len(rig.reminders("ned")) == 1


async def test_a_late_reply_counts_for_its_week(rig):
    pid = await rig.add("ola", tz="Europe/Berlin")
    await rig.tick(SUNDAY_18_BERLIN)
    rig.clock.set(datetime(2026, 12, 9, 12, 0, tzinfo=UTC))  # Wednesday of the next week
    out = await Person(rig.app, "ola").say("I finally finished the shelf I was building.")
    assert "2026-W49" in out[0].text
    [nudge] = await _nudges(rig, pid)
    assert nudge.answered_at is not None
    async with rig.app.services.uow() as uow:
        [entry] = await uow.entries.entries(pid)
    assert entry.iso_week == "2026-W49" and entry.prompt_id == nudge.prompt_id


async def test_a_different_one_replaces_the_question_and_the_reminder_uses_it(rig):
    pid = await rig.add("pia", tz="Europe/Berlin")
    await rig.tick(SUNDAY_18_BERLIN)
    first = (await rig.person(pid)).state["prompt"]
    out = await Person(rig.app, "pia").tap("another")
    second = (await rig.person(pid)).state["prompt"]
    assert second["id"] != first["id"] and second["week"] == first["week"]
    from passport.prompts import BY_ID

    assert BY_ID[second["id"]].text in out[0].text
    await rig.tick(SUNDAY_18_BERLIN + timedelta(hours=48))
    [reminder] = rig.reminders("pia")
    assert BY_ID[second["id"]].text in reminder


async def test_a_terminal_person_sees_a_nudge_that_came_due_while_away(make_app, clock):
    from bot.scheduler import run_tick
    from tests.fakes.channel import FakeChannel

    app = await make_app()  # no console channel: like `utp worker` or `utp tick`
    async with app.services.uow() as uow:
        person = await uow.people.create_person(
            Address("console", "ria", "ria"), "Ria", clock.now()
        )
        await uow.people.update_person(
            person.id, onboarded=True, timezone="Europe/Berlin", next_nudge_at=SUNDAY_18_BERLIN
        )
        await uow.commit()
    clock.set(SUNDAY_18_BERLIN)
    assert (await run_tick(app)).nudged == 1
    await app.runner.run_until_idle()  # no terminal here: the nudge waits
    assert await app.jobs.pending(person_id=person.id) == 1
    # `utp chat` starts on Tuesday: a pass, then the waiting jobs, shown once.
    clock.set(SUNDAY_18_BERLIN + timedelta(days=2))
    console = FakeChannel("console")
    app.add_channel(console)
    await run_tick(app)
    await app.release_waiting(Address("console", "ria", "ria"))
    await app.runner.run_until_idle()
    assert [t for t in console.texts("ria") if t.startswith("Your weekly question")]
    assert len(console.texts("ria")) == 1


async def test_away_for_weeks_only_the_latest_question_is_shown(make_app, clock):
    from bot.scheduler import run_tick
    from tests.fakes.channel import FakeChannel

    app = await make_app()
    async with app.services.uow() as uow:
        person = await uow.people.create_person(
            Address("console", "sam", "sam"), "Sam", clock.now()
        )
        await uow.people.update_person(
            person.id, onboarded=True, timezone="Europe/Berlin", next_nudge_at=SUNDAY_18_BERLIN
        )
        await uow.commit()
    for week in range(3):  # a worker ticks every week; the terminal is closed
        clock.set(SUNDAY_18_BERLIN + timedelta(days=7 * week))
        await run_tick(app)
        await app.runner.run_until_idle()
    console = FakeChannel("console")
    app.add_channel(console)
    await app.release_waiting(Address("console", "sam", "sam"))
    await app.runner.run_until_idle()
    assert len([t for t in console.texts("sam") if t.startswith("Your weekly question")]) == 1
    statuses = sorted(
        n.status for n in await SqlAlchemyNudgeStore(app.sessionmaker).recent(person.id)
    )
    assert statuses == ["expired", "expired", "sent"]
