"""`utp chat`: talk to UTP in the terminal, offline, on the embedded default."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.common import parse_now, run, settings_or_exit
from passport.errors import StorageUnavailable

if TYPE_CHECKING:
    from bot.bootstrap import App
    from bot.channels.console import ConsoleChannel

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `utp chat`."""
    parser = subparsers.add_parser("chat", help="talk to UTP in this terminal")
    parser.add_argument("--as", dest="user", default=None, help="who is talking (default: you)")
    parser.add_argument("--now", default=None, help=argparse.SUPPRESS)
    parser.set_defaults(func=main)


async def _greet(app: App, console: ConsoleChannel, user: str) -> None:
    """Speak first: the welcome for a newcomer (the machine's zone offered first), else hello."""
    from bot.channels.console import local_zone
    from handlers.greeting import greet

    async with app.services.uow() as uow:
        person = await uow.people.find_person(console.address)
    # A weekly question still waiting to be shown is about to print: hello only, no repeat.
    waiting = person is not None and await app.jobs.pending(person_id=person.id) > 0
    for message in await greet(
        app.services,
        console.address,
        user,
        zone_hint=local_zone(),
        mention_question=not waiting,
    ):
        console.render(message)


def main(args: argparse.Namespace) -> int:
    """Run the chat until end of input or Ctrl-D."""
    return run(chat(args))


async def chat(args: argparse.Namespace) -> int:
    """The chat loop: handle each line, then the slow work it caused, printing everything."""
    import asyncio

    from bot.bootstrap import bootstrap
    from bot.channels.console import ConsoleChannel
    from bot.scheduler import run_tick

    settings = settings_or_exit()
    user = (args.user or getpass.getuser() or "me").strip()[:64]
    app = await bootstrap(settings, clock=parse_now(args.now))

    async def exports_dir() -> Path:
        """This person's own exports folder (random id, 0700), found by their identity."""
        async with app.services.uow() as uow:
            person = await uow.people.find_person(console.address)
            if person is None:
                raise RuntimeError("no person at this terminal yet")
            vault = await uow.people.vault(person.id)
            await uow.commit()  # a key made on first use is kept
        return app.services.blobs.exports_dir(vault.folder)

    console = ConsoleChannel(
        user,
        exports_dir,
        max_bytes=app.services.limits.max_file_bytes,
        faults=app.services.faults,
    )
    app.add_channel(console)
    console.marks = app.marks
    interactive = sys.stdin.isatty()
    try:
        try:
            await app.services.faults.run(lambda: _greet(app, console, user))
        except StorageUnavailable as exc:
            logger.warning("greeting skipped for now: %s", exc)
        # What came due while the person was away (a nudge, a note) is shown first; storage
        # that is away only postpones it (the worker loop and the next start catch up).
        try:
            await run_tick(app)
            await app.services.faults.run(lambda: app.release_waiting(console.address))
        except StorageUnavailable as exc:
            logger.warning("catching up skipped for now: %s", exc)
        if app.sweeper is not None:
            try:
                # Replies committed before a crash, never printed: this person's only (other
                # people at other terminals on the same database get theirs in their session).
                await app.sweeper.sweep(only=console.address)
            except StorageUnavailable as exc:
                logger.warning("unprinted replies wait for the next start: %s", exc)
        await app.runner.run_until_idle()
        if interactive:
            console.render_banner()
            stop = asyncio.Event()
            worker = asyncio.create_task(app.runner.run_forever(stop))

            async def after_each() -> None:
                app.runner.notify()

            await console.read_lines(app.conversation.handle, sys.stdin, after_each)
            stop.set()
            await worker
        else:

            async def drain() -> None:
                await app.runner.run_until_idle()

            await console.read_lines(app.conversation.handle, sys.stdin, drain)
        await app.runner.run_until_idle()
    finally:
        await app.close()
    return 0
