"""The complete personal export: everything UTP keeps about a person, as one JSON document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from passport.model import PassportSnapshot
from passport.team import Sharing

EXPORT_FORMAT = "utp-passport/1"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def passport_document(
    snapshot: PassportSnapshot, *, now: datetime, team_sharing: Sharing | None = None
) -> dict[str, Any]:
    """Entries with every version, signals with their status, artifacts' metadata, settings,
    and whether the person shares with a team map (the team map itself is never included)."""
    person, s = snapshot.person, snapshot.person.schedule
    return {
        "format": EXPORT_FORMAT,
        "exported_at": now.isoformat(),
        "person": {
            "display_name": person.display_name,
            "created_at": _iso(person.created_at),
            "identities": [
                {"platform": i.platform, "workspace": i.workspace, "user_id": i.user_id}
                for i in snapshot.identities
            ],
            "schedule": {
                "weekday": s.weekday,
                "hour": s.hour,
                "timezone": s.timezone,
                "paused": s.paused,
                "paused_until": _iso(s.paused_until),
                "reminders": s.reminders,
                "digest": s.digest,
            },
            "team_sharing": {
                "workspace": team_sharing.workspace if team_sharing else None,
                "sharing": bool(team_sharing and team_sharing.sharing),
                "changed_at": _iso(team_sharing.changed_at) if team_sharing else None,
            },
        },
        "entries": [
            {
                "id": e.id,
                "text": e.text,
                "created_at": _iso(e.created_at),
                "prompt_id": e.prompt_id,
                "iso_week": e.iso_week,
                "versions": [
                    {"version": v.version, "text": v.text, "created_at": _iso(v.created_at)}
                    for v in e.versions
                ],
            }
            for e in snapshot.entries
        ],
        "signals": [
            {
                "id": g.id,
                "kind": str(g.kind),
                "label": g.label,
                "esco_uri": g.esco_uri,
                "group": g.group,
                "evidence": g.evidence,
                "confidence": round(g.confidence, 3),
                "status": str(g.status),
                "source": g.source,
                "verification": g.verification,
                "entry_id": g.entry_id,
                "artifact_id": g.artifact_id,
                "created_at": _iso(g.created_at),
            }
            for g in snapshot.signals
        ],
        "artifacts": [
            {
                "id": a.id,
                "name": a.original_name,
                "status": a.status,
                "sha256": a.sha256,
                "mime": a.mime,
                "size": a.size,
                "kind": a.kind,
                "entry_id": a.entry_id,
                "created_at": _iso(a.created_at),
                "credential": a.credential,
                "file": f"files/{a.id}-{a.original_name}" if a.sha256 else None,
            }
            for a in snapshot.artifacts
        ],
    }
