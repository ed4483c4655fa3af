"""CLR 2.0 export: schema-valid, Data Integrity proofs checked independently, tamper-evident."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld import jsonld

from ler.errors import NothingToExport
from ler.export import export_passport
from ler.keys import PersonKey
from ler.resources import load_context, schema_errors
from ler.verify import inspect_credential
from tests.ler.conftest import ESCO_BUDGET, NOW, make_snapshot

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _clr(key: PersonKey, **kw: object) -> dict:
    (file,) = export_passport(make_snapshot(), "clr", key, now=NOW, **kw)
    assert file.filename.endswith(".json") and file.mime == "application/json"
    return json.loads(file.content)


def _b58(text: str) -> bytes:
    """Base58btc: each leading "1" is a leading zero byte (about 1 signature in 256 has one)."""
    n = 0
    for ch in text:
        n = n * 58 + ALPHABET.index(ch)
    zeros = len(text) - len(text.lstrip("1"))
    return b"\x00" * zeros + n.to_bytes((n.bit_length() + 7) // 8, "big")


def _offline_loader(url: str, options: dict | None = None) -> dict:
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(load_context(url))}


def _independent_verify(doc: dict, public: bytes) -> None:
    """eddsa-rdfc-2022 from the spec, straight on pyld + cryptography (not ler.dataintegrity)."""
    (proof,) = doc["proof"]
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    config = {k: v for k, v in proof.items() if k != "proofValue"} | {"@context": doc["@context"]}
    opts = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": _offline_loader,
    }
    data = (
        hashlib.sha256(jsonld.normalize(copy.deepcopy(config), opts).encode()).digest()
        + hashlib.sha256(jsonld.normalize(copy.deepcopy(unsecured), opts).encode()).digest()
    )
    assert proof["proofValue"].startswith("z")
    Ed25519PublicKey.from_public_bytes(public).verify(_b58(proof["proofValue"][1:]), data)


def test_clr_is_schema_valid_and_bundles_each_skill(person_key: PersonKey) -> None:
    clr = _clr(person_key)
    assert schema_errors("clr", clr) == []
    assert clr["issuer"]["id"] == person_key.did
    members = clr["credentialSubject"]["verifiableCredential"]
    assert [m["credentialSubject"]["achievement"]["name"] for m in members] == [
        "manage budgets",
        "work in teams",
    ]
    for m in members:
        assert schema_errors("ob3", m) == [] and schema_errors("ob3-strict", m) == []
    urls = [a["targetUrl"] for a in clr["credentialSubject"]["achievement"][0]["alignment"]]
    assert urls == [ESCO_BUDGET]
    proof = clr["proof"][0]
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["verificationMethod"] == person_key.key_id


def test_proofs_verify_independently(person_key: PersonKey) -> None:
    clr = _clr(person_key)
    _independent_verify(clr, person_key.public_bytes)
    for member in clr["credentialSubject"]["verifiableCredential"]:
        _independent_verify(member, person_key.public_bytes)


def test_tampering_breaks_the_proof(person_key: PersonKey) -> None:
    clr = _clr(person_key)
    clr["credentialSubject"]["achievement"][0]["name"] = "manage national budgets"
    with pytest.raises(InvalidSignature):
        _independent_verify(clr, person_key.public_bytes)
    report = inspect_credential(json.dumps(clr).encode(), "clr.json", now=NOW)
    assert report is not None and report.level == "invalid"


def test_clr_round_trip_is_verified(person_key: PersonKey) -> None:
    (file,) = export_passport(make_snapshot(), "clr", person_key, now=NOW)
    report = inspect_credential(file.content, file.filename, now=NOW)
    assert report is not None
    assert report.level == "verified", report.explanation
    assert report.format == "clr"
    assert sorted(a.name for a in report.achievements) == ["manage budgets", "work in teams"]


def test_tampered_member_makes_the_clr_invalid(person_key: PersonKey) -> None:
    clr = _clr(person_key)
    member = clr["credentialSubject"]["verifiableCredential"][1]
    member["credentialSubject"]["achievement"]["name"] = "lead armies"
    # the CLR proof covers members too; re-sign the outer layer to isolate the member's proof
    from ler.dataintegrity import add_proof

    resigned = add_proof(clr, person_key.sign, person_key.key_id, created=NOW)
    report = inspect_credential(json.dumps(resigned).encode(), now=NOW)
    assert report is not None and report.level == "invalid"


def test_clr_without_quotes(person_key: PersonKey) -> None:
    text = json.dumps(_clr(person_key, include_quotes=False))
    assert "rebuilt the team budget" not in text


def test_nothing_confirmed(person_key: PersonKey) -> None:
    with pytest.raises(NothingToExport):
        export_passport(make_snapshot(confirmed=False), "clr", person_key, now=NOW)
