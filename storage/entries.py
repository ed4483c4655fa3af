"""Entries: what a person wrote, every version of it, and which message wrote which part."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from passport.errors import StorageConflict
from passport.model import Entry
from passport.repositories import EntryRepository
from storage.compiled import CompiledOnce
from storage.mapping import SessionRepository, entry_from_row
from storage.models import EntryPartRow, EntryRow, EntryVersionRow, _table

# The capture path runs these for every message: built once, on tables rather than mapped
# classes, so SQLAlchemy skips statement construction and the ORM's bulk-insert machinery.
_ENTRIES = _table(EntryRow)
# A message key makes one entry: a second add with the same key inserts nothing (and the entry
# it made is handed back), with no extra round trip when the key is new.
_INSERT_ENTRY = {
    "sqlite": sqlite_insert(_ENTRIES)
    .on_conflict_do_nothing(index_elements=["message_key"])
    .returning(_ENTRIES.c.id),
    "postgresql": pg_insert(_ENTRIES)
    .on_conflict_do_nothing(index_elements=["message_key"])
    .returning(_ENTRIES.c.id),
}
_INSERT_VERSION = insert(_table(EntryVersionRow))
# Dialect inserts (ON CONFLICT) are never cached by SQLAlchemy: compiled once here instead.
# (with the columns add_entry gives, so the compiled form names only those).
_ENTRY_VALUES = {
    name: bindparam(name, type_=_ENTRIES.c[name].type)
    for name in (
        "person_id",
        "text",
        "created_at",
        "updated_at",
        "message_key",
        "prompt_id",
        "iso_week",
        "version",
    )
}
_INSERT_ENTRY_ONCE = CompiledOnce(lambda dialect: _INSERT_ENTRY[dialect].values(_ENTRY_VALUES))


class SqlAlchemyEntryRepository(SessionRepository, EntryRepository):
    """A person's entries, their versions and parts, sealed with the person's data key."""

    async def add_entry(
        self,
        person_id: int,
        text: str,
        now: datetime,
        *,
        message_key: str | None = None,
        prompt_id: str | None = None,
        iso_week: str | None = None,
    ) -> Entry:
        """Store a new entry and its first version, sealed (two INSERTs, no ORM flush).

        Idempotent on the message key: the entry that key made already is returned as it is;
        a key that made another person's entry raises StorageConflict.
        """
        sealed = (await self.vault(person_id)).seal(text)  # one token serves both rows
        values = {
            "person_id": person_id,
            "text": sealed,
            "created_at": now,
            "updated_at": now,
            "message_key": message_key,
            "prompt_id": prompt_id,
            "iso_week": iso_week,
            "version": 1,
        }
        inserted = await self.session.execute(_INSERT_ENTRY_ONCE.of(self.session), values)
        entry_id = inserted.scalar()
        if entry_id is None:  # the key made an entry already
            existing = await self.entry_by_key(person_id, message_key or "")
            if existing is None:
                raise StorageConflict("this message key made another person's entry")
            return existing
        await self.session.execute(
            _INSERT_VERSION,
            {
                "entry_id": entry_id,
                "person_id": person_id,
                "version": 1,
                "text": sealed,
                "created_at": now,
            },
        )
        return Entry(
            id=entry_id,
            person_id=person_id,
            text=text,
            created_at=now,
            message_key=message_key,
            prompt_id=prompt_id,
            iso_week=iso_week,
        )

    async def entry_by_key(self, person_id: int, message_key: str) -> Entry | None:
        """The entry a platform message created, if any."""
        row = await self.session.scalar(
            select(EntryRow).where(
                EntryRow.person_id == person_id, EntryRow.message_key == message_key
            )
        )
        return entry_from_row(row, await self._opened(row.text)) if row else None

    async def get_entry(self, person_id: int, entry_id: int) -> Entry | None:
        """One of this person's entries."""
        row = await self.session.scalar(
            select(EntryRow).where(EntryRow.person_id == person_id, EntryRow.id == entry_id)
        )
        return entry_from_row(row, await self._opened(row.text)) if row else None

    async def revise_entry(self, person_id: int, entry_id: int, text: str, now: datetime) -> Entry:
        """Give an entry a new text, keeping the old one as a version."""
        row = await self.session.scalar(
            select(EntryRow).where(EntryRow.person_id == person_id, EntryRow.id == entry_id)
        )
        if row is None:
            raise LookupError(entry_id)
        sealed = (await self.vault(person_id)).seal(text)
        row.version += 1
        row.text = sealed
        row.updated_at = now
        self.session.add(
            EntryVersionRow(
                entry_id=row.id,
                person_id=person_id,
                version=row.version,
                text=sealed,
                created_at=now,
            )
        )
        await self.session.flush()
        return entry_from_row(row, self.sealer)

    async def entry_parts(self, person_id: int, entry_id: int) -> list[tuple[str | None, int]]:
        """(message key, length) of each part of an entry, in order; [] for a one-part entry."""
        rows = await self.session.execute(
            select(EntryPartRow.message_key, EntryPartRow.length)
            .where(EntryPartRow.person_id == person_id, EntryPartRow.entry_id == entry_id)
            .order_by(EntryPartRow.position)
        )
        return [(key, int(length)) for key, length in rows]

    async def set_entry_parts(
        self, person_id: int, entry_id: int, parts: Sequence[tuple[str | None, int]]
    ) -> None:
        """Record which message wrote which part of an entry (lengths, in order)."""
        await self.session.execute(
            delete(EntryPartRow).where(
                EntryPartRow.person_id == person_id, EntryPartRow.entry_id == entry_id
            )
        )
        if parts:
            await self.session.execute(
                insert(EntryPartRow),
                [
                    {
                        "entry_id": entry_id,
                        "person_id": person_id,
                        "message_key": key,
                        "position": position,
                        "length": length,
                    }
                    for position, (key, length) in enumerate(parts)
                ],
            )

    async def entry_by_part_key(self, person_id: int, message_key: str) -> Entry | None:
        """The entry a message joined as a later part (a follow-up answer), if any."""
        row = await self.session.scalar(
            select(EntryRow)
            .join(EntryPartRow, EntryPartRow.entry_id == EntryRow.id)
            .where(EntryPartRow.person_id == person_id, EntryPartRow.message_key == message_key)
        )
        return entry_from_row(row, await self._opened(row.text)) if row else None

    async def entries(self, person_id: int, *, with_versions: bool = False) -> list[Entry]:
        """All of a person's entries, oldest first."""
        rows = list(
            await self.session.scalars(
                select(EntryRow).where(EntryRow.person_id == person_id).order_by(EntryRow.id)
            )
        )
        if not with_versions:
            sealer = await self._opened(*(r.text for r in rows))
            return [entry_from_row(r, sealer) for r in rows]
        versions: dict[int, list[EntryVersionRow]] = {}
        for v in await self.session.scalars(
            select(EntryVersionRow)
            .where(EntryVersionRow.person_id == person_id)
            .order_by(EntryVersionRow.entry_id, EntryVersionRow.version)
        ):
            versions.setdefault(v.entry_id, []).append(v)
        sealer = await self._opened(
            *(r.text for r in rows), *(v.text for vs in versions.values() for v in vs)
        )
        return [entry_from_row(r, sealer, versions.get(r.id, ())) for r in rows]

    async def count_entries(self, person_id: int) -> int:
        """How many entries a person has."""
        return int(
            await self.session.scalar(
                select(func.count()).select_from(EntryRow).where(EntryRow.person_id == person_id)
            )
            or 0
        )
