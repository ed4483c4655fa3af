"""Operations on a person's whole passport: read it all (export), forget it all, scrub traces."""

from __future__ import annotations

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from passport.model import PassportSnapshot
from passport.repositories import WholePassport
from storage import sealing
from storage.artifacts import SqlAlchemyArtifactRepository
from storage.entries import SqlAlchemyEntryRepository
from storage.mapping import SessionRepository
from storage.models import ArtifactRow, OutboxRow, PersonRow
from storage.people import SqlAlchemyPeopleRepository
from storage.signals import SqlAlchemySignalRepository


class SqlAlchemyWholePassport(SessionRepository, WholePassport):
    """Everything of one person at once, over the per-aggregate repositories of one session."""

    def __init__(
        self,
        session: AsyncSession,
        people: SqlAlchemyPeopleRepository,
        entries: SqlAlchemyEntryRepository,
        artifacts: SqlAlchemyArtifactRepository,
        signals: SqlAlchemySignalRepository,
    ) -> None:
        super().__init__(session)
        self.people = people
        self.entries = entries
        self.artifacts = artifacts
        self.signals = signals

    async def snapshot(self, person_id: int) -> PassportSnapshot | None:
        """Everything a person has, for export."""
        person = await self.people.get_person(person_id)
        if person is None:
            return None
        return PassportSnapshot(
            person=person,
            identities=tuple(await self.people.identities(person_id)),
            entries=tuple(await self.entries.entries(person_id, with_versions=True)),
            artifacts=tuple(await self.artifacts.artifacts(person_id)),
            signals=tuple(await self.signals.signals(person_id)),
        )

    async def delete_person(self, person_id: int) -> list[str]:
        """Forget a person: their data key first (crypto-shredding), then every row.

        Returns the folders (blobs, exports) their files live in, for the caller to remove once
        this commits. Rows cascade: identities, entries, versions, artifacts, signals, jobs.
        """
        folders: set[str] = set()
        for path in await self.session.scalars(
            select(ArtifactRow.stored_path).where(
                ArtifactRow.person_id == person_id, ArtifactRow.stored_path.is_not(None)
            )
        ):
            folders.add(str(path).split("/", 1)[0])  # files stored before 0004 live in p<id>
        vault = await sealing.shred(self.session, person_id)
        if vault is not None:
            folders.add(vault.folder)
        await self.session.execute(delete(PersonRow).where(PersonRow.id == person_id))
        # Replies still waiting for them were sealed with the key just destroyed: unreadable
        # and undeliverable, so they go too (the outbox has no foreign key to cascade).
        await self.session.execute(delete(OutboxRow).where(OutboxRow.person_id == person_id))
        return sorted(f for f in folders if f)

    async def scrub(self) -> None:
        """SQLite: fold the WAL into the database and truncate it, so freed pages (zeroed by
        secure_delete) leave no old copy behind. Best effort; PostgreSQL needs nothing here."""
        if self.dialect == "sqlite":
            await self.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
