"""One base exception for UTP and the specific errors every layer may raise or catch."""

from __future__ import annotations


class UTPError(Exception):
    """Base of every error UTP raises on purpose."""


class BadInput(UTPError):
    """Something a person sent that UTP cannot take; `reason` is safe to show them."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FileRejected(BadInput):
    """A file that is too big, of a type UTP does not keep, or unsafe to open."""


class DeliveryError(UTPError):
    """Sending to a platform failed."""


class RecipientGone(DeliveryError):
    """The person blocked the bot or left: stop sending, never retry."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying later (network, 5xx, rate limit); `retry_after` in seconds when known."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ExtractionError(UTPError):
    """An extractor could not produce a result."""


class StorageConflict(UTPError):
    """Two writers raced for the same row (e.g. two first messages); safe to retry."""


class StorageBusy(UTPError):
    """The database was locked for a moment; safe to retry."""


class StorageUnavailable(UTPError):
    """The database or file store cannot take writes now (disk full, read-only, unreachable).

    `kind` is "full", "readonly", "unreachable" or "busy" (locked past the wait); it clears by
    itself once the fault does, so callers keep what they were given and try again later.
    """

    def __init__(self, kind: str, detail: str = "", *, stale: bool = False) -> None:
        super().__init__(f"storage unavailable ({kind}){': ' + detail if detail else ''}")
        self.kind = kind
        self.detail = detail
        # A pooled connection was found dead mid-use (the pool has dropped it): a new one may
        # well work, so the policy tries once more at once before calling storage unavailable.
        self.stale = stale


class AmbiguousPerson(UTPError):
    """An operator's person key fits several people; `candidates` are the exact keys."""

    def __init__(self, key: str, candidates: list[str]) -> None:
        super().__init__(f"{key} fits {len(candidates)} people: " + ", ".join(candidates))
        self.key = key
        self.candidates = candidates
