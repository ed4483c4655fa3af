"""One Protocol per aggregate: what a unit of work's repositories can do, scoped by person.

Implementations: `storage/` (`SqlAlchemy*`, on one session of the unit of work) and
`storage/memory/` (`InMemory*`, for fast tests); the contract tests in `tests/storage/` run
over every implementation, so they cannot drift apart. The unit of work holding them, and the
job queue, outbox and team writers beside them, are in `passport/ports.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from passport.messages import Address
from passport.model import Artifact, Entry, Identity, PassportSnapshot, Person, Signal
from passport.model import StoredArtifact as StoredArtifact
from passport.profile import Profile
from passport.signals import SignalStatus


class Vault(Protocol):
    """A person's data key and random folder (from `uow.people.vault(person_id)`)."""

    @property
    def person_id(self) -> int: ...

    @property
    def folder(self) -> str: ...

    def seal_bytes(self, data: bytes) -> bytes:
        """Encrypt file bytes with the person's key."""
        ...

    def open_bytes(self, data: bytes) -> bytes:
        """Decrypt file bytes sealed with the person's key."""
        ...

    def blob_name(self, sha256: str) -> str:
        """A file name for these bytes that reveals nothing without the key."""
        ...


class PeopleRepository(Protocol):
    """People, their platform identities, schedule columns, state and keys."""

    async def find_person(self, address: Address) -> Person | None:
        """The person behind a platform identity, or None."""
        ...

    async def find_person_seen(self, address: Address) -> tuple[Person, str, datetime] | None:
        """The person behind an identity, with the identity's chat id and last-seen time."""
        ...

    async def find_person_by_key(self, person_key: str) -> Person | None:
        """The one person an operator's key (`platform[:workspace]:user`) names."""
        ...

    async def create_person(self, address: Address, display_name: str, now: datetime) -> Person:
        """A new person with one identity and their own data key."""
        ...

    async def touch_identity(self, address: Address, now: datetime) -> None:
        """Remember the chat a person last wrote from."""
        ...

    async def get_person(self, person_id: int) -> Person | None:
        """A person by id."""
        ...

    async def update_person(self, person_id: int, **values: Any) -> None:
        """Set person or schedule columns (e.g. onboarded=True, weekday=2, state={...})."""
        ...

    async def get_signing_key(self, person_id: int) -> str | None:
        """The person's sealed signing key, if one was made."""
        ...

    async def set_signing_key_once(self, person_id: int, sealed: str) -> bool:
        """Store the person's first signing key; False when one was stored first."""
        ...

    async def identities(self, person_id: int) -> list[Identity]:
        """Every identity of a person, most recently seen first."""
        ...

    async def set_active_by_address(self, address: Address, active: bool) -> int | None:
        """Mark the person behind an address active / inactive; their id, or None."""
        ...

    async def migrate_chat(self, platform: str, old_chat: str, new_chat: str) -> None:
        """A chat got a new id (Telegram group → supergroup): follow it."""
        ...

    async def vault(self, person_id: int) -> Vault:
        """The person's data key and folder (made on first use)."""
        ...


class SeenMessages(Protocol):
    """Replay protection: message keys taken in (they outlive /forget)."""

    async def mark_seen(self, message_key: str, now: datetime) -> bool:
        """Record a message key; False when it was seen before (a replay)."""
        ...

    async def mark_seen_and_find(
        self, message_key: str, address: Address, now: datetime
    ) -> tuple[bool, tuple[Person, str, datetime] | None]:
        """`mark_seen`, then (when fresh) the person behind the address as `find_person_seen`."""
        ...

    async def was_seen(self, message_key: str) -> bool:
        """True when this message key was taken in before."""
        ...


class EntryRepository(Protocol):
    """A person's entries, every version of their text, and the messages that wrote parts."""

    async def add_entry(
        self,
        person_id: int,
        text: str,
        now: datetime,
        *,
        message_key: str | None = None,
        prompt_id: str | None = None,
        iso_week: str | None = None,
    ) -> Entry:
        """Store a new entry and its first version."""
        ...

    async def entry_by_key(self, person_id: int, message_key: str) -> Entry | None:
        """The entry a platform message created, if any."""
        ...

    async def get_entry(self, person_id: int, entry_id: int) -> Entry | None:
        """One of this person's entries."""
        ...

    async def revise_entry(self, person_id: int, entry_id: int, text: str, now: datetime) -> Entry:
        """Give an entry a new text, keeping the old one as a version (LookupError if none)."""
        ...

    async def entry_parts(self, person_id: int, entry_id: int) -> list[tuple[str | None, int]]:
        """(message key, length) of each part of an entry, in order; [] for a one-part entry."""
        ...

    async def set_entry_parts(
        self, person_id: int, entry_id: int, parts: Sequence[tuple[str | None, int]]
    ) -> None:
        """Record which message wrote which part of an entry (lengths, in order)."""
        ...

    async def entry_by_part_key(self, person_id: int, message_key: str) -> Entry | None:
        """The entry a message joined as a later part, if any."""
        ...

    async def entries(self, person_id: int, *, with_versions: bool = False) -> list[Entry]:
        """All of a person's entries, oldest first."""
        ...

    async def count_entries(self, person_id: int) -> int:
        """How many entries a person has."""
        ...


class ArtifactRepository(Protocol):
    """Files a person sent as evidence (their bytes live in the blob store)."""

    async def add_artifact(self, person_id: int, now: datetime, **values: Any) -> Artifact:
        """Store an artifact (pending a download, or already stored)."""
        ...

    async def stored_artifact(self, person_id: int, artifact_id: int) -> StoredArtifact | None:
        """Where an artifact's file came from and where its bytes are."""
        ...

    async def update_artifact(self, person_id: int, artifact_id: int, **values: Any) -> None:
        """Change an artifact's fields."""
        ...

    async def delete_artifact(self, person_id: int, artifact_id: int) -> None:
        """Drop an artifact (a rejected file leaves nothing half-stored)."""
        ...

    async def artifacts(self, person_id: int) -> list[Artifact]:
        """All of a person's artifacts, oldest first."""
        ...

    async def artifact_paths(self, person_id: int) -> list[tuple[Artifact, str]]:
        """Stored artifacts with their blob paths (for exports with files)."""
        ...


class SignalRepository(Protocol):
    """Talent signals noticed in entries and files, and the person's decisions on them."""

    async def rejected_keys(self, person_id: int) -> set[str]:
        """Keys the person said "not me" to: they come back only for a clearly different action
        (`reconsider` in `replace_suggestions`; see extractors.feedback)."""
        ...

    async def replace_suggestions(
        self,
        person_id: int,
        now: datetime,
        signals: Iterable[dict[str, Any]],
        *,
        entry_id: int | None = None,
        artifact_id: int | None = None,
        reconsider: Iterable[str] = (),
    ) -> list[Signal]:
        """Put fresh suggestions for one entry or artifact in place of its earlier ones (keys
        the person rejected are left out, but for those in `reconsider`)."""
        ...

    async def set_signal_status(
        self, person_id: int, signal_ids: Iterable[int], status: SignalStatus
    ) -> list[Signal]:
        """Keep or reject signals; a rejection covers every signal with the same key."""
        ...

    async def signals(
        self, person_id: int, *, statuses: Iterable[SignalStatus] | None = None
    ) -> list[Signal]:
        """A person's signals (optionally only some statuses), oldest first."""
        ...

    async def signals_by_ids(self, person_id: int, ids: Iterable[int]) -> list[Signal]:
        """Some of a person's signals by id."""
        ...


class NudgeHistory(Protocol):
    """A person's weekly questions so far, as the conversation needs them."""

    async def nudged_weeks(self, person_id: int, limit: int = 12) -> set[str]:
        """ISO weeks (most recent, bounded) in which this person already had a nudge."""
        ...

    async def recent_prompt_ids(self, person_id: int, weeks: int = 8) -> list[str]:
        """Prompts sent in the last `weeks` nudges."""
        ...

    async def prompt_evidence(
        self, person_id: int
    ) -> list[tuple[str | None, str, str | None, int]]:
        """(prompt answered, signal kind, ESCO top group, count) rows for gap-driven prompts."""
        ...

    async def mark_nudge_answered(self, person_id: int, iso_week: str, now: datetime) -> None:
        """A reply arrived for that week's question: no reminder is needed any more."""
        ...


class ChannelState(Protocol):
    """Durable key-value pairs a channel keeps (Telegram's offset, parked updates)."""

    async def get_channel_state(self, key: str) -> str | None:
        """A stored value, or None."""
        ...

    async def set_channel_state(self, key: str, value: str, now: datetime) -> None:
        """Store a value."""
        ...

    async def channel_states(self, prefix: str) -> list[tuple[str, str]]:
        """Every (key, value) whose key starts with `prefix` (literally), by key."""
        ...

    async def delete_channel_state(self, key: str) -> None:
        """Forget a value."""
        ...


class InsightReads(Protocol):
    """Aggregate reads over a person's signals and entries."""

    async def profile(self, person_id: int, *, now: datetime, since: datetime | None) -> Profile:
        """The person's profile."""
        ...

    async def evidence_uris(self, person_id: int) -> set[str]:
        """ESCO URIs the person has evidence for (rejected ones left out)."""
        ...


class WholePassport(Protocol):
    """A person's whole passport at once: export, forget, scrub."""

    async def snapshot(self, person_id: int) -> PassportSnapshot | None:
        """Everything a person has, for export."""
        ...

    async def delete_person(self, person_id: int) -> list[str]:
        """Forget a person (data key first); returns their file folders to remove."""
        ...

    async def scrub(self) -> None:
        """Leave no old copy of freed data behind (SQLite's WAL); best effort."""
        ...
