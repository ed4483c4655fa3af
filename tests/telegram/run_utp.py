"""`utp run` for the subprocess tests, optionally dying like `kill -9` at a chosen point.

UTP_TEST_DIE_AT_OFFSET=n ends the process abruptly (os._exit, no cleanup) just before the n-th
offset is stored: the update is committed, Telegram has not been told. That is the narrowest
window a crash can hit; the restart must store nothing twice.
"""

from __future__ import annotations

import os
import sys

DIE_AT = int(os.environ.get("UTP_TEST_DIE_AT_OFFSET", "0"))


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


if __name__ == "__main__":
    if DIE_AT:
        _arm()
    from bot.cli import main

    sys.exit(main(sys.argv[1:] or ["run"]))
