"""Pure key rules every storage shares (SQLAlchemy and in-memory alike): no database here."""

from __future__ import annotations

import hashlib


def signal_key(kind: str, label: str, esco_uri: str | None) -> str:
    """What makes two signals "the same": the ESCO URI for skills, else the lowercased label."""
    return esco_uri if esco_uri else f"{kind}:{label.strip().lower()}"[:200]


def message_key_hash(key: str) -> str:
    """A one-way hash of a platform message key (tombstones keep no identifiers)."""
    return hashlib.sha256(key.encode()).hexdigest()


def team_of(workspace: str) -> str:
    """The Slack team of an `enterprise:team` workspace ("" elsewhere)."""
    return workspace.rpartition(":")[2] if ":" in workspace else ""


def person_key_parts(person_key: str) -> tuple[str, str, bool, str] | None:
    """An operator's person key split as (platform, workspace, workspace named?, user id).

    `platform:user` (any workspace), `platform:workspace:user`, or for Slack `slack:TEAM:USER`
    / `slack:ENTERPRISE:TEAM:USER`; None when it names no platform or user.
    """
    platform, _, rest = person_key.partition(":")
    workspace, colon, user_id = rest.rpartition(":")
    if not platform or not user_id:
        return None
    return platform, workspace, bool(colon), user_id


def fits_workspace(stored: str, named: str) -> bool:
    """An identity's workspace fits a named one: the same, or the same Slack team."""
    return stored == named or team_of(stored) == named
