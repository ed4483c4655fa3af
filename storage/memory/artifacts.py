"""Artifacts (files sent as evidence), in memory."""

from __future__ import annotations

import copy
from dataclasses import fields, replace
from datetime import datetime
from typing import Any

from passport.errors import StorageConflict
from passport.model import Artifact, StoredArtifact
from passport.repositories import ArtifactRepository
from storage.memory.state import ARTIFACT_EXTRA_COLUMNS, ArtifactRecord, Transaction

ARTIFACT_FIELDS = frozenset(f.name for f in fields(Artifact)) - {"id", "person_id", "created_at"}


def _split(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    unknown = set(values) - ARTIFACT_FIELDS - ARTIFACT_EXTRA_COLUMNS
    if unknown:
        raise TypeError(f"no such artifact columns: {sorted(unknown)}")
    own = {k: copy.deepcopy(v) for k, v in values.items() if k in ARTIFACT_FIELDS}
    return own, {k: v for k, v in values.items() if k in ARTIFACT_EXTRA_COLUMNS}


class InMemoryArtifactRepository(ArtifactRepository):
    """A person's artifacts of one in-memory unit of work."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def _own(self, person_id: int, artifact_id: int) -> ArtifactRecord | None:
        record = self.tx.state.artifacts.get(artifact_id)
        return record if record and record.artifact.person_id == person_id else None

    def _check_key(self, extra: dict[str, Any], artifact_id: int | None = None) -> None:
        key = extra.get("message_key")
        if key is not None and any(
            r.extra.get("message_key") == key and r.artifact.id != artifact_id
            for r in self.tx.state.artifacts.values()
        ):
            raise StorageConflict("this message key made another artifact")

    async def add_artifact(self, person_id: int, now: datetime, **values: Any) -> Artifact:
        """Store an artifact (pending a download, or already stored)."""
        own, extra = _split(values)
        self._check_key(extra)
        own.setdefault("original_name", "")
        artifact = Artifact(id=self.tx.state.next_id(), person_id=person_id, created_at=now, **own)
        self.tx.state.artifacts[artifact.id] = ArtifactRecord(artifact, extra)
        return artifact

    async def stored_artifact(self, person_id: int, artifact_id: int) -> StoredArtifact | None:
        """Where an artifact's file came from and where its bytes are."""
        record = self._own(person_id, artifact_id)
        if record is None:
            return None
        a = record.artifact
        return StoredArtifact(
            id=a.id,
            person_id=a.person_id,
            status=a.status,
            platform=record.extra.get("platform") or "",
            ref=record.extra.get("ref"),
            original_name=a.original_name,
            kind=a.kind,
            mime=a.mime,
            stored_path=record.extra.get("stored_path"),
        )

    async def update_artifact(self, person_id: int, artifact_id: int, **values: Any) -> None:
        """Change an artifact's fields."""
        own, extra = _split(values)
        record = self._own(person_id, artifact_id)
        if record is None:
            return
        self._check_key(extra, artifact_id)
        record.artifact = replace(record.artifact, **own)
        record.extra.update(extra)

    async def delete_artifact(self, person_id: int, artifact_id: int) -> None:
        """Drop an artifact and the signals noticed in it."""
        if self._own(person_id, artifact_id) is None:
            return
        del self.tx.state.artifacts[artifact_id]
        signals = self.tx.state.signals
        for signal_id in [i for i, (_, s) in signals.items() if s.artifact_id == artifact_id]:
            del signals[signal_id]

    async def artifacts(self, person_id: int) -> list[Artifact]:
        """All of a person's artifacts, oldest first."""
        return [r.artifact for r in self._records(person_id)]

    async def artifact_paths(self, person_id: int) -> list[tuple[Artifact, str]]:
        """Stored artifacts with their blob paths."""
        return [
            (r.artifact, r.extra["stored_path"])
            for r in self._records(person_id)
            if r.extra.get("stored_path") is not None
        ]

    def _records(self, person_id: int) -> list[ArtifactRecord]:
        records = self.tx.state.artifacts.values()
        return sorted(
            (r for r in records if r.artifact.person_id == person_id), key=lambda r: r.artifact.id
        )
