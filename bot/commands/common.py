"""Helpers the subcommands share: settings, the clock from `--now`, running a coroutine.

Light on purpose: every `utp` command imports this to register its parser, so settings
(pydantic) load only when a command runs.
"""

from __future__ import annotations

import sys
from collections.abc import Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Any

from passport.clock import Clock, FixedClock, SystemClock
from passport.errors import AmbiguousPerson
from passport.model import Person

if TYPE_CHECKING:
    from bot.settings import Settings


def settings_or_exit() -> Settings:
    """Settings, or a clear message and exit status 2."""
    from bot.settings import ConfigError, load_settings

    try:
        return load_settings()
    except ConfigError as exc:
        print(f"utp: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def parse_now(value: str | None) -> Clock:
    """`--now 2026-12-06T18:00:00+01:00` → a fixed clock; nothing → the system clock."""
    if not value:
        return SystemClock()
    try:
        at = datetime.fromisoformat(value)
    except ValueError as exc:
        raise SystemExit(f"utp: --now must be an ISO time with an offset, got {value!r}") from exc
    if at.tzinfo is None:
        raise SystemExit("utp: --now needs a UTC offset, like 2026-12-06T18:00:00+01:00")
    return FixedClock(at)


async def find_person(uow: Any, key: str) -> Person | None:
    """The one person an operator's PERSON key names, or None after saying why on stderr:
    nobody fits, or several do (an ambiguous key is refused with every candidate listed)."""
    try:
        person = await uow.people.find_person_by_key(key)
    except AmbiguousPerson as exc:
        print(f"utp: {key} fits more than one person; name one of:", file=sys.stderr)
        for candidate in exc.candidates:
            print(f"  {candidate}", file=sys.stderr)
        return None
    if person is None:
        print(f"utp: no person {key}", file=sys.stderr)
    return person


def run(coro: Coroutine[Any, Any, int]) -> int:
    """Run an async command; Ctrl-C ends it quietly."""
    import asyncio

    from bot.settings import ConfigError

    try:
        return asyncio.run(coro)
    except KeyboardInterrupt:
        return 130
    except ConfigError as exc:
        print(f"utp: {exc}", file=sys.stderr)
        return 2
