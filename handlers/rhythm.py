"""The weekly rhythm's jobs (nudge, reminder, scheduled digest) and its rules for quiet hours.

The scheduler (`bot/scheduler.py`) decides *who* is due and claims them; these jobs do the
sending, each as a durable job that is retried when a platform says "later". A job looks again
before it sends: a person who paused, blocked the bot, answered already, or got a newer question
in the meantime is not sent a stale message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from handlers import texts
from handlers.context import Limits, Services
from passport.errors import RecipientGone, TransientDeliveryError
from passport.jobs import Nudge, Reminder, ScheduledDigest
from passport.messages import Choice, Outbound
from passport.model import Person
from passport.ports import Delivery
from passport.prompts import get_prompt
from passport.schedule import local_slot
from passport.timeutil import iso_week, zone

logger = logging.getLogger(__name__)

# New words for the lead to move into handlers/texts.py (kept here so this file stands alone).
YEAR_AGO_CHARS = 200
RESURFACE_EVERY_WEEKS = 4

# Weekly jobs wait for a person who is away (the terminal chat) for about a week of retries.
RHYTHM_MAX_ATTEMPTS = 48
NUDGES_PER_JOB = 25  # one "nudge" job sends a slice of a claimed batch
MARK_EVERY = 1  # a sent mark right after each send: a crash re-sends at most the one in flight


class NudgeStore(Protocol):
    """What the rhythm jobs read and write (implemented by storage.nudges.SqlAlchemyNudgeStore)."""

    async def get(self, nudge_id: int) -> Any: ...

    async def get_many(self, nudge_ids: list[int]) -> list[Any]: ...

    async def settle(
        self,
        nudges: list[tuple[int, dict[str, Any]]],
        *,
        inactive: Any = (),
        retry: Any = (),
        now: datetime | None = None,
    ) -> None: ...

    async def set(self, nudge_id: int, **values: Any) -> None: ...

    async def year_ago_entries(self, person_ids: list[int], now: datetime) -> dict[int, str]: ...

    async def addresses(self, person_ids: list[int]) -> dict[int, Any]: ...

    async def set_person(self, person_id: int, **values: Any) -> None: ...

    async def year_ago_entry(self, person_id: int, now: datetime) -> str | None: ...


# -- quiet hours -----------------------------------------------------------------------------


def in_quiet_hours(at: datetime, tz: str, limits: Limits) -> bool:
    """True when `at` falls in the quiet hours on the person's local clock."""
    start, end = limits.quiet_start % 24, limits.quiet_end % 24
    if start == end:
        return False
    hour = at.astimezone(zone(tz)).hour
    return start <= hour or hour < end if start > end else start <= hour < end


def after_quiet_hours(at: datetime, tz: str, limits: Limits) -> datetime:
    """`at`, or the end of the quiet hours it falls in (local `quiet_end`:00, DST-safe)."""
    if not in_quiet_hours(at, tz, limits):
        return at
    local = at.astimezone(zone(tz))
    day = local.replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    if local.hour >= limits.quiet_end % 24:
        day += timedelta(days=1)  # evening part of the quiet hours: ends tomorrow morning
    return local_slot(day, limits.quiet_end % 24, tz)


def remind_time(sent_at: datetime, tz: str, limits: Limits) -> datetime | None:
    """When to remind about a question sent at `sent_at`: hours later, out of quiet hours."""
    if limits.reminder_hours <= 0:
        return None
    return after_quiet_hours(sent_at + timedelta(hours=limits.reminder_hours), tz, limits)


def week_end(week: str, tz: str) -> datetime:
    """The instant the ISO week `week` ends on the person's calendar (next Monday 00:00 local)."""
    year, wk = week.split("-W")
    monday = datetime.fromisocalendar(int(year), int(wk), 1)
    return local_slot(monday + timedelta(days=7), 0, tz)


def should_resurface(person_id: int, week: str, offset: int = 0) -> bool:
    """Now and then (one week in four, different weeks for different people)."""
    return (int(week.split("-W")[1]) + person_id + offset) % RESURFACE_EVERY_WEEKS == 0


def _paused(person: Any, now: datetime) -> bool:
    schedule = person.schedule
    return schedule.paused and (schedule.paused_until is None or schedule.paused_until > now)


# -- jobs ------------------------------------------------------------------------------------


class RhythmHandlers:
    """The `Nudge`, `Reminder` and `ScheduledDigest` jobs (in `handlers.jobs.job_table`)."""

    def __init__(
        self,
        services: Services,
        delivery: Delivery,
        store: NudgeStore,
        digest: Callable[..., Awaitable[list[Outbound] | None]] | None = None,
    ) -> None:
        self.services = services
        self.delivery = delivery
        self.store = store
        self._digest = digest

    async def _deliver(self, person_id: int, messages: list[Outbound]) -> bool:
        """Send; False (and the person marked inactive) when they blocked the bot."""
        try:
            await self.delivery.deliver(person_id, messages)
        except RecipientGone:
            logger.info("person %s is gone; marked inactive", person_id)
            await self.store.set_person(person_id, active=False)
            return False
        return True

    async def nudge(self, job: Nudge) -> None:
        """Send each week's question of a batch once; mark them sent, plan one reminder each.

        Marks are written every `MARK_EVERY` sends, so a worker that dies mid-batch re-sends at
        most that many when its job is retried; everything already marked is skipped.
        """
        ids = list(job.nudge_ids)
        nudges = [n for n in await self.store.get_many(ids) if n.status == "queued"]
        if not nudges:
            return
        now = self.services.clock.now()
        old = await self.store.year_ago_entries(
            [n.person_id for n in nudges if should_resurface(n.person_id, n.iso_week)], now
        )
        # A delivery that can send to a known address saves one lookup per person.
        deliver_to = getattr(self.delivery, "deliver_to", None)
        addresses = (
            await self.store.addresses([n.person_id for n in nudges])
            if deliver_to is not None
            else {}
        )
        marks: list[tuple[int, dict[str, Any]]] = []
        gone: list[int] = []
        retry: list[tuple[int, int, float]] = []
        single: TransientDeliveryError | None = None
        try:
            for nudge in nudges:
                messages = self._nudge_messages(nudge, now, old.get(nudge.person_id))
                if isinstance(messages, str):  # not sent: why
                    marks.append((nudge.id, {"status": messages}))
                    continue
                address = addresses.get(nudge.person_id)
                try:
                    if address is not None and deliver_to is not None:
                        await deliver_to(address, messages)
                    else:
                        await self.delivery.deliver(nudge.person_id, messages)
                except RecipientGone:
                    logger.info("person %s is gone; marked inactive", nudge.person_id)
                    gone.append(nudge.person_id)
                    marks.append((nudge.id, {"status": "failed"}))
                    continue
                except TransientDeliveryError as exc:
                    if len(ids) == 1:
                        single = exc  # the runner retries this one-nudge job with backoff
                    else:
                        retry.append((nudge.person_id, nudge.id, exc.retry_after or 60.0))
                    continue
                sent = self.services.clock.now()
                remind_at = (
                    remind_time(sent, nudge.schedule.timezone, self.services.limits)
                    if nudge.schedule.reminders
                    else None
                )
                marks.append(
                    (nudge.id, {"status": "sent", "sent_at": sent, "remind_at": remind_at})
                )
                if len(marks) >= MARK_EVERY:
                    await self.store.settle(marks, inactive=gone)
                    marks, gone = [], []
        finally:
            await self.store.settle(marks, inactive=gone, retry=retry, now=now)
        if single is not None:
            raise single

    @staticmethod
    def _nudge_messages(nudge: Any, now: datetime, old: str | None) -> list[Outbound] | str:
        """The messages for one nudge, or the status it ends with instead of being sent."""
        if not nudge.active or _paused(nudge, now):
            return "cancelled"
        if nudge.newer:
            # The person was away for more than a week: only the latest question is shown.
            return "expired"
        current = nudge.state.get("prompt") or {}
        prompt_id = current.get("id") if current.get("week") == nudge.iso_week else None
        prompt = get_prompt(prompt_id) or get_prompt(nudge.prompt_id)
        if prompt is None:
            return "failed"
        messages = [Outbound(text=texts.YEAR_AGO.format(text=_short(old)))] if old else []
        messages.append(
            Outbound(
                text=texts.NUDGE.format(prompt=prompt.text),
                choices=(Choice(texts.ANOTHER_BUTTON, "another"),),
            )
        )
        return messages

    async def reminder(self, job: Reminder) -> None:
        """The one gentle reminder, unless the person answered or stepped away meanwhile."""
        nudge = await self.store.get(job.nudge_id)
        if nudge is None or nudge.answered_at is not None:
            return
        now = self.services.clock.now()
        if not nudge.active or _paused(nudge, now) or not nudge.schedule.reminders:
            return
        current = nudge.state.get("prompt") or {}
        if current.get("week") != nudge.iso_week:
            return  # answered, or a newer question replaced it
        prompt = get_prompt(current.get("id")) or get_prompt(nudge.prompt_id)
        if prompt is None:
            return
        await self._deliver(
            nudge.person_id,
            [
                Outbound(
                    text=texts.REMINDER.format(prompt=prompt.text),
                    choices=(Choice(texts.ANOTHER_BUTTON, "another"),),
                )
            ],
        )

    async def scheduled_digest(self, job: ScheduledDigest) -> None:
        """The opt-in weekly / monthly digest; nothing is sent when nothing is new."""
        person_id = job.person_id
        services = self.services
        now = services.clock.now()
        digest = self._digest
        if digest is None:
            from handlers.insight import digest_messages

            digest = digest_messages
        async with services.uow() as uow:
            person: Person | None = await uow.people.get_person(person_id)
            if (
                person is None
                or not person.active
                or person.schedule.digest == "off"
                or _paused(person, now)
            ):
                return
            messages = await digest(services, uow, person, now, scheduled=True)
            # Left uncommitted (rolled back on leaving): last_digest_at moves only once the
            # digest was delivered, so a send that fails is tried again with the same news.
        if messages is None:
            logger.info("scheduled digest for person %s skipped: nothing new", person_id)
            return
        messages = list(messages)
        week = iso_week(now, person.schedule.timezone)
        # Offset from the nudge's turn, so the same old entry never comes twice in a week.
        old = (
            await self.store.year_ago_entry(person_id, now)
            if should_resurface(person_id, week, offset=2)
            else None
        )
        if old:
            messages.append(Outbound(text=texts.YEAR_AGO.format(text=_short(old))))
        if await self._deliver(person_id, messages):
            await self.store.set_person(person_id, last_digest_at=now)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= YEAR_AGO_CHARS else text[: YEAR_AGO_CHARS - 1].rstrip() + "…"
