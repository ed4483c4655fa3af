"""The Telegram channel: long polling (`utp run`) or webhooks (`utp web`), with no update lost.

How updates are received and committed before they are confirmed lives in `telegram_updates`;
rendering in `telegram_send`; downloads in `telegram_files`. Webhook mode verifies Telegram's
secret header, commits, and only then answers 200 (Telegram re-delivers anything else).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "1")  # retry_after as timedelta (22.2+ warns otherwise)

from aiohttp import web  # noqa: E402
from telegram import BotCommand  # noqa: E402
from telegram.error import NetworkError, TelegramError  # noqa: E402
from telegram.ext import AIORateLimiter, ExtBot  # noqa: E402

from bot.channels.base import ChannelDeps, InboundHandler, WebhookChannel  # noqa: E402
from bot.channels.telegram_convert import BotIdentity  # noqa: E402
from bot.channels.telegram_files import TelegramFileFetcher  # noqa: E402
from bot.channels.telegram_request import AiohttpRequest  # noqa: E402
from bot.channels.telegram_send import TelegramSender  # noqa: E402
from bot.channels.telegram_updates import (  # noqa: E402
    ALLOWED_UPDATES,
    OFFSET_KEY,
    TelegramUpdates,
)
from bot.settings import ConfigError, Settings  # noqa: E402
from handlers import commands  # noqa: E402
from passport.clock import Clock  # noqa: E402
from passport.errors import TransientDeliveryError  # noqa: E402
from passport.messages import Address, Outbound  # noqa: E402
from passport.ports import FileFetcher, UnitOfWorkFactory  # noqa: E402

__all__ = ["COMMANDS", "OFFSET_KEY", "TelegramChannel", "build_telegram_channel", "make_bot"]

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram/webhook"
COMMANDS = commands.menu("telegram")  # the menu people see (handlers/commands.py)


class TelegramChannel(WebhookChannel):
    """Telegram through python-telegram-bot's `ExtBot` (rate limited), polling or webhooks."""

    platform = "telegram"

    def __init__(
        self,
        bot: Any,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        poll_timeout: int = 25,
        update_attempts: int = 5,
        on_back: Callable[[Address], Awaitable[None]] | None = None,
    ) -> None:
        self.bot = bot
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.sender = TelegramSender(bot, uow, clock)
        self.updates = TelegramUpdates(
            bot,
            uow,
            clock,
            self.sender,
            ready=self._ensure_ready,
            poll_timeout=poll_timeout,
            update_attempts=update_attempts,
            on_back=on_back,
        )
        self.me: BotIdentity | None = None
        self._fetcher = TelegramFileFetcher(bot)
        self._poller: asyncio.Task | None = None
        self._ready = asyncio.Lock()

    async def send(self, address: Address, messages: Sequence[Outbound]) -> None:
        """Deliver messages (used by durable `send` jobs and nudges)."""
        await self._ensure_ready()
        await self.sender.send(address, messages)

    def fetcher(self) -> FileFetcher:
        """Downloads files people sent, for the `download` job."""
        return self._fetcher

    async def start(self, handler: InboundHandler) -> None:
        """Begin long polling in the background (not when webhooks are configured)."""
        self.updates.handler = handler
        if self.webhook_url:
            logger.warning("TELEGRAM_WEBHOOK_URL is set: updates arrive at `utp web`, not polling")
            return
        self._poller = asyncio.create_task(
            self.updates.poll(self._prepare_polling), name="telegram-poll"
        )

    async def stop(self) -> None:
        """Stop polling, let replies in flight finish (briefly), close connections."""
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
            self._poller = None
        await self.updates.drain()
        if self.me is not None:
            try:
                await self.bot.shutdown()
            except TelegramError:
                logger.info("telegram shutdown was not clean")

    async def _prepare_polling(self) -> None:
        await self._ensure_ready()
        await self.bot.delete_webhook(drop_pending_updates=False)
        await self._publish_commands()
        logger.warning("telegram long polling started")

    # -- webhooks (`utp web`) ------------------------------------------------------------------

    async def prepare_webhook(self, handler: InboundHandler) -> None:
        """Register the webhook with its secret and publish the command menu."""
        if not self.webhook_url:
            raise ConfigError("missing environment variables: TELEGRAM_WEBHOOK_URL")
        self.updates.handler = handler
        await self._ensure_ready()
        await self.bot.set_webhook(
            url=self.webhook_url, secret_token=self.webhook_secret, allowed_updates=ALLOWED_UPDATES
        )
        await self._publish_commands()
        logger.warning("telegram webhook registered")

    def web_routes(self) -> list[web.RouteDef]:
        """`POST /telegram/webhook` for aiohttp."""
        return [web.post(WEBHOOK_PATH, self._on_webhook)]

    async def _on_webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not self.webhook_secret or not hmac.compare_digest(
            given.encode(), self.webhook_secret.encode()
        ):
            return web.Response(status=403)
        if self.updates.handler is None:
            return web.Response(status=503)
        try:
            data = await request.json()
        except ValueError:
            return web.Response(status=400)
        if not isinstance(data, dict) or "update_id" not in data:
            return web.Response(status=400)
        try:
            await self.updates.on_update(data)
        except Exception:  # noqa: BLE001 - the platform's one error handler: Telegram retries
            logger.exception("telegram webhook update failed; Telegram will retry it")
            return web.Response(status=500)
        return web.Response(status=200)

    # -- the bot itself ------------------------------------------------------------------------

    async def _ensure_ready(self) -> BotIdentity:
        if self.me is None:
            async with self._ready:
                if self.me is None:
                    try:
                        await self.bot.initialize()  # getMe: a wrong token fails here
                    except NetworkError as exc:
                        raise TransientDeliveryError(
                            "telegram unreachable", retry_after=30
                        ) from exc
                    self.me = BotIdentity(self.bot.id, self.bot.username or "")
        return self.me

    async def _publish_commands(self) -> None:
        await self.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])


def make_bot(
    token: str,
    base_url: str,
    base_file_url: str,
    *,
    overall_rate: float = 30,
    pool_size: int = 8,
    max_retries: int = 3,
) -> ExtBot:
    """A PTB bot with AIORateLimiter (retries honour `retry_after`) and a sending pool."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)  # their INFO lines hold the token
    if logging.getLogger("telegram").level < logging.INFO:
        logging.getLogger("telegram").setLevel(logging.INFO)  # PTB's DEBUG lines name URLs
    return ExtBot(
        token,
        base_url=base_url,
        base_file_url=base_file_url,
        request=AiohttpRequest(
            pool_size, read_timeout=20, write_timeout=20, connect_timeout=10, pool_timeout=30
        ),
        get_updates_request=AiohttpRequest(1, read_timeout=10),
        rate_limiter=AIORateLimiter(overall_max_rate=overall_rate, max_retries=max_retries),
    )


def webhook_secret(configured: str | None, secret_key: str, token: str) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or one derived from UTP_SECRET_KEY (same in every process)."""
    if configured:
        return configured
    return hashlib.sha256(f"utp-telegram-webhook:{secret_key}:{token}".encode()).hexdigest()


def build_telegram_channel(deps: ChannelDeps, settings: Settings) -> TelegramChannel:
    """The Telegram channel for `utp run` / `utp web` / workers (registered in bot/process.py)."""
    settings.require("telegram_bot_token")
    token = settings.telegram_bot_token or ""
    bot = make_bot(token, settings.telegram_api_base_url, settings.telegram_file_base_url)
    return TelegramChannel(
        bot,
        deps.uow,
        deps.clock,
        webhook_url=settings.telegram_webhook_url,
        webhook_secret=webhook_secret(
            settings.telegram_webhook_secret, settings.secret_key(), token
        ),
        on_back=deps.on_back,
    )
