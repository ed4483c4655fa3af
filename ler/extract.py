"""Find a credential in whatever a person sent: baked PNG/SVG, JSON, or a VC-JWT as text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ler.bake import PNG_SIGNATURE, unbake_png, unbake_svg
from ler.errors import UnsafeFile
from ler.jwt import looks_like_jwt

MAX_INPUT = 25_000_000  # bytes; badges are kilobytes, this only bounds the work
_MARKERS = ("@context", "verifiablecredential", "openbadge", "assertion", "credential")


@dataclass(frozen=True, slots=True)
class Found:
    """What was found: the container, the Open Badges generation it claims, and its payload."""

    container: str  # png | svg | json | jwt
    version: str  # ob3 (VC world) | ob2 | unknown
    text: str  # the credential as found (JSON text, JWT or an OB 2.0 hosted URL)
    data: dict[str, Any] | None = None  # parsed JSON when `text` is JSON
    broken: str | None = None  # why the payload could not be read (then it is `invalid`)


def _text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        return None


def _from_text(text: str, container: str, version: str) -> Found | None:
    if looks_like_jwt(text):
        return Found(container if container != "json" else "jwt", version, text)
    if text.startswith(("{", "[")):
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):
            if container != "json" or any(m in text.lower() for m in _MARKERS):
                return Found(container, version, text, broken="it is not valid JSON")
            return None
        if not isinstance(doc, dict):
            return None
        return Found(container, version, text, data=doc)
    if text.startswith(("http://", "https://")) and container in ("png", "svg"):
        return Found(container, "ob2", text)  # OB 2.0 hosted assertion by URL
    if container in ("png", "svg"):
        return Found(container, version, text, broken="the badge holds no readable credential")
    return None


def _looks_like_svg(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return (
        head.startswith(b"<?xml") and b"<svg" in data[:65536].lower() or head.startswith(b"<svg")
    )


def find_credential(data: bytes, filename: str = "") -> Found | None:
    """The credential inside `data`, or None when there is none. UnsafeFile for hostile files."""
    if len(data) > MAX_INPUT:
        raise UnsafeFile("This file is too big for UTP to check as a credential.")
    if data.startswith(PNG_SIGNATURE):
        baked = unbake_png(data)
        return _from_text(baked.text, "png", baked.version) if baked else None
    if _looks_like_svg(data):
        baked = unbake_svg(data)
        return _from_text(baked.text, "svg", baked.version) if baked else None
    text = _text(data)
    if text is None:
        return None
    found = _from_text(text, "json", "unknown")
    if found is None:
        return None
    if found.data is not None and not _is_credential_json(found.data):
        return None
    return found


def _is_credential_json(doc: dict[str, Any]) -> bool:
    ctx = doc.get("@context")
    types = doc.get("type")
    blob = json.dumps([ctx, types])[:4000].lower()
    return any(m in blob for m in ("credential", "openbadges", "assertion", "imsglobal"))
