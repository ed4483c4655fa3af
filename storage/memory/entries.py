"""Entries, their versions and parts, in memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from passport.errors import StorageConflict
from passport.model import Entry, EntryVersion
from passport.repositories import EntryRepository
from storage.memory.state import EntryRecord, Transaction


class InMemoryEntryRepository(EntryRepository):
    """A person's entries of one in-memory unit of work."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def _own(self, person_id: int, entry_id: int) -> EntryRecord | None:
        record = self.tx.state.entries.get(entry_id)
        return record if record and record.entry.person_id == person_id else None

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
        """Store a new entry and its first version (a message key makes one entry only)."""
        if message_key is not None:
            for record in self.tx.state.entries.values():
                if record.entry.message_key == message_key:
                    if record.entry.person_id == person_id:
                        return record.entry
                    raise StorageConflict("this message key made another entry")
        entry = Entry(
            id=self.tx.state.next_id(),
            person_id=person_id,
            text=text,
            created_at=now,
            message_key=message_key,
            prompt_id=prompt_id,
            iso_week=iso_week,
        )
        self.tx.state.entries[entry.id] = EntryRecord(entry, [EntryVersion(1, text, now)])
        return entry

    async def entry_by_key(self, person_id: int, message_key: str) -> Entry | None:
        """The entry a platform message created, if any."""
        for record in self.tx.state.entries.values():
            if record.entry.person_id == person_id and record.entry.message_key == message_key:
                return record.entry
        return None

    async def get_entry(self, person_id: int, entry_id: int) -> Entry | None:
        """One of this person's entries."""
        record = self._own(person_id, entry_id)
        return record.entry if record else None

    async def revise_entry(self, person_id: int, entry_id: int, text: str, now: datetime) -> Entry:
        """Give an entry a new text, keeping the old one as a version."""
        record = self._own(person_id, entry_id)
        if record is None:
            raise LookupError(entry_id)
        version = record.entry.version + 1
        record.entry = replace(record.entry, text=text, version=version)
        record.versions.append(EntryVersion(version, text, now))
        return record.entry

    async def entry_parts(self, person_id: int, entry_id: int) -> list[tuple[str | None, int]]:
        """(message key, length) of each part of an entry, in order."""
        record = self._own(person_id, entry_id)
        return list(record.parts) if record else []

    async def set_entry_parts(
        self, person_id: int, entry_id: int, parts: Sequence[tuple[str | None, int]]
    ) -> None:
        """Record which message wrote which part of an entry."""
        record = self._own(person_id, entry_id)
        if record is not None:
            record.parts = [(key, int(length)) for key, length in parts]

    async def entry_by_part_key(self, person_id: int, message_key: str) -> Entry | None:
        """The entry a message joined as a later part, if any."""
        for record in self.tx.state.entries.values():
            if record.entry.person_id == person_id and any(
                key == message_key for key, _ in record.parts
            ):
                return record.entry
        return None

    async def entries(self, person_id: int, *, with_versions: bool = False) -> list[Entry]:
        """All of a person's entries, oldest first."""
        records = sorted(
            (r for r in self.tx.state.entries.values() if r.entry.person_id == person_id),
            key=lambda r: r.entry.id,
        )
        if with_versions:
            return [replace(r.entry, versions=tuple(r.versions)) for r in records]
        return [r.entry for r in records]

    async def count_entries(self, person_id: int) -> int:
        """How many entries a person has."""
        return sum(1 for r in self.tx.state.entries.values() if r.entry.person_id == person_id)
