"""The seams handlers see: unit of work, blob store, delivery, file fetching, insight.

Implementations: `storage/` (SqlAlchemyUnitOfWork, FileBlobStore), `bot/` (delivery through the
channels). Tests use the real SQLite storage and `Fake*` channels that satisfy the same protocols.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from passport.messages import InboundFile, Outbound


class Vault(Protocol):
    """A person's sealing key and random folder (from `uow.passport.vault(person_id)`)."""

    person_id: int
    folder: str

    def seal_bytes(self, data: bytes) -> bytes:
        """Encrypt file bytes with the person's key."""
        ...

    def open_bytes(self, data: bytes) -> bytes:
        """Decrypt file bytes sealed with the person's key."""
        ...

    def blob_name(self, sha256: str) -> str:
        """A file name for these bytes that reveals nothing without the key."""
        ...


class BlobStore(Protocol):
    """Sealed bytes, one folder per person (named by a random id, never reused)."""

    def put(self, vault: Vault, content: bytes) -> tuple[str, str]:
        """Seal and store bytes; returns (sha256, relative path)."""
        ...

    def get(self, vault: Vault, rel_path: str) -> bytes:
        """Read and open stored bytes."""
        ...

    def delete_folders(self, folders: list[str]) -> list[str]:
        """Remove person folders (files and exports); returns what could not be removed."""
        ...

    def exports_dir(self, folder: str) -> Path:
        """The person's own private exports folder (made if needed)."""
        ...


class UnitOfWork(Protocol):
    """One transaction: `passport` is the repository, `jobs` enqueues durable jobs, `outbox`
    stores replies with what they answer."""

    passport: Any
    jobs: Any
    team: Any  # the team skill map (storage.team)
    outbox: Any

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(self, *exc: Any) -> bool | None: ...

    async def commit(self) -> None:
        """Make the work durable."""
        ...

    async def rollback(self) -> None:
        """Throw away the work since the last commit."""
        ...


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work."""

    def __call__(self) -> UnitOfWork: ...


class Delivery(Protocol):
    """Sends messages to a person on the platform they use."""

    async def deliver(
        self, person_id: int, messages: Sequence[Outbound], *, platform: str | None = None
    ) -> None:
        """Send; raises RecipientGone or TransientDeliveryError."""
        ...

    async def address_for(self, person_id: int, platform: str | None = None) -> Any:
        """Where to reach a person (an Address), or None."""
        ...

    async def deliver_stored(self, address: Any, messages: Sequence[Outbound]) -> int:
        """Send outbox parts in order, marking each sent (the rest wait for a sweep)."""
        ...


class FileFetcher(Protocol):
    """Downloads a file a person sent on one platform, at most `max_bytes`."""

    async def fetch(self, file: InboundFile, max_bytes: int) -> bytes:
        """The file's bytes; raises FileRejected when larger than `max_bytes`."""
        ...


class Transcriber(Protocol):
    """Turns a voice note into text (only when an OpenAI key is configured)."""

    async def transcribe(self, audio: bytes, filename: str) -> str:
        """The words spoken."""
        ...
