"""What an in-memory store holds: plain records keyed like the tables they stand for."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from passport.model import Artifact, Entry, EntryVersion, Person, Signal

PERSON_COLUMNS = frozenset({"display_name", "consented", "active", "onboarded", "last_digest_at"})
EXTRA_PERSON_COLUMNS = frozenset({"signing_key", "next_digest_at"})
ARTIFACT_EXTRA_COLUMNS = frozenset(
    {"platform", "ref", "stored_path", "message_key", "declared_size", "declared_mime"}
)


@dataclass(frozen=True, slots=True)
class MemoryVault:
    """A person's folder; bytes are kept as they are (nothing in memory is at rest)."""

    person_id: int
    folder: str
    salt: bytes

    def seal_bytes(self, data: bytes) -> bytes:
        """Bytes as they are."""
        return data

    def open_bytes(self, data: bytes) -> bytes:
        """Bytes as they are."""
        return data

    def blob_name(self, sha256: str) -> str:
        """A per-person name, so equal files of two people never look alike."""
        return hashlib.sha256(self.salt + sha256.encode()).hexdigest()

    @classmethod
    def new(cls, person_id: int) -> MemoryVault:
        """A fresh vault with a random folder."""
        return cls(person_id, secrets.token_hex(16), secrets.token_bytes(16))


@dataclass(slots=True)
class IdentityRecord:
    """One row of `identities`."""

    person_id: int
    platform: str
    workspace: str
    user_id: str
    chat_id: str
    last_seen_at: datetime


@dataclass(slots=True)
class EntryRecord:
    """An entry with every version and the messages that wrote its parts."""

    entry: Entry
    versions: list[EntryVersion]
    parts: list[tuple[str | None, int]] = field(default_factory=list)


@dataclass(slots=True)
class ArtifactRecord:
    """An artifact with where its file came from and where its bytes are."""

    artifact: Artifact
    extra: dict[str, Any] = field(default_factory=dict)  # ARTIFACT_EXTRA_COLUMNS


@dataclass(slots=True)
class NudgeRecord:
    """One row of `nudges` (what the conversation reads of it)."""

    person_id: int
    iso_week: str
    prompt_id: str
    answered_at: datetime | None = None


@dataclass(slots=True)
class MemoryState:
    """Every table of the store; copied whole at the start of each unit of work."""

    people: dict[int, Person] = field(default_factory=dict)
    person_extra: dict[int, dict[str, Any]] = field(default_factory=dict)
    identities: list[IdentityRecord] = field(default_factory=list)
    vaults: dict[int, MemoryVault] = field(default_factory=dict)
    seen: dict[str, datetime] = field(default_factory=dict)
    entries: dict[int, EntryRecord] = field(default_factory=dict)
    artifacts: dict[int, ArtifactRecord] = field(default_factory=dict)
    signals: dict[int, tuple[str, Signal]] = field(default_factory=dict)  # id -> (key, signal)
    nudges: list[NudgeRecord] = field(default_factory=list)
    channel_state: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    last_id: int = 0

    def next_id(self) -> int:
        """A fresh id (one sequence for every table: ids are never reused)."""
        self.last_id += 1
        return self.last_id


class Transaction:
    """The state one unit of work reads and writes (a private copy until commit)."""

    def __init__(self, state: MemoryState) -> None:
        self.state = state
