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
from dataclasses import asdict, dataclass, field
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
from ler.ob2 import ob2_alignments, ob2_badge, ob2_issuer, ob2_problems
from ler.proofs import (
    INVALID,
    LEVELS,
    OFFLINE,
    UNCHECKED,
    VERIFIED,
    check_embedded_proof,
    check_jwt,
    worst,
)

_JWT_CLAIMS = ("iss", "sub", "jti", "nbf", "iat", "exp", "aud")
_MAX_NESTED = 50


@dataclass(frozen=True, slots=True)
class ImportedAchievement:
    """An achievement a credential asserts; alignments are (target_url, target_name, framework)."""

    name: str
    description: str = ""
    alignments: tuple[tuple[str, str, str], ...] = ()
    achievement_id: str = ""
    achievement_type: str = ""


@dataclass(frozen=True, slots=True)
class CredentialReport:
    """How far a credential could be verified, in words, and what it claims."""

    level: str
    explanation: tuple[str, ...]
    format: str  # ob3-jwt | ob3-json | clr | clr-jwt | ob2 | vc | unknown
    container: str  # png | svg | json | jwt
    issuer_name: str = ""
    issuer_id: str = ""
    subject_id: str = ""
    credential_id: str = ""
    name: str = ""
    valid_from: str = ""
    achievements: tuple[ImportedAchievement, ...] = ()
    credential: str = field(default="", repr=False)  # the credential as found (JSON/JWT text)

    @property
    def exit_code(self) -> int:
        """0 verified, 2 signature-valid-issuer-unchecked / unverifiable-offline, 1 invalid."""
        return {VERIFIED: 0, INVALID: 1}.get(self.level, 2)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict for storage (alignments as lists)."""
        out = asdict(self)
        out["explanation"] = list(self.explanation)
        out["achievements"] = [
            dict(asdict(a), alignments=[list(t) for t in a.alignments]) for a in self.achievements
        ]
        return out


@dataclass(slots=True)
class _Verdict:
    levels: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def add(self, level: str, line: str) -> None:
        self.levels.append(level)
        self.lines.append(line)

    @property
    def level(self) -> str:
        return worst(*self.levels) if self.levels else OFFLINE


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _issuer(cred: dict[str, Any]) -> tuple[str, str]:
    issuer = cred.get("issuer")
    if isinstance(issuer, dict):
        return _str(issuer.get("name")), _str(issuer.get("id"))
    return "", _str(issuer)


def _achievement(node: dict[str, Any]) -> ImportedAchievement:
    alignments = tuple(
        (_str(a.get("targetUrl")), _str(a.get("targetName")), _str(a.get("targetFramework")))
        for a in as_list(node.get("alignment"))
        if isinstance(a, dict)
    )
    atype = node.get("achievementType")
    return ImportedAchievement(
        name=_str(node.get("name")),
        description=_str(node.get("description")),
        alignments=alignments,
        achievement_id=_str(node.get("id")),
        achievement_type=_str(atype),
    )


def _subjects(cred: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in as_list(cred.get("credentialSubject")) if isinstance(s, dict)]


def _achievements(cred: dict[str, Any]) -> list[ImportedAchievement]:
    out = []
    for subject in _subjects(cred):
        for node in as_list(subject.get("achievement")):
            if isinstance(node, dict):
                out.append(_achievement(node))
    return out


def _check_vc(
    cred: dict[str, Any], verdict: _Verdict, now: datetime, depth: int = 0
) -> list[ImportedAchievement]:
    """Structure, dates and embedded proofs of a VC (recursing into CLR members)."""
    kind = credential_kind(cred)
    label = "" if depth == 0 else f"Included credential {_str(cred.get('name')) or ''}: ".strip()
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
        for subject in _subjects(cred):
            members = as_list(subject.get("verifiableCredential"))[:_MAX_NESTED]
            for member in members:
                if isinstance(member, dict):
                    achievements.extend(_check_vc(member, verdict, now, depth + 1))
                elif isinstance(member, str) and depth < 2:
                    achievements.extend(_check_jwt_text(member, verdict, now, depth + 1))
    return achievements


def _check_proofs(cred: dict[str, Any], verdict: _Verdict, *, in_jwt: bool, label: str) -> None:
    proofs = proofs_of(cred)
    if not proofs:
        if not in_jwt:
            verdict.add(
                INVALID, f"{label}It carries no signature, so nothing proves who issued it."
            )
        return
    _, issuer_id = _issuer(cred)
    outcomes = [check_embedded_proof(cred, p, issuer_id) for p in proofs]
    bad = [o for o in outcomes if o.level == INVALID]
    best = min(outcomes, key=lambda o: LEVELS.index(o.level))
    chosen = bad[0] if bad else best
    verdict.add(chosen.level, f"{label}{chosen.reason[0].upper()}{chosen.reason[1:]}.")


def _check_members_proofs(cred: dict[str, Any], verdict: _Verdict) -> None:
    if credential_kind(cred) != "clr":
        return
    for subject in _subjects(cred):
        for member in as_list(subject.get("verifiableCredential"))[:_MAX_NESTED]:
            if isinstance(member, dict):
                name = _str(member.get("name")) or "a credential"
                _check_proofs(member, verdict, in_jwt=False, label=f"Included {name}: ")


def _status_note(cred: dict[str, Any], verdict: _Verdict) -> None:
    if cred.get("credentialStatus"):
        verdict.add(UNCHECKED, "It names a revocation list, which UTP cannot consult offline.")


def _check_jwt_text(
    token: str, verdict: _Verdict, now: datetime, depth: int
) -> list[ImportedAchievement]:
    try:
        parsed = jws.parse(token)
    except jws.MalformedJWT as exc:
        verdict.add(INVALID, f"It is not a readable JWT ({exc}).")
        return []
    cred = _jwt_credential(parsed.payload)
    achievements = _check_vc(cred, verdict, now, depth)
    _, issuer_id = _issuer(cred)
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
    _, issuer_id = _issuer(cred)
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


def _report(
    found: Found,
    fmt: str,
    verdict: _Verdict,
    cred: dict[str, Any],
    achievements: list[ImportedAchievement],
) -> CredentialReport:
    issuer_name, issuer_id = _issuer(cred)
    subject = _subjects(cred)[0] if _subjects(cred) else {}
    level = verdict.level
    lines = [line for line in verdict.lines if line]
    lines.append(_SUMMARY[level])
    return CredentialReport(
        level=level,
        explanation=tuple(dict.fromkeys(lines)),
        format=fmt,
        container=found.container,
        issuer_name=issuer_name,
        issuer_id=issuer_id,
        subject_id=_str(subject.get("id")),
        credential_id=_str(cred.get("id")),
        name=_str(cred.get("name")),
        valid_from=_str(cred.get("validFrom", cred.get("issuanceDate"))),
        achievements=tuple(_unique(achievements)),
        credential=found.text,
    )


def _unique(achievements: list[ImportedAchievement]) -> list[ImportedAchievement]:
    seen: dict[tuple[str, str], ImportedAchievement] = {}
    for a in achievements:
        seen.setdefault((a.achievement_id, a.name), a)
    return list(seen.values())


_SUMMARY = {
    VERIFIED: "Verified: signed by its issuer and unchanged since.",
    UNCHECKED: "The signature is valid, but UTP could not confirm who the issuer is.",
    OFFLINE: "UTP cannot verify this offline; it is kept as unverified.",
    INVALID: "Not valid: UTP does not count it as a credential.",
}


def _ob2_report(found: Found, now: datetime) -> CredentialReport:
    verdict = _Verdict()
    assertion: dict[str, Any] = found.data or {}
    if found.data is None and jws.looks_like_jwt(found.text):
        try:
            assertion = jws.parse(found.text).payload
        except jws.MalformedJWT:
            assertion = {}
        verdict.add(OFFLINE, "It is a signed Open Badges 2.0 assertion; its key is online.")
    elif found.data is None:
        verdict.add(OFFLINE, f"It points to a hosted Open Badges 2.0 assertion ({found.text}).")
        return _report(found, "ob2", verdict, {"id": found.text}, [])
    for p in ob2_problems(assertion, now):
        verdict.add(INVALID, f"It is not a valid Open Badges 2.0 assertion: {p}.")
    badge = ob2_badge(assertion)
    if _str((assertion.get("verification") or {}).get("type")).lower() in (
        "hosted",
        "hostedbadge",
    ):
        verdict.add(
            OFFLINE, "Open Badges 2.0 badges are checked against their hosted copy online."
        )
    achievements = []
    if badge:
        achievements.append(
            ImportedAchievement(
                name=_str(badge.get("name")),
                description=_str(badge.get("description")),
                alignments=ob2_alignments(badge),
                achievement_id=_str(badge.get("id")),
                achievement_type="BadgeClass",
            )
        )
    else:
        verdict.add(OFFLINE, "Its badge description is only a link, which UTP does not fetch.")
    name, issuer_id = ob2_issuer(badge)
    shaped = {
        "issuer": {"name": name, "id": issuer_id},
        "id": assertion.get("id"),
        "name": badge.get("name") if badge else "",
        "issuanceDate": assertion.get("issuedOn"),
    }
    return _report(found, "ob2", verdict, shaped, achievements)


def _is_ob2(found: Found) -> bool:
    if found.version == "ob2":
        return True
    doc = found.data or {}
    ctx = json.dumps(doc.get("@context", ""))
    return "openbadges" in ctx and "v3p0" not in ctx or "Assertion" in as_list(doc.get("type"))


def inspect_credential(
    data: bytes, filename: str = "", *, now: datetime | None = None
) -> CredentialReport | None:
    """Check a credential in `data`; None when it holds none. UnsafeFile for hostile files."""
    now = now or datetime.now(UTC)
    found = find_credential(data, filename)
    if found is None:
        return None
    if found.broken:
        verdict = _Verdict()
        verdict.add(INVALID, f"It looks like a credential, but {found.broken}.")
        return _report(found, "unknown", verdict, {}, [])
    if _is_ob2(found):
        return _ob2_report(found, now)
    verdict = _Verdict()
    if found.data is None:  # a JWT
        try:
            parsed = jws.parse(found.text)
        except jws.MalformedJWT as exc:
            verdict.add(INVALID, f"It is not a readable JWT ({exc}).")
            return _report(found, "unknown", verdict, {}, [])
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
    return _report(found, fmt, verdict, cred, achievements)
