"""Outbound values as Slack Block Kit: escaped mrkdwn text and buttons, never a mention.

`Outbound.text` is plain text. Slack reads `&`, `<` and `>` as markup (`<!channel>`, `<@U123>`,
links), so they are escaped; sections are `verbatim` so Slack does not turn bare names or URLs
into links either. Buttons carry the choice's `data` as their value.
"""

from __future__ import annotations

import re
from typing import Any

from handlers import commands
from passport.messages import Choice, Outbound

SECTION_LIMIT = 2900  # Slack allows 3000 characters per section text
BUTTON_LABEL_LIMIT = 75
BUTTONS_PER_BLOCK = 25
VALUE_LIMIT = 2000
FALLBACK_LIMIT = 3000
CHOICE_PREFIX = "utp:choice:"


# Slack takes any message starting with "/" as a slash command, so in Slack UTP's commands are
# subcommands of /passport; the core's words name them plainly ("/digest"), so they are renamed.
_COMMANDS = re.compile(rf"(?<![\w/])/({'|'.join(c.name for c in commands.COMMANDS)})\b")


def slack_commands(text: str) -> str:
    """`/digest` → `/passport digest` (Slack's way to reach UTP's commands)."""
    return _COMMANDS.sub(r"/passport \1", text)


def escape(text: str) -> str:
    """Plain text made safe for Slack mrkdwn: no markup, links or mentions survive."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _chunks(text: str, size: int = SECTION_LIMIT) -> list[str]:
    """Split on line breaks where possible, so long digests stay readable."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > size:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:size])
            line = line[size:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > size:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def text_blocks(text: str) -> list[dict[str, Any]]:
    """Sections holding escaped text."""
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": escape(chunk), "verbatim": True}}
        for chunk in _chunks(slack_commands(text))
        if chunk.strip()
    ]


def button(label: str, value: str, action_id: str, style: str | None = None) -> dict[str, Any]:
    """One Block Kit button with a plain-text label."""
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label[:BUTTON_LABEL_LIMIT] or "?", "emoji": False},
        "value": value[:VALUE_LIMIT],
        "action_id": action_id,
    }
    if style:
        element["style"] = style
    return element


def choice_blocks(choices: tuple[Choice, ...]) -> list[dict[str, Any]]:
    """Choices as action blocks (unique action ids within the message)."""
    blocks = []
    for start in range(0, len(choices), BUTTONS_PER_BLOCK):
        part = choices[start : start + BUTTONS_PER_BLOCK]
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    button(c.label, c.data, f"{CHOICE_PREFIX}{start + i}")
                    for i, c in enumerate(part)
                ],
            }
        )
    return blocks


def message_payload(message: Outbound) -> dict[str, Any]:
    """`chat.postMessage` / `chat.update` arguments (without channel) for one Outbound."""
    blocks = text_blocks(message.text) + choice_blocks(message.choices)
    fallback = escape(slack_commands(message.text))[:FALLBACK_LIMIT]
    fallback = fallback or " ".join(c.label for c in message.choices)
    payload: dict[str, Any] = {"text": fallback or " ", "blocks": blocks}
    # No link or mention expansion, whatever the text holds.
    payload["unfurl_links"] = False
    payload["unfurl_media"] = False
    return payload


def resolved_blocks(text: str) -> list[dict[str, Any]]:
    """Blocks for a message whose buttons were answered (the buttons are removed)."""
    return text_blocks(text)
