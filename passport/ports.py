"""The seams handlers see: unit of work, blob store, delivery, file fetching, insight.

Implementations: `storage/` (SqlAlchemyUnitOfWork, FileBlobStore), `bot/` (delivery through the
channels). Tests use the real SQLite storage and `Fake*` channels that satisfy the same protocols.
The repositories on the unit of work, one per aggregate, are in `passport/repositories.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from passport.feedback import SkillFeedback
from passport.jobs import JobMessage
from passport.messages import Address, InboundFile, Outbound
from passport.repositories import (
    ArtifactRepository,
    ChannelState,
    EntryRepository,
    InsightReads,
    NudgeHistory,
    PeopleRepository,
    SeenMessages,
    SignalRepository,
    Vault,
    WholePassport,
)
from passport.team import Participation, Sharing, TeamCounts

__all__ = [
    "ArtifactRepository",
    "ChannelState",
    "EntryRepository",
    "InsightReads",
    "NudgeHistory",
    "PeopleRepository",
    "SeenMessages",
    "SignalRepository",
    "SkillFeedback",
    "Vault",
    "WholePassport",
]


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


class JobQueue(Protocol):
    """Durable jobs enqueued in the unit of work's transaction."""

    async def enqueue(
        self,
        message: JobMessage,
        now: datetime,
        *,
        delay: timedelta = ...,
        max_attempts: int = 6,
    ) -> None:
        """Add a job (a typed message, `passport.jobs`) that may run from `now + delay`."""
        ...


class OutboxPart(Protocol):
    """One unsent reply part a sweep claimed."""

    @property
    def reply(self) -> str: ...

    @property
    def part(self) -> int: ...

    @property
    def person_id(self) -> int | None: ...

    @property
    def address(self) -> Address: ...

    @property
    def message(self) -> Outbound: ...

    @property
    def attempts(self) -> int: ...


class Outbox(Protocol):
    """Replies stored with what they answer, sent and marked part by part."""

    async def add(
        self,
        address: Address,
        messages: Sequence[Outbound],
        now: datetime,
        *,
        person_id: int | None = None,
        answers: str | None = None,
        held: bool = True,
    ) -> list[Outbound]:
        """Store a reply's parts; returns them tagged with their outbox keys."""
        ...

    async def hold(self, reply: str, now: datetime) -> bool:
        """Renew this holder's lease on a reply; False when a sweep took it."""
        ...

    async def mark_sent(self, reply: str, part: int, now: datetime) -> None:
        """The part went out: never send it again."""
        ...

    async def release(
        self, reply: str, now: datetime, *, retry_after: float | None, error: str
    ) -> bool:
        """Sending failed: the unsent parts wait (True when parked instead)."""
        ...

    async def drop(self, reply: str, now: datetime, reason: str) -> None:
        """Nobody to send to any more: stop, keep the reason."""
        ...

    async def claim(
        self,
        now: datetime,
        platforms: Sequence[str],
        *,
        limit: int = 50,
        only: Address | None = None,
    ) -> Sequence[OutboxPart]:
        """Take whole replies whose holder let go: unsent parts (`only`: to that identity)."""
        ...

    async def release_person(self, person_id: int, now: datetime) -> int:
        """A person's replies waiting out a delay become due now (they came back)."""
        ...

    async def keep_alive(self, now: datetime) -> None:
        """Renew the lease on every part this process holds."""
        ...

    async def prune(self, before: datetime) -> int:
        """Forget settled parts older than `before`."""
        ...

    async def requeue_parked(self, now: datetime) -> int:
        """Parked parts become due again."""
        ...

    async def counts(self) -> dict[str, int]:
        """How many parts are in each status."""
        ...

    async def unsent(self) -> int:
        """Parts still to send."""
        ...


class TeamRepository(Protocol):
    """The team skill map: members' sharing choices, published counts, weekly posts."""

    async def sharing(self, person_id: int) -> Sharing | None:
        """The member's own choice, or None when they never chose."""
        ...

    async def set_sharing(self, person_id: int, workspace: str, on: bool, now: datetime) -> bool:
        """Turn sharing on or off; True when it changed."""
        ...

    async def leave(self, person_id: int, now: datetime) -> None:
        """The member is being forgotten: sharing off first."""
        ...

    async def map(self, workspace: str, now: datetime) -> TeamCounts | None:
        """The published map a workspace may see."""
        ...

    async def participation(self, workspace: str, now: datetime) -> Participation | None:
        """The latest weekly question's answer share among sharing members."""
        ...

    async def post_channel(self, workspace: str) -> str | None:
        """The channel chosen for the weekly team post, or None."""
        ...

    async def set_post_channel(self, workspace: str, channel: str | None, now: datetime) -> None:
        """Choose (or clear) the weekly team post's channel."""
        ...

    async def finish_post(self, workspace: str, week: str, status: str, now: datetime) -> None:
        """Mark a claimed weekly post as posted or skipped."""
        ...

    async def post_status(self, workspace: str, week: str) -> str | None:
        """queued / posted / skipped for one week's post, or None."""
        ...

    async def workspaces_like(self, team_id: str) -> list[str]:
        """Workspace keys known to the team map for a bare team id."""
        ...


class UnitOfWork(Protocol):
    """One transaction over a repository per aggregate, the job queue and the outbox."""

    @property
    def people(self) -> PeopleRepository: ...

    @property
    def seen(self) -> SeenMessages: ...

    @property
    def entries(self) -> EntryRepository: ...

    @property
    def artifacts(self) -> ArtifactRepository: ...

    @property
    def signals(self) -> SignalRepository: ...

    @property
    def nudge_history(self) -> NudgeHistory: ...

    @property
    def channel_state(self) -> ChannelState: ...

    @property
    def insight(self) -> InsightReads: ...

    @property
    def whole_passport(self) -> WholePassport: ...

    @property
    def jobs(self) -> JobQueue: ...

    @property
    def team(self) -> TeamRepository: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def skill_feedback(self) -> SkillFeedback: ...

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
