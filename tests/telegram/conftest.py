"""Fixtures: the fake Bot API on loopback and a wired app whose Telegram channel talks to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.channels.telegram import TelegramChannel, make_bot
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123:ABC"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A fresh fake Telegram Bot API on 127.0.0.1."""
    server = await FakeTelegram(TOKEN).start()
    yield server
    await server.close()


@pytest.fixture
async def telegram(make_app, fake: FakeTelegram) -> AsyncIterator[tuple[Any, TelegramChannel]]:
    """A wired app (SQLite, fake extractor) with a polling Telegram channel on the fake."""
    app = await make_app()
    channel = make_channel(app, fake)
    app.add_channel(channel)
    await channel.start(app.conversation.handle)
    yield app, channel
    await channel.stop()


def make_channel(app: Any, fake: FakeTelegram, **options: Any) -> TelegramChannel:
    """The real channel on the fake server (short long-poll so tests stop quickly)."""
    bot = make_bot(TOKEN, fake.base_url, fake.file_url, overall_rate=options.pop("rate", 0))
    return TelegramChannel(
        bot, app.services.uow, app.clock, poll_timeout=1, on_back=app.release_waiting, **options
    )
