"""OB 3.0 export: schema-valid self-asserted credentials, VC-JWT checked by joserfc, baked PNG."""

from __future__ import annotations

import json

import pytest
from joserfc import jwt as jose_jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import OKPKey
from PIL import Image

from ler.bake import unbake_png
from ler.errors import NothingToExport
from ler.export import export_passport
from ler.keys import PersonKey
from ler.resources import schema_errors
from tests.ler.conftest import ESCO_BUDGET, NOW, make_snapshot

# The brief asks for EdDSA (RFC 8037); RFC 9864 renames it "Ed25519" and joserfc warns.
pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")


def _files(key: PersonKey, **kw: object) -> dict[str, bytes]:
    return {
        f.filename: f.content for f in export_passport(make_snapshot(), "ob3", key, now=NOW, **kw)
    }


def _joserfc_decode(token: str, key: PersonKey) -> dict:
    public = OKPKey.import_key({k: v for k, v in key.public_jwk().items() if k != "kid"})
    return jose_jwt.decode(token, public, algorithms=["EdDSA"]).claims


def test_one_jwt_and_one_baked_png_per_confirmed_skill(person_key: PersonKey) -> None:
    files = _files(person_key)
    assert sorted(files) == [
        "badge-manage-budgets.jwt",
        "badge-manage-budgets.png",
        "badge-work-in-teams.jwt",
        "badge-work-in-teams.png",
    ]


def test_jwt_verifies_with_joserfc_and_payload_is_schema_valid(person_key: PersonKey) -> None:
    token = _files(person_key)["badge-manage-budgets.jwt"].decode()
    claims = _joserfc_decode(token, person_key)
    cred = {k: v for k, v in claims.items() if k not in ("iss", "sub", "jti", "nbf", "iat")}
    assert schema_errors("ob3-strict", cred) == []
    assert schema_errors("ob3", cred) == []
    assert claims["iss"] == claims["sub"] == person_key.did
    assert cred["issuer"]["id"] == cred["credentialSubject"]["id"] == person_key.did
    achievement = cred["credentialSubject"]["achievement"]
    (alignment,) = achievement["alignment"]
    assert alignment["targetUrl"] == ESCO_BUDGET
    assert alignment["targetFramework"].startswith("ESCO")
    assert "self-asserted" in achievement["tag"]
    assert "Self-asserted" in cred["description"]
    narratives = [e.get("narrative") for e in cred["evidence"]]
    assert "rebuilt the team budget" in narratives and "cut costs by 10%" in narratives
    hashes = [e["description"] for e in cred["evidence"] if e.get("genre") == "Artifact"]
    assert any("ab" * 32 in h for h in hashes)


def test_wrong_key_does_not_verify(person_key: PersonKey) -> None:
    from ler.keys import new_person_key

    token = _files(person_key)["badge-work-in-teams.jwt"].decode()
    with pytest.raises(BadSignatureError):
        _joserfc_decode(token, new_person_key())


def test_png_is_an_image_with_the_jwt_baked_in(person_key: PersonKey, tmp_path) -> None:
    files = _files(person_key)
    png = files["badge-work-in-teams.png"]
    path = tmp_path / "b.png"
    path.write_bytes(png)
    with Image.open(path) as img:
        img.verify()
    baked = unbake_png(png)
    assert baked is not None and baked.version == "ob3"
    assert baked.text == files["badge-work-in-teams.jwt"].decode()


def test_without_quotes_evidence_has_no_words(person_key: PersonKey) -> None:
    token = _files(person_key, include_quotes=False)["badge-manage-budgets.jwt"].decode()
    claims = _joserfc_decode(token, person_key)
    assert all("narrative" not in e for e in claims.get("evidence", []))
    assert "rebuilt" not in json.dumps(claims)


def test_nothing_confirmed(person_key: PersonKey) -> None:
    with pytest.raises(NothingToExport):
        export_passport(make_snapshot(confirmed=False), "ob3", person_key, now=NOW)
