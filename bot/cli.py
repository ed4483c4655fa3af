"""`utp` — the command line: chat, run, web, worker, tick, extract, export, verify, schedule, db,
team, keys.

Each subcommand lives in its own module under `bot/commands/` with `register(subparsers)`, which
adds its parser and sets `func` to an `async`-free `run(args) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# Order is the order `utp --help` lists them in.
COMMANDS = (
    "chat",
    "run",
    "web",
    "worker",
    "tick",
    "schedule",
    "extract",
    "export",
    "verify",
    "db",
    "team",
    "keys",
)


def build_parser() -> argparse.ArgumentParser:
    """The `utp` argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="utp", description="UTP, the Universal Talent Passport bot."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more (DEBUG)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"bot.commands.{name}")
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `utp` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs full request URLs at INFO, and Telegram's URLs carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
