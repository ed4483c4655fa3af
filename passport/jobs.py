"""Durable job messages: one frozen dataclass per kind of slow work.

A handler (or the scheduler, or a channel) says what must happen by enqueueing a message;
storage turns it into a row (`kind` + JSON `payload` + `person_id`) in the caller's transaction
and back into the same message when a worker claims it; the runner looks its handler up by type
(`handlers.jobs.job_table`).

The payload of each kind keeps the JSON shape it had when kinds were bare strings, so jobs
already queued in a database (by an older release) still run: `from_payload` accepts those rows
as they are, and `payload()` writes nothing an older release could not read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from passport.errors import UTPError
from passport.messages import Outbound, outbound_to_payload, payload_to_outbound

# A handler takes the message of the type it is registered under (a job table pairs them).
JobHandler = Callable[[Any], Awaitable[None]]


class UnknownJob(UTPError):
    """A stored job whose kind this release does not know, or whose payload it cannot read."""


class JobMessage:
    """What every job message has: its stored `kind`, the person it concerns, and its payload."""

    __slots__ = ()
    kind: ClassVar[str]
    person_id: int | None

    def payload(self) -> dict[str, Any]:
        """The JSON payload stored with the job (person_id is its own column)."""
        raise NotImplementedError

    @classmethod
    def from_payload(cls, person_id: int | None, payload: Mapping[str, Any]) -> JobMessage:
        """The message back from a stored row."""
        raise NotImplementedError


# -- extraction --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Extract(JobMessage):
    """Find talent signals in an entry and ask the person to keep them; `quiet` asks nothing."""

    kind: ClassVar[str] = "extract"
    person_id: int
    entry_id: int
    quiet: bool = False

    def payload(self) -> dict[str, Any]:
        """`{"entry_id": …}`, plus `"quiet": true` for a quiet look."""
        return {"entry_id": self.entry_id, **({"quiet": True} if self.quiet else {})}

    @classmethod
    def from_payload(cls, person_id: int | None, payload: Mapping[str, Any]) -> Extract:
        """From a stored row."""
        return cls(_person(person_id), int(payload["entry_id"]), bool(payload.get("quiet")))


# -- files -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Download(JobMessage):
    """Fetch a file the person sent (noted as a pending artifact), check it and store it."""

    kind: ClassVar[str] = "download"
    person_id: int
    artifact_id: int
    name: str = ""
    file_kind: str = "document"
    declared_size: int | None = None
    declared_mime: str | None = None

    def payload(self) -> dict[str, Any]:
        """The artifact and what the platform declared about the file."""
        return {
            "artifact_id": self.artifact_id,
            "name": self.name,
            "kind": self.file_kind,
            "declared_size": self.declared_size,
            "declared_mime": self.declared_mime,
        }

    @classmethod
    def from_payload(cls, person_id: int | None, payload: Mapping[str, Any]) -> Download:
        """From a stored row (older rows may lack the declared fields)."""
        size = payload.get("declared_size")
        return cls(
            _person(person_id),
            int(payload["artifact_id"]),
            name=str(payload.get("name") or ""),
            file_kind=str(payload.get("kind") or "document"),
            declared_size=int(size) if size is not None else None,
            declared_mime=payload.get("declared_mime"),
        )


@dataclass(frozen=True, slots=True)
class ProcessArtifact(JobMessage):
    """Read what a stored file says: document text, a credential, a voice note."""

    kind: ClassVar[str] = "process_artifact"
    person_id: int
    artifact_id: int

    def payload(self) -> dict[str, Any]:
        """`{"artifact_id": …}`."""
        return {"artifact_id": self.artifact_id}

    @classmethod
    def from_payload(cls, person_id: int | None, payload: Mapping[str, Any]) -> ProcessArtifact:
        """From a stored row."""
        return cls(_person(person_id), int(payload["artifact_id"]))


@dataclass(frozen=True, slots=True)
class ForgetFiles(JobMessage):
    """Remove folders /forget could not (retried with backoff while any is left)."""

    kind: ClassVar[str] = "forget_files"
    folders: tuple[str, ...]
    person_id: int | None = None  # the person is gone: nobody's key seals this payload

    def payload(self) -> dict[str, Any]:
        """`{"folders": […]}`."""
        return {"folders": list(self.folders)}

    @classmethod
    def from_payload(cls, person_id: int | None, payload: Mapping[str, Any]) -> ForgetFiles:
        """From a stored row."""
        return cls(tuple(str(f) for f in payload.get("folders") or ()), person_id)


# -- sending and digests -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Send(JobMessage):
    """Deliver text-and-buttons messages later (a platform said "not now")."""

    kind: ClassVar[str] = "send"
    person_id: int
    messages: tuple[Outbound, ...]
    platform: str | None = None  # send there, else where the person was seen last

    def payload(self) -> dict[str, Any]:
        """`{"messages": […], "platform": …}` (attachments are never queued)."""
        payload: dict[str, Any] = {"messages": outbound_to_payload(self.messages)}
        if self.platform:
            payload["platform"] = self.platform
        return payload

    @classmethod
    def from_payload(cls, person_id: int | None, payload: Mapping[str, Any]) -> Send:
        """From a stored row."""
        return cls(
            _person(person_id),
            tuple(payload_to_outbound(payload["messages"])),
            payload.get("platform"),
        )


@dataclass(frozen=True, slots=True)
class Digest(JobMessage):
    """Write the digest with the LLM narrative and chart, then deliver it."""

    kind: ClassVar[str] = "digest"
    person_id: int
    scheduled: bool = False

    def payload(self) -> dict[str, Any]:
        """`{"scheduled": …}`."""
        return {"scheduled": self.scheduled}

    @classmethod
    def from_payload(cls, person_id: int | None, payload: Mapping[str, Any]) -> Digest:
        """From a stored row."""
        return cls(_person(person_id), bool(payload.get("scheduled")))


# -- the weekly rhythm -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Nudge(JobMessage):
    """Send a slice of a claimed batch of weekly questions (one person when `person_id`)."""

    kind: ClassVar[str] = "nudge"
    nudge_ids: tuple[int, ...]
    person_id: int | None = None

    def payload(self) -> dict[str, Any]:
        """`{"nudge_ids": […]}`."""
        return {"nudge_ids": list(self.nudge_ids)}

    @classmethod
    def from_payload(cls, person_id: int | None, payload: Mapping[str, Any]) -> Nudge:
        """From a stored row (rows of one nudge once said `{"nudge_id": …}`)."""
        ids = payload.get("nudge_ids") or [payload["nudge_id"]]
        return cls(tuple(int(i) for i in ids), person_id)


@dataclass(frozen=True, slots=True)
class Reminder(JobMessage):
    """The one gentle reminder about a week's question."""

    kind: ClassVar[str] = "reminder"
    person_id: int | None
    nudge_id: int

    def payload(self) -> dict[str, Any]:
        """`{"nudge_id": …}`."""
        return {"nudge_id": self.nudge_id}

    @classmethod
    def from_payload(cls, person_id: int | None, payload: Mapping[str, Any]) -> Reminder:
        """From a stored row."""
        return cls(person_id, int(payload["nudge_id"]))


@dataclass(frozen=True, slots=True)
class ScheduledDigest(JobMessage):
    """The opt-in weekly / monthly digest claimed for its slot (`due`, ISO time)."""

    kind: ClassVar[str] = "scheduled_digest"
    person_id: int
    due: str = ""

    def payload(self) -> dict[str, Any]:
        """`{"due": …}`."""
        return {"due": self.due}

    @classmethod
    def from_payload(cls, person_id: int | None, payload: Mapping[str, Any]) -> ScheduledDigest:
        """From a stored row."""
        return cls(_person(person_id), str(payload.get("due") or ""))


@dataclass(frozen=True, slots=True)
class TeamPost(JobMessage):
    """One Slack workspace's weekly highlights in the admin's channel."""

    kind: ClassVar[str] = "team_post"
    workspace: str
    week: str
    person_id: int | None = None

    def payload(self) -> dict[str, Any]:
        """`{"workspace": …, "week": …}`."""
        return {"workspace": self.workspace, "week": self.week}

    @classmethod
    def from_payload(cls, person_id: int | None, payload: Mapping[str, Any]) -> TeamPost:
        """From a stored row."""
        return cls(str(payload["workspace"]), str(payload["week"]), person_id)


# -- the codec the storage boundary uses -------------------------------------------------------

MESSAGE_TYPES: tuple[type[JobMessage], ...] = (
    Extract,
    Download,
    ProcessArtifact,
    ForgetFiles,
    Send,
    Digest,
    Nudge,
    Reminder,
    ScheduledDigest,
    TeamPost,
)
BY_KIND: Mapping[str, type[JobMessage]] = {t.kind: t for t in MESSAGE_TYPES}


def kinds(types: Sequence[type[JobMessage]]) -> tuple[str, ...]:
    """The stored kinds of these message types (what a worker claims)."""
    return tuple(t.kind for t in types)


def as_row(message: JobMessage) -> dict[str, Any]:
    """A message as the columns it is stored in (kind, payload, person_id), for bulk inserts."""
    return {"kind": message.kind, "payload": message.payload(), "person_id": message.person_id}


def decode(kind: str, person_id: int | None, payload: Mapping[str, Any]) -> JobMessage:
    """The message a stored row holds; UnknownJob when this release cannot read it."""
    message_type = BY_KIND.get(kind)
    if message_type is None:
        raise UnknownJob(f"unknown job kind {kind!r}")
    try:
        return message_type.from_payload(person_id, payload)
    except (KeyError, TypeError, ValueError) as exc:
        raise UnknownJob(f"unreadable {kind} job: {type(exc).__name__}: {exc}") from exc


def _person(person_id: int | None) -> int:
    if person_id is None:
        raise ValueError("this job kind needs a person")
    return person_id
