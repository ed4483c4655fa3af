"""What `inspect_credential` returns: a level, plain words, and what the credential claims."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ler.checks import as_list
from ler.extract import Found
from ler.proofs import INVALID, OFFLINE, UNCHECKED, VERIFIED, worst

ESCO_PREFIX = "http://data.europa.eu/esco/"


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

    def esco_uris(self) -> tuple[str, ...]:
        """ESCO concept URIs the achievements are aligned to (to match passport skills)."""
        uris = (url for a in self.achievements for url, _, _ in a.alignments)
        return tuple(dict.fromkeys(u for u in uris if u.startswith(ESCO_PREFIX)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict for storage (alignments as lists)."""
        out = asdict(self)
        out["explanation"] = list(self.explanation)
        out["achievements"] = [
            dict(asdict(a), alignments=[list(t) for t in a.alignments]) for a in self.achievements
        ]
        return out


@dataclass(slots=True)
class Verdict:
    """Levels and lines gathered while checking; the weakest level wins."""

    levels: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def add(self, level: str, line: str) -> None:
        self.levels.append(level)
        self.lines.append(line)

    @property
    def level(self) -> str:
        return worst(*self.levels) if self.levels else OFFLINE


def text_of(value: Any) -> str:
    return value if isinstance(value, str) else ""


def issuer_of(cred: dict[str, Any]) -> tuple[str, str]:
    issuer = cred.get("issuer")
    if isinstance(issuer, dict):
        return text_of(issuer.get("name")), text_of(issuer.get("id"))
    return "", text_of(issuer)


def build_report(
    found: Found,
    fmt: str,
    verdict: Verdict,
    cred: dict[str, Any],
    achievements: list[ImportedAchievement],
) -> CredentialReport:
    issuer_name, issuer_id = issuer_of(cred)
    subject = subjects_of(cred)[0] if subjects_of(cred) else {}
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
        subject_id=text_of(subject.get("id")),
        credential_id=text_of(cred.get("id")),
        name=text_of(cred.get("name")),
        valid_from=text_of(cred.get("validFrom", cred.get("issuanceDate"))),
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


def subjects_of(cred: dict[str, Any]) -> list[dict[str, Any]]:
    """The credential's subjects (one or several)."""
    return [s for s in as_list(cred.get("credentialSubject")) if isinstance(s, dict)]
