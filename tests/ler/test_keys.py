"""Person keys: did:key shape, sealing with UTP_SECRET_KEY, the JWK file the person keeps."""

from __future__ import annotations

import json

import pytest
from joserfc.jwk import OKPKey

from ler.errors import KeyUnsealError
from ler.keys import PersonKey, export_key, import_key, new_person_key, open_key, seal_key
from ler.multibase import ed25519_from_did_key
from passport.errors import UTPError


def test_new_key_has_a_did_key_naming_its_public_key() -> None:
    key = new_person_key()
    assert key.did.startswith("did:key:z6Mk")
    assert ed25519_from_did_key(key.did) == key.public_bytes
    assert ed25519_from_did_key(key.key_id) == key.public_bytes
    assert key.private_bytes.hex() not in repr(key)


def test_seal_and_open_round_trip() -> None:
    key = new_person_key()
    token = seal_key(key, "server-secret")
    assert key.private_bytes.hex() not in token
    assert open_key(token, "server-secret") == key


@pytest.mark.parametrize("secret", ["wrong", ""])
def test_wrong_secret_raises_a_utp_error(secret: str) -> None:
    token = seal_key(new_person_key(), "server-secret")
    with pytest.raises(KeyUnsealError) as info:
        open_key(token, secret)
    assert isinstance(info.value, UTPError)


def test_token_cannot_be_moved_to_another_did() -> None:
    a, b = new_person_key(), new_person_key()
    parts = seal_key(a, "s").split(".")
    parts[1] = b.did
    with pytest.raises(KeyUnsealError):
        open_key(".".join(parts), "s")


def test_garbage_token_raises() -> None:
    with pytest.raises(KeyUnsealError):
        open_key("not-a-token", "s")


def test_exported_jwk_is_a_real_private_key_for_joserfc() -> None:
    key = new_person_key()
    doc = json.loads(export_key(key))
    assert doc["did"] == key.did
    jwk = OKPKey.import_key(doc["jwk"])
    assert jwk.is_private
    assert jwk.as_dict(private=False)["x"] == key.public_jwk()["x"]
    assert import_key(export_key(key)) == key


def test_bad_seed_length_is_refused() -> None:
    with pytest.raises(KeyUnsealError):
        PersonKey.from_private_bytes(b"short")
