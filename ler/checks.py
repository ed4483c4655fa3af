"""Structural checks of an imported credential: schema, `type` values, validity dates.

The schema is the purl.imsglobal.org JSON-LD variant (tolerates single values for arrays), as
1EdTech's validator uses. Credentials on the VC 1.1 data model (early OB 3.0 issuers) are checked
through a shim that maps `issuanceDate`/`expirationDate` and the v1 context to VC 2.0, and the
result says so. The type checks mirror 1EdTech's TypePropertyProbe: a nested object that says it
is something other than what its property holds is invalid.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from ler.resources import schema_errors

VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_TYPES = ("AchievementCredential", "OpenBadgeCredential")

# property -> the type its objects must carry (1EdTech TypePropertyProbe expectations)
EXPECTED_TYPES = {
    "issuer": "Profile",
    "creator": "Profile",
    "parentOrg": "Profile",
    "source": "Profile",
    "credentialSubject": None,  # depends on credential kind, checked separately
    "achievement": "Achievement",
    "evidence": "Evidence",
    "alignment": "Alignment",
    "resultDescription": "ResultDescription",
    "result": "Result",
    "rubricCriterionLevel": "RubricCriterionLevel",
    "identifier": "IdentityObject",
    "otherIdentifier": "IdentifierEntry",
    "endorsement": "EndorsementCredential",
}


def as_list(value: Any) -> list[Any]:
    """A JSON-LD value as a list (absent -> [], single -> [value])."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def types_of(node: Any) -> list[str]:
    """The `type` values of a node as strings."""
    if not isinstance(node, dict):
        return []
    return [t for t in as_list(node.get("type")) if isinstance(t, str)]


def credential_kind(cred: dict[str, Any]) -> str:
    """ "clr", "ob3", "endorsement" or "vc" from the credential's `type`."""
    kinds = types_of(cred)
    if "ClrCredential" in kinds:
        return "clr"
    if any(k in kinds for k in OB3_TYPES):
        return "ob3"
    if "EndorsementCredential" in kinds:
        return "endorsement"
    return "vc"


def is_vc1(cred: dict[str, Any]) -> bool:
    """True for a credential on the VC 1.1 data model."""
    ctx = as_list(cred.get("@context"))
    return bool(ctx) and ctx[0] == VC1_CONTEXT


def _shim_vc1(node: Any) -> Any:
    if isinstance(node, list):
        return [_shim_vc1(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _shim_vc1(v) for k, v in node.items()}
    ctx = out.get("@context")
    if isinstance(ctx, list) and ctx and ctx[0] == VC1_CONTEXT:
        out["@context"] = [VC2_CONTEXT, *ctx[1:]]
        if "issuanceDate" in out:
            out.setdefault("validFrom", out.pop("issuanceDate"))
        if "expirationDate" in out:
            out.setdefault("validUntil", out.pop("expirationDate"))
    return out


def schema_problems(cred: dict[str, Any], kind: str) -> list[str]:
    """Why the credential fails its 1EdTech schema (empty when it passes)."""
    name = {"ob3": "ob3", "clr": "clr"}.get(kind)
    if name is None:
        return []
    subject = _shim_vc1(copy.deepcopy(cred)) if is_vc1(cred) else cred
    return schema_errors(name, subject)


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, str, dict[str, Any]]]:
    if isinstance(node, dict):
        for key, value in node.items():
            for item in as_list(value):
                if isinstance(item, dict):
                    yield key, f"{path}/{key}", item
                    if key not in ("proof",):
                        yield from _walk(item, f"{path}/{key}")
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, path)


def type_problems(cred: dict[str, Any], kind: str) -> list[str]:
    """Nested objects whose `type` does not match their property (1EdTech type probes)."""
    problems = []
    nested = ("verifiableCredential", "endorsement")
    for key, path, item in _walk(cred):
        if any(f"/{n}/" in path + "/" and not path.endswith(n) for n in nested):
            continue  # nested credentials are checked on their own
        want = EXPECTED_TYPES.get(key)
        if key == "credentialSubject" and path == "/credentialSubject":
            want = {"ob3": "AchievementSubject", "clr": "ClrSubject"}.get(kind)
        elif key == "credentialSubject" or (
            key == "identifier" and path != "/credentialSubject/identifier"
        ):
            continue
        if want is None or "type" not in item and key in ("issuer", "creator", "achievement"):
            if want is not None and key in ("issuer", "achievement"):
                problems.append(f"{path} has no type (expected {want})")
            continue
        if key == "endorsement":
            if "EndorsementCredential" not in types_of(item):
                problems.append(f"{path} is not an EndorsementCredential")
            continue
        if want not in types_of(item):
            problems.append(f"{path} has type {types_of(item) or '(none)'}, expected {want}")
    return problems[:5]


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime (naive taken as UTC); None if unreadable."""
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def date_problems(cred: dict[str, Any], now: datetime) -> list[str]:
    """Expired or not-yet-valid credentials (VC 2.0 and VC 1.1 date names)."""
    problems = []
    start = parse_time(cred.get("validFrom", cred.get("issuanceDate")))
    end = parse_time(cred.get("validUntil", cred.get("expirationDate")))
    if start is not None and start > now:
        problems.append(f"it is not valid until {start.date().isoformat()}")
    if end is not None and end <= now:
        problems.append(f"it expired on {end.date().isoformat()}")
    return problems
