"""JSON Resume 1.x from a passport: confirmed skills with ESCO URIs, projects, certificates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ler.selection import (
    ESCO_FRAMEWORK,
    confirmed,
    entries_with_confirmed,
    skill_claims,
)
from passport.model import PassportSnapshot
from passport.signals import SignalKind

SCHEMA_URL = "https://raw.githubusercontent.com/jsonresume/resume-schema/v1.0.0/schema.json"
_TITLE_WORDS = 8


def _title(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    words = first.split()
    short = " ".join(words[:_TITLE_WORDS])
    return short + ("…" if len(words) > _TITLE_WORDS else "")


def build_resume(
    snapshot: PassportSnapshot, *, include_quotes: bool, now: datetime
) -> dict[str, Any]:
    """A JSON Resume document (valid against the bundled 1.2.1 schema)."""
    person = snapshot.person
    claims = skill_claims(snapshot, include_quotes)
    skills = []
    for c in claims:
        item: dict[str, Any] = {"name": c.label, "keywords": ["ESCO"] if c.esco_uri else []}
        if c.esco_uri:
            # Extra fields are allowed by the schema (additionalProperties: true).
            item["escoUri"] = c.esco_uri
            item["framework"] = ESCO_FRAMEWORK
        if c.group:
            item["escoGroup"] = c.group
        if include_quotes:
            item["evidence"] = [q.text for q in c.quotes]
        item["selfAsserted"] = True
        skills.append(item)

    strengths = [s.label for s in confirmed(snapshot, SignalKind.STRENGTH)]
    basics: dict[str, Any] = {"name": person.display_name}
    if strengths:
        basics["summary"] = "Strengths: " + ", ".join(dict.fromkeys(strengths)) + "."

    projects = []
    for entry, sigs in entries_with_confirmed(snapshot):
        labels = list(dict.fromkeys(s.label for s in sigs))
        project: dict[str, Any] = {
            "name": _title(entry.text) if include_quotes else f"Reflection {entry.iso_week or ''}",
            "startDate": entry.created_at.date().isoformat(),
            "keywords": labels,
            "type": "reflection",
        }
        project["name"] = project["name"].strip() or "Reflection"
        if include_quotes:
            project["description"] = entry.text.strip()
            project["highlights"] = list(dict.fromkeys(s.evidence for s in sigs if s.evidence))
        projects.append(project)

    certificates = []
    credentials = {a.id: a for a in snapshot.artifacts if a.credential}
    for sig in confirmed(snapshot):
        if sig.source != "credential":
            continue
        art = credentials.get(sig.artifact_id) if sig.artifact_id is not None else None
        cert: dict[str, Any] = {
            "name": sig.label,
            "date": sig.created_at.date().isoformat(),
            "verification": sig.verification or "unverified",
        }
        issuer = (art.credential or {}).get("issuer_name") if art else None
        if issuer:
            cert["issuer"] = str(issuer)
        if sig.esco_uri:
            cert["escoUri"] = sig.esco_uri
        certificates.append(cert)

    interests = [
        {"name": label}
        for label in dict.fromkeys(s.label for s in confirmed(snapshot, SignalKind.INTEREST))
    ]
    resume: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "basics": basics,
        "skills": skills,
        "projects": projects,
        "certificates": certificates,
        "interests": interests,
        "meta": {
            "canonical": "",
            "version": "v1.0.0",
            "lastModified": now.strftime("%Y-%m-%dT%H:%M:%S"),
            "generator": "UTP (Universal Talent Passport)",
            "note": "Skills are self-asserted from the person's own reflections, mapped to ESCO.",
        },
    }
    resume["meta"].pop("canonical")
    for section in ("skills", "projects", "certificates", "interests"):
        if not resume[section]:
            del resume[section]
    return resume
