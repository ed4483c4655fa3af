"""Base58btc multibase and `did:key` for Ed25519 keys (small, pure Python)."""

from __future__ import annotations

import base64

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
ED25519_PUB_PREFIX = b"\xed\x01"  # multicodec varint for ed25519-pub
_MAX_B58 = 512  # nothing we decode (keys, signatures) is longer


def b58encode(data: bytes) -> str:
    """Encode bytes as base58 (Bitcoin alphabet)."""
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, rem = divmod(n, 58)
        out.append(_ALPHABET[rem])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Decode base58 (Bitcoin alphabet); ValueError on a bad character or absurd length."""
    if len(text) > _MAX_B58:
        raise ValueError("base58 text too long")
    n = 0
    for ch in text:
        if ch not in _INDEX:
            raise ValueError("not base58")
        n = n * 58 + _INDEX[ch]
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + body


def multibase_encode(data: bytes) -> str:
    """Multibase base58btc (`z` prefix)."""
    return "z" + b58encode(data)


def multibase_decode(text: str) -> bytes:
    """Decode multibase base58btc (`z...`) or base64url (`u...`); ValueError otherwise."""
    if text.startswith("z"):
        return b58decode(text[1:])
    if text.startswith("u"):
        return b64url_decode(text[1:])
    raise ValueError("unsupported multibase prefix")


def multikey_from_ed25519(public: bytes) -> str:
    """The Multikey (`z6Mk...`) of a 32-byte Ed25519 public key."""
    return multibase_encode(ED25519_PUB_PREFIX + public)


def ed25519_from_multikey(multikey: str) -> bytes:
    """The 32-byte Ed25519 public key inside a `z6Mk...` Multikey; ValueError if it is not one."""
    raw = multibase_decode(multikey)
    if len(raw) != 34 or raw[:2] != ED25519_PUB_PREFIX:
        raise ValueError("not an Ed25519 multikey")
    return raw[2:]


def did_key_from_ed25519(public: bytes) -> str:
    """`did:key:z6Mk...` for an Ed25519 public key."""
    return "did:key:" + multikey_from_ed25519(public)


def ed25519_from_did_key(did: str) -> bytes:
    """The Ed25519 public key named by a `did:key` (a fragment, if any, must repeat the key)."""
    if not did.startswith("did:key:"):
        raise ValueError("not a did:key")
    ident, _, fragment = did[len("did:key:") :].partition("#")
    if fragment and fragment != ident:
        raise ValueError("did:key fragment names another key")
    return ed25519_from_multikey(ident)


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; ValueError on bad input."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError("not base64url") from exc
