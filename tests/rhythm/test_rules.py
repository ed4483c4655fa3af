"""The weekly rhythm's pure rules (passport.rhythm, passport.schedule), with no database at all."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.context import Limits
from passport.model import Schedule
from passport.prompts import BY_ID, PROMPTS
from passport.rhythm import (
    DuePerson,
    NudgeInfo,
    after_quiet_hours,
    in_quiet_hours,
    is_paused,
    next_question,
    plan_digest,
    plan_nudge,
    plan_reminder,
    prompt_of,
    reminder_wanted,
    stale_status,
)
from passport.schedule import next_nudge_at, next_slot, week_end
from passport.state import ConversationState

BERLIN = "Europe/Berlin"
QUIET = Limits(quiet_start=22, quiet_end=8, reminder_hours=48)
# Sunday 6 Dec 2026, 18:00 in Berlin (CET, UTC+1): ISO week 2026-W49.
SLOT = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(BERLIN)).astimezone(UTC)


def sunday_six(**columns: object) -> Schedule:
    values: dict = {"weekday": 6, "hour": 18, "timezone": BERLIN, "next_nudge_at": SLOT}
    values.update(columns)
    return Schedule(**values)


def due(schedule: Schedule | None = None, *, active: bool = True, state=None) -> DuePerson:
    return DuePerson(
        id=7,
        schedule=schedule or sunday_six(),
        state=ConversationState.of(state),
        active=active,
    )


# -- paused ------------------------------------------------------------------------------------


def test_paused_until_resume_holds_forever():
    schedule = Schedule(paused=True)
    assert is_paused(schedule, SLOT) and is_paused(schedule, SLOT + timedelta(days=3650))


def test_paused_until_a_date_ends_at_that_instant():
    end = berlin(2026, 12, 20, 0)
    schedule = Schedule(paused=True, paused_until=end)
    assert is_paused(schedule, end - timedelta(seconds=1))
    assert not is_paused(schedule, end)
    assert not is_paused(Schedule(paused=False, paused_until=end), SLOT)


def test_a_pause_until_a_later_date_claims_no_question_and_moves_on():
    plan = plan_nudge(
        due(sunday_six(paused=True, paused_until=SLOT + timedelta(days=9))),
        SLOT,
        QUIET,
        history=[],
    )
    assert plan.prompt is None and not plan.resumed
    assert plan.next_nudge_at == SLOT + timedelta(weeks=1)


def test_a_pause_that_ran_out_ends_and_the_question_comes():
    plan = plan_nudge(
        due(sunday_six(paused=True, paused_until=SLOT - timedelta(hours=1))),
        SLOT,
        QUIET,
        history=[],
    )
    assert plan.resumed and plan.prompt is not None and plan.week == "2026-W49"


def test_someone_who_blocked_the_bot_is_only_moved_on():
    plan = plan_nudge(due(active=False), SLOT, QUIET, history=[])
    assert plan.prompt is None and plan.next_nudge_at == SLOT + timedelta(weeks=1)


# -- quiet hours -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        ((21, 59), False),
        ((22, 0), True),
        ((23, 30), True),
        ((0, 0), True),
        ((7, 59), True),
        ((8, 0), False),
        ((12, 0), False),
    ],
)
def test_quiet_hours_span_midnight_on_the_local_clock(local, quiet):
    at = berlin(2026, 12, 7, *local)
    assert in_quiet_hours(at, BERLIN, QUIET) is quiet
    # The same instant is daytime in Tokyo (UTC+9) or the small hours: local clocks decide.
    tokyo_hour = at.astimezone(ZoneInfo("Asia/Tokyo")).hour
    assert in_quiet_hours(at, "Asia/Tokyo", QUIET) is (tokyo_hour >= 22 or tokyo_hour < 8)


def test_quiet_hours_within_one_day_and_none_at_all():
    afternoon = Limits(quiet_start=13, quiet_end=15)
    assert in_quiet_hours(berlin(2026, 12, 7, 14), BERLIN, afternoon)
    assert not in_quiet_hours(berlin(2026, 12, 7, 23), BERLIN, afternoon)
    never = Limits(quiet_start=8, quiet_end=8)
    assert not any(in_quiet_hours(berlin(2026, 12, 7, h), BERLIN, never) for h in range(24))


def test_the_end_of_quiet_hours_is_the_next_local_morning():
    assert after_quiet_hours(berlin(2026, 12, 7, 23, 30), BERLIN, QUIET) == berlin(2026, 12, 8, 8)
    assert after_quiet_hours(berlin(2026, 12, 8, 3), BERLIN, QUIET) == berlin(2026, 12, 8, 8)
    noon = berlin(2026, 12, 8, 12)
    assert after_quiet_hours(noon, BERLIN, QUIET) == noon


def test_quiet_hours_end_at_eight_local_across_dst_changes():
    # EU summer time starts Sun 28 Mar 2027: 08:00 CEST is 06:00 UTC (the night before, 23:00
    # CET was 22:00 UTC).
    spring = after_quiet_hours(datetime(2027, 3, 27, 22, 0, tzinfo=UTC), BERLIN, QUIET)
    assert spring == datetime(2027, 3, 28, 6, 0, tzinfo=UTC)
    # ... and ends Sun 31 Oct 2027: 08:00 CET is 07:00 UTC.
    autumn = after_quiet_hours(datetime(2027, 10, 30, 21, 30, tzinfo=UTC), BERLIN, QUIET)
    assert autumn == datetime(2027, 10, 31, 7, 0, tzinfo=UTC)


def test_a_late_catch_up_waits_for_the_quiet_hours_to_end():
    now = berlin(2026, 12, 3, 23)  # Thursday 23:00: the Thursday slot was missed hours ago
    schedule = sunday_six(weekday=3, next_nudge_at=berlin(2026, 12, 3, 18))
    plan = plan_nudge(due(schedule), now, QUIET, history=[])
    assert plan.deferred and plan.prompt is None
    assert plan.next_nudge_at == berlin(2026, 12, 4, 8)


def test_a_late_question_still_comes_when_its_week_would_end_inside_the_quiet_hours():
    now = berlin(2026, 12, 6, 23)  # Sunday 23:00: the week ends at midnight, quiet till 08:00
    plan = plan_nudge(due(), now, QUIET, history=[])
    assert plan.prompt is not None and plan.week == "2026-W49"


# -- due, skipped and already asked --------------------------------------------------------------


def test_an_open_week_asks_and_moves_on_a_week():
    plan = plan_nudge(due(), SLOT, QUIET, history=[])
    assert plan.prompt is not None and plan.week == "2026-W49"
    assert plan.next_nudge_at == SLOT + timedelta(weeks=1)
    assert plan.state is not None and plan.state.prompt is not None
    assert (plan.state.prompt.id, plan.state.prompt.week) == (plan.prompt.id, "2026-W49")


def test_a_skipped_week_is_not_asked_and_is_stepped_over():
    schedule = sunday_six(skip_week="2026-W49")
    plan = plan_nudge(due(schedule), SLOT, QUIET, history=[])
    assert plan.prompt is None and plan.next_nudge_at == SLOT + timedelta(weeks=1)
    # Planning from before the skipped week's slot jumps over it.
    earlier = SLOT - timedelta(days=2)
    assert next_nudge_at(schedule, earlier) == SLOT + timedelta(weeks=1)
    assert next_nudge_at(replace(schedule, skip_week=None), earlier) == SLOT


def test_a_week_that_had_its_question_is_not_asked_twice():
    plan = plan_nudge(due(), SLOT, QUIET, history=[("2026-W49", "growth-01")])
    assert plan.prompt is None


def test_a_week_that_is_over_is_not_asked_late():
    now = week_end("2026-W49", BERLIN) + timedelta(hours=2)  # everything was down
    plan = plan_nudge(due(), now, QUIET, history=[])
    assert plan.prompt is None and plan.next_nudge_at > now


def test_week_end_is_monday_midnight_on_the_local_calendar():
    assert week_end("2026-W49", BERLIN) == berlin(2026, 12, 7, 0)
    assert week_end("2027-W12", BERLIN) == berlin(2027, 3, 29, 0)  # the week summer time began


# -- DST-safe slots ------------------------------------------------------------------------------


def test_the_slot_keeps_its_local_hour_when_summer_time_starts_and_ends():
    schedule = sunday_six(next_nudge_at=None)
    before = next_slot(schedule, datetime(2027, 3, 22, tzinfo=UTC))
    assert before == datetime(2027, 3, 28, 16, 0, tzinfo=UTC)  # 18:00 CEST
    assert next_slot(schedule, before) - before == timedelta(weeks=1)
    autumn = next_slot(schedule, datetime(2027, 10, 25, tzinfo=UTC))
    assert autumn == datetime(2027, 10, 31, 17, 0, tzinfo=UTC)  # 18:00 CET again


def test_a_slot_in_the_spring_forward_gap_lands_just_after_it():
    schedule = Schedule(weekday=6, hour=2, timezone="Pacific/Auckland")
    slot = next_slot(schedule, datetime(2027, 9, 20, tzinfo=UTC))
    local = slot.astimezone(ZoneInfo("Pacific/Auckland"))
    assert (local.day, local.hour) == (26, 3)


# -- which question ------------------------------------------------------------------------------


def test_the_next_question_is_neither_on_screen_nor_recent():
    on_screen = ConversationState.of({"prompt": {"id": PROMPTS[0].id, "week": "2026-W48"}})
    history = [(f"2026-W{48 - i}", p.id) for i, p in enumerate(PROMPTS[1:6])]
    chosen = next_question(7, "2026-W49", history, on_screen, evidence=[])
    assert chosen.id not in {PROMPTS[0].id, *(pid for _, pid in history)}
    # Stable for a retried week, different for another person.
    assert next_question(7, "2026-W49", history, on_screen, evidence=[]) == chosen


def test_a_team_topic_comes_first():
    chosen = next_question(7, "2026-W49", [], ConversationState(), [], prefer=("passions",))
    assert BY_ID[chosen.id].category == "passions"


def test_asking_a_new_question_closes_the_follow_up_and_keeps_the_rest():
    state = ConversationState.of({"followup": {"entry_id": 3}, "goal": {"uri": "x"}})
    plan = plan_nudge(due(state=state), SLOT, QUIET, history=[])
    assert plan.state is not None
    assert "followup" not in plan.state and plan.state["goal"] == {"uri": "x"}
    assert "followup" in state  # the old value is untouched


# -- the jobs look again ------------------------------------------------------------------------


def nudge(**fields: object) -> NudgeInfo:
    values: dict = dict(
        id=1,
        person_id=7,
        iso_week="2026-W49",
        prompt_id=PROMPTS[0].id,
        status="sent",
        sent_at=SLOT,
        remind_at=SLOT + timedelta(hours=48),
        reminded_at=None,
        answered_at=None,
        schedule=sunday_six(next_nudge_at=SLOT + timedelta(weeks=1)),
        state=ConversationState.of({"prompt": {"id": PROMPTS[1].id, "week": "2026-W49"}}),
        active=True,
    )
    values.update(fields)
    return NudgeInfo(**values)


def test_a_claimed_question_is_not_sent_to_someone_paused_or_behind_a_newer_one():
    assert stale_status(nudge(), SLOT) is None
    assert stale_status(nudge(active=False), SLOT) == "cancelled"
    assert stale_status(nudge(schedule=Schedule(paused=True)), SLOT) == "cancelled"
    assert stale_status(nudge(newer=True), SLOT) == "expired"


def test_the_question_sent_is_the_one_on_screen_for_its_week():
    assert prompt_of(nudge()) == PROMPTS[1]  # "another" swapped it
    old_screen = ConversationState.of({"prompt": {"id": PROMPTS[1].id, "week": "2026-W48"}})
    assert prompt_of(nudge(state=old_screen)) == PROMPTS[0]


def test_the_reminder_is_sent_moved_past_quiet_hours_or_dropped():
    day = SLOT + timedelta(hours=48)  # Tuesday 18:00 local
    assert plan_reminder(nudge(), day, QUIET).send
    night = berlin(2026, 12, 8, 23)
    later = plan_reminder(nudge(), night, QUIET)
    assert not later.send and later.later == berlin(2026, 12, 9, 8)
    for dropped in (
        nudge(answered_at=day),
        nudge(status="queued"),
        nudge(schedule=sunday_six(reminders=False)),
        nudge(state=ConversationState()),  # a reply cleared the question on screen
        nudge(schedule=sunday_six(next_nudge_at=day + timedelta(hours=12))),  # next is close
    ):
        plan = plan_reminder(dropped, day, QUIET)
        assert not plan.send and plan.later is None
    assert not plan_reminder(nudge(), day, Limits(reminder_hours=0)).send
    assert reminder_wanted(nudge(), day) and not reminder_wanted(nudge(active=False), day)


def test_a_digest_is_sent_on_its_slot_not_when_long_overdue_or_paused():
    weekly = sunday_six(digest="weekly")
    person = DuePerson(7, weekly, ConversationState(), True, next_digest_at=SLOT)
    on_time = plan_digest(person, SLOT + timedelta(minutes=1))
    assert on_time.due == SLOT and on_time.next_digest_at == SLOT + timedelta(weeks=1)
    assert plan_digest(person, SLOT + timedelta(days=2)).due is None
    paused = replace(person, schedule=replace(weekly, paused=True))
    assert plan_digest(paused, SLOT + timedelta(minutes=1)).due is None
    unplaced = replace(person, next_digest_at=None)
    assert plan_digest(unplaced, SLOT - timedelta(days=1)).next_digest_at == SLOT
