"""The weekly rhythm's rules as pure functions: paused, quiet hours, due, skipped, which question.

Nothing here reads a clock, a database or a platform: every rule is given `now` and the values
read under a claim, and answers with a plan (`NudgePlan`, `ReminderPlan`, `DigestPlan`). Storage
claims the people and writes the plans in the claim's transaction (`storage.nudge_claims`); the
jobs (`handlers.rhythm`) look again with the same rules just before they send. Slot arithmetic
(DST-safe local hours, ISO weeks) lives in `passport.schedule` and `passport.timeutil`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from passport.model import Schedule
from passport.prompts import Prompt, choose_prompt, evidence_by_category, get_prompt
from passport.schedule import local_slot, next_digest_slot, next_nudge_at, week_end
from passport.state import ConversationState
from passport.timeutil import iso_week, zone

LATE_GRACE = timedelta(hours=1)  # later than this, a catch-up nudge keeps out of quiet hours
REMINDER_BEFORE_NEXT = timedelta(hours=24)  # no reminder this close to the next question
DIGEST_OVERDUE = timedelta(days=1)  # a digest slot missed by more than this is not sent late
HISTORY_WEEKS = 10  # the weeks of past questions that steer the next one
RESURFACE_EVERY_WEEKS = 4

# (prompt answered, signal kind, ESCO top group, count): what the passport holds so far.
EvidenceRow = tuple[str | None, str, str | None, int]


class RhythmLimits(Protocol):
    """The operator's bounds the rules read (`handlers.context.Limits` has them)."""

    @property
    def quiet_start(self) -> int: ...

    @property
    def quiet_end(self) -> int: ...

    @property
    def reminder_hours(self) -> int: ...


@dataclass(frozen=True, slots=True)
class DuePerson:
    """A person whose weekly slot (or digest) came due, as read under the claim."""

    id: int
    schedule: Schedule
    state: ConversationState
    active: bool
    last_digest_at: datetime | None = None
    next_digest_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NudgeInfo:
    """One nudge row with what its jobs need to know about the person."""

    id: int
    person_id: int
    iso_week: str
    prompt_id: str
    status: str
    sent_at: datetime | None
    remind_at: datetime | None
    reminded_at: datetime | None
    answered_at: datetime | None
    schedule: Schedule
    state: ConversationState
    active: bool
    newer: bool = False  # the person already has a nudge for a later week


# -- paused and quiet ------------------------------------------------------------------------


def is_paused(schedule: Schedule, now: datetime) -> bool:
    """True while a pause holds: until /resume (no end date) or until its end date has come."""
    return schedule.paused and (schedule.paused_until is None or schedule.paused_until > now)


def in_quiet_hours(at: datetime, tz: str, limits: RhythmLimits) -> bool:
    """True when `at` falls in the quiet hours on the person's local clock (may span midnight)."""
    start, end = limits.quiet_start % 24, limits.quiet_end % 24
    if start == end:
        return False
    hour = at.astimezone(zone(tz)).hour
    return start <= hour or hour < end if start > end else start <= hour < end


def after_quiet_hours(at: datetime, tz: str, limits: RhythmLimits) -> datetime:
    """`at`, or the end of the quiet hours it falls in (local `quiet_end`:00, DST-safe)."""
    if not in_quiet_hours(at, tz, limits):
        return at
    local = at.astimezone(zone(tz))
    day = local.replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    if local.hour >= limits.quiet_end % 24:
        day += timedelta(days=1)  # evening part of the quiet hours: ends tomorrow morning
    return local_slot(day, limits.quiet_end % 24, tz)


def remind_time(sent_at: datetime, tz: str, limits: RhythmLimits) -> datetime | None:
    """When to remind about a question sent at `sent_at`: hours later, out of quiet hours."""
    if limits.reminder_hours <= 0:
        return None
    return after_quiet_hours(sent_at + timedelta(hours=limits.reminder_hours), tz, limits)


def should_resurface(person_id: int, week: str, offset: int = 0) -> bool:
    """Now and then (one week in four, different weeks for different people)."""
    return (int(week.split("-W")[1]) + person_id + offset) % RESURFACE_EVERY_WEEKS == 0


# -- the weekly question -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NudgePlan:
    """What a claim does for one due person.

    Always: move `next_nudge_at` on, and end a pause that ran out (`resumed`). With a `prompt`:
    ask it for `week` (a nudge row, unique per person and week) and put `state` on screen.
    `deferred`: a late catch-up waits for the quiet hours to end.
    """

    person_id: int
    next_nudge_at: datetime
    resumed: bool = False
    deferred: bool = False
    week: str | None = None
    prompt: Prompt | None = None
    state: ConversationState | None = None


def next_question(
    person_id: int,
    week: str,
    history: Sequence[tuple[str, str]],
    state: ConversationState,
    evidence: Iterable[EvidenceRow],
    prefer: Iterable[str] = (),
) -> Prompt:
    """Which prompt of the rotating bank to ask this week: not one asked lately (nor the one on
    screen), favouring thin categories and the team's topics; stable for a retried week."""
    recent = [prompt_id for _, prompt_id in history]
    on_screen = state.prompt.id if state.prompt is not None else None
    if on_screen:
        recent.insert(0, on_screen)
    return choose_prompt(
        recent, evidence_by_category(evidence), seed=f"{person_id}:{week}", prefer=prefer
    )


def plan_nudge(
    person: DuePerson,
    now: datetime,
    limits: RhythmLimits,
    history: Sequence[tuple[str, str]],
    evidence: Iterable[EvidenceRow] = (),
    prefer: Iterable[str] = (),
) -> NudgePlan:
    """Decide for one due person; `history` is (ISO week, prompt id) of recent nudges, newest
    first. The week of the due slot on the person's own calendar decides: still open → ask;
    over (everything was down), skipped, already asked, or the person away → only move on."""
    schedule = person.schedule
    tz = schedule.timezone
    away = not person.active or is_paused(schedule, now)
    resumed = schedule.paused and not away  # the pause ran out: it ends by itself
    slot = schedule.next_nudge_at or now
    week = iso_week(slot, tz)
    sent = {w for w, _ in history}
    if away or now >= week_end(week, tz) or week in sent or week == schedule.skip_week:
        return NudgePlan(person.id, next_nudge_at(schedule, now, sent_weeks=sent), resumed)
    if now - slot > LATE_GRACE and in_quiet_hours(now, tz, limits):
        later = after_quiet_hours(now, tz, limits)
        if later < week_end(week, tz):
            return NudgePlan(person.id, later, resumed, deferred=True)
        # The week would end inside the quiet hours: a late question still beats none,
        # since its week is open (a Sunday-evening slot missed during downtime).
    prompt = next_question(person.id, week, history, person.state, evidence, prefer)
    return NudgePlan(
        person.id,
        next_nudge_at(schedule, now, sent_weeks=sent | {week}),
        resumed,
        week=week,
        prompt=prompt,
        state=person.state.asking(prompt.id, week),
    )


def stale_status(nudge: NudgeInfo, now: datetime) -> str | None:
    """Why a claimed question must not be sent after all ("cancelled", "expired"), or None."""
    if not nudge.active or is_paused(nudge.schedule, now):
        return "cancelled"
    if nudge.newer:
        # The person was away for more than a week: only the latest question is shown.
        return "expired"
    return None


def prompt_of(nudge: NudgeInfo) -> Prompt | None:
    """The question a nudge asks: the one on screen for its week ("another" swaps it), else
    the one it was claimed with."""
    current = nudge.state.prompt
    on_screen = current.id if current is not None and current.week == nudge.iso_week else None
    return get_prompt(on_screen) or get_prompt(nudge.prompt_id)


# -- the one reminder --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReminderPlan:
    """Send the reminder now (`send`), move it past the quiet hours (`later`), or drop it."""

    nudge_id: int
    send: bool = False
    later: datetime | None = None


def reminder_wanted(nudge: NudgeInfo, now: datetime) -> bool:
    """A reminder still makes sense: unanswered, the person here and wanting reminders, and the
    question still the one on screen."""
    current = nudge.state.prompt
    return (
        nudge.answered_at is None
        and nudge.active
        and not is_paused(nudge.schedule, now)
        and nudge.schedule.reminders
        and (current.week if current is not None else None) == nudge.iso_week
    )


def plan_reminder(nudge: NudgeInfo, now: datetime, limits: RhythmLimits) -> ReminderPlan:
    """For a claimed reminder: send, later (quiet hours), or drop (see `reminder_wanted`)."""
    upcoming = nudge.schedule.next_nudge_at
    if (
        nudge.status != "sent"
        or not reminder_wanted(nudge, now)
        or limits.reminder_hours <= 0
        or (upcoming is not None and upcoming - now < REMINDER_BEFORE_NEXT)
    ):
        return ReminderPlan(nudge.id)
    tz = nudge.schedule.timezone
    if in_quiet_hours(now, tz, limits):
        return ReminderPlan(nudge.id, later=after_quiet_hours(now, tz, limits))
    return ReminderPlan(nudge.id, send=True)


# -- the scheduled digest ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DigestPlan:
    """Place the next digest slot; `due` is the slot to send for now, if any."""

    person_id: int
    next_digest_at: datetime
    due: datetime | None = None


def plan_digest(person: DuePerson, now: datetime) -> DigestPlan:
    """A digest not yet placed (just opted in), long overdue or paused only places the next."""
    schedule = person.schedule
    upcoming = next_digest_slot(schedule, now, schedule.digest)
    slot = person.next_digest_at
    if slot is None or now - slot > DIGEST_OVERDUE or is_paused(schedule, now):
        return DigestPlan(person.id, upcoming)
    return DigestPlan(person.id, upcoming, due=slot)
