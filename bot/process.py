"""Long-running processes: `utp run` (channels + jobs + scheduler), `utp worker`, `utp web`."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine
from typing import Any

from bot.bootstrap import App
from bot.channels.base import Channel
from bot.settings import Settings

logger = logging.getLogger(__name__)

# Platform builders register here (module name, factory name), imported only when configured.
CHANNEL_BUILDERS: list[tuple[str, str, str]] = [
    # (settings attribute that switches it on, module, factory)
    ("telegram_bot_token", "bot.channels.telegram", "build_telegram_channel"),
    ("slack_bot_token", "bot.channels.slack", "build_slack_channel"),
    ("slack_client_id", "bot.channels.slack", "build_slack_channel"),
]


def configured_channels(app: App, settings: Settings) -> list[Channel]:
    """Every platform channel the environment switches on, added to `app` for sending."""
    import importlib

    built: dict[str, Channel] = {}
    for attribute, module_name, factory in CHANNEL_BUILDERS:
        if not getattr(settings, attribute, None):
            continue
        module = importlib.import_module(module_name)
        channel = getattr(module, factory)(app.channel_deps, settings)
        if channel.platform not in built:
            built[channel.platform] = channel
            app.add_channel(channel)
    return list(built.values())


def stop_event() -> asyncio.Event:
    """An event set by SIGTERM / SIGINT, so processes stop cleanly between jobs."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    return stop


async def run_until_stopped(
    app: App,
    *,
    receive: bool,
    jobs: bool,
    scheduler: bool,
    extra: Callable[[asyncio.Event], Coroutine[Any, Any, None]] | None = None,
) -> int:
    """Start what this process does and keep going until SIGTERM / SIGINT."""
    stop = stop_event()
    channels = configured_channels(app, app.settings)
    tasks: list[asyncio.Task] = []
    if receive:
        for channel in channels:
            await channel.start(app.conversation.handle)
    if app.sweeper is not None:
        # Replies a dead process committed and never sent go out from here (once its lease ends).
        tasks.append(asyncio.create_task(app.sweeper.run_forever(stop)))
    if jobs:
        tasks.append(asyncio.create_task(app.runner.run_forever(stop)))
    if scheduler:
        from bot.scheduler import start_scheduler

        tasks.append(asyncio.create_task(start_scheduler(app, stop)))
    if extra is not None:
        tasks.append(asyncio.create_task(extra(stop)))
    logger.warning(
        "UTP running: channels %s, jobs %s, scheduler %s",
        [c.platform for c in channels] or "none",
        jobs,
        scheduler,
    )
    await stop.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return 0
