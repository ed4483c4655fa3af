"""The key ring: per-person data keys, the formats sealed values take, and the process's cache.

Envelope encryption. Each person has a random 256-bit data key (AES-256-GCM); it is stored
*wrapped* (AES-GCM) by a key-encryption key (KEK) derived from `UTP_SECRET_KEY`. The KEK has an
id, so `utp keys rotate` can re-wrap every data key under a new secret without touching the data.

Formats (each names the data key, so a value opens without knowing whose it is):
- text: `utp1:<key_id>:<base64url(nonce ‖ ciphertext ‖ tag)>`
- JSON values (person state, job payloads): `{"sealed": <text token of the JSON>}`
- bytes (blob files): `UTPB1` ‖ key_id (16 ASCII) ‖ nonce ‖ ciphertext ‖ tag

Reading is lenient: a value without the prefix is legacy plaintext and is returned as it is
(migration 0004 seals what was there). Writing always seals. Nothing here touches the database:
storage.sealing finds the keys a session needs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from passport.errors import UTPError

TEXT_PREFIX = "utp1:"
BLOB_MAGIC = b"UTPB1"
SEALED = "sealed"  # the one key of a sealed JSON value
_KEY_ID_LEN = 16
_NONCE = 12
_CACHE_MAX = 50_000  # unwrapped data keys kept per process (LRU)


class SealingError(UTPError):
    """A sealed value cannot be opened, or nothing is there to seal with."""


class KeyGone(SealingError):
    """The data key a value names is not in the database (forgotten, or never made)."""


class WrongSecret(SealingError):
    """A data key is wrapped under a secret this process does not have."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=8)
def _derive_kek(secret: str) -> tuple[str, bytes]:
    # scrypt (not a bare hash): a weak UTP_SECRET_KEY still costs an attacker ~tens of ms a guess.
    # The salt is fixed because the KEK must be the same in every process; it is derived once.
    if not secret:
        raise SealingError("UTP_SECRET_KEY is empty: nothing to seal with")
    kek = Scrypt(salt=b"utp-kek-v1", length=32, n=2**14, r=8, p=1).derive(secret.encode())
    kek_id = hmac.new(kek, b"utp-kek-id", hashlib.sha256).hexdigest()[:16]
    return kek_id, kek


@dataclass(frozen=True, slots=True, eq=False)
class DataKey:
    """One person's unwrapped data key: seals and opens their values."""

    key_id: str
    raw: bytes = field(repr=False)
    aead: AESGCM = field(repr=False)

    @classmethod
    def from_raw(cls, key_id: str, raw: bytes) -> DataKey:
        """A data key from its 32 bytes."""
        return cls(key_id=key_id, raw=raw, aead=AESGCM(raw))

    def seal(self, text: str) -> str:
        """Encrypt a text; the token names this key."""
        nonce = os.urandom(_NONCE)
        sealed = self.aead.encrypt(nonce, text.encode("utf-8"), self.key_id.encode())
        return f"{TEXT_PREFIX}{self.key_id}:{_b64(nonce + sealed)}"

    def open(self, token: str) -> str:
        """Decrypt a token this key made."""
        _, key_id, body = _split(token)
        if key_id != self.key_id:
            raise SealingError("the value was sealed with another data key")
        return self._open(body)

    def _open(self, body: str) -> str:
        try:
            raw = _unb64(body)
            plain = self.aead.decrypt(raw[:_NONCE], raw[_NONCE:], self.key_id.encode())
        except (InvalidTag, ValueError, binascii.Error) as exc:
            raise SealingError("a sealed value is damaged") from exc
        return plain.decode("utf-8")

    def seal_bytes(self, data: bytes) -> bytes:
        """Encrypt bytes (a stored file)."""
        nonce = os.urandom(_NONCE)
        sealed = self.aead.encrypt(nonce, data, BLOB_MAGIC + self.key_id.encode())
        return BLOB_MAGIC + self.key_id.encode() + nonce + sealed

    def open_bytes(self, data: bytes) -> bytes:
        """Decrypt bytes from `seal_bytes`; legacy unsealed bytes come back as they are."""
        if not data.startswith(BLOB_MAGIC):
            return data
        head = len(BLOB_MAGIC)
        key_id = data[head : head + _KEY_ID_LEN].decode("ascii", "replace")
        if key_id != self.key_id:
            raise SealingError("the file was sealed with another data key")
        body = data[head + _KEY_ID_LEN :]
        try:
            return self.aead.decrypt(
                body[:_NONCE], body[_NONCE:], BLOB_MAGIC + self.key_id.encode()
            )
        except InvalidTag as exc:
            raise SealingError("a sealed file is damaged") from exc

    def seal_json(self, value: Any) -> dict[str, str]:
        """A JSON column value: `{"sealed": token}`."""
        return {SEALED: self.seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")))}

    def name(self, label: str) -> str:
        """A stable name that reveals nothing without the key (blob file names)."""
        return hmac.new(self.raw, b"utp-name|" + label.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class PersonVault:
    """What storage needs to keep one person's things sealed: their data key and folder."""

    person_id: int
    folder: str
    key: DataKey

    def seal(self, text: str) -> str:
        """Encrypt a text with this person's key."""
        return self.key.seal(text)

    def seal_opt(self, text: str | None) -> str | None:
        """`seal`, letting None through."""
        return None if text is None else self.key.seal(text)

    def seal_json(self, value: Any) -> dict[str, str]:
        """Encrypt a JSON value (`{"sealed": token}`)."""
        return self.key.seal_json(value)

    def seal_bytes(self, data: bytes) -> bytes:
        """Encrypt file bytes."""
        return self.key.seal_bytes(data)

    def open_bytes(self, data: bytes) -> bytes:
        """Decrypt file bytes (legacy plain bytes pass through)."""
        return self.key.open_bytes(data)

    def blob_name(self, sha256: str) -> str:
        """The file name of a blob: keyed, so equal files of two people never look alike."""
        return self.key.name(sha256)


def _split(token: str) -> tuple[str, str, str]:
    prefix, key_id, body = token.split(":", 2)
    return prefix, key_id, body


def key_id_of(value: Any) -> str | None:
    """The data key a sealed text or JSON value names (None for plaintext or empty values)."""
    if isinstance(value, dict):
        value = value.get(SEALED) if len(value) == 1 else None
    if isinstance(value, str) and value.startswith(TEXT_PREFIX):
        parts = value.split(":", 2)
        if len(parts) == 3:
            return parts[1]
    return None


class Sealer:
    """The process's key ring: the KEK from UTP_SECRET_KEY and an LRU of unwrapped data keys.

    Cached by key id only: ids are random and never reused, so a cached key is always the
    right one, even in a process that did not see a /forget (its rows are gone anyway).
    """

    def __init__(self, secret: str, *, previous: Iterable[str] = ()) -> None:
        self.kek_id, self._kek = _derive_kek(secret)
        self._old: dict[str, bytes] = {}
        for old in previous:
            old_id, old_kek = _derive_kek(old)
            self._old[old_id] = old_kek
        self._cache: OrderedDict[str, DataKey] = OrderedDict()

    # -- data keys --------------------------------------------------------------------------

    def new_key(self) -> tuple[DataKey, dict[str, str]]:
        """A fresh data key and the columns that store it wrapped (key_id, kek_id, wrapped)."""
        key = DataKey.from_raw(secrets.token_hex(_KEY_ID_LEN // 2), os.urandom(32))
        self._remember(key)
        return key, {"key_id": key.key_id, "kek_id": self.kek_id, "wrapped": self.wrap(key)}

    def wrap(self, key: DataKey) -> str:
        """The data key encrypted under the current KEK (bound to its key id)."""
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(self._kek).encrypt(nonce, key.raw, b"utp-dk|" + key.key_id.encode())
        return _b64(nonce + sealed)

    def unwrap(self, key_id: str, kek_id: str, wrapped: str) -> DataKey:
        """Open a wrapped data key (cached); WrongSecret when its KEK is not ours."""
        cached = self._cache.get(key_id)
        if cached is not None:
            self._cache.move_to_end(key_id)
            return cached
        kek = self._kek if kek_id == self.kek_id else self._old.get(kek_id)
        if kek is None:
            raise WrongSecret(f"data key {key_id} is wrapped under another secret ({kek_id})")
        raw = _unb64(wrapped)
        try:
            plain = AESGCM(kek).decrypt(raw[:_NONCE], raw[_NONCE:], b"utp-dk|" + key_id.encode())
        except InvalidTag as exc:
            raise WrongSecret(f"data key {key_id} does not open with this secret") from exc
        key = DataKey.from_raw(key_id, plain)
        self._remember(key)
        return key

    def _remember(self, key: DataKey) -> None:
        self._cache[key.key_id] = key
        if len(self._cache) > _CACHE_MAX:
            self._cache.popitem(last=False)

    def cached(self, key_id: str) -> bool:
        """True when that data key is unwrapped in this process."""
        return key_id in self._cache

    def forget_key(self, key_id: str) -> None:
        """Drop a data key from this process's memory (after /forget)."""
        self._cache.pop(key_id, None)

    # -- values -----------------------------------------------------------------------------

    def open(self, value: str | None) -> str | None:
        """Decrypt a text token (its key must be loaded: `load_keys`); plaintext passes."""
        if value is None or not value.startswith(TEXT_PREFIX):
            return value
        try:
            _, key_id, body = _split(value)
        except ValueError as exc:
            raise SealingError("a sealed value is damaged") from exc
        key = self._cache.get(key_id)
        if key is None:
            raise KeyGone(f"data key {key_id} is not loaded (forgotten, or load_keys missing)")
        return key._open(body)

    def open_json(self, value: Any) -> Any:
        """Decrypt a `{"sealed": token}` JSON value; anything else passes as it is."""
        if isinstance(value, dict) and len(value) == 1 and isinstance(value.get(SEALED), str):
            return json.loads(self.open(value[SEALED]) or "null")
        return value


class NullSealer(Sealer):
    """Seals nothing: only for `bench/` runs that measure what sealing costs (`--no-sealing`)."""

    def __init__(self) -> None:
        self.kek_id, self._kek, self._old = "none", b"\0" * 32, {}
        self._cache = OrderedDict()

    def new_key(self) -> tuple[DataKey, dict[str, str]]:
        """A key whose values are stored as they are."""
        key, columns = super().new_key()
        return _PlainKey.from_raw(key.key_id, key.raw), columns

    def unwrap(self, key_id: str, kek_id: str, wrapped: str) -> DataKey:
        """The same no-op key for everyone."""
        return _PlainKey.from_raw(key_id, b"\0" * 32)


class _PlainKey(DataKey):
    __slots__ = ()

    def seal(self, text: str) -> str:
        return text

    def seal_bytes(self, data: bytes) -> bytes:
        return data

    def seal_json(self, value: Any) -> Any:  # type: ignore[override]
        return value


class _PlainReader(Sealer):
    """Reads plaintext only (no keys at all): what `load_keys` gives when nothing is sealed."""

    def __init__(self) -> None:
        self.kek_id, self._kek, self._old = "none", b"", {}
        self._cache = OrderedDict()


PLAIN_READER = _PlainReader()  # what `load_keys` gives when nothing is sealed
