"""Slack team topics: the prompt categories a workspace admin chose, read for its members.

An admin sets team defaults in Slack's App Home (`bot/channels/slack_home.py`); they are stored
as JSON in `channel_state` under `TEAM_DEFAULTS_KEY`. The weekly claim reads them per person, so
the members of that workspace get questions from those topics first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from passport.prompts import CATEGORIES
from storage.models import ChannelStateRow, IdentityRow

# Team defaults an admin sets (Slack App Home) live in channel_state under this key.
TEAM_DEFAULTS_KEY = "slack:defaults:{workspace}"


async def team_topics(
    session: AsyncSession, person_ids: Sequence[int], key_format: str = TEAM_DEFAULTS_KEY
) -> dict[int, str]:
    """Per person on a team platform: the stored team defaults (raw JSON)."""
    rows = (
        await session.execute(
            select(IdentityRow.person_id, IdentityRow.workspace).where(
                IdentityRow.person_id.in_(person_ids), IdentityRow.platform == "slack"
            )
        )
    ).all()
    if not rows:
        return {}
    keys = {key_format.format(workspace=ws) for _, ws in rows}
    found = await session.execute(
        select(ChannelStateRow.key, ChannelStateRow.value).where(ChannelStateRow.key.in_(keys))
    )
    stored: dict[str, str] = {key: value for key, value in found}
    return {
        pid: stored[key_format.format(workspace=ws)]
        for pid, ws in rows
        if key_format.format(workspace=ws) in stored
    }


def topic_categories(raw: str | None) -> tuple[str, ...]:
    """The prompt topics in a stored team-defaults value (none when unset or damaged)."""
    if not raw:
        return ()
    try:
        chosen = json.loads(raw).get("categories") or ()
    except (ValueError, AttributeError):
        return ()
    return tuple(c for c in chosen if c in CATEGORIES)


async def team_categories(
    session: AsyncSession, person_ids: Sequence[int]
) -> dict[int, tuple[str, ...]]:
    """Per person: the prompt categories their team prefers (only people whose team chose)."""
    raw = await team_topics(session, person_ids)
    return {pid: topic_categories(value) for pid, value in raw.items()}
