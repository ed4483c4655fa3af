"""1EdTech's signed examples import with the level our offline rule gives them (see ler.verify)."""

from __future__ import annotations

import pytest

from ler.verify import inspect_credential
from tests.ler.conftest import EXAMPLES

UNCHECKED = "signature-valid-issuer-unchecked"
OFFLINE = "unverifiable-offline"

CASES = {
    # valid signatures by https issuers whose key sits in the method's fragment: key not bound
    "ob3/simple.json": UNCHECKED,
    "ob3/simple.1ob": UNCHECKED,
    "ob3/simple-json.png": UNCHECKED,
    "ob3/simple-json.svg": UNCHECKED,
    "ob3/simple-multiple-proofs.json": UNCHECKED,
    "ob3/simple-context-alias.json": UNCHECKED,
    "ob3/simple-context-version.json": UNCHECKED,
    "ob3/simple-did-web-method.json": UNCHECKED,
    "ob3/complete.json": UNCHECKED,
    "ob3/simple_v1.json": UNCHECKED,  # VC 1.1 + Ed25519Signature2020
    "ob3/simple-eddsa-2022.json": UNCHECKED,  # old cryptosuite name
    # did:key signer, but the issuer id is a urn:uuid, not that did:key
    "ob3/simple-did-key-method.json": UNCHECKED,
    # RS256 VC-JWTs with the key embedded as a JWK header
    "ob3/simple-jwt.png": UNCHECKED,
    "ob3/simple-jwt.svg": UNCHECKED,
    "ob3/simple-jwt_v1.png": UNCHECKED,
    "ob3/simple-jwt_v1.svg": UNCHECKED,
    "clr2/simple.json": UNCHECKED,
    "clr2/simple_v1.json": UNCHECKED,
    # keys only reachable online
    "ob3/velocity.jwt": OFFLINE,
    "ob3/credential-status-revoked.json": OFFLINE,
    "ob3/simple-err-proof-method-unknown-did-method.json": OFFLINE,
    # broken on purpose
    "ob3/simple-err-proof-value.json": "invalid",
    "ob3/simple-err-proof-method.json": "invalid",
    "ob3/simple-err-proof-method-no-scheme.json": "invalid",
    "ob3/simple-err-proof-method-unknown-scheme.json": "invalid",
    "ob3/simple-err-expired.json": "invalid",
    "ob3/simple-err-issued.json": "invalid",
    "ob3/simple-err-context.json": "invalid",
    "ob3/simple-err-type.json": "invalid",
    "ob3/simple-err-issuer.json": "invalid",
    "ob3/simple-err-issuer-type.json": "invalid",
    "ob3/simple-err-issuer-parentorg-type.json": "invalid",
    "ob3/simple-err-issuer-otheridentifier-type.json": "invalid",
    "ob3/simple-err-credential-subject-type.json": "invalid",
    "ob3/simple-err-credential-subject-identifier-type.json": "invalid",
    "ob3/simple-err-credential-subject-result-type.json": "invalid",
    "ob3/simple-err-credential-subject-profile-type.json": "invalid",
    "ob3/simple-err-credential-subject-achievement-result-description-type.json": "invalid",
    "ob3/simple-err-evidence-type.json": "invalid",
    "ob3/simple-noproof.json": "invalid",
    "ob3/simple.jwt": "invalid",  # no achievement: not an OB 3.0 AchievementSubject
}


@pytest.mark.parametrize(("name", "level"), sorted(CASES.items()))
def test_example_level(name: str, level: str) -> None:
    path = EXAMPLES / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    report = inspect_credential(path.read_bytes(), path.name)
    assert report is not None
    assert report.level == level, report.explanation
    assert report.explanation and report.explanation[-1]


def test_teamwork_badge_achievement_is_extracted() -> None:
    report = inspect_credential((EXAMPLES / "ob3/simple-json.png").read_bytes())
    assert report is not None
    assert report.format == "ob3-json" and report.container == "png"
    assert report.issuer_name == "Example Corp"
    assert [a.name for a in report.achievements] == ["Teamwork"]


def test_alignments_come_through() -> None:
    report = inspect_credential((EXAMPLES / "ob3/complete.json").read_bytes())
    assert report is not None
    aligned = [al for a in report.achievements for al in a.alignments]
    assert aligned and all(len(t) == 3 for t in aligned)
    assert report.to_dict()["achievements"][0]["alignments"]
