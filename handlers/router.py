"""The conversation: picks the handler for each `Inbound` and returns `Outbound` replies.

Capture first: whatever a person sent is committed with its durable jobs **and its replies** (the
outbox, `storage/outbox.py`) in one transaction before `handle` returns, and nothing slow runs
inside that transaction: slow reply parts (a chart) are made after the commit (`Reply.ready`).
Replays of a platform message are recognised by its key and answered with silence, also after
/forget.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from handlers import commands, files, insight, onboarding, privacy, reflection, settings, texts
from handlers.context import Services, Turn, clean_text, home_address, say
from handlers.reply import Reply, answering_later
from passport.messages import Address, Inbound, Outbound
from passport.model import Person

logger = logging.getLogger(__name__)

TOUCH_EVERY = timedelta(hours=1)
FORGET_NO = {
    "no",
    "n",
    "nope",
    "nah",
    "no thanks",
    "no thank you",
    "no, keep it",
    "no keep it",
    "keep it",
    "keep",
    "cancel",
    "don't",
    "dont",
    "stop",
    "not now",
}


class Conversation:
    """Platform-neutral entry point every channel calls."""

    def __init__(self, services: Services) -> None:
        self.services = services
        # Set by the wiring: sends a notice straight to the person (nothing is stored with it).
        self.tell: Callable[[Address, list[Outbound]], Awaitable[None]] | None = None

    async def handle(self, inbound: Inbound) -> Reply:
        """Handle one inbound message under the storage-fault policy (passport.faults).

        A lock held elsewhere is waited out (the person hears "one moment…" once); a disk that
        is full, read-only storage or a database that is away raises `StorageUnavailable`, and
        nothing was stored: the channel keeps the message and tries again later.

        The replies come back committed to the outbox. Inside `answers_later()` they come back
        right after the commit, slow parts still to make (`Reply.ready`); otherwise ready.
        """
        if inbound.is_group and not inbound.addressed:
            return Reply()

        async def one_moment() -> None:
            if self.tell is not None:
                await self.tell(inbound.address, [say(texts.ONE_MOMENT)])

        reply = await self.services.faults.run(
            lambda: self._handle_once(inbound), on_wait=one_moment
        )
        if answering_later():
            return reply
        return (await reply.ready()).visible()

    async def _handle_once(self, inbound: Inbound) -> Reply:
        services = self.services
        now = services.clock.now()
        async with services.uow() as uow:
            # Button presses too: channels key them by the press (Telegram callback query id,
            # Slack action_ts), so a press re-delivered after a crash is not applied twice.
            if inbound.message_id and not inbound.edited:
                fresh, found = await uow.seen.mark_seen_and_find(
                    inbound.message_key, inbound.address, now
                )
                if not fresh:
                    logger.info("replayed message dropped")
                    return Reply()
            else:
                found = await uow.people.find_person_seen(inbound.address)
            person = found[0] if found else None
            if person is None:
                if inbound.action or inbound.edited:
                    # Nothing is stored (not even the key): the answer is not kept either.
                    return Reply([say(texts.NOT_UNDERSTOOD_BUTTON)] if inbound.action else [])
                out = await onboarding.first_contact(services, uow, inbound, now)
                stored = await self._store(uow, inbound, out, None, now)
                await uow.commit()
                return Reply(stored)
            assert found is not None  # a person was found
            _, chat_id, last_seen = found
            # One UPDATE saved per message: refresh only when the chat moved or an hour passed.
            # A group is never a person's home chat: weekly questions stay private.
            moved = chat_id != inbound.address.chat_id and not inbound.is_group
            if moved or now - last_seen > TOUCH_EVERY:
                await uow.people.touch_identity(home_address(inbound, chat_id), now)
            text = clean_text(inbound.text)
            turn = Turn(
                uow=uow, person=person, inbound=inbound, now=now, services=services, text=text
            )
            out = await self._route(turn)
            stored = await self._store(uow, inbound, out, person, now)
            await uow.commit()
        for callback in turn.after_commit:
            callback()
        return Reply(stored, turn.makers)

    @staticmethod
    async def _store(
        uow, inbound: Inbound, out: list[Outbound], person: Person | None, now
    ) -> list[Outbound]:
        """Replies into the outbox, in the capture's transaction, with what they answer."""
        return await uow.outbox.add(
            inbound.address,
            out,
            now,
            person_id=person.id if person is not None else None,
            answers=inbound.message_key if inbound.message_id else None,
        )

    async def _route(self, turn: Turn) -> list[Outbound]:
        person, inbound, text = turn.person, turn.inbound, turn.text
        if not person.onboarded:
            if inbound.files and person.consented:
                await turn.save_state()  # files wait: setup comes first, nothing is stored yet
            return await onboarding.continue_onboarding(turn)
        if inbound.action:
            return await self._on_action(turn, inbound.action)
        if inbound.edited:
            if not text:
                return []
            if len(text) > turn.services.limits.max_text_chars:
                return [say(texts.TOO_LONG.format(length=len(text)))]
            return await reflection.edit(turn)
        if len(text) > turn.services.limits.max_text_chars:
            return [say(texts.TOO_LONG.format(length=len(text)))]
        awaiting = person.state.get("awaiting")
        if text.startswith("/"):
            return await self._on_command(turn)
        if awaiting == "forget":
            answer = text.lower().rstrip("!.")
            if answer in {"yes", "y", "yes delete", "delete"}:
                return await privacy.forget(turn)
            await turn.save_state(awaiting=None)
            kept = [say(texts.FORGET_KEPT)]
            if answer in FORGET_NO and not inbound.files:
                return kept  # "no" answers the question; it is not a journal note
            return kept + (await self._capture(turn) if text or inbound.files else [])
        if awaiting == "zone" and inbound.timezone_hint and not text:
            turn.text = inbound.timezone_hint
            return await settings.typed_zone(turn)
        if awaiting == "zone" and text and not inbound.files:
            return await settings.typed_zone(turn)
        if awaiting == "goal" and text and not inbound.files:
            await turn.save_state(awaiting=None)
            return await commands.goal(turn, text)
        intended = commands.intended(text) if text and not inbound.files else None
        if intended is not None:
            return await intended.run(turn, "")
        return await self._capture(turn)

    async def _capture(self, turn: Turn) -> list[Outbound]:
        if not turn.text and not turn.inbound.files:
            return [say(texts.EMPTY_TEXT)]
        out: list[Outbound] = []
        entry_id = None
        if turn.text:
            out += await reflection.capture(turn)
            entry_id = turn.entry_id
        if turn.inbound.files:
            out += await files.receive(turn, entry_id)
        return out

    async def _on_command(self, turn: Turn) -> list[Outbound]:
        word, _, arg = turn.text.partition(" ")
        word = word.split("@", 1)[0].lower()  # Telegram groups: /digest@utp_bot
        command = commands.find(word.removeprefix("/"))
        if command is None:
            return [say(texts.UNKNOWN_COMMAND.format(command=word[:30]))]
        return await command.run(turn, arg.strip())

    async def _on_action(self, turn: Turn, action: str) -> list[Outbound]:
        verb = action.split(":", 1)[0]
        if verb in {"keep", "notme", "pick"}:
            return await reflection.decide(turn, action)
        if verb == "forget":
            if action == "forget:yes":
                return await privacy.forget(turn)
            return await privacy.keep(turn)
        if verb == "export":
            return await privacy.export(turn, action.split(":", 1)[1])
        if verb in {"settings", "day", "hour", "tz", "digestfreq"}:
            return await settings.on_action(turn, action)
        if verb == "digest":
            return await insight.digest(turn)
        if verb == "another":
            return await insight.another_prompt(turn)
        return [say(texts.NOT_UNDERSTOOD_BUTTON)]
