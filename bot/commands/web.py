"""`utp web`: webhooks for Telegram and Slack events on `PORT` (plus `/healthz`)."""

from __future__ import annotations

import argparse

from bot.commands.common import run, settings_or_exit


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `utp web`."""
    parser = subparsers.add_parser("web", help="serve Telegram / Slack webhooks on PORT")
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=None, help="default: $PORT or 8080")
    parser.add_argument(
        "--jobs", action="store_true", help="also run jobs in this process (small deployments)"
    )
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Serve until SIGTERM."""
    return run(_web(args))


async def _web(args: argparse.Namespace) -> int:
    import asyncio

    from bot.bootstrap import bootstrap
    from bot.channels.base import WebhookChannel
    from bot.process import configured_channels, stop_event
    from bot.web import serve

    settings = settings_or_exit()
    app = await bootstrap(settings)
    try:
        for channel in configured_channels(app, settings):
            if isinstance(channel, WebhookChannel):
                await channel.prepare_webhook(app.conversation.handle)
        runner = await serve(app, args.host, args.port or settings.port)
        stop = stop_event()
        worker = asyncio.create_task(app.runner.run_forever(stop)) if args.jobs else None
        sweeper = asyncio.create_task(app.sweeper.run_forever(stop)) if app.sweeper else None
        await stop.wait()
        if worker is not None:
            await worker
        if sweeper is not None:
            await sweeper
        await runner.cleanup()
    finally:
        await app.close()
    return 0
