"""VC-JWTs signed by joserfc (an independent library) verify with ler's offline checker."""

from __future__ import annotations

import json

import pytest
from joserfc import jwt as jose_jwt
from joserfc.jwk import ECKey, OKPKey, RSAKey

from ler.verify import inspect_credential
from tests.ler.conftest import EXAMPLES, NOW


def _credential(issuer_id: str) -> dict:
    doc = json.loads((EXAMPLES / "ob3/simple.json").read_text())
    doc.pop("proof")
    doc["issuer"]["id"] = issuer_id
    return doc


@pytest.mark.parametrize(
    ("alg", "key"),
    [
        ("RS256", RSAKey.generate_key(2048)),
        ("ES256", ECKey.generate_key("P-256")),
        ("PS384", RSAKey.generate_key(2048)),
    ],
)
def test_embedded_jwk_signatures_check_but_issuer_is_unchecked(alg: str, key) -> None:
    cred = _credential("https://example.com/issuers/876543")
    header = {"alg": alg, "jwk": key.as_dict(private=False)}
    token = jose_jwt.encode(header, cred, key, algorithms=[alg])
    report = inspect_credential(token.encode(), "x.jwt", now=NOW)
    assert report is not None
    assert report.level == "signature-valid-issuer-unchecked", report.explanation
    wrong = jose_jwt.encode(
        {"alg": alg, "jwk": type(key).generate_key(*_params(key)).as_dict(private=False)},
        cred,
        key,
        algorithms=[alg],
    )
    report = inspect_credential(wrong.encode(), "w.jwt", now=NOW)
    assert report is not None and report.level == "invalid"


def _params(key) -> tuple:
    return (2048,) if isinstance(key, RSAKey) else ("P-256",)


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
def test_joserfc_eddsa_with_did_key_issuer_is_verified() -> None:
    from ler.multibase import b64url_decode, did_key_from_ed25519

    key = OKPKey.generate_key("Ed25519")
    did = did_key_from_ed25519(b64url_decode(key.as_dict()["x"]))
    cred = _credential(did)
    token = jose_jwt.encode(
        {"alg": "EdDSA", "kid": f"{did}#{did[8:]}"}, cred, key, algorithms=["EdDSA"]
    )
    report = inspect_credential(token.encode(), "x.jwt", now=NOW)
    assert report is not None and report.level == "verified", report.explanation


def test_kid_only_key_is_unverifiable_offline() -> None:
    key = RSAKey.generate_key(2048)
    cred = _credential("did:web:example.com")
    token = jose_jwt.encode(
        {"alg": "RS256", "kid": "did:web:example.com#key-1"}, cred, key, algorithms=["RS256"]
    )
    report = inspect_credential(token.encode(), "x.jwt", now=NOW)
    assert report is not None and report.level == "unverifiable-offline"
