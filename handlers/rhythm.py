"""The weekly rhythm's jobs: nudge, reminder and scheduled digest.

The scheduler (`bot/scheduler.py`) claims *who* is due; these jobs do the sending, each as a
durable job that is retried when a platform says "later". A job looks again before it sends,
with the same rules (`passport.rhythm`): a person who paused, blocked the bot, answered already,
or got a newer question in the meantime is not sent a stale message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

from handlers import texts
from handlers.context import Services
from passport.errors import RecipientGone, TransientDeliveryError
from passport.jobs import Nudge, Reminder, ScheduledDigest
from passport.messages import Choice, Outbound
from passport.model import Person
from passport.ports import Delivery
from passport.rhythm import (
    NudgeInfo,
    is_paused,
    prompt_of,
    remind_time,
    reminder_wanted,
    should_resurface,
    stale_status,
)
from passport.timeutil import iso_week

logger = logging.getLogger(__name__)

# New words for the lead to move into handlers/texts.py (kept here so this file stands alone).
YEAR_AGO_CHARS = 200

# Weekly jobs wait for a person who is away (the terminal chat) for about a week of retries.
RHYTHM_MAX_ATTEMPTS = 48
NUDGES_PER_JOB = 25  # one "nudge" job sends a slice of a claimed batch
MARK_EVERY = 1  # a sent mark right after each send: a crash re-sends at most the one in flight


class NudgeStore(Protocol):
    """What the rhythm jobs read and write (storage.nudge_store.SqlAlchemyNudgeStore)."""

    async def get(self, nudge_id: int) -> NudgeInfo | None: ...

    async def get_many(self, nudge_ids: list[int]) -> list[NudgeInfo]: ...

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
    def _nudge_messages(nudge: NudgeInfo, now: datetime, old: str | None) -> list[Outbound] | str:
        """The messages for one nudge, or the status it ends with instead of being sent."""
        stale = stale_status(nudge, now)
        if stale is not None:
            return stale
        prompt = prompt_of(nudge)
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
        if nudge is None or not reminder_wanted(nudge, self.services.clock.now()):
            return  # answered, stepped away, or a newer question replaced it
        prompt = prompt_of(nudge)
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
                or is_paused(person.schedule, now)
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
