"""The platform-neutral message shape every channel translates to and from.

A channel (Telegram, Slack, terminal) turns a platform event into one `Inbound` value and renders
the `Outbound` values that come back. Nothing here knows any platform SDK.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Platform(StrEnum):
    """Where a person talks to UTP."""

    CONSOLE = "console"
    TELEGRAM = "telegram"
    SLACK = "slack"


@dataclass(frozen=True, slots=True)
class Address:
    """Who is talking and where to answer.

    `workspace` is "" for Telegram and the terminal; for Slack it is `enterprise:team` (enterprise
    may be empty). `user_id` identifies the person on the platform; `chat_id` is where replies go
    (a Telegram chat, a Slack DM channel, the terminal session).
    """

    platform: str
    user_id: str
    chat_id: str
    workspace: str = ""

    @property
    def person_key(self) -> str:
        """`platform:user`, or `slack:T123:U456` where a workspace applies (operators' PERSON)."""
        if self.workspace:
            team = self.workspace.split(":")[-1]
            return f"{self.platform}:{team}:{self.user_id}"
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class InboundFile:
    """A file or photo that came with a message.

    `ref` is the platform's handle for downloading it later (Telegram file_id, Slack file id, a
    local path for the terminal). `content` is set when the bytes are already at hand (terminal,
    tests); otherwise a download job fetches them through the channel's `FileFetcher`.
    """

    ref: str
    name: str = ""
    declared_size: int | None = None
    declared_mime: str | None = None
    kind: str = "document"  # document | photo | voice | audio | video
    content: bytes | None = None


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a person did: wrote, edited, pressed a button, or sent files."""

    address: Address
    message_id: str = ""
    text: str = ""
    files: tuple[InboundFile, ...] = ()
    action: str | None = None  # the `data` of a pressed Choice
    edited: bool = False
    display_name: str = ""
    timezone_hint: str | None = None  # e.g. a Slack profile's tz, or a location-derived zone
    sent_at: datetime | None = None
    is_group: bool = False  # in a group the bot only answers when addressed
    addressed: bool = True

    @property
    def message_key(self) -> str:
        """The platform's unique key for this message: dedupe and idempotency hang on it."""
        return ":".join(
            (self.address.platform, self.address.workspace, self.address.chat_id, self.message_id)
        )


@dataclass(frozen=True, slots=True)
class Choice:
    """A button (Telegram inline keyboard, Slack Block Kit button, numbered line in a terminal)."""

    label: str
    data: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the bot sends: a chart (image) or an export (document)."""

    filename: str
    content: bytes
    mime: str
    kind: str = "document"  # document | image


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message the bot sends. `text` is plain text: channels escape it for their markup."""

    text: str = ""
    choices: tuple[Choice, ...] = ()
    attachment: Attachment | None = None
    replace_previous: bool = False  # a button answer may edit the message that held the buttons
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


def outbound_to_payload(messages: Iterable[Outbound]) -> list[dict[str, Any]]:
    """Text-and-buttons messages as JSON (a queued `Send` job; attachments are never queued)."""
    return [{"text": m.text, "choices": [[c.label, c.data] for c in m.choices]} for m in messages]


def payload_to_outbound(payload: Iterable[dict[str, Any]]) -> list[Outbound]:
    """The inverse of `outbound_to_payload`."""
    return [
        Outbound(
            text=m.get("text", ""),
            choices=tuple(Choice(label, data) for label, data in m.get("choices", [])),
        )
        for m in payload
    ]
