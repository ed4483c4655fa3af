"""How far a signature can be checked offline, for embedded proofs and VC-JWTs.

The rule (see also `ler.verify`):
- A key is *bound* to the issuer when the issuer id is a `did:key` and the signing key is that
  very key: for did:key the identifier IS the public key, so a valid signature proves the issuer
  id. That, and only that, can reach `verified`.
- A key found inside the credential (a JWK in the JWT header, a Multikey in the fragment of an
  https verification method, a did:key that is not the issuer's) can prove the bytes were not
  changed since signing, but not who holds the key: `signature-valid-issuer-unchecked`.
- A key we cannot get without the network (did:web, an https key document, an OB 2.0 hosted
  assertion, a JSON-LD context we do not ship) or a proof type we do not implement:
  `unverifiable-offline`.
- A signature that does not check, a malformed key or verification method: `invalid`.
- An issuer that is a `did:key` but a signature by any other key: `invalid`. A did:key is its
  own public key, so offline we know the only key that may sign for it; another key signing
  in its name is a forged issuer, not an unchecked one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pyld.jsonld import JsonLdError

from ler import jwt as jws
from ler.dataintegrity import CRYPTOSUITES, missing_contexts, verify_proof
from ler.multibase import b64url_decode, ed25519_from_did_key, ed25519_from_multikey
from ler.resources import ContextNotBundled

MAX_CANON_BYTES = 1_000_000  # RDF canonicalization cost grows fast; badges are a few kB
MAX_BLANK_NODES = 500  # poison graphs (many interlinked blank nodes) make RDFC-1.0 explode

VERIFIED = "verified"
UNCHECKED = "signature-valid-issuer-unchecked"
OFFLINE = "unverifiable-offline"
INVALID = "invalid"
LEVELS = (VERIFIED, UNCHECKED, OFFLINE, INVALID)


def worst(*levels: str) -> str:
    """The weakest of several levels (invalid beats everything)."""
    return max(levels, key=LEVELS.index) if levels else OFFLINE


@dataclass(frozen=True, slots=True)
class ProofOutcome:
    """The result of checking one signature: a level and why, in plain words."""

    level: str
    reason: str


@dataclass(frozen=True, slots=True)
class _Key:
    public: bytes | None  # Ed25519 raw key when we have it offline
    bound: bool
    problem: str | None = None  # set -> the method itself is malformed (invalid)
    offline: str | None = None  # set -> key needs the network


def _key_for_method(method: Any, issuer_id: str) -> _Key:
    if not isinstance(method, str) or not method:
        return _Key(None, False, problem="the proof names no verification method")
    scheme, colon, rest = method.partition(":")
    if not colon or not scheme.isalpha():
        return _Key(None, False, problem="its verification method is not a URI")
    if method.startswith("did:key:"):
        try:
            public = ed25519_from_did_key(method)
        except ValueError:
            return _Key(None, False, problem="its did:key does not hold an Ed25519 key")
        issuer_key = issuer_id.partition("#")[0]
        return _Key(public, bound=issuer_key == method.partition("#")[0])
    if scheme == "did":
        did_method = rest.partition(":")[0]
        return _Key(None, False, offline=f"the key is published via did:{did_method}")
    fragment = method.partition("#")[2]
    if scheme in ("http", "https", "urn") or fragment.startswith("z6Mk"):
        if fragment.startswith("z6Mk"):
            try:
                return _Key(ed25519_from_multikey(fragment), bound=False)
            except ValueError:
                return _Key(None, False, problem="its verification method names a broken key")
        if scheme == "urn":
            return _Key(None, False, offline="the proof names its key only by a URN")
        return _Key(None, False, offline="the key is published on the issuer's web site")
    return _Key(None, False, problem=f"its verification method uses an unknown scheme ({scheme})")


def check_embedded_proof(
    cred: dict[str, Any], proof: dict[str, Any], issuer_id: str
) -> ProofOutcome:
    """Check one embedded (Data Integrity) proof of `cred` as far as possible offline."""
    ptype = proof.get("type")
    suite = proof.get("cryptosuite")
    legacy = ptype == "Ed25519Signature2020"
    if not legacy and not (ptype == "DataIntegrityProof" and suite in CRYPTOSUITES):
        return ProofOutcome(OFFLINE, f"its proof type {suite or ptype!s} is not one UTP checks")
    key = _key_for_method(proof.get("verificationMethod"), issuer_id)
    if key.problem:
        return ProofOutcome(INVALID, key.problem)
    if _forged_did_key(issuer_id, key.bound):
        return ProofOutcome(INVALID, FORGED_ISSUER)
    if key.public is None:
        return ProofOutcome(OFFLINE, f"{key.offline}, which UTP cannot fetch offline")
    if _too_complex(cred):
        return ProofOutcome(OFFLINE, "it is too large or complex for UTP to canonicalize safely")
    missing = missing_contexts(cred)
    if missing:
        return ProofOutcome(OFFLINE, f"it uses a JSON-LD context UTP does not ship ({missing[0]})")
    try:
        ok = verify_proof(cred, proof, key.public)
    except ContextNotBundled as exc:
        return ProofOutcome(OFFLINE, f"it uses a JSON-LD context UTP does not ship ({exc.url})")
    except ValueError:
        return ProofOutcome(INVALID, "its proof value is malformed")
    except JsonLdError as exc:
        if _caused_by_missing_context(exc):
            return ProofOutcome(OFFLINE, "it needs a JSON-LD context UTP does not ship")
        return ProofOutcome(INVALID, "its JSON-LD cannot be processed")
    if not ok:
        return ProofOutcome(INVALID, "its signature does not match: it was changed or forged")
    if key.bound:
        return ProofOutcome(VERIFIED, "its signature checks with the issuer's own did:key")
    return ProofOutcome(
        UNCHECKED, "its signature checks, but nothing offline ties the key to the issuer"
    )


FORGED_ISSUER = "it names a did:key issuer but is signed by another key: the issuer is forged"


def _forged_did_key(issuer_id: str, bound: bool) -> bool:
    return issuer_id.startswith("did:key:") and not bound


def _too_complex(cred: dict[str, Any]) -> bool:
    if len(json.dumps(cred)) > MAX_CANON_BYTES:
        return True
    blank, stack = 0, [cred]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            blank += "id" not in item and "@id" not in item and "@context" not in item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return blank > MAX_BLANK_NODES


def _caused_by_missing_context(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, ContextNotBundled):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def check_jwt(parsed: jws.ParsedJWT, issuer_id: str) -> ProofOutcome:
    """Check a VC-JWT signature as far as possible offline."""
    header = parsed.header
    alg = str(header.get("alg", ""))
    if alg.lower() == "none" or not parsed.signature:
        return ProofOutcome(INVALID, "it is an unsigned JWT")
    kid = header.get("kid")
    jwk = header.get("jwk")
    bound = False
    if isinstance(kid, str) and kid.startswith("did:key:"):
        key = _key_for_method(kid, issuer_id)
        if key.problem or key.public is None:
            return ProofOutcome(INVALID, key.problem or "its key id is malformed")
        from ler.multibase import b64url_encode

        from_kid = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(key.public)}
        if isinstance(jwk, dict) and jwk.get("x") != from_kid["x"]:
            return ProofOutcome(INVALID, "its header names two different keys")
        jwk, bound = from_kid, key.bound
    elif isinstance(jwk, dict):
        if issuer_id.startswith("did:key:") and jwk.get("kty") == "OKP":
            try:
                bound = b64url_decode(str(jwk.get("x"))) == ed25519_from_did_key(issuer_id)
            except ValueError:
                bound = False
    elif isinstance(kid, str) and kid:
        if issuer_id.startswith("did:key:"):
            return ProofOutcome(INVALID, FORGED_ISSUER)
        where = "did:" + kid.split(":")[1] if kid.startswith("did:") else "the issuer's site"
        return ProofOutcome(
            OFFLINE, f"its key is published via {where}; UTP cannot fetch it offline"
        )
    else:
        return ProofOutcome(OFFLINE, "its JWT names no key UTP can use offline")
    if _forged_did_key(issuer_id, bound):
        return ProofOutcome(INVALID, FORGED_ISSUER)
    try:
        ok = jws.verify(parsed, jwk)
    except ValueError as exc:
        return ProofOutcome(OFFLINE, f"its signature cannot be checked here ({exc})")
    if not ok:
        return ProofOutcome(INVALID, "its signature does not match: it was changed or forged")
    if bound:
        return ProofOutcome(VERIFIED, "its signature checks with the issuer's own did:key")
    return ProofOutcome(
        UNCHECKED, "its signature checks with a key in the file, but nothing ties it to the issuer"
    )
