"""Compact JWS / VC-JWT: sign with EdDSA, verify EdDSA, RSA and ECDSA keys (cryptography)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from ler.keys import PersonKey
from ler.multibase import b64url_decode, b64url_encode

MAX_JWT = 2_000_000  # characters; a badge is a few kB


class MalformedJWT(ValueError):
    """Not a compact JWS we can read."""


@dataclass(frozen=True, slots=True)
class ParsedJWT:
    """A compact JWS split into its parts."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes


def looks_like_jwt(text: str) -> bool:
    """Three base64url segments, the first decoding to a JSON header with `alg`."""
    parts = text.strip().split(".")
    if len(parts) != 3 or len(text) > MAX_JWT:
        return False
    try:
        header = json.loads(b64url_decode(parts[0]))
    except ValueError:
        return False
    return isinstance(header, dict) and "alg" in header


def parse(token: str) -> ParsedJWT:
    """Split and decode a compact JWS; MalformedJWT when it is not one."""
    token = token.strip()
    if len(token) > MAX_JWT:
        raise MalformedJWT("token too long")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedJWT("a JWT has three parts")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except ValueError as exc:
        raise MalformedJWT("a JWT part is not base64url JSON") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise MalformedJWT("JWT header and payload must be JSON objects")
    return ParsedJWT(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def sign_eddsa(payload: dict[str, Any], key: PersonKey) -> str:
    """A compact JWS (alg EdDSA) over `payload`, with `kid` and the public `jwk` in the header."""
    jwk = key.public_jwk()
    header = {"alg": "EdDSA", "typ": "JWT", "kid": key.key_id, "jwk": jwk}
    h = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
    p = b64url_encode(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{h}.{p}.{b64url_encode(key.sign(f'{h}.{p}'.encode('ascii')))}"


_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}
_CURVES: dict[str, Callable[[], ec.EllipticCurve]] = {
    "P-256": ec.SECP256R1,
    "P-384": ec.SECP384R1,
    "P-521": ec.SECP521R1,
}


def _int(value: str) -> int:
    return int.from_bytes(b64url_decode(value), "big")


def verify(parsed: ParsedJWT, jwk: dict[str, Any]) -> bool:
    """True when the JWS signature checks with the public JWK; ValueError for unsupported keys."""
    alg = str(parsed.header.get("alg", ""))
    kty = jwk.get("kty")
    data, sig = parsed.signing_input, parsed.signature
    try:
        if alg in ("EdDSA", "Ed25519") and kty == "OKP" and jwk.get("crv") == "Ed25519":
            Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"])).verify(sig, data)
        elif alg[:2] in ("RS", "PS") and alg[2:] in _HASHES and kty == "RSA":
            pub = rsa.RSAPublicNumbers(_int(jwk["e"]), _int(jwk["n"])).public_key()
            if pub.key_size < 2048:
                raise ValueError("RSA key shorter than 2048 bits")
            algo = _HASHES[alg[2:]]()
            pad = (
                padding.PKCS1v15()
                if alg.startswith("RS")
                else padding.PSS(padding.MGF1(algo), algo.digest_size)
            )
            pub.verify(sig, data, pad, algo)
        elif alg[:2] == "ES" and alg[2:] in _HASHES and kty == "EC" and jwk.get("crv") in _CURVES:
            curve = _CURVES[jwk["crv"]]()
            pub_ec = ec.EllipticCurvePublicNumbers(_int(jwk["x"]), _int(jwk["y"]), curve)
            half = len(sig) // 2
            der = encode_dss_signature(
                int.from_bytes(sig[:half], "big"), int.from_bytes(sig[half:], "big")
            )
            pub_ec.public_key().verify(der, data, ec.ECDSA(_HASHES[alg[2:]]()))
        else:
            raise ValueError(f"unsupported JWS algorithm {alg or '(none)'} for this key")
    except InvalidSignature:
        return False
    except (KeyError, TypeError) as exc:
        raise ValueError("incomplete public key") from exc
    return True
