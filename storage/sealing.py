"""Sealing at rest: what a person wrote or sent is encrypted with their own data key.

Each person has a random data key and a random folder name; both live in `person_keys`, the
data key wrapped by a key derived from `UTP_SECRET_KEY` (storage.keyring: keys and formats).
`/forget` deletes the person's `person_keys` row first: every copy of their ciphertext (backups,
WAL frames, dumps) is then unreadable, whatever else is left behind.

How storage code uses it (every call takes the open session; the `Sealer` comes from the
engine, installed once by `install_sealer` in bootstrap):

    vault = await vault_for(session, person_id)       # the person's key and folder (memoised)
    row.text = vault.seal(text)                       # write
    payload = vault.seal_json({"messages": [...]})    # a JSON column
    await load_keys(session, tokens)                  # read: make sure the keys are at hand
    text = sealer_of(session).open(row.text)
"""

from __future__ import annotations

import logging
import secrets
import weakref
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from storage.keyring import (
    BLOB_MAGIC,
    PLAIN_READER,
    SEALED,
    TEXT_PREFIX,
    DataKey,
    KeyGone,
    NullSealer,
    PersonVault,
    Sealer,
    SealingError,
    WrongSecret,
    key_id_of,
)
from storage.models import PersonKeyRow, _table

__all__ = [
    "BLOB_MAGIC",
    "SEALED",
    "TEXT_PREFIX",
    "DataKey",
    "KeyGone",
    "NullSealer",
    "PersonVault",
    "Sealer",
    "SealingError",
    "WrongSecret",
    "create_vault",
    "install_sealer",
    "key_id_of",
    "load_keys",
    "new_folder",
    "remember_vault",
    "rewrap_all",
    "sealer_of",
    "shred",
    "vault_for",
    "vaults_for",
]

logger = logging.getLogger(__name__)

_KEYS = _table(PersonKeyRow)
_VAULTS = "utp_vaults"  # session.info memo: person id -> PersonVault

# -- the sealer of an engine --------------------------------------------------------------------

_SEALERS: weakref.WeakKeyDictionary[Any, Sealer] = weakref.WeakKeyDictionary()


def _sync_engine(obj: Any) -> Any:
    obj = getattr(obj, "sync_engine", obj)  # AsyncEngine / AsyncConnection
    return getattr(obj, "engine", obj)  # Connection -> Engine


def install_sealer(engine: Any, sealer: Sealer) -> Sealer:
    """Make `sealer` the one every session and migration on `engine` seals with."""
    _SEALERS[_sync_engine(engine)] = sealer
    return sealer


def sealer_of(session_or_bind: Any) -> Sealer:
    """The sealer installed on the engine behind a session or connection."""
    bind = session_or_bind
    if hasattr(bind, "get_bind"):
        bind = bind.get_bind()
    found = _SEALERS.get(_sync_engine(bind))
    if found is None:
        raise SealingError("no sealer installed on this engine (storage.sealing.install_sealer)")
    return found


# -- loading keys in a session -------------------------------------------------------------------


async def vault_for(session: Any, person_id: int, *, create: bool = True) -> PersonVault:
    """This person's vault, memoised for the session; made on first use when `create`."""
    memo: dict[int, PersonVault] = session.info.setdefault(_VAULTS, {})
    found = memo.get(person_id)
    if found is not None:
        return found
    row = (
        await session.execute(
            select(_KEYS.c.key_id, _KEYS.c.kek_id, _KEYS.c.wrapped, _KEYS.c.folder).where(
                _KEYS.c.person_id == person_id
            )
        )
    ).first()
    if row is not None:
        return remember_vault(session, person_id, *row)
    if not create:
        raise KeyGone(f"person {person_id} has no data key")
    return await create_vault(session, person_id)


async def create_vault(session: Any, person_id: int) -> PersonVault:
    """Make and store a data key and folder for a new person."""
    key, columns = sealer_of(session).new_key()
    folder = new_folder()
    await session.execute(
        insert(_KEYS),
        {"person_id": person_id, "folder": folder, "created_at": datetime.now(UTC), **columns},
    )
    vault = PersonVault(person_id, folder, key)
    session.info.setdefault(_VAULTS, {})[person_id] = vault
    return vault


def remember_vault(
    session: Any, person_id: int, key_id: str, kek_id: str, wrapped: str, folder: str
) -> PersonVault:
    """Unwrap a person_keys row read by some query and memoise it for the session."""
    vault = PersonVault(person_id, folder, sealer_of(session).unwrap(key_id, kek_id, wrapped))
    session.info.setdefault(_VAULTS, {})[person_id] = vault
    return vault


async def vaults_for(session: Any, person_ids: Iterable[int]) -> dict[int, PersonVault]:
    """Several people's vaults in one query (people without a key are left out)."""
    memo: dict[int, PersonVault] = session.info.setdefault(_VAULTS, {})
    wanted = {int(p) for p in person_ids}
    missing = [p for p in wanted if p not in memo]
    if missing:
        rows = await session.execute(
            select(
                _KEYS.c.person_id, _KEYS.c.key_id, _KEYS.c.kek_id, _KEYS.c.wrapped, _KEYS.c.folder
            ).where(_KEYS.c.person_id.in_(missing))
        )
        for pid, key_id, kek_id, wrapped, folder in rows:
            remember_vault(session, pid, key_id, kek_id, wrapped, folder)
    return {p: memo[p] for p in wanted if p in memo}


async def load_keys(session: Any, values: Iterable[Any]) -> Sealer:
    """Unwrap the data keys the given sealed values name (one query for those not cached)."""
    named = {k for k in map(key_id_of, values) if k is not None}
    if not named and _sync_engine(session.get_bind()) not in _SEALERS:
        return PLAIN_READER  # nothing sealed to read (e.g. a bench or test database without a key)
    sealer = sealer_of(session)
    wanted = {k for k in named if not sealer.cached(k)}
    if wanted:
        rows = await session.execute(
            select(_KEYS.c.key_id, _KEYS.c.kek_id, _KEYS.c.wrapped).where(
                _KEYS.c.key_id.in_(wanted)
            )
        )
        for key_id, kek_id, wrapped in rows:
            sealer.unwrap(key_id, kek_id, wrapped)
    return sealer


async def shred(session: Any, person_id: int) -> PersonVault | None:
    """Destroy a person's data key (crypto-shredding); returns the vault it held, if any."""
    try:
        vault = await vault_for(session, person_id, create=False)
    except (KeyGone, WrongSecret):
        vault = None
    await session.execute(delete(_KEYS).where(_KEYS.c.person_id == person_id))
    session.info.get(_VAULTS, {}).pop(person_id, None)
    if vault is not None:
        sealer_of(session).forget_key(vault.key.key_id)
    return vault


def new_folder() -> str:
    """A random folder name for a person's files: never a name, never reused."""
    return secrets.token_hex(16)


async def rewrap_all(session: Any, sealer: Sealer) -> tuple[int, int]:
    """Re-wrap every data key under `sealer`'s current KEK: (re-wrapped, already current)."""
    rows = (await session.execute(select(_KEYS.c.key_id, _KEYS.c.kek_id, _KEYS.c.wrapped))).all()
    done = current = 0
    for key_id, kek_id, wrapped in rows:
        if kek_id == sealer.kek_id:
            sealer.unwrap(key_id, kek_id, wrapped)  # proves it opens; raises if damaged
            current += 1
            continue
        key = sealer.unwrap(key_id, kek_id, wrapped)
        await session.execute(
            update(_KEYS)
            .where(_KEYS.c.key_id == key_id)
            .values(kek_id=sealer.kek_id, wrapped=sealer.wrap(key))
        )
        done += 1
    return done, current
