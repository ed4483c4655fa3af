"""`utp run` for the subprocess tests, optionally dying like `kill -9` at a chosen point.

UTP_TEST_DIE_AT_OFFSET=n ends the process abruptly (os._exit, no cleanup) just before the n-th
offset is stored: the update is committed, Telegram has not been told. That is the narrowest
window a crash can hit; the restart must store nothing twice.

UTP_TEST_DIE_BEFORE_SEND=n dies as the n-th reply part is about to go out (committed to the
outbox, offset stored, nothing sent); UTP_TEST_DIE_AFTER_MARK=n dies right after the n-th part
was sent and its mark committed (the rest of a multi-part reply still to go).
UTP_TEST_DIE_BEFORE_TEXT=words dies as the first part starting with those words is about to go
out (e.g. a job's "I noticed …", committed to the outbox with its suggestions).
"""

from __future__ import annotations

import os
import sys

DIE_AT = int(os.environ.get("UTP_TEST_DIE_AT_OFFSET", "0"))
DIE_BEFORE_SEND = int(os.environ.get("UTP_TEST_DIE_BEFORE_SEND", "0"))
DIE_AFTER_MARK = int(os.environ.get("UTP_TEST_DIE_AFTER_MARK", "0"))
DIE_BEFORE_TEXT = os.environ.get("UTP_TEST_DIE_BEFORE_TEXT", "")


def _arm() -> None:
    from bot.channels import telegram_updates

    original = telegram_updates.TelegramUpdates._save_offset
    saved = {"n": 0}

    async def save_or_die(self, offset: int) -> None:
        saved["n"] += 1
        if saved["n"] == DIE_AT:
            os._exit(137)
        await original(self, offset)

    telegram_updates.TelegramUpdates._save_offset = save_or_die


def _arm_send() -> None:
    from bot.channels import telegram_send

    original = telegram_send.TelegramSender._send_one
    calls = {"n": 0}

    async def send_or_die(self, target, message, edit):
        calls["n"] += 1
        if calls["n"] == DIE_BEFORE_SEND:
            os._exit(137)
        await original(self, target, message, edit)

    telegram_send.TelegramSender._send_one = send_or_die


def _arm_text() -> None:
    from bot.channels import telegram_send

    original = telegram_send.TelegramSender._send_one

    async def send_or_die(self, target, message, edit):
        if message.text.startswith(DIE_BEFORE_TEXT):
            os._exit(137)
        await original(self, target, message, edit)

    telegram_send.TelegramSender._send_one = send_or_die


def _arm_mark() -> None:
    from bot import delivery

    original = delivery.OutboxMarks.sent
    marks = {"n": 0}

    async def mark_then_die(self, message) -> None:
        await original(self, message)
        marks["n"] += 1
        if marks["n"] == DIE_AFTER_MARK:
            os._exit(137)

    delivery.OutboxMarks.sent = mark_then_die


if __name__ == "__main__":
    if DIE_AT:
        _arm()
    if DIE_BEFORE_SEND:
        _arm_send()
    if DIE_AFTER_MARK:
        _arm_mark()
    if DIE_BEFORE_TEXT:
        _arm_text()
    from bot.cli import main

    sys.exit(main(sys.argv[1:] or ["run"]))
