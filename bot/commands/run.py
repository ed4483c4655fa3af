"""`utp run`: every configured channel, the job runner and the scheduler in one process."""

from __future__ import annotations

import argparse
import sys

from bot.commands.common import run, settings_or_exit


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `utp run`."""
    parser = subparsers.add_parser(
        "run",
        help="run the configured channels (Telegram long polling, Slack Socket Mode), "
        "jobs and the weekly scheduler in one process",
    )
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run until SIGTERM."""
    return run(_run())


async def _run() -> int:
    from bot.bootstrap import bootstrap
    from bot.process import run_until_stopped

    settings = settings_or_exit()
    if not (settings.telegram_bot_token or settings.slack_bot_token or settings.slack_client_id):
        print(
            "utp: no channel configured (set TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN); "
            "running jobs and the scheduler only. For the terminal chat: utp chat",
            file=sys.stderr,
        )
    app = await bootstrap(settings)
    try:
        return await run_until_stopped(app, receive=True, jobs=True, scheduler=True)
    finally:
        await app.close()
