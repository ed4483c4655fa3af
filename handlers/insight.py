"""Insight in the chat: the digest ("what are my strengths?"), a new question, and /goal."""

from __future__ import annotations

import re

from handlers import texts
from handlers.context import Turn, say
from passport.messages import Outbound
from passport.prompts import choose_prompt, get_prompt
from passport.signals import SignalStatus
from passport.timeutil import iso_week

STRENGTHS_INTENT = re.compile(
    r"\b(what\s+(are|r)\s+my\s+(strengths|skills|talents)|what\s+am\s+i\s+good\s+at|"
    r"(show|see)\s+(me\s+)?my\s+(passport|strengths|skills|progress|digest)|"
    r"my\s+strengths|my\s+skills\??$|strengths\??$|how\s+am\s+i\s+doing|my\s+progress)\b",
    re.IGNORECASE,
)
ANOTHER_INTENT = re.compile(
    r"^(different|another|other|new)\s+(one|question|prompt)\b|^(skip\s+this\s+question)",
    re.IGNORECASE,
)


def wants_digest(text: str) -> bool:
    """True for "what are my strengths?" and its many phrasings."""
    return len(text) <= 120 and bool(STRENGTHS_INTENT.search(text))


def wants_another(text: str) -> bool:
    """True for "different one" / "another question"."""
    return len(text) <= 60 and bool(ANOTHER_INTENT.search(text.strip()))


async def digest(turn: Turn) -> list[Outbound]:
    """The passport at a glance (fits one phone screen)."""
    signals = await turn.uow.passport.signals(
        turn.person.id, statuses=(SignalStatus.CONFIRMED, SignalStatus.SUGGESTED)
    )
    if not signals:
        return [say(texts.NOTHING_YET)]
    lines = ["Your passport so far:"]
    for s in sorted(signals, key=lambda s: (s.status != SignalStatus.CONFIRMED, -s.confidence))[:6]:
        mark = "" if s.status == SignalStatus.CONFIRMED else " (suggested)"
        lines.append(f"- {s.label}{mark}: \"{s.evidence[:80]}\"")
    return [say("\n".join(lines))]


async def another_prompt(turn: Turn) -> list[Outbound]:
    """A different question than the current one."""
    current = (turn.person.state.get("prompt") or {}).get("id")
    recent = await turn.uow.passport.recent_prompt_ids(turn.person.id)
    prompt = choose_prompt(recent, seed=f"{turn.person.id}:{turn.now.isoformat()}",
                           exclude=[current] if current else [])
    week = (turn.person.state.get("prompt") or {}).get("week") or iso_week(
        turn.now, turn.person.schedule.timezone
    )
    await turn.save_state(prompt={"id": prompt.id, "week": week})
    return [say(texts.ANOTHER_PROMPT.format(prompt=prompt.text))]


def current_prompt_text(turn: Turn) -> str | None:
    """The question the person is currently answering, if any."""
    prompt = get_prompt((turn.person.state.get("prompt") or {}).get("id"))
    return prompt.text if prompt else None
