"""The passport's records as plain values: people, schedules, entries, artifacts, signals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from passport.signals import SignalKind, SignalStatus
from passport.state import ConversationState

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a person wants their weekly question: weekday 0 = Monday, local hour, IANA zone."""

    weekday: int = 6
    hour: int = 18
    timezone: str = "UTC"
    paused: bool = False
    paused_until: datetime | None = None  # None with paused=True means "until /resume"
    skip_week: str | None = None  # ISO week ("2026-W49") the person asked to skip
    reminders: bool = True
    digest: str = "off"  # off | weekly | monthly
    next_nudge_at: datetime | None = None  # UTC


@dataclass(frozen=True, slots=True)
class Person:
    """Someone who talks to UTP. `state` holds where the conversation stands: a frozen value,
    so a change makes a new `Person` (`dataclasses.replace(person, state=...)`)."""

    id: int
    display_name: str
    created_at: datetime
    consented: bool = False
    active: bool = True  # False once they blocked the bot
    onboarded: bool = False
    state: ConversationState = field(default_factory=ConversationState, compare=False, hash=False)
    last_digest_at: datetime | None = None
    schedule: Schedule = field(default_factory=Schedule)


@dataclass(frozen=True, slots=True)
class Identity:
    """One way a person is known on a platform (a person can have several)."""

    platform: str
    workspace: str
    user_id: str
    chat_id: str
    person_id: int


@dataclass(frozen=True, slots=True)
class EntryVersion:
    """An earlier (or the current) text of an entry; edits keep every version."""

    version: int
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Entry:
    """What a person wrote: an answer to a prompt, or free journaling."""

    id: int
    person_id: int
    text: str
    created_at: datetime
    message_key: str | None = None
    prompt_id: str | None = None
    iso_week: str | None = None
    version: int = 1
    versions: tuple[EntryVersion, ...] = ()


@dataclass(frozen=True, slots=True)
class Artifact:
    """A file kept as evidence, stored content-addressed by sha256 in the blob store."""

    id: int
    person_id: int
    original_name: str
    created_at: datetime
    status: str = "stored"  # pending (awaiting download) | stored | rejected
    sha256: str | None = None
    mime: str | None = None
    size: int | None = None
    kind: str = "document"
    entry_id: int | None = None
    text_excerpt: str | None = None
    credential: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Signal:
    """A talent signal with its evidence and the person's decision about it."""

    id: int
    person_id: int
    kind: SignalKind
    label: str
    evidence: str
    confidence: float
    status: SignalStatus
    created_at: datetime
    esco_uri: str | None = None
    group: str | None = None
    entry_id: int | None = None
    artifact_id: int | None = None
    source: str = "reflection"  # reflection | artifact | credential (verified badge etc.)
    verification: str | None = (
        None  # for credentials: verified | signature-valid-issuer-unchecked ...
    )


@dataclass(frozen=True, slots=True)
class PassportSnapshot:
    """Everything a person has, read in one go: used by export, digest and insight."""

    person: Person
    identities: tuple[Identity, ...]
    entries: tuple[Entry, ...]
    artifacts: tuple[Artifact, ...]
    signals: tuple[Signal, ...]


@dataclass(frozen=True, slots=True)
class StoredArtifact:
    """Where an artifact's file came from and where its bytes are (for the file jobs)."""

    id: int
    person_id: int
    status: str
    platform: str
    ref: str | None
    original_name: str
    kind: str
    mime: str | None
    stored_path: str | None
