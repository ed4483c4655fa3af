"""First contact: one warm sentence, consent, then day / hour / zone as taps (three at most)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from handlers import texts
from handlers.context import Services, Turn, clean_text, home_address, say
from passport.jobs import Extract
from passport.messages import Choice, Inbound, Outbound
from passport.model import WEEKDAYS, Schedule
from passport.prompts import first_prompt
from passport.schedule import describe_slot, next_nudge_at
from passport.timeutil import find_zone, iso_week

SLOTS = (
    (6, 18, "Sunday evening"),
    (0, 9, "Monday morning"),
    (4, 16, "Friday afternoon"),
    (2, 19, "Wednesday evening"),
)
HOURS = (8, 10, 12, 14, 16, 18, 20)
COMMON_ZONES = (
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "UTC",
)


_GREETING = re.compile(
    r"^\W*(hi|hello|hey|hiya|hallo|hola|yo|start|help|good (morning|evening|afternoon))\b"
    r"[\s\W]*(there|utp|bot)?[\s\W]*$",
    re.IGNORECASE,
)


def slot_choices() -> tuple[Choice, ...]:
    """The quick day-and-time picks, plus "another time"."""
    picks = [Choice(label, f"slot:{day}:{hour}") for day, hour, label in SLOTS]
    return (*picks, Choice(texts.SLOT_OTHER, "slot:other"))


def day_choices() -> tuple[Choice, ...]:
    """Seven day buttons."""
    return tuple(Choice(name, f"day:{i}") for i, name in enumerate(WEEKDAYS))


def hour_choices() -> tuple[Choice, ...]:
    """A handful of hours."""
    return tuple(Choice(f"{h:02d}:00", f"hour:{h}") for h in HOURS)


def zone_choices(hint: str | None) -> tuple[Choice, ...]:
    """Common zones (the platform's hint first), plus "type my city"."""
    zones = [hint] if hint else []
    zones += [z for z in COMMON_ZONES if z != hint]
    return (
        *(Choice(z.replace("_", " "), f"tz:{z}") for z in zones[:6]),
        Choice(texts.ZONE_TYPE, "tz:type"),
    )


async def first_contact(
    services: Services, uow, inbound: Inbound, now: datetime
) -> list[Outbound]:
    """A stranger wrote: create them, keep what they wrote aside, ask for consent."""
    person = await uow.people.create_person(home_address(inbound), inbound.display_name, now)
    state: dict = {"step": "consent"}
    text = clean_text(inbound.text)
    kept_first = bool(text) and not text.startswith("/") and not _GREETING.match(text)
    if kept_first:
        state["pending_text"] = text[: services.limits.max_text_chars]
        state["pending_key"] = inbound.message_key if inbound.message_id else None
    if inbound.timezone_hint and find_zone(inbound.timezone_hint):
        state["tz_hint"] = find_zone(inbound.timezone_hint)
    await uow.people.update_person(person.id, state=state)
    name = f" {inbound.display_name.split()[0]}" if inbound.display_name.strip() else ""
    body = texts.WELCOME.format(name=name)
    if kept_first:
        body += "\n" + texts.WELCOME_KEPT_FIRST
    return [
        say(body, Choice(texts.CONSENT_YES, "consent:yes"), Choice(texts.CONSENT_NO, "consent:no"))
    ]


def _yes(text: str) -> bool:
    return text.strip().lower().rstrip("!.") in {
        "yes",
        "y",
        "ok",
        "okay",
        "sure",
        "yep",
        "yeah",
        "yes please",
        "let's start",
        "start",
    }


async def continue_onboarding(turn: Turn) -> list[Outbound]:
    """The person is mid-setup: take their tap or typed answer for the current step."""
    step = turn.person.state.get("step", "consent")
    action = turn.inbound.action or ""
    if step == "consent":
        if action == "consent:yes" or (not action and _yes(turn.text)):
            return await _consented(turn)
        if action == "consent:no" or turn.text.lower() in {"no", "n", "not now", "nope"}:
            return await _declined(turn)
        return [
            say(
                texts.WELCOME.format(name=""),
                Choice(texts.CONSENT_YES, "consent:yes"),
                Choice(texts.CONSENT_NO, "consent:no"),
            )
        ]
    if action.startswith("slot:"):
        if action == "slot:other":
            await turn.save_state(step="day")
            return [say(texts.ASK_DAY, *day_choices(), replace=True)]
        _, day, hour = action.split(":")
        await turn.uow.people.update_person(turn.person.id, weekday=int(day), hour=int(hour))
        return await _ask_zone_or_finish(turn, int(day), int(hour))
    if action.startswith("day:"):
        await turn.uow.people.update_person(turn.person.id, weekday=int(action[4:]) % 7)
        await turn.save_state(step="hour", day=int(action[4:]) % 7)
        return [say(texts.ASK_HOUR, *hour_choices(), replace=True)]
    if action.startswith("hour:"):
        chosen_hour = int(action[5:]) % 24
        await turn.uow.people.update_person(turn.person.id, hour=chosen_hour)
        return await _ask_zone_or_finish(turn, int(turn.person.state.get("day", 6)), chosen_hour)
    if action == "tz:type":
        await turn.save_state(step="zone_text")
        return [say(texts.ZONE_TYPE_PROMPT)]
    if action.startswith("tz:"):
        return await _finish(turn, action[3:])
    if step in {"zone", "zone_text", "slot", "day", "hour"} and turn.inbound.timezone_hint:
        found = find_zone(turn.inbound.timezone_hint)
        if found and step in {"zone", "zone_text"}:
            return await _finish(turn, found)
        if found:
            await turn.save_state(tz_hint=found)
            return _question_for(step, turn)
    if step in {"zone", "zone_text"} and turn.text and not action:
        found = find_zone(turn.text)
        if found:
            return await _finish(turn, found)
        if not _looks_like_a_note(turn.text):
            return [
                say(
                    texts.ZONE_UNKNOWN.format(text=turn.text[:40]),
                    *zone_choices(turn.person.state.get("tz_hint")),
                )
            ]
    if turn.text and not action and not turn.text.startswith("/"):
        # Consented, setup not done: what they wrote is a note, kept now; setup goes on.
        await _keep_note(turn)
        return [say(texts.NOTE_KEPT_DURING_SETUP), *_question_for(step, turn)]
    return [say(texts.FINISH_ONBOARDING_FIRST), *_question_for(step, turn)]


def _looks_like_a_note(text: str) -> bool:
    """More than a place name: a few words, or a sentence (a city is rarely more than four)."""
    return len(text.split()) > 4 or any(mark in text for mark in ".!?\n")


async def _keep_note(turn: Turn) -> None:
    key = turn.inbound.message_key if turn.inbound.message_id else None
    entry = await turn.uow.entries.add_entry(
        turn.person.id,
        turn.text,
        turn.now,
        message_key=key,
        iso_week=iso_week(turn.now, turn.person.schedule.timezone),
    )
    turn.entry_id = entry.id
    # Extraction waits until setup ends (see _finish), like the kept first note.


def _question_for(step: str, turn: Turn) -> list[Outbound]:
    return question_for(step, turn.person.state)


def question_for(step: str, state: Mapping[str, Any]) -> list[Outbound]:
    """The setup question for `step` again, with its buttons."""
    if step == "consent":
        return [say(texts.WELCOME.format(name=""), *consent_choices())]
    if step == "slot":
        return [say(texts.ASK_SLOT, *slot_choices())]
    if step == "day":
        return [say(texts.ASK_DAY, *day_choices())]
    if step == "hour":
        return [say(texts.ASK_HOUR, *hour_choices())]
    return [say(texts.ASK_ZONE, *zone_choices(state.get("tz_hint")))]


def consent_choices() -> tuple[Choice, ...]:
    """Yes / not now."""
    return (Choice(texts.CONSENT_YES, "consent:yes"), Choice(texts.CONSENT_NO, "consent:no"))


async def _consented(turn: Turn) -> list[Outbound]:
    await turn.uow.people.update_person(turn.person.id, consented=True)
    pending = turn.person.state.get("pending_text")
    if pending:
        await turn.uow.entries.add_entry(
            turn.person.id,
            pending,
            turn.now,
            message_key=turn.person.state.get("pending_key"),
            iso_week=iso_week(turn.now, "UTC"),
        )
        # Extraction of the kept first note waits until the zone is known; see _finish.
    await turn.save_state(step="slot", pending_text=None, pending_key=None)
    return [say(texts.ASK_SLOT, *slot_choices(), replace=True)]


async def _declined(turn: Turn) -> list[Outbound]:
    await turn.uow.whole_passport.delete_person(turn.person.id)
    return [say(texts.CONSENT_DECLINED, replace=True)]


async def _ask_zone_or_finish(turn: Turn, day: int, hour: int) -> list[Outbound]:
    hint = turn.person.state.get("tz_hint")
    if hint and turn.inbound.address.platform == "slack":
        return await _finish(turn, hint)
    await turn.save_state(step="zone", day=day)
    return [say(texts.ASK_ZONE, *zone_choices(hint), replace=True)]


async def _finish(turn: Turn, tz: str) -> list[Outbound]:
    tz = find_zone(tz) or "UTC"
    person = await turn.uow.people.get_person(turn.person.id)
    assert person is not None  # they are in this turn's transaction
    schedule = Schedule(weekday=person.schedule.weekday, hour=person.schedule.hour, timezone=tz)
    prompt = first_prompt()
    await turn.uow.people.update_person(
        turn.person.id,
        timezone=tz,
        onboarded=True,
        next_nudge_at=next_nudge_at(schedule, turn.now),
    )
    await turn.save_state(
        step=None, day=None, tz_hint=None, prompt={"id": prompt.id, "week": iso_week(turn.now, tz)}
    )
    for entry in await turn.uow.entries.entries(turn.person.id):
        await turn.uow.jobs.enqueue(Extract(turn.person.id, entry.id), turn.now)
    day, hour, zone = describe_slot(schedule)
    return [
        say(texts.ALL_SET.format(day=day, hour=hour, zone=zone), replace=True),
        say(texts.FIRST_PROMPT.format(prompt=prompt.text)),
    ]
