"""Open Badges 3.0 AchievementCredentials for confirmed skills: self-asserted, ESCO-aligned."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from ler.multibase import b64url_encode
from ler.selection import ESCO_FRAMEWORK, SkillClaim
from passport.model import Artifact, Person

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
_UTP_NS = uuid.UUID("6f1c0f4e-2b1e-5b7a-9a55-7574702d6c65")
SELF_ASSERTED_NOTE = (
    "Self-asserted: the earner issued this to themselves from their own weekly reflections in "
    "UTP (Universal Talent Passport). No third party has assessed it."
)


def iso(at: datetime) -> str:
    """UTC timestamp as `YYYY-MM-DDTHH:MM:SSZ`."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stable_urn(*parts: str) -> str:
    """A `urn:uuid:` that is the same for the same parts (UUID v5)."""
    return "urn:uuid:" + str(uuid.uuid5(_UTP_NS, "\x1f".join(parts)))


def esco_code(uri: str) -> str:
    """The last path segment of an ESCO URI (its UUID)."""
    return uri.rstrip("/").rsplit("/", 1)[-1]


def artifact_evidence(art: Artifact) -> dict[str, Any]:
    """An Evidence item naming a kept file by its SHA-256 (RFC 6920 `ni:` URI)."""
    digest = bytes.fromhex(art.sha256 or "")
    return {
        "id": "ni:///sha-256;" + b64url_encode(digest),
        "type": ["Evidence"],
        "name": art.original_name or "file",
        "description": f"A file the earner kept as evidence; SHA-256 {art.sha256}.",
        "genre": "Artifact",
    }


def profile(person: Person, did: str) -> dict[str, Any]:
    """The person as an OB 3.0 Profile identified by their did:key."""
    return {"id": did, "type": ["Profile"], "name": person.display_name}


def achievement_for(claim: SkillClaim, did: str) -> dict[str, Any]:
    """The Achievement for one skill, aligned to its ESCO concept when it has one."""
    anchor = claim.esco_uri or "label:" + claim.label.casefold()
    achievement: dict[str, Any] = {
        "id": stable_urn("achievement", did, anchor),
        "type": ["Achievement"],
        "achievementType": "Competency",
        "name": claim.label,
        "description": f"The skill '{claim.label}', claimed by the earner. {SELF_ASSERTED_NOTE}",
        "criteria": {
            "narrative": "The earner confirmed this skill after UTP noticed it in their own "
            "words. " + SELF_ASSERTED_NOTE
        },
        "tag": ["self-asserted", "UTP"],
    }
    if claim.esco_uri:
        achievement["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": claim.label,
                "targetUrl": claim.esco_uri,
                "targetFramework": ESCO_FRAMEWORK,
                "targetCode": esco_code(claim.esco_uri),
                "targetType": "ext:ESCOSkill",
            }
        ]
        achievement["tag"].append("ESCO")
    return achievement


def achievement_credential(
    claim: SkillClaim, person: Person, did: str, *, now: datetime
) -> dict[str, Any]:
    """One self-asserted AchievementCredential: issuer and subject are the person's did:key."""
    achievement = achievement_for(claim, did)
    evidence: list[dict[str, Any]] = []
    for q in claim.quotes:
        evidence.append(
            {
                "id": stable_urn("quote", did, hashlib.sha256(q.text.encode()).hexdigest()),
                "type": ["Evidence"],
                "name": f"In the earner's own words ({q.created_at.date().isoformat()})",
                "narrative": q.text,
                "genre": "Self-reflection",
            }
        )
    evidence.extend(artifact_evidence(a) for a in claim.artifacts)
    cred: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": stable_urn("credential", did, achievement["id"], iso(now)),
        "type": ["VerifiableCredential", "AchievementCredential"],
        "name": f"{claim.label} (self-asserted)",
        "description": SELF_ASSERTED_NOTE,
        "issuer": profile(person, did),
        "validFrom": iso(now),
        "credentialSubject": {
            "id": did,
            "type": ["AchievementSubject"],
            "achievement": achievement,
        },
        "credentialSchema": [{"id": OB_SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if evidence:
        cred["evidence"] = evidence
    return cred
