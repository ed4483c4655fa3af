"""The Telegram channel: long polling (`utp run`) or webhooks (`utp web`), with no update lost.

UTP owns the poll loop instead of PTB's `Updater`, because the updater confirms an update (moves
the offset) before its handler has finished. Here each update is handed to the conversation,
which commits what arrived, and only then is the next offset stored durably. A crash between the
two re-delivers the update; the conversation recognises the message key and does nothing twice.
Replies are sent after that, in order per chat, without holding up the poll loop.

Webhook mode verifies Telegram's secret header, commits, and only then answers 200 (Telegram
re-delivers anything else).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import time
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "1")  # retry_after as timedelta (22.2+ warns otherwise)

from aiohttp import web  # noqa: E402
from telegram import BotCommand, Update  # noqa: E402
from telegram.error import NetworkError, RetryAfter, TelegramError  # noqa: E402
from telegram.ext import AIORateLimiter, ExtBot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402
from telegram.warnings import PTBUserWarning  # noqa: E402

from bot.channels.base import Channel, InboundHandler  # noqa: E402
from bot.channels.telegram_convert import (  # noqa: E402
    BotIdentity,
    callback_to_inbound,
    message_to_inbound,
)
from bot.channels.telegram_files import TelegramFileFetcher  # noqa: E402
from bot.channels.telegram_send import TelegramSender, seconds  # noqa: E402
from handlers.jobs import outbound_to_payload  # noqa: E402
from passport.clock import Clock  # noqa: E402
from passport.errors import RecipientGone, TransientDeliveryError  # noqa: E402
from passport.messages import Address, Outbound  # noqa: E402
from passport.ports import FileFetcher, UnitOfWorkFactory  # noqa: E402

logger = logging.getLogger(__name__)

OFFSET_KEY = "telegram:offset"
PARKED_PREFIX = "telegram:parked:"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram/webhook"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
STALE_OFFSET_SECONDS = 6 * 24 * 3600  # Telegram may restart update ids after a quiet week
COMMANDS = (  # the menu people see; every one of these is answered by handlers/router.py
    ("digest", "Your passport: skills and strengths"),
    ("settings", "Change your day, time and time zone"),
    ("another", "A different question"),
    ("goal", "How close you are to a job you'd like"),
    ("pause", "Pause the weekly question"),
    ("resume", "Start the weekly question again"),
    ("skip", "Skip this week's question"),
    ("export", "Get all your data"),
    ("forget", "Delete everything"),
    ("help", "What I can do"),
)
Reply = Callable[[], Awaitable[None]]


class TelegramChannel(Channel):
    """Telegram through python-telegram-bot's `ExtBot` (rate limited), polling or webhooks."""

    platform = "telegram"

    def __init__(
        self, bot: Any, uow: UnitOfWorkFactory, clock: Clock, *,
        webhook_url: str | None = None, webhook_secret: str | None = None,
        poll_timeout: int = 25, update_attempts: int = 5,
        on_back: Callable[[Address], Awaitable[None]] | None = None,
    ) -> None:
        self.bot = bot
        self.uow = uow
        self.clock = clock
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.poll_timeout = poll_timeout
        self.update_attempts = update_attempts
        self.on_back = on_back
        self.sender = TelegramSender(bot, uow, clock)
        self.me: BotIdentity | None = None
        self._fetcher = TelegramFileFetcher(bot)
        self._handler: InboundHandler | None = None
        self._poller: asyncio.Task | None = None
        self._chains: dict[str, asyncio.Task] = {}
        self._ready = asyncio.Lock()

    # -- Channel -------------------------------------------------------------------------------

    async def send(self, address: Address, messages: Sequence[Outbound]) -> None:
        """Deliver messages (used by durable `send` jobs and nudges)."""
        await self._ensure_ready()
        await self.sender.send(address, messages)

    def fetcher(self) -> FileFetcher:
        """Downloads files people sent, for the `download` job."""
        return self._fetcher

    async def start(self, handler: InboundHandler) -> None:
        """Begin long polling in the background (not when webhooks are configured)."""
        self._handler = handler
        if self.webhook_url:
            logger.warning("TELEGRAM_WEBHOOK_URL is set: updates arrive at `utp web`, not polling")
            return
        self._poller = asyncio.create_task(self._poll(), name="telegram-poll")

    async def stop(self) -> None:
        """Stop polling, let replies in flight finish (briefly), close connections."""
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
            self._poller = None
        if self._chains:
            await asyncio.wait(list(self._chains.values()), timeout=10)
        if self.me is not None:
            try:
                await self.bot.shutdown()
            except TelegramError:
                logger.info("telegram shutdown was not clean")

    # -- webhooks (`utp web`) ------------------------------------------------------------------

    async def prepare_webhook(self, handler: InboundHandler) -> None:
        """Register the webhook with its secret and publish the command menu."""
        if not self.webhook_url:
            from bot.settings import ConfigError

            raise ConfigError("missing environment variables: TELEGRAM_WEBHOOK_URL")
        self._handler = handler
        await self._ensure_ready()
        await self.bot.set_webhook(url=self.webhook_url, secret_token=self.webhook_secret,
                                   allowed_updates=ALLOWED_UPDATES)
        await self._publish_commands()
        logger.warning("telegram webhook registered")

    def web_routes(self) -> list[web.RouteDef]:
        """`POST /telegram/webhook` for aiohttp."""
        return [web.post(WEBHOOK_PATH, self._on_webhook)]

    async def _on_webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not self.webhook_secret or not hmac.compare_digest(given.encode(),
                                                              self.webhook_secret.encode()):
            return web.Response(status=403)
        if self._handler is None:
            return web.Response(status=503)
        try:
            update = Update.de_json(await request.json(), self.bot)
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400)
        try:
            reply = await self._dispatch(update)
        except Exception:  # noqa: BLE001 - the platform's one error handler: Telegram retries
            logger.exception("telegram webhook update failed; Telegram will retry it")
            return web.Response(status=500)
        if reply is not None:
            self._schedule(reply[0], reply[1])
        return web.Response(status=200)

    # -- long polling --------------------------------------------------------------------------

    async def _poll(self) -> None:
        await self._retry_forever(self._prepare_polling, "telegram start")
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
            backoff.reset()
            for data in raw:
                reply = await self._take(data)
                offset = int(data["update_id"]) + 1
                await self._save_offset(offset)
                if reply is not None:
                    self._schedule(reply[0], reply[1])

    async def _get_updates(self, offset: int | None) -> list[dict[str, Any]]:
        """Raw updates, so one that this PTB version cannot parse is parked, not a stuck loop."""
        kwargs: dict[str, Any] = {"timeout": self.poll_timeout, "allowed_updates": ALLOWED_UPDATES}
        if offset is not None:
            kwargs["offset"] = offset
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PTBUserWarning)  # "use Bot.get_updates": on purpose
            result = await self.bot.do_api_request("getUpdates", api_kwargs=kwargs,
                                                   read_timeout=self.poll_timeout + 10)
        return [u for u in result if isinstance(u, dict) and "update_id" in u]

    async def _prepare_polling(self) -> None:
        await self._ensure_ready()
        await self.bot.delete_webhook(drop_pending_updates=False)
        await self._publish_commands()
        logger.warning("telegram long polling started")

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
            value = await uow.passport.get_channel_state(OFFSET_KEY)
        if not value:
            return None
        offset, _, stamp = value.partition(" ")
        if stamp and time.time() - float(stamp) > STALE_OFFSET_SECONDS:
            return None  # ids may have restarted lower; replays are recognised by message key
        return int(offset)

    async def _save_offset(self, offset: int) -> None:
        try:
            async with self.uow() as uow:
                await uow.passport.set_channel_state(OFFSET_KEY, f"{offset} {time.time():.0f}",
                                                     self.clock.now())
                await uow.commit()
        except Exception:  # noqa: BLE001 - a lost offset only means a harmless replay
            logger.exception("storing the telegram offset failed")

    async def _take(self, data: dict[str, Any]) -> tuple[str, Reply] | None:
        """Handle one update until it is committed; park it when it keeps failing."""
        update_id = data["update_id"]
        backoff = Backoff(first=0.5, ceiling=30)
        while True:
            for _ in range(self.update_attempts):
                try:
                    return await self._dispatch(Update.de_json(dict(data), self.bot))
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - the platform's one error handler
                    logger.exception("telegram update %s failed", update_id)
                    await backoff.sleep()
            try:
                await self._park(data)
                return None
            except Exception:  # noqa: BLE001 - database down: keep trying the update itself
                logger.exception("parking telegram update %s failed", update_id)

    async def _park(self, data: dict[str, Any]) -> None:
        async with self.uow() as uow:
            await uow.passport.set_channel_state(f"{PARKED_PREFIX}{data['update_id']}",
                                                 json.dumps(data), self.clock.now())
            await uow.commit()
        logger.error("telegram update %s parked after repeated failures", data["update_id"])

    # -- one update ----------------------------------------------------------------------------

    async def _dispatch(self, update: Update) -> tuple[str, Reply] | None:
        """Commit what the update carries; return (chat, how to answer) for afterwards."""
        assert self._handler is not None
        me = await self._ensure_ready()
        message = update.message or update.edited_message
        if message is not None:
            if message.migrate_to_chat_id:
                await self._migrate(message.chat.id, message.migrate_to_chat_id)
                return None
            inbound = message_to_inbound(message, me, edited=update.edited_message is not None)
            if inbound is None or (inbound.is_group and not inbound.addressed):
                return None
            out = list(await self._handler(inbound))
            return inbound.address.chat_id, self._reply(inbound.address, out)
        query = update.callback_query
        if query is not None:
            inbound = callback_to_inbound(query)
            out = list(await self._handler(inbound)) if inbound is not None else []
            held = query.message.message_id if query.message is not None else None
            address = inbound.address if inbound is not None else None
            chat = address.chat_id if address is not None else str(query.from_user.id)
            return chat, self._reply(address, out, edit=held, query_id=query.id)
        member = update.my_chat_member
        if member is not None and member.chat.type == "private":
            status = member.new_chat_member.status
            if status in {"kicked", "member"}:
                address = Address("telegram", str(member.from_user.id), str(member.chat.id))
                await self._set_active(address, status == "member")
        return None

    def _reply(self, address: Address | None, out: list[Outbound], *, edit: int | None = None,
               query_id: str | None = None) -> Reply:
        async def reply() -> None:
            if query_id is not None:
                try:
                    await self.bot.answer_callback_query(query_id)
                except TelegramError as exc:
                    logger.info("answerCallbackQuery failed (%s)", type(exc).__name__)
            if address is None or not out:
                return
            try:
                await self.sender.send(address, out, edit_message_id=edit)
            except RecipientGone:
                await self._set_active(address, False)
            except TransientDeliveryError as exc:
                logger.warning("telegram reply failed (%s); queued to retry", exc)
                await self._queue_retry(address, out)

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
        task.add_done_callback(lambda done: self._chains.pop(chat, None)
                               if self._chains.get(chat) is done else None)

    async def _queue_retry(self, address: Address, out: list[Outbound]) -> None:
        texts_only = [m for m in out if m.attachment is None]
        async with self.uow() as uow:
            person = await uow.passport.find_person(address)
            if person is None or not texts_only:
                return
            await uow.jobs.enqueue("send", {"messages": outbound_to_payload(texts_only),
                                            "platform": "telegram"},
                                   self.clock.now(), person_id=person.id)
            await uow.commit()

    async def _set_active(self, address: Address, active: bool) -> None:
        async with self.uow() as uow:
            person_id = await uow.passport.set_active_by_address(address, active)
            await uow.commit()
        if person_id is not None:
            logger.info("telegram person %s is %s", person_id, "back" if active else "gone")
            if active and self.on_back is not None:
                await self.on_back(address)

    async def _migrate(self, old_chat: int, new_chat: int) -> None:
        async with self.uow() as uow:
            await uow.passport.migrate_chat("telegram", str(old_chat), str(new_chat))
            await uow.commit()

    async def _ensure_ready(self) -> BotIdentity:
        if self.me is None:
            async with self._ready:
                if self.me is None:
                    try:
                        await self.bot.initialize()  # getMe: a wrong token fails here
                    except NetworkError as exc:
                        raise TransientDeliveryError("telegram unreachable",
                                                     retry_after=30) from exc
                    self.me = BotIdentity(self.bot.id, self.bot.username or "")
        return self.me

    async def _publish_commands(self) -> None:
        await self.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])


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


def make_bot(token: str, base_url: str, base_file_url: str, *, overall_rate: float = 30,
             pool_size: int = 64, max_retries: int = 3) -> ExtBot:
    """A PTB bot with AIORateLimiter (retries honour `retry_after`) and a sending pool."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)  # their INFO lines hold the token
    if logging.getLogger("telegram").level < logging.INFO:
        logging.getLogger("telegram").setLevel(logging.INFO)  # PTB's DEBUG lines name URLs
    return ExtBot(
        token, base_url=base_url, base_file_url=base_file_url,
        request=HTTPXRequest(connection_pool_size=pool_size, read_timeout=20,
                             write_timeout=20, connect_timeout=10, pool_timeout=30),
        get_updates_request=HTTPXRequest(connection_pool_size=2, read_timeout=10),
        rate_limiter=AIORateLimiter(overall_max_rate=overall_rate, max_retries=max_retries),
    )


def webhook_secret(configured: str | None, secret_key: str, token: str) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or one derived from UTP_SECRET_KEY (same in every process)."""
    if configured:
        return configured
    return hashlib.sha256(f"utp-telegram-webhook:{secret_key}:{token}".encode()).hexdigest()


def build_telegram_channel(app: Any, settings: Any) -> TelegramChannel:
    """The Telegram channel for `utp run` / `utp web` / workers (registered in bot/process.py)."""
    token = settings.telegram_bot_token
    bot = make_bot(token, settings.telegram_api_base_url, settings.telegram_file_base_url)
    return TelegramChannel(
        bot, app.services.uow, app.clock, webhook_url=settings.telegram_webhook_url,
        webhook_secret=webhook_secret(settings.telegram_webhook_secret, settings.secret_key(),
                                      token),
        on_back=app.release_waiting,
    )
