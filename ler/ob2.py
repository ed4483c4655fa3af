"""Open Badges 2.0 assertions: read what they claim; their proof always needs the network.

OB 2.0 is verified by fetching the hosted assertion (HostedBadge) or the issuer's public key
(SignedBadge, a JWS whose key lives at `verification.creator`). Neither works offline, so the best
an OB 2.0 badge can get here is `unverifiable-offline`; broken or expired ones are `invalid`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ler import jwt as jws
from ler.checks import as_list, parse_time
from ler.extract import Found
from ler.proofs import INVALID, OFFLINE
from ler.report import CredentialReport, ImportedAchievement, Verdict, build_report, text_of


def ob2_problems(assertion: dict[str, Any], now: datetime) -> list[str]:
    """Why an OB 2.0 assertion is not acceptable (missing parts, wrong type, expired)."""
    problems = []
    for field in ("recipient", "badge", "verification", "issuedOn"):
        if field not in assertion:
            problems.append(f"it has no {field}")
    if "Assertion" not in [str(t) for t in as_list(assertion.get("type"))]:
        problems.append("its type is not Assertion")
    expires = parse_time(assertion.get("expires"))
    if expires is not None and expires <= now:
        problems.append(f"it expired on {expires.date().isoformat()}")
    if assertion.get("revoked") is True:
        problems.append("it says it was revoked")
    return problems


def ob2_badge(assertion: dict[str, Any]) -> dict[str, Any] | None:
    """The embedded BadgeClass, or None when it is only a URL."""
    badge = assertion.get("badge")
    return badge if isinstance(badge, dict) else None


def ob2_issuer(badge: dict[str, Any] | None) -> tuple[str, str]:
    """(name, id) of the badge's issuer when embedded."""
    issuer = badge.get("issuer") if badge else None
    if isinstance(issuer, dict):
        return str(issuer.get("name", "")), str(issuer.get("id", ""))
    return "", str(issuer or "")


def ob2_alignments(badge: dict[str, Any]) -> tuple[tuple[str, str, str], ...]:
    """(target_url, target_name, framework) of each alignment of an OB 2.0 BadgeClass."""
    out = []
    for a in as_list(badge.get("alignment")):
        if isinstance(a, dict):
            out.append(
                (
                    str(a.get("targetUrl", "")),
                    str(a.get("targetName", "")),
                    str(a.get("targetFramework", "")),
                )
            )
    return tuple(out)


def ob2_report(found: Found, now: datetime) -> CredentialReport:
    """The report for an OB 2.0 assertion (JSON, signed JWS or hosted URL)."""
    verdict = Verdict()
    assertion: dict[str, Any] = found.data or {}
    if found.data is None and jws.looks_like_jwt(found.text):
        try:
            assertion = jws.parse(found.text).payload
        except jws.MalformedJWT:
            assertion = {}
        verdict.add(OFFLINE, "It is a signed Open Badges 2.0 assertion; its key is online.")
    elif found.data is None:
        verdict.add(OFFLINE, f"It points to a hosted Open Badges 2.0 assertion ({found.text}).")
        return build_report(found, "ob2", verdict, {"id": found.text}, [])
    for p in ob2_problems(assertion, now):
        verdict.add(INVALID, f"It is not a valid Open Badges 2.0 assertion: {p}.")
    badge = ob2_badge(assertion)
    if text_of((assertion.get("verification") or {}).get("type")).lower() in (
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
                name=text_of(badge.get("name")),
                description=text_of(badge.get("description")),
                alignments=ob2_alignments(badge),
                achievement_id=text_of(badge.get("id")),
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
    return build_report(found, "ob2", verdict, shaped, achievements)
