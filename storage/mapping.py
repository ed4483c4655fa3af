"""Rows to domain values, in one place: every repository maps and opens sealed columns here.

`SessionRepository` is the shared base of the SQLAlchemy repositories: one session, the engine's
sealer and the person's vault (data key and folder), so each repository only says what it reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from passport.model import (
    Artifact,
    Entry,
    EntryVersion,
    Identity,
    Person,
    Schedule,
    Signal,
    StoredArtifact,
)
from passport.signals import SignalKind, SignalStatus
from passport.state import ConversationState
from storage import sealing
from storage.models import ArtifactRow, EntryRow, EntryVersionRow, IdentityRow, SignalRow
from storage.sealing import PersonVault, Sealer

SCHEDULE_FIELDS = frozenset(Schedule.__dataclass_fields__)

# Artifact columns that hold what the person sent (sealed with their data key).
SEALED_ARTIFACT_TEXT = ("original_name", "text_excerpt", "note")


def schedule_from_row(row: Any) -> Schedule:
    """A Schedule from any row carrying the persons table's schedule columns."""
    return Schedule(**{name: getattr(row, name) for name in SCHEDULE_FIELDS})


def person_from_row(row: Any, sealer: Sealer) -> Person:
    """A Person from a persons row (or any row with its columns); the state opened."""
    return Person(
        id=row.id,
        display_name=row.display_name,
        created_at=row.created_at,
        consented=row.consented,
        active=row.active,
        onboarded=row.onboarded,
        state=ConversationState.of(sealer.open_json(row.state)),
        last_digest_at=row.last_digest_at,
        schedule=schedule_from_row(row),
    )


def identity_from_row(row: IdentityRow) -> Identity:
    """An Identity from an identities row."""
    return Identity(row.platform, row.workspace, row.user_id, row.chat_id, row.person_id)


def entry_from_row(
    row: EntryRow, sealer: Sealer, versions: Sequence[EntryVersionRow] = ()
) -> Entry:
    """An Entry from its row (and, for exports, its version rows); texts opened."""
    return Entry(
        id=row.id,
        person_id=row.person_id,
        text=sealer.open(row.text) or "",
        created_at=row.created_at,
        message_key=row.message_key,
        prompt_id=row.prompt_id,
        iso_week=row.iso_week,
        version=row.version,
        versions=tuple(
            EntryVersion(v.version, sealer.open(v.text) or "", v.created_at) for v in versions
        ),
    )


def artifact_from_row(row: ArtifactRow, sealer: Sealer) -> Artifact:
    """An Artifact from its row; what the person sent opened."""
    return Artifact(
        id=row.id,
        person_id=row.person_id,
        original_name=sealer.open(row.original_name) or "",
        created_at=row.created_at,
        status=row.status,
        sha256=row.sha256,
        mime=row.mime,
        size=row.size,
        kind=row.kind,
        entry_id=row.entry_id,
        text_excerpt=sealer.open(row.text_excerpt),
        credential=sealer.open_json(row.credential),
        note=sealer.open(row.note),
    )


def stored_artifact_from_row(row: ArtifactRow, sealer: Sealer) -> StoredArtifact:
    """Where an artifact's file came from and where its bytes are (for the file jobs)."""
    return StoredArtifact(
        id=row.id,
        person_id=row.person_id,
        status=row.status,
        platform=row.platform,
        ref=row.ref,
        original_name=sealer.open(row.original_name) or "",
        kind=row.kind,
        mime=row.mime,
        stored_path=row.stored_path,
    )


def artifact_sealed_columns(row: ArtifactRow) -> tuple[Any, ...]:
    """The sealed values of an artifact row (whose data keys must be loaded to open it)."""
    return (row.original_name, row.text_excerpt, row.note, row.credential)


def seal_artifact_values(vault: PersonVault, values: dict[str, Any]) -> dict[str, Any]:
    """Artifact column values with what the person sent sealed."""
    sealed = dict(values)
    for column in SEALED_ARTIFACT_TEXT:
        if sealed.get(column):
            sealed[column] = vault.seal(sealed[column])
    if sealed.get("credential"):
        sealed["credential"] = vault.seal_json(sealed["credential"])
    return sealed


def signal_from_row(row: SignalRow, sealer: Sealer) -> Signal:
    """A Signal from its row; the evidence quote opened."""
    return Signal(
        id=row.id,
        person_id=row.person_id,
        kind=SignalKind(row.kind),
        label=row.label,
        evidence=sealer.open(row.evidence) or "",
        confidence=row.confidence,
        status=SignalStatus(row.status),
        created_at=row.created_at,
        esco_uri=row.esco_uri,
        group=row.group_code,
        entry_id=row.entry_id,
        artifact_id=row.artifact_id,
        source=row.source,
        verification=row.verification,
    )


class SessionRepository:
    """Base of the SQLAlchemy repositories: a session, its sealer and people's vaults."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._sealer: Sealer | None = None

    @property
    def sealer(self) -> Sealer:
        """The key ring of this database (installed on the engine by bootstrap)."""
        if self._sealer is None:
            self._sealer = sealing.sealer_of(self.session)
        return self._sealer

    async def vault(self, person_id: int) -> PersonVault:
        """The person's data key and folder (made on first use; memoised per session)."""
        return await sealing.vault_for(self.session, person_id)

    async def _opened(self, *values: Any) -> Sealer:
        """The sealer, with the data keys these sealed values name loaded."""
        return await sealing.load_keys(self.session, values)

    @property
    def dialect(self) -> str:
        """The database's dialect name (sqlite / postgresql)."""
        return self.session.bind.dialect.name
