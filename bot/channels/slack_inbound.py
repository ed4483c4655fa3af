"""Slack request bodies as platform-neutral `Inbound` values (pure functions, no I/O).

A person is keyed by (enterprise, team, user): `Address.workspace` is `enterprise:team`, and
`chat_id` is always the member's DM with the bot, so replies never land in a shared channel.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from handlers import commands
from passport.messages import Address, Inbound, InboundFile

SLASH_SUBCOMMANDS = commands.subcommands()  # `/passport WORD` → `/command` (handlers/commands.py)
# Message subtypes that carry a person's words or files; everything else is housekeeping.
CAPTURED_SUBTYPES = {None, "", "file_share", "thread_broadcast", "me_message"}


_SLACK_MARKUP = re.compile(r"<([^<>]*)>")


def _markup(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return f"@{label or target[1:]}"
    if target.startswith("#"):
        return f"#{label or target[1:]}"
    if target.startswith("!"):
        if label:
            return label
        return "@" + target[1:].split("^", 1)[0]
    target = target.removeprefix("mailto:")
    return f"{label} ({target})" if label and label != target else target


def plain_text(text: str) -> str:
    """Slack's message markup as the plain words a person typed (mentions, links, entities)."""
    text = _SLACK_MARKUP.sub(_markup, text or "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def workspace_key(enterprise_id: str | None, team_id: str | None) -> str:
    """`enterprise:team` (enterprise empty outside Enterprise Grid)."""
    return f"{enterprise_id or ''}:{team_id or ''}"


def split_workspace(workspace: str) -> tuple[str | None, str | None]:
    """The inverse of `workspace_key`: (enterprise or None, team or None)."""
    enterprise, _, team = workspace.rpartition(":")
    return enterprise or None, team or None


def file_ref(workspace: str, file_id: str) -> str:
    """A download handle that knows its workspace (so the right token is used later)."""
    return f"{workspace}/{file_id}"


def parse_file_ref(ref: str) -> tuple[str, str]:
    """(workspace, file id) from `file_ref`."""
    workspace, _, file_id = ref.rpartition("/")
    return workspace, file_id


def _sent_at(ts: str | None) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(ts), tz=UTC) if ts else None
    except ValueError:
        return None


def _file_kind(mime: str, subtype: str | None) -> str:
    if subtype == "slack_audio" or mime.startswith("audio/"):
        return "voice" if subtype == "slack_audio" else "audio"
    if mime.startswith("image/"):
        return "photo"
    if mime.startswith("video/"):
        return "video"
    return "document"


def inbound_files(workspace: str, files: list[dict[str, Any]]) -> tuple[InboundFile, ...]:
    """Slack file objects as InboundFile handles (bytes are fetched later, by a job)."""
    out = []
    for f in files or []:
        if not f.get("id") or f.get("mode") in {"tombstone", "hidden_by_limit", "external"}:
            continue
        mime = f.get("mimetype") or ""
        out.append(
            InboundFile(
                ref=file_ref(workspace, f["id"]),
                name=f.get("name") or f.get("title") or "",
                declared_size=f.get("size"),
                declared_mime=mime or None,
                kind=_file_kind(mime, f.get("subtype")),
            )
        )
    return tuple(out)


def message_inbound(event: dict[str, Any], workspace: str) -> Inbound | None:
    """A DM message (new or edited) as an Inbound; None for anything that is not a person's."""
    if event.get("channel_type") not in (None, "im") or event.get("bot_id"):
        return None
    subtype = event.get("subtype")
    edited = subtype == "message_changed"
    message = event.get("message", {}) if edited else event
    if not edited and subtype not in CAPTURED_SUBTYPES:
        return None
    user = message.get("user")
    channel = event.get("channel")
    if not user or not channel or message.get("bot_id"):
        return None
    if edited and message.get("text") == (event.get("previous_message") or {}).get("text"):
        return None  # an unfurl or a reaction changed the message, not its words
    return Inbound(
        address=Address("slack", user, channel, workspace),
        message_id=message.get("ts") or event.get("ts") or "",
        text=plain_text(message.get("text") or ""),
        files=() if edited else inbound_files(workspace, message.get("files") or []),
        edited=edited,
        sent_at=_sent_at(message.get("ts")),
    )


def slash_text(text: str) -> str:
    """`/passport digest` → `/digest`; `/passport pause 2w` → `/pause 2w`; nothing → `/help`."""
    word, _, rest = (text or "").strip().partition(" ")
    command = SLASH_SUBCOMMANDS.get(word.lower(), "/help")
    rest = rest.strip()
    return f"{command} {rest}" if rest and commands.takes_arg(command) else command


def command_inbound(body: dict[str, Any], workspace: str, dm: str) -> Inbound:
    """A `/passport …` slash command, answered in the member's DM."""
    return Inbound(
        address=Address("slack", body["user_id"], dm, workspace),
        message_id=f"command:{body.get('trigger_id') or body.get('command_ts', '')}",
        text=slash_text(body.get("text", "")),
    )


def action_inbound(
    body: dict[str, Any], action: dict[str, Any], workspace: str, dm: str
) -> Inbound:
    """A pressed button: its value is the Choice's data."""
    return Inbound(
        address=Address("slack", body["user"]["id"], dm, workspace),
        message_id=action.get("action_ts") or body.get("trigger_id") or "",
        action=action.get("value") or "",
    )


def shortcut_inbound(body: dict[str, Any], workspace: str, dm: str) -> Inbound:
    """ "Add to my passport" on any message: its text becomes evidence for the member who asked."""
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id", "")
    ts = message.get("ts") or body.get("message_ts", "")
    return Inbound(
        address=Address("slack", body["user"]["id"], dm, workspace),
        message_id=f"shortcut:{channel}:{ts}",
        text=plain_text(message.get("text") or ""),
        files=inbound_files(workspace, message.get("files") or []),
    )


class KnownMembers:
    """Members this process has seen as people already (bounded, least recently seen dropped).

    A hint that saves a look-up before Slack's 200, never the truth: a member who /forgets and
    comes back to the same process skips the profile fetch, and onboarding asks their time zone.
    """

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    def get(self, address: Address) -> bool:
        """True when this member was seen as a person."""
        key = (address.workspace, address.user_id)
        if key in self._seen:
            self._seen.move_to_end(key)
            return True
        return False

    def add(self, address: Address) -> None:
        """Remember that this member is a person."""
        self._seen[(address.workspace, address.user_id)] = None
        if len(self._seen) > self.limit:
            self._seen.popitem(last=False)
