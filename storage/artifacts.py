"""Artifacts: files a person sent as evidence (the bytes live in the blob store, sealed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from passport.model import Artifact, StoredArtifact
from passport.repositories import ArtifactRepository
from storage.mapping import (
    SEALED_ARTIFACT_TEXT,
    SessionRepository,
    artifact_from_row,
    artifact_sealed_columns,
    seal_artifact_values,
    stored_artifact_from_row,
)
from storage.models import ArtifactRow


class SqlAlchemyArtifactRepository(SessionRepository, ArtifactRepository):
    """A person's artifact rows; names, excerpts, notes and credentials sealed."""

    async def _sealed(self, person_id: int, values: dict[str, Any]) -> dict[str, Any]:
        if not any(values.get(c) for c in (*SEALED_ARTIFACT_TEXT, "credential")):
            return values
        return seal_artifact_values(await self.vault(person_id), values)

    async def add_artifact(self, person_id: int, now: datetime, **values: Any) -> Artifact:
        """Store an artifact row (pending a download, or already stored)."""
        row = ArtifactRow(
            person_id=person_id, created_at=now, **await self._sealed(person_id, values)
        )
        self.session.add(row)
        await self.session.flush()
        return artifact_from_row(row, self.sealer)

    async def stored_artifact(self, person_id: int, artifact_id: int) -> StoredArtifact | None:
        """Where an artifact's file came from and where its bytes are (for the file jobs)."""
        row = await self.session.scalar(
            select(ArtifactRow).where(
                ArtifactRow.person_id == person_id, ArtifactRow.id == artifact_id
            )
        )
        if row is None:
            return None
        return stored_artifact_from_row(row, await self._opened(*artifact_sealed_columns(row)))

    async def update_artifact(self, person_id: int, artifact_id: int, **values: Any) -> None:
        """Change an artifact's columns."""
        values = await self._sealed(person_id, values)
        await self.session.execute(
            update(ArtifactRow)
            .where(ArtifactRow.person_id == person_id, ArtifactRow.id == artifact_id)
            .values(**values)
        )

    async def delete_artifact(self, person_id: int, artifact_id: int) -> None:
        """Drop an artifact row (a rejected file leaves nothing half-stored)."""
        await self.session.execute(
            delete(ArtifactRow).where(
                ArtifactRow.person_id == person_id, ArtifactRow.id == artifact_id
            )
        )

    async def artifacts(self, person_id: int) -> list[Artifact]:
        """All of a person's artifacts, oldest first."""
        rows = list(
            await self.session.scalars(
                select(ArtifactRow)
                .where(ArtifactRow.person_id == person_id)
                .order_by(ArtifactRow.id)
            )
        )
        sealer = await self._opened(*(v for r in rows for v in artifact_sealed_columns(r)))
        return [artifact_from_row(r, sealer) for r in rows]

    async def artifact_paths(self, person_id: int) -> list[tuple[Artifact, str]]:
        """Stored artifacts with their blob paths (for exports with files)."""
        rows = list(
            await self.session.scalars(
                select(ArtifactRow)
                .where(ArtifactRow.person_id == person_id, ArtifactRow.stored_path.is_not(None))
                .order_by(ArtifactRow.id)
            )
        )
        sealer = await self._opened(*(v for r in rows for v in artifact_sealed_columns(r)))
        return [(artifact_from_row(r, sealer), r.stored_path or "") for r in rows]
