"""Errors raised by the portability package, all under `passport.errors.UTPError`."""

from __future__ import annotations

from passport.errors import BadInput, FileRejected, UTPError


class LERError(UTPError):
    """Base of portability errors."""


class KeyUnsealError(LERError):
    """A sealed person key could not be opened (wrong secret or damaged token)."""


class SigningError(LERError):
    """A credential could not be signed (for example a JSON-LD context is not bundled)."""


class NothingToExport(BadInput):
    """The person has nothing confirmed yet, so there is nothing to put in a credential."""


class UnknownFormat(BadInput):
    """An export format UTP does not offer."""


class UnsafeFile(FileRejected):
    """A file UTP refuses to open or keep: a script in an SVG, entity tricks, lying sizes."""
