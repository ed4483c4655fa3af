"""Settings: day, hour, zone, reminders, digest, pause / resume / skip."""

from __future__ import annotations

from handlers import texts
from handlers.context import Turn, say
from handlers.onboarding import day_choices, hour_choices, zone_choices
from passport.messages import Choice, Outbound
from passport.model import WEEKDAYS
from passport.schedule import describe_slot, next_nudge_at
from passport.timeutil import find_zone, iso_week, parse_pause, zone


async def _reload(turn: Turn):
    person = await turn.uow.people.get_person(turn.person.id)
    assert person is not None  # they are in this turn's transaction
    turn.person = person
    return person


def _local(turn: Turn, at) -> str:
    local = at.astimezone(zone(turn.person.schedule.timezone))
    return f"{WEEKDAYS[local.weekday()]} {local:%d %b} at {local:%H:%M}"


async def show(turn: Turn) -> list[Outbound]:
    """The current settings with buttons to change them."""
    s = turn.person.schedule
    day, hour, tz = describe_slot(s)
    if s.paused and s.paused_until:
        status = texts.SETTINGS_STATUS_PAUSED_UNTIL.format(until=_local(turn, s.paused_until))
    elif s.paused:
        status = texts.SETTINGS_STATUS_PAUSED
    else:
        status = texts.SETTINGS_STATUS_ACTIVE
    body = texts.SETTINGS.format(
        day=day,
        hour=hour,
        zone=tz,
        reminders="on" if s.reminders else "off",
        digest=s.digest,
        status=status,
    )
    return [
        say(
            body,
            Choice(texts.SET_DAY, "settings:day"),
            Choice(texts.SET_HOUR, "settings:hour"),
            Choice(texts.SET_ZONE, "settings:zone"),
            Choice(texts.SET_REMINDERS, "settings:reminders"),
            Choice(texts.SET_DIGEST, "settings:digest"),
        )
    ]


async def reschedule(turn: Turn, **changes) -> list[Outbound]:
    """Save schedule changes and recompute the next nudge."""
    await turn.uow.people.update_person(turn.person.id, **changes)
    person = await _reload(turn)
    sent = await turn.uow.nudge_history.nudged_weeks(person.id)
    await turn.uow.people.update_person(
        person.id, next_nudge_at=next_nudge_at(person.schedule, turn.now, sent_weeks=sent)
    )
    day, hour, tz = describe_slot(person.schedule)
    return [say(texts.SETTINGS_SAVED.format(day=day, hour=hour, zone=tz), replace=True)]


async def on_action(turn: Turn, action: str) -> list[Outbound]:
    """A settings button."""
    what = action.split(":", 1)[1] if ":" in action else ""
    if action == "settings:day":
        return [say(texts.ASK_DAY, *day_choices(), replace=True)]
    if action == "settings:hour":
        return [say(texts.ASK_HOUR, *hour_choices(), replace=True)]
    if action == "settings:zone":
        await turn.save_state(awaiting="zone")
        return [say(texts.ASK_ZONE, *zone_choices(turn.person.schedule.timezone), replace=True)]
    if action == "settings:reminders":
        on = not turn.person.schedule.reminders
        await turn.uow.people.update_person(turn.person.id, reminders=on)
        return [say(texts.REMINDERS_ON if on else texts.REMINDERS_OFF, replace=True)]
    if action == "settings:digest":
        return [
            say(
                texts.ASK_DIGEST,
                Choice(texts.DIGEST_WEEKLY, "digestfreq:weekly"),
                Choice(texts.DIGEST_MONTHLY, "digestfreq:monthly"),
                Choice(texts.DIGEST_OFF, "digestfreq:off"),
                replace=True,
            )
        ]
    if action.startswith("digestfreq:") and what in {"off", "weekly", "monthly"}:
        await turn.uow.people.update_person(turn.person.id, digest=what, next_digest_at=None)
        return [say(texts.DIGEST_SAVED.format(digest=what), replace=True)]
    if action.startswith("day:"):
        return await reschedule(turn, weekday=int(what) % 7)
    if action.startswith("hour:"):
        return await reschedule(turn, hour=int(what) % 24)
    if action == "tz:type":
        await turn.save_state(awaiting="zone")
        return [say(texts.ZONE_TYPE_PROMPT)]
    if action.startswith("tz:"):
        await turn.save_state(awaiting=None)
        return await reschedule(turn, timezone=find_zone(what) or "UTC")
    return [say(texts.NOT_UNDERSTOOD_BUTTON)]


async def typed_zone(turn: Turn) -> list[Outbound]:
    """The person was asked for a zone and typed something."""
    found = find_zone(turn.text)
    if found is None:
        return [say(texts.ZONE_UNKNOWN.format(text=turn.text[:40]))]
    await turn.save_state(awaiting=None)
    return await reschedule(turn, timezone=found)


async def pause(turn: Turn, arg: str) -> list[Outbound]:
    """`/pause` (until /resume), `/pause 2w`, `/pause 2027-01-15`."""
    try:
        until = parse_pause(arg, turn.now, turn.person.schedule.timezone)
    except ValueError:
        return [say(texts.PAUSE_NOT_UNDERSTOOD)]
    await turn.uow.people.update_person(turn.person.id, paused=True, paused_until=until)
    if until is None:
        return [say(texts.PAUSED)]
    return [say(texts.PAUSED_UNTIL.format(until=_local(turn, until)))]


async def resume(turn: Turn) -> list[Outbound]:
    """End a pause (and a skip)."""
    await turn.uow.people.update_person(
        turn.person.id, paused=False, paused_until=None, active=True
    )
    person = await _reload(turn)
    sent = await turn.uow.nudge_history.nudged_weeks(person.id)
    nxt = next_nudge_at(person.schedule, turn.now, sent_weeks=sent)
    await turn.uow.people.update_person(person.id, next_nudge_at=nxt)
    return [say(texts.RESUMED.format(when=_local(turn, nxt)))]


async def skip(turn: Turn) -> list[Outbound]:
    """No question this week (on the person's calendar)."""
    person = turn.person
    week = iso_week(turn.now, person.schedule.timezone)
    await turn.uow.people.update_person(person.id, skip_week=week)
    person = await _reload(turn)
    sent = await turn.uow.nudge_history.nudged_weeks(person.id)
    await turn.uow.people.update_person(
        person.id, next_nudge_at=next_nudge_at(person.schedule, turn.now, sent_weeks=sent)
    )
    return [say(texts.SKIPPED)]
