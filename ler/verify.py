"""`inspect_credential`: find, check and explain a credential someone sent, never claiming more.

Levels, weakest wins:
- `verified`: readable, schema-valid, in date, and signed with the issuer's own did:key (for
  did:key the identifier is the key, so a valid signature proves the issuer id).
- `signature-valid-issuer-unchecked`: the signature checks with a key carried in the file, but
  offline nothing ties that key to the issuer (https issuers, JWK headers); also used when a
  revocation list is named that cannot be consulted offline.
- `unverifiable-offline`: the key or proof needs the network (did:web, hosted OB 2.0, unknown
  proof types, unbundled JSON-LD contexts) or cannot be checked here.
- `invalid`: malformed, schema-invalid, wrong types, expired or not yet valid, unsigned OB 3.0,
  or a signature that does not match.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ler import jwt as jws
from ler.checks import (
    OB3_TYPES,
    as_list,
    credential_kind,
    date_problems,
    is_vc1,
    schema_problems,
    type_problems,
)
from ler.dataintegrity import proofs_of
from ler.extract import Found, find_credential
from ler.ob2 import ob2_report
from ler.proofs import (
    INVALID,
    LEVELS,
    UNCHECKED,
    check_embedded_proof,
    check_jwt,
)
from ler.report import (
    CredentialReport,
    ImportedAchievement,
    Verdict,
    build_report,
    issuer_of,
    subjects_of,
    text_of,
)

_JWT_CLAIMS = ("iss", "sub", "jti", "nbf", "iat", "exp", "aud")
_MAX_NESTED = 50


def _achievement(node: dict[str, Any]) -> ImportedAchievement:
    alignments = tuple(
        (
            text_of(a.get("targetUrl")),
            text_of(a.get("targetName")),
            text_of(a.get("targetFramework")),
        )
        for a in as_list(node.get("alignment"))
        if isinstance(a, dict)
    )
    atype = node.get("achievementType")
    return ImportedAchievement(
        name=text_of(node.get("name")),
        description=text_of(node.get("description")),
        alignments=alignments,
        achievement_id=text_of(node.get("id")),
        achievement_type=text_of(atype),
    )


def _achievements(cred: dict[str, Any]) -> list[ImportedAchievement]:
    out = []
    for subject in subjects_of(cred):
        for node in as_list(subject.get("achievement")):
            if isinstance(node, dict):
                out.append(_achievement(node))
    return out


def _check_vc(
    cred: dict[str, Any], verdict: Verdict, now: datetime, depth: int = 0
) -> list[ImportedAchievement]:
    """Structure, dates and embedded proofs of a VC (recursing into CLR members)."""
    kind = credential_kind(cred)
    label = (
        "" if depth == 0 else f"Included credential {text_of(cred.get('name')) or ''}: ".strip()
    )
    label = label + " " if label else ""
    ctx = [c for c in as_list(cred.get("@context")) if isinstance(c, str)]
    if kind == "vc" and any("/spec/ob/v3p0/" in c for c in ctx):
        verdict.add(INVALID, f"{label}It uses the Open Badges context but is no badge type.")
    for problem in schema_problems(cred, kind)[:2]:
        verdict.add(INVALID, f"{label}It does not match the 1EdTech schema ({problem}).")
    for problem in type_problems(cred, kind)[:2]:
        verdict.add(INVALID, f"{label}Wrong type: {problem}.")
    for problem in date_problems(cred, now):
        verdict.add(INVALID, f"{label}It is not valid now: {problem}.")
    if is_vc1(cred) and depth == 0:
        verdict.lines.append("It uses the older VC 1.1 data model (accepted, but dated).")
    achievements = _achievements(cred)
    if kind == "clr":
        for subject in subjects_of(cred):
            members = as_list(subject.get("verifiableCredential"))[:_MAX_NESTED]
            for member in members:
                if isinstance(member, dict):
                    achievements.extend(_check_vc(member, verdict, now, depth + 1))
                elif isinstance(member, str) and depth < 2:
                    achievements.extend(_check_jwt_text(member, verdict, now, depth + 1))
    return achievements


def _check_proofs(cred: dict[str, Any], verdict: Verdict, *, in_jwt: bool, label: str) -> None:
    proofs = proofs_of(cred)
    if not proofs:
        if not in_jwt:
            verdict.add(
                INVALID, f"{label}It carries no signature, so nothing proves who issued it."
            )
        return
    _, issuer_id = issuer_of(cred)
    outcomes = [check_embedded_proof(cred, p, issuer_id) for p in proofs]
    bad = [o for o in outcomes if o.level == INVALID]
    best = min(outcomes, key=lambda o: LEVELS.index(o.level))
    chosen = bad[0] if bad else best
    verdict.add(chosen.level, f"{label}{chosen.reason[0].upper()}{chosen.reason[1:]}.")


def _check_members_proofs(cred: dict[str, Any], verdict: Verdict) -> None:
    if credential_kind(cred) != "clr":
        return
    for subject in subjects_of(cred):
        for member in as_list(subject.get("verifiableCredential"))[:_MAX_NESTED]:
            if isinstance(member, dict):
                name = text_of(member.get("name")) or "a credential"
                _check_proofs(member, verdict, in_jwt=False, label=f"Included {name}: ")


def _status_note(cred: dict[str, Any], verdict: Verdict) -> None:
    if cred.get("credentialStatus"):
        verdict.add(UNCHECKED, "It names a revocation list, which UTP cannot consult offline.")


def _check_jwt_text(
    token: str, verdict: Verdict, now: datetime, depth: int
) -> list[ImportedAchievement]:
    try:
        parsed = jws.parse(token)
    except jws.MalformedJWT as exc:
        verdict.add(INVALID, f"It is not a readable JWT ({exc}).")
        return []
    cred = _jwt_credential(parsed.payload)
    achievements = _check_vc(cred, verdict, now, depth)
    _, issuer_id = issuer_of(cred)
    problems = _jwt_claim_problems(parsed.payload, cred, now)
    for p in problems:
        verdict.add(INVALID, f"Its JWT claims disagree with it: {p}.")
    outcome = check_jwt(parsed, issuer_id)
    verdict.add(outcome.level, outcome.reason[0].upper() + outcome.reason[1:] + ".")
    return achievements


def _jwt_credential(payload: dict[str, Any]) -> dict[str, Any]:
    if isinstance(payload.get("vc"), dict):
        return payload["vc"]
    return {k: v for k, v in payload.items() if k not in _JWT_CLAIMS}


def _jwt_claim_problems(payload: dict[str, Any], cred: dict[str, Any], now: datetime) -> list[str]:
    problems = []
    _, issuer_id = issuer_of(cred)
    if "iss" in payload and issuer_id and payload["iss"] != issuer_id:
        problems.append("iss is not the issuer")
    if "jti" in payload and cred.get("id") and payload["jti"] != cred["id"]:
        problems.append("jti is not the credential id")
    now_ts = now.timestamp()
    if isinstance(payload.get("exp"), int | float) and payload["exp"] <= now_ts:
        problems.append("exp has passed")
    if isinstance(payload.get("nbf"), int | float) and payload["nbf"] > now_ts + 300:
        problems.append("nbf is in the future")
    return problems


def _is_ob2(found: Found) -> bool:
    """OB 2.0 by its payload (the PNG keyword alone is not trusted: some tools mix them up)."""
    doc = found.data
    if doc is None and jws.looks_like_jwt(found.text):
        try:
            doc = jws.parse(found.text).payload
        except jws.MalformedJWT:
            return found.version == "ob2"
    if doc is None:
        return found.version == "ob2"
    types = [str(t) for t in as_list(doc.get("type"))]
    if "VerifiableCredential" in types or "vc" in doc:
        return False
    ctx = json.dumps(doc.get("@context", ""))
    return "Assertion" in types or "w3id.org/openbadges/v2" in ctx or "openbadgespec.org" in ctx


def inspect_credential(
    data: bytes, filename: str = "", *, now: datetime | None = None
) -> CredentialReport | None:
    """Check a credential in `data`; None when it holds none. UnsafeFile for hostile files."""
    now = now or datetime.now(UTC)
    found = find_credential(data, filename)
    if found is None:
        return None
    if found.broken:
        verdict = Verdict()
        verdict.add(INVALID, f"It looks like a credential, but {found.broken}.")
        return build_report(found, "unknown", verdict, {}, [])
    if _is_ob2(found):
        return ob2_report(found, now)
    verdict = Verdict()
    if found.data is None:  # a JWT
        try:
            parsed = jws.parse(found.text)
        except jws.MalformedJWT as exc:
            verdict.add(INVALID, f"It is not a readable JWT ({exc}).")
            return build_report(found, "unknown", verdict, {}, [])
        cred = _jwt_credential(parsed.payload)
        achievements = _check_jwt_text(found.text, verdict, now, 0)
        _check_members_proofs(cred, verdict)
        suffix = "-jwt"
    else:
        cred = found.data
        achievements = _check_vc(cred, verdict, now)
        _check_proofs(cred, verdict, in_jwt=False, label="")
        _check_members_proofs(cred, verdict)
        suffix = "-json"
    _status_note(cred, verdict)
    kind = credential_kind(cred)
    fmt = {"clr": "clr", "ob3": "ob3", "endorsement": "ob3-endorsement"}.get(kind, "vc") + suffix
    if kind == "clr" and suffix == "-json":
        fmt = "clr"
    if kind not in ("clr", "ob3") and not any(t in OB3_TYPES for t in as_list(cred.get("type"))):
        verdict.lines.append("It is not an Open Badge or CLR: only its signature was checked.")
    return build_report(found, fmt, verdict, cred, achievements)
