"""Telegram's command menu and /help, as the fake Bot API receives them, are the registry."""

from __future__ import annotations

from handlers import commands
from tests.telegram.helpers import ALICE, onboard, until


async def test_set_my_commands_and_help_come_from_the_registry(telegram, fake):
    await onboard(fake)
    assert fake.commands == [
        {"command": command.name, "description": command.summary}
        for command in commands.shown_on("telegram")
    ]
    fake.message(ALICE, "/help")
    await until(lambda: any(t.startswith("Here's what I can do") for t in fake.texts(ALICE)))
    (shown,) = [t for t in fake.texts(ALICE) if t.startswith("Here's what I can do")]
    assert shown == commands.help_text("telegram")
