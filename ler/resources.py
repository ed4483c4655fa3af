"""Bundled data: JSON Schemas and JSON-LD contexts from `ler/data/`, and the offline loader."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator, Draft201909Validator
from jsonschema.exceptions import ValidationError

SCHEMAS = {
    # Strict 1EdTech schema (arrays everywhere): what our own exports must pass.
    "ob3-strict": "ob_v3p0_achievementcredential_strict.json",
    # The purl.imsglobal.org variant that tolerates JSON-LD compaction: used on import.
    "ob3": "ob_v3p0_achievementcredential_schema.json",
    "clr": "clr_v2p0_clrcredential_schema.json",
    "jsonresume": "jsonresume_schema.json",
}


class ContextNotBundled(Exception):
    """A JSON-LD context URL that UTP does not ship (and will not fetch)."""

    def __init__(self, url: str) -> None:
        super().__init__(f"JSON-LD context not bundled: {url}")
        self.url = url


def _read(*parts: str) -> Any:
    path = resources.files("ler").joinpath("data", *parts)
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def schema(name: str) -> dict[str, Any]:
    """A bundled JSON Schema by short name (see `SCHEMAS`)."""
    return _read("schemas", SCHEMAS[name])


@cache
def _validator(name: str) -> Draft7Validator | Draft201909Validator:
    doc = schema(name)
    if "draft-07" in doc.get("$schema", ""):
        return Draft7Validator(doc)
    return Draft201909Validator(doc)


def schema_errors(name: str, instance: Any, limit: int = 5) -> list[str]:
    """Up to `limit` short messages why `instance` fails schema `name` (empty when valid)."""
    errors: list[ValidationError] = sorted(
        _validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path)
    )
    out = []
    for err in errors[:limit]:
        where = "/".join(str(p) for p in err.absolute_path) or "(top)"
        out.append(f"{where}: {_short(err.message)}")
    return out


def _short(text: str, size: int = 140) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


@cache
def context_map() -> dict[str, str]:
    """Context URL -> bundled file name."""
    return dict(_read("contexts", "manifest.json")["map"])


@cache
def _context(filename: str) -> Any:
    return _read("contexts", filename)


def has_context(url: str) -> bool:
    """True when `url` is a JSON-LD context UTP ships."""
    return url in context_map()


def load_context(url: str) -> Any:
    """The bundled JSON-LD context document for `url`; ContextNotBundled otherwise."""
    filename = context_map().get(url)
    if filename is None:
        raise ContextNotBundled(url)
    return _context(filename)


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pyld document loader that serves only bundled contexts: never the network."""
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(json.dumps(load_context(url))),  # pyld may mutate: copy
    }
