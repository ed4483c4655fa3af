"""Driving a chat in tests: wait for end states, onboard by tapping the real buttons."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

ALICE = 4242


async def until(condition: Callable[[], Any], timeout: float = 15.0) -> None:
    """Wait for an end state (polls; fails with the condition's name when it never comes)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"never happened: {getattr(condition, '__name__', condition)}")
        await asyncio.sleep(0.02)


async def onboard(fake, user: int = ALICE) -> None:
    """Say hi, consent, pick a slot and a zone by tapping the real inline buttons."""
    fake.message(user, "/start")
    await until(lambda: any(s.buttons for s in fake.sent_to(user)))
    for data in ("consent:yes", "slot:6:18", "tz:Europe/Berlin"):
        before = len(fake.sent_to(user))
        fake.press(user, fake.last_with_buttons(user), data)
        await until(lambda before=before: len(fake.sent_to(user)) > before)
    await until(lambda: any("All set" in t for t in fake.texts(user)))
