"""CLR 2.0: one ClrCredential bundling the person's self-asserted achievement credentials.

Each member AchievementCredential and the ClrCredential itself carry an `eddsa-rdfc-2022` Data
Integrity proof by the person's did:key, canonicalized with bundled JSON-LD contexts only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ler.dataintegrity import add_proof
from ler.keys import PersonKey
from ler.ob3 import (
    OB_CONTEXT,
    VC_CONTEXT,
    achievement_credential,
    iso,
    profile,
    stable_urn,
)
from ler.selection import SkillClaim
from passport.model import PassportSnapshot

CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
CLR_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
)


def signed_clr(
    snapshot: PassportSnapshot, claims: list[SkillClaim], key: PersonKey, *, now: datetime
) -> dict[str, Any]:
    """The signed ClrCredential for `claims` (every member signed too)."""
    person = snapshot.person
    members = []
    for claim in claims:
        cred = achievement_credential(claim, person, key.did, now=now)
        members.append(add_proof(cred, key.sign, key.key_id, created=now))
    clr: dict[str, Any] = {
        "@context": [VC_CONTEXT, CLR_CONTEXT, OB_CONTEXT],
        "id": stable_urn("clr", key.did, iso(now)),
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": f"{person.display_name}: skills passport (self-asserted)",
        "description": "Skills the person confirmed from their own weekly reflections in UTP, "
        "mapped to ESCO. Self-asserted: no third party has assessed them.",
        "issuer": profile(person, key.did),
        "validFrom": iso(now),
        "credentialSubject": {
            "id": key.did,
            "type": ["ClrSubject"],
            "verifiableCredential": members,
            "achievement": [m["credentialSubject"]["achievement"] for m in members],
        },
        "credentialSchema": [{"id": CLR_SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    return add_proof(clr, key.sign, key.key_id, created=now)
