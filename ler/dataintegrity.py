"""Data Integrity proofs with `eddsa-rdfc-2022` (RDFC-1.0 canonicalization, Ed25519), offline.

Canonicalization uses pyld with a document loader that serves only bundled contexts, so a
document naming a context UTP does not ship cannot be canonicalized: `context_urls` lets callers
find that out first and say "unverifiable offline" instead of guessing.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pyld import jsonld

from ler.errors import SigningError
from ler.multibase import multibase_decode, multibase_encode
from ler.resources import ContextNotBundled, document_loader, has_context

CRYPTOSUITES = ("eddsa-rdfc-2022", "eddsa-2022")  # eddsa-2022 = the same algorithm's old name


def context_urls(node: Any) -> set[str]:
    """Every remote `@context` URL named anywhere in a JSON-LD document."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ctx = item.get("@context")
            for c in ctx if isinstance(ctx, list) else [ctx]:
                if isinstance(c, str):
                    found.add(c)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def missing_contexts(doc: dict[str, Any]) -> list[str]:
    """Context URLs in `doc` that are not bundled (so RDF canonicalization cannot run offline)."""
    return sorted(url for url in context_urls(doc) if not has_context(url))


def canonicalize(doc: dict[str, Any]) -> str:
    """RDFC-1.0 (URDNA2015) N-Quads of a JSON-LD document, with bundled contexts only."""
    missing = missing_contexts(doc)
    if missing:
        raise ContextNotBundled(missing[0])
    return jsonld.normalize(
        copy.deepcopy(doc),
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": document_loader,
            "safe": False,
        },
    )


def _hash_data(unsecured: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    config_hash = hashlib.sha256(canonicalize(proof_config).encode("utf-8")).digest()
    doc_hash = hashlib.sha256(canonicalize(unsecured).encode("utf-8")).digest()
    return config_hash + doc_hash


def add_proof(
    doc: dict[str, Any],
    sign: Callable[[bytes], bytes],
    verification_method: str,
    *,
    created: datetime,
) -> dict[str, Any]:
    """A copy of `doc` with an `eddsa-rdfc-2022` DataIntegrityProof appended."""
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "created": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": verification_method,
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
    }
    config = dict(proof, **{"@context": unsecured["@context"]})
    try:
        proof["proofValue"] = multibase_encode(sign(_hash_data(unsecured, config)))
    except ContextNotBundled as exc:
        raise SigningError(str(exc)) from exc
    out = copy.deepcopy(unsecured)
    out["proof"] = [proof]
    return out


def proofs_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's proofs as a list (a single proof object is allowed by JSON-LD)."""
    raw = doc.get("proof")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    return [p for p in items if isinstance(p, dict)]


def verify_proof(doc: dict[str, Any], proof: dict[str, Any], public_key: bytes) -> bool:
    """True when `proof` (one of doc's proofs) is a valid eddsa-rdfc-2022 signature by the key.

    Raises ContextNotBundled when a context is not shipped; ValueError on a malformed proof.
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    value = proof.get("proofValue")
    if not isinstance(value, str):
        raise ValueError("proof has no proofValue")
    signature = multibase_decode(value)
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = unsecured.get("@context")
    data = _hash_data(unsecured, config)
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except InvalidSignature:
        return False
    return True
