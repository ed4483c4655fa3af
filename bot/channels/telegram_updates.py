"""Receiving Telegram updates with nothing lost: the poll loop, one update at a time, replies.

UTP owns the poll loop instead of PTB's `Updater`, because the updater confirms an update (moves
the offset) before its handler has finished. Here each update is handed to the conversation,
which commits what arrived with its replies (the outbox); only then is the next offset stored
durably, and only then are slow reply parts made (a chart) and the replies sent, each part marked
as it goes out (in order per chat, off the poll loop). A crash before a part is marked leaves it
in the outbox, and the next start (or any worker's sweep) sends it. A crash between the commit
and the offset re-delivers the update; the conversation recognises the message key and stores
nothing twice.
An update that keeps failing is parked in `channel_state`, never dropped silently.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.error import RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.channels.base import InboundHandler
from bot.channels.telegram_convert import BotIdentity, callback_to_inbound, message_to_inbound
from bot.channels.telegram_send import TelegramSender, seconds
from bot.delivery import OutboxMarks
from handlers.reply import Reply as Answers
from handlers.reply import answers_later
from passport.clock import Clock
from passport.errors import RecipientGone, StorageUnavailable, TransientDeliveryError
from passport.jobs import Send
from passport.messages import Address, Outbound
from passport.ports import UnitOfWorkFactory

logger = logging.getLogger(__name__)

OFFSET_KEY = "telegram:offset"
PARKED_PREFIX = "telegram:parked:"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
STALE_OFFSET_SECONDS = 6 * 24 * 3600  # Telegram may restart update ids after a quiet week
Reply = Callable[[], Awaitable[None]]


class TelegramUpdates:
    """Turns updates into conversation turns, commits them, and answers afterwards."""

    def __init__(
        self,
        bot: Any,
        uow: UnitOfWorkFactory,
        clock: Clock,
        sender: TelegramSender,
        *,
        ready: Callable[[], Awaitable[BotIdentity]],
        poll_timeout: int = 25,
        update_attempts: int = 5,
        on_back: Callable[[Address], Awaitable[None]] | None = None,
    ) -> None:
        self.bot = bot
        self.uow = uow
        self.clock = clock
        self.sender = sender
        self.ready = ready
        self.poll_timeout = poll_timeout
        self.update_attempts = update_attempts
        self.on_back = on_back
        self.handler: InboundHandler | None = None
        self.marks = OutboxMarks(uow, clock)
        self._chains: dict[str, asyncio.Task] = {}

    async def drain(self, timeout: float = 10) -> None:
        """Let replies in flight finish (briefly)."""
        if self._chains:
            await asyncio.wait(list(self._chains.values()), timeout=timeout)

    async def on_update(self, data: dict[str, Any]) -> None:
        """Webhook path: commit one update (raises so the caller answers non-2xx), then reply."""
        update = parse(data, self.bot)
        if update is None:
            await self._park(data)  # redelivering cannot help: keep it for a person to look at
            return
        reply = await self._dispatch(update)
        if reply is not None:
            self._schedule(*reply)

    # -- long polling --------------------------------------------------------------------------

    async def poll(self, prepare: Callable[[], Awaitable[None]]) -> None:
        """Long-poll forever (cancel to stop); `prepare` runs first, retried until it works."""
        await self._retry_forever(prepare, "telegram start")
        offset = await self._retry_forever(self._load_offset, "reading the telegram offset")
        backoff = Backoff()
        while True:
            try:
                raw = await self._get_updates(offset)
            except RetryAfter as exc:
                await asyncio.sleep(seconds(exc.retry_after) or 1)
                continue
            except (TelegramError, ValueError) as exc:  # network, 409 Conflict, bad token
                logger.warning("getUpdates failed (%s); backing off", type(exc).__name__)
                await backoff.sleep()
                continue
            except Exception:  # noqa: BLE001 - never let the poll loop die quietly
                logger.exception("getUpdates failed; backing off")
                await backoff.sleep()
                continue
            backoff.reset()
            for data in raw:
                reply = await self._take(data)
                offset = int(data["update_id"]) + 1
                await self._save_offset(offset)
                if reply is not None:
                    self._schedule(*reply)

    async def _get_updates(self, offset: int | None) -> list[dict[str, Any]]:
        """Raw updates, so one that this PTB version cannot parse is parked, not a stuck loop."""
        kwargs: dict[str, Any] = {"timeout": self.poll_timeout, "allowed_updates": ALLOWED_UPDATES}
        if offset is not None:
            kwargs["offset"] = offset
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PTBUserWarning)  # "use Bot.get_updates": on purpose
            result = await self.bot.do_api_request(
                "getUpdates", api_kwargs=kwargs, read_timeout=self.poll_timeout + 10
            )
        return [u for u in result if isinstance(u, dict) and "update_id" in u]

    async def _retry_forever(self, step: Callable[[], Awaitable[Any]], what: str) -> Any:
        backoff = Backoff()
        while True:
            try:
                return await step()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - network or database down: wait, retry
                logger.warning("%s failed (%s); retrying", what, type(exc).__name__)
                await backoff.sleep()

    async def _load_offset(self) -> int | None:
        async with self.uow() as uow:
            value = await uow.channel_state.get_channel_state(OFFSET_KEY)
        if not value:
            return None
        offset, _, stamp = value.partition(" ")
        if stamp and self.clock.now().timestamp() - float(stamp) > STALE_OFFSET_SECONDS:
            return None  # ids may have restarted lower; replays are recognised by message key
        return int(offset)

    async def _save_offset(self, offset: int) -> None:
        try:
            now = self.clock.now()
            async with self.uow() as uow:
                await uow.channel_state.set_channel_state(
                    OFFSET_KEY, f"{offset} {now.timestamp():.0f}", now
                )
                await uow.commit()
        except Exception:  # noqa: BLE001 - a lost offset only means a harmless replay
            logger.exception("storing the telegram offset failed")

    async def _take(self, data: dict[str, Any]) -> tuple[str, Reply] | None:
        """Handle one update until it is committed; park it when it keeps failing."""
        update_id = data["update_id"]
        backoff = Backoff(first=0.5, ceiling=30)
        failures = 0
        while True:
            try:
                update = parse(data, self.bot)
                if update is None:
                    failures = self.update_attempts  # this PTB cannot read it: park at once
                else:
                    return await self._dispatch(update)
            except asyncio.CancelledError:
                raise
            except StorageUnavailable as exc:
                # Disk full, read-only, database away: not this update's fault. Nothing was
                # stored, so the offset stays; it is tried again (never parked) until it is.
                logger.warning("telegram update %s waits for storage: %s", update_id, exc)
                await backoff.sleep()
                continue
            except Exception:  # noqa: BLE001 - the platform's one error handler
                logger.exception("telegram update %s failed", update_id)
                await backoff.sleep()
                if not await self._storage_ok():
                    continue  # the database is away: not this update's fault, never park it
                failures += 1
            if failures >= self.update_attempts:
                try:
                    await self._park(data)
                    return None
                except Exception:  # noqa: BLE001 - database gone again: keep trying
                    logger.exception("parking telegram update %s failed", update_id)

    async def _storage_ok(self) -> bool:
        try:
            async with self.uow() as uow:
                await uow.channel_state.get_channel_state(OFFSET_KEY)
        except Exception:  # noqa: BLE001 - any failure means "not reachable now"
            return False
        return True

    async def _park(self, data: dict[str, Any]) -> None:
        async with self.uow() as uow:
            await uow.channel_state.set_channel_state(
                f"{PARKED_PREFIX}{data['update_id']}", json.dumps(data), self.clock.now()
            )
            await uow.commit()
        logger.error("telegram update %s parked after repeated failures", data["update_id"])

    async def replay_parked(self) -> tuple[int, int]:
        """Run every parked update once more (after a fix): (replayed, still parked).

        A replayed update leaves the parked list once its turn is committed; its replies are
        sent here (and, were this process to stop first, by any sweep from the outbox).
        """
        async with self.uow() as uow:
            parked = await uow.channel_state.channel_states(PARKED_PREFIX)
        replayed = failed = 0
        for key, raw in parked:
            try:
                data = json.loads(raw)
                update = parse(data, self.bot)
                reply = await self._dispatch(update) if update is not None else None
                if update is None:
                    failed += 1
                    continue
            except Exception:  # noqa: BLE001 - still failing: it stays parked, visibly
                logger.exception("parked telegram update %s failed again", key)
                failed += 1
                continue
            async with self.uow() as uow:
                await uow.channel_state.delete_channel_state(key)
                await uow.commit()
            replayed += 1
            if reply is not None:
                self._schedule(*reply)
        await self.drain(timeout=60)
        return replayed, failed

    # -- one update ----------------------------------------------------------------------------

    async def _dispatch(self, update: Update) -> tuple[str, Reply] | None:
        """Commit what the update carries; return (chat, how to answer) for afterwards."""
        assert self.handler is not None
        me = await self.ready()
        message = update.message or update.edited_message
        if message is not None:
            if message.migrate_to_chat_id:
                await self._migrate(message.chat.id, message.migrate_to_chat_id)
                return None
            inbound = message_to_inbound(message, me, edited=update.edited_message is not None)
            if inbound is None or (inbound.is_group and not inbound.addressed):
                return None
            out = await self._commit(inbound)
            committed = time.monotonic()
            return inbound.address.chat_id, self._reply(inbound.address, out, committed=committed)
        query = update.callback_query
        if query is not None:
            inbound = callback_to_inbound(query)
            out = await self._commit(inbound) if inbound is not None else []
            committed = time.monotonic()
            held = query.message.message_id if query.message is not None else None
            address = inbound.address if inbound is not None else None
            chat = address.chat_id if address is not None else str(query.from_user.id)
            return chat, self._reply(
                address, out, edit=held, query_id=query.id, committed=committed
            )
        member = update.my_chat_member
        if member is not None and member.chat.type == "private":
            status = member.new_chat_member.status
            if status in {"kicked", "member"}:
                address = Address("telegram", str(member.from_user.id), str(member.chat.id))
                await self._set_active(address, status == "member")
        return None

    async def _commit(self, inbound: Any) -> list[Outbound]:
        """The conversation's turn up to its commit; slow reply parts are made in `_reply`."""
        assert self.handler is not None
        with answers_later():
            out = await self.handler(inbound)
        return out if isinstance(out, Answers) else list(out)

    def _reply(
        self,
        address: Address | None,
        out: list[Outbound],
        *,
        edit: int | None = None,
        query_id: str | None = None,
        committed: float | None = None,
    ) -> Reply:
        async def reply() -> None:
            if query_id is not None:
                try:
                    await self.bot.answer_callback_query(query_id)
                except TelegramError as exc:
                    logger.info("answerCallbackQuery failed (%s)", type(exc).__name__)
            if address is None or not out:
                return
            if isinstance(out, Answers) and not out.is_ready:
                await out.ready()  # a chart: after the commit and the offset, never before
            if not await self.marks.hold(out, committed=committed):
                return  # this process was too slow: a sweep elsewhere took the reply over
            try:
                await self.sender.send(address, out, edit_message_id=edit, marks=self.marks)
            except RecipientGone as exc:
                await self.marks.gone(out, str(exc))
                if address.chat_id == address.user_id:  # their private chat, not a group
                    await self._set_active(address, False)
            except TransientDeliveryError as exc:
                logger.warning("telegram reply failed (%s); it waits to be retried", exc)
                unstored = await self.marks.failed(out, exc, exc.retry_after)
                if unstored:
                    await self._queue_retry(address, unstored)

        return reply

    def _schedule(self, chat: str, reply: Reply) -> None:
        """Run `reply` after earlier replies to the same chat, so answers keep their order."""
        previous = self._chains.get(chat)

        async def run() -> None:
            if previous is not None:
                await asyncio.wait([previous])
            try:
                await reply()
            except Exception:  # noqa: BLE001 - one reply failing must not stop the next
                logger.exception("sending a telegram reply failed")

        task = asyncio.create_task(run())
        self._chains[chat] = task
        task.add_done_callback(
            lambda done: self._chains.pop(chat, None) if self._chains.get(chat) is done else None
        )

    async def _queue_retry(self, address: Address, out: list[Outbound]) -> None:
        texts_only = [m for m in out if m.attachment is None]
        async with self.uow() as uow:
            person = await uow.people.find_person(address)
            if person is None or not texts_only:
                return
            await uow.jobs.enqueue(
                Send(person.id, tuple(texts_only), platform="telegram"), self.clock.now()
            )
            await uow.commit()

    async def _set_active(self, address: Address, active: bool) -> None:
        async with self.uow() as uow:
            person_id = await uow.people.set_active_by_address(address, active)
            await uow.commit()
        if person_id is not None:
            logger.info("telegram person %s is %s", person_id, "back" if active else "gone")
            if active and self.on_back is not None:
                await self.on_back(address)

    async def _migrate(self, old_chat: int, new_chat: int) -> None:
        async with self.uow() as uow:
            await uow.people.migrate_chat("telegram", str(old_chat), str(new_chat))
            await uow.commit()


def parse(data: dict[str, Any], bot: Any) -> Update | None:
    """A raw update as PTB's `Update`; None when this PTB version cannot read it."""
    try:
        return Update.de_json(dict(data), bot)
    except (TypeError, KeyError, ValueError):
        logger.exception("telegram update %s could not be parsed", data.get("update_id"))
        return None


class Backoff:
    """Exponential back-off for network trouble: 1 s, 2 s, 4 s … up to a ceiling."""

    def __init__(self, first: float = 1.0, ceiling: float = 60.0) -> None:
        self.first = first
        self.ceiling = ceiling
        self.delay = first

    async def sleep(self) -> None:
        """Wait, then lengthen the next wait."""
        await asyncio.sleep(self.delay)
        self.delay = min(self.ceiling, self.delay * 2)

    def reset(self) -> None:
        """Things work again."""
        self.delay = self.first
