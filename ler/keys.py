"""A key per person: Ed25519 key pair, its `did:key`, sealed storage and a JWK the person keeps.

Sealing: scrypt(UTP_SECRET_KEY, random salt) -> AES-256-GCM over the 32-byte private seed, with
the DID as associated data so a token cannot be swapped for another person's key unnoticed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ler.errors import KeyUnsealError
from ler.multibase import b64url_decode, b64url_encode, did_key_from_ed25519

_TOKEN_PREFIX = "utpkey1"
_SCRYPT_N = 2**14  # ~16 MB, tens of milliseconds: the key is opened once per export


@dataclass(frozen=True, slots=True)
class PersonKey:
    """One person's Ed25519 signing key; `did` is its `did:key`."""

    private_bytes: bytes = field(repr=False)
    did: str = ""

    @classmethod
    def from_private_bytes(cls, seed: bytes) -> PersonKey:
        """Rebuild a key from its 32-byte Ed25519 seed."""
        if len(seed) != 32:
            raise KeyUnsealError("an Ed25519 private key is 32 bytes")
        public = _private(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return cls(private_bytes=seed, did=did_key_from_ed25519(public))

    @property
    def public_bytes(self) -> bytes:
        """The raw 32-byte public key."""
        return (
            _private(self.private_bytes).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        )

    @property
    def key_id(self) -> str:
        """The verification method id: `did:key:z6Mk...#z6Mk...`."""
        return f"{self.did}#{self.did.removeprefix('did:key:')}"

    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK (OKP / Ed25519) with `kid` = the verification method."""
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64url_encode(self.public_bytes),
            "kid": self.key_id,
        }

    def sign(self, data: bytes) -> bytes:
        """An Ed25519 signature over `data`."""
        return _private(self.private_bytes).sign(data)


def _private(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


def new_person_key() -> PersonKey:
    """A fresh random Ed25519 key for a person."""
    return PersonKey.from_private_bytes(os.urandom(32))


def _kek(secret: str, salt: bytes) -> bytes:
    if not secret:
        raise KeyUnsealError("UTP_SECRET_KEY is empty: cannot seal or open person keys")
    return Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=8, p=1).derive(secret.encode("utf-8"))


def seal_key(key: PersonKey, secret: str) -> str:
    """Encrypt a person's key with UTP_SECRET_KEY; the token is safe to store in the database."""
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = AESGCM(_kek(secret, salt)).encrypt(nonce, key.private_bytes, key.did.encode())
    return ".".join(
        (_TOKEN_PREFIX, key.did, b64url_encode(salt), b64url_encode(nonce), b64url_encode(sealed))
    )


def open_key(token: str, secret: str) -> PersonKey:
    """Decrypt a token from `seal_key`; raises KeyUnsealError on a wrong secret or damage."""
    parts = token.split(".")
    if len(parts) != 5 or parts[0] != _TOKEN_PREFIX:
        raise KeyUnsealError("not a sealed UTP person key")
    _, did, salt, nonce, sealed = parts
    try:
        seed = AESGCM(_kek(secret, b64url_decode(salt))).decrypt(
            b64url_decode(nonce), b64url_decode(sealed), did.encode()
        )
    except (InvalidTag, ValueError) as exc:
        raise KeyUnsealError("cannot open the person key (wrong UTP_SECRET_KEY?)") from exc
    key = PersonKey.from_private_bytes(seed)
    if key.did != did:
        raise KeyUnsealError("sealed key does not match its DID")
    return key


def export_key(key: PersonKey) -> bytes:
    """The key as a private JWK JSON file the person can keep (it is theirs)."""
    jwk: dict[str, Any] = dict(key.public_jwk())
    jwk["d"] = b64url_encode(key.private_bytes)
    jwk["use"] = "sig"
    jwk["alg"] = "EdDSA"
    doc = {
        "did": key.did,
        "note": "Your UTP signing key. Keep it private: it signs credentials in your name.",
        "jwk": jwk,
    }
    return (json.dumps(doc, indent=2) + "\n").encode("utf-8")


def import_key(data: bytes) -> PersonKey:
    """Read back a file written by `export_key` (or a bare Ed25519 private JWK)."""
    try:
        doc = json.loads(data)
        jwk = doc.get("jwk", doc)
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise ValueError("not an Ed25519 JWK")
        key = PersonKey.from_private_bytes(b64url_decode(jwk["d"]))
    except (ValueError, KeyError, AttributeError, TypeError) as exc:
        raise KeyUnsealError("not a UTP key file") from exc
    if doc.get("did") not in (None, key.did):
        raise KeyUnsealError("key file DID does not match its key")
    return key
