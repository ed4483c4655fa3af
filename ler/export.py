"""`export_passport`: the person's confirmed passport as JSON Resume, OB 3.0 badges or a CLR.

Every file is validated against the bundled schema before it is returned: an export that fails
its own schema is a bug, raised as `ExportInvalid`, never handed to the person.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ler.bake import bake_png
from ler.errors import LERError, NothingToExport, UnknownFormat
from ler.image import badge_png
from ler.jsonresume import build_resume
from ler.jwt import sign_eddsa
from ler.keys import PersonKey
from ler.ob3 import achievement_credential
from ler.resources import schema_errors
from ler.selection import skill_claims
from passport.model import PassportSnapshot

logger = logging.getLogger(__name__)

FORMATS = ("jsonresume", "ob3", "clr")
NOTHING_CONFIRMED = (
    "Nothing confirmed yet, so there is nothing to put in a credential. "
    "Confirm a few skills from your digest first, then export again."
)


class ExportInvalid(LERError):
    """An export failed its own schema (a bug in UTP, not the person's doing)."""


@dataclass(frozen=True, slots=True)
class ExportedFile:
    """One file of an export: name, bytes and MIME type."""

    filename: str
    content: bytes
    mime: str


def slug(text: str, limit: int = 48) -> str:
    """A safe, readable file-name part."""
    s = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    return (s[:limit].rstrip("-")) or "skill"


def _check(name: str, doc: dict[str, Any], what: str) -> None:
    errors = schema_errors(name, doc)
    if errors:
        logger.error("export %s failed schema %s: %s", what, name, errors)
        raise ExportInvalid(f"{what} does not validate against {name}: {errors[0]}")


def _dump(doc: dict[str, Any]) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def vc_jwt_claims(credential: dict[str, Any]) -> dict[str, Any]:
    """VC-JWT payload: the credential plus the registered claims OB 3.0 maps it to."""
    valid_from = datetime.fromisoformat(credential["validFrom"].replace("Z", "+00:00"))
    claims = dict(credential)
    claims.update(
        iss=credential["issuer"]["id"],
        sub=credential["credentialSubject"]["id"],
        jti=credential["id"],
        nbf=int(valid_from.timestamp()),
        iat=int(valid_from.timestamp()),
    )
    return claims


def _need_key(key: PersonKey | None) -> PersonKey:
    if key is None:
        raise LERError("signing an export needs the person's key")
    return key


def export_passport(
    snapshot: PassportSnapshot,
    fmt: str,
    key: PersonKey | None,
    *,
    include_quotes: bool = True,
    now: datetime,
) -> list[ExportedFile]:
    """Export confirmed signals as `jsonresume`, `ob3` (VC-JWT + baked PNG) or `clr` (signed)."""
    if fmt not in FORMATS:
        raise UnknownFormat(f"Unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    claims = skill_claims(snapshot, include_quotes)
    base = slug(snapshot.person.display_name, 32)
    stamp = now.strftime("%Y%m%d")
    if fmt == "jsonresume":
        resume = build_resume(snapshot, include_quotes=include_quotes, now=now)
        if not (claims or resume.get("projects") or resume.get("certificates")):
            raise NothingToExport(NOTHING_CONFIRMED)
        _check("jsonresume", resume, "JSON Resume")
        return [ExportedFile(f"{base}-resume-{stamp}.json", _dump(resume), "application/json")]
    if not claims:
        raise NothingToExport(NOTHING_CONFIRMED)
    person_key = _need_key(key)
    if fmt == "ob3":
        files: list[ExportedFile] = []
        used: set[str] = set()
        for claim in claims:
            cred = achievement_credential(claim, snapshot.person, person_key.did, now=now)
            _check("ob3", cred, "OB 3.0 credential")
            _check("ob3-strict", cred, "OB 3.0 credential")
            token = sign_eddsa(vc_jwt_claims(cred), person_key)
            name = slug(claim.label)
            while name in used:
                name += "-x"
            used.add(name)
            files.append(
                ExportedFile(f"badge-{name}.jwt", token.encode("ascii"), "application/jwt")
            )
            png = bake_png(badge_png(claim.label), token)
            files.append(ExportedFile(f"badge-{name}.png", png, "image/png"))
        return files
    from ler.clr import signed_clr

    clr = signed_clr(snapshot, claims, person_key, now=now)
    _check("clr", clr, "CLR 2.0 credential")
    return [ExportedFile(f"{base}-clr-{stamp}.json", _dump(clr), "application/json")]
