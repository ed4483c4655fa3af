"""`utp worker`: the job runner and the weekly scheduler, no web server (scale out freely)."""

from __future__ import annotations

import argparse

from bot.commands.common import run, settings_or_exit


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `utp worker`."""
    parser = subparsers.add_parser("worker", help="run jobs and the weekly scheduler")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run until SIGTERM."""
    return run(_worker())


async def _worker() -> int:
    from bot.bootstrap import bootstrap
    from bot.process import run_until_stopped

    settings = settings_or_exit()
    app = await bootstrap(settings)
    try:
        return await run_until_stopped(app, receive=False, jobs=True, scheduler=True)
    finally:
        await app.close()
