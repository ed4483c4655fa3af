"""What every handler is given: the services (wired once in `bot/`) and the current turn."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from passport.clock import Clock
from passport.faults import FaultPolicy
from passport.messages import Address, Choice, Inbound, Outbound
from passport.model import Person
from passport.ports import BlobStore, FileFetcher, Transcriber, UnitOfWork, UnitOfWorkFactory
from passport.signals import Extractor


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what a person can send."""

    max_file_mb: int = 20
    max_text_chars: int = 100_000
    reminder_hours: int = 48
    quiet_start: int = 22
    quiet_end: int = 8

    @property
    def max_file_bytes(self) -> int:
        """The file cap in bytes."""
        return self.max_file_mb * 1024 * 1024


@dataclass(slots=True)
class Services:
    """Everything concrete the handlers use, built by `bot.bootstrap`."""

    uow: UnitOfWorkFactory
    clock: Clock
    blobs: BlobStore
    extractor: Extractor | None = None
    limits: Limits = field(default_factory=Limits)
    transcriber: Transcriber | None = None
    secret_key: str | None = None
    narrator: Callable[[Any], Awaitable[str | None]] | None = None  # LLM digest narrative
    # LLM follow-up writer: (note, noticed labels, question keys asked lately) -> question
    followup_writer: (
        Callable[[str, Sequence[str], Sequence[str]], Awaitable[str | None]] | None
    ) = None
    fetchers: dict[str, FileFetcher] = field(default_factory=dict)
    faults: FaultPolicy = field(default_factory=FaultPolicy)  # storage faults (passport.faults)


@dataclass(slots=True)
class Turn:
    """One inbound message being handled inside one unit of work."""

    uow: UnitOfWork
    person: Person
    inbound: Inbound
    now: datetime
    services: Services
    text: str = ""
    entry_id: int | None = None  # the entry this turn stored or extended
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    # Slow reply parts (a chart), made after the commit: placeholder key -> maker.
    makers: dict[str, Callable[[], Awaitable[Outbound | None]]] = field(default_factory=dict)

    async def save_state(self, **changes: Any) -> None:
        """Merge `changes` into the person's conversation state (None removes a key): a new
        state, and a new `person` holding it (both are frozen values)."""
        state = self.person.state.replace(**changes)
        self.person = replace(self.person, state=state)
        await self.uow.people.update_person(self.person.id, state=state.to_json())


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Strip control characters (NUL breaks PostgreSQL text) and surrounding blank space; a lone
    surrogate (an undecodable byte smuggled in as text) becomes U+FFFD, never a storage error."""
    text = _SURROGATE.sub("\ufffd", text or "")
    return _CONTROL.sub("", text).replace("\r\n", "\n").strip()


def say(text: str, *choices: Choice, replace: bool = False) -> Outbound:
    """Shorthand for a text reply with optional buttons."""
    return Outbound(text=text, choices=tuple(choices), replace_previous=replace)


def home_address(inbound: Inbound, known_chat: str | None = None) -> Address:
    """Where this person's private conversation lives (never a group chat)."""
    if not inbound.is_group:
        return inbound.address
    # In a group, keep the private chat we know; a person first met in a group is reached
    # in their direct chat, whose id is their user id on Telegram.
    return replace(inbound.address, chat_id=known_chat or inbound.address.user_id)
