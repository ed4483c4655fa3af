"""The passport repository: every read and write of a person's records, scoped by person."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, literal, select, text, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from passport.errors import AmbiguousPerson
from passport.messages import Address
from passport.model import (
    Artifact,
    Entry,
    EntryVersion,
    Identity,
    PassportSnapshot,
    Person,
    Schedule,
    Signal,
)
from passport.signals import SignalKind, SignalStatus
from storage import sealing
from storage.models import (
    ArtifactRow,
    ChannelStateRow,
    EntryPartRow,
    EntryRow,
    EntryVersionRow,
    IdentityRow,
    NudgeRow,
    OutboxRow,
    PersonKeyRow,
    PersonRow,
    SeenMessageRow,
    SignalRow,
    _table,
)
from storage.sealing import PersonVault, Sealer

SCHEDULE_FIELDS = {f for f in Schedule.__dataclass_fields__}

# The capture path runs these for every message: built once, on tables rather than mapped
# classes, so SQLAlchemy skips statement construction and the ORM's bulk-insert machinery.
_PERSONS = _table(PersonRow)
_IDENTITIES = _table(IdentityRow)
_KEYS = _table(PersonKeyRow)
_SEEN_INSERT = {
    "sqlite": sqlite_insert(_table(SeenMessageRow)).on_conflict_do_nothing(),
    "postgresql": pg_insert(_table(SeenMessageRow)).on_conflict_do_nothing(),
}
_FIND_PERSON = (
    select(
        _PERSONS,
        _IDENTITIES.c.chat_id.label("identity_chat_id"),
        _IDENTITIES.c.last_seen_at.label("identity_last_seen_at"),
        # The person's wrapped data key comes along: the capture path needs no extra query.
        _KEYS.c.key_id.label("vault_key_id"),
        _KEYS.c.kek_id.label("vault_kek_id"),
        _KEYS.c.wrapped.label("vault_wrapped"),
        _KEYS.c.folder.label("vault_folder"),
    )
    .join(_IDENTITIES, _IDENTITIES.c.person_id == _PERSONS.c.id)
    .outerjoin(_KEYS, _KEYS.c.person_id == _PERSONS.c.id)
    .where(
        _IDENTITIES.c.platform == bindparam("platform"),
        _IDENTITIES.c.workspace == bindparam("workspace"),
        _IDENTITIES.c.user_id == bindparam("user_id"),
    )
)
_SEEN = _table(SeenMessageRow)
_FOUND = _FIND_PERSON.subquery("found")
# PostgreSQL: the key is marked seen and the person found in one round trip (a data-modifying
# CTE); `fresh` is 0 for a replay. SQLite runs in-process, so it keeps two statements.
_SEEN_AND_FIND = (
    select(
        select(func.count())
        .select_from(
            pg_insert(_SEEN)
            .values(key_hash=bindparam("key_hash"), seen_at=bindparam("seen_at"))
            .on_conflict_do_nothing()
            .returning(_SEEN.c.key_hash)
            .cte("fresh_key")
        )
        .scalar_subquery()
        .label("fresh"),
        _FOUND,
    )
    .select_from(select(literal(1).label("one")).subquery("one"))
    .outerjoin(_FOUND, true())
)
_INSERT_ENTRY = insert(_table(EntryRow)).returning(_table(EntryRow).c.id)
_INSERT_VERSION = insert(_table(EntryVersionRow))


def schedule_from_row(row: Any) -> Schedule:
    """A Schedule from any row carrying the persons table's schedule columns."""
    return Schedule(**{name: getattr(row, name) for name in SCHEDULE_FIELDS})


# Artifact columns that hold what the person sent (sealed with their data key).
SEALED_ARTIFACT_TEXT = ("original_name", "text_excerpt", "note")


def _person(row: Any, sealer: Sealer) -> Person:
    schedule = schedule_from_row(row)
    return Person(
        id=row.id,
        display_name=row.display_name,
        created_at=row.created_at,
        consented=row.consented,
        active=row.active,
        onboarded=row.onboarded,
        state=dict(sealer.open_json(row.state) or {}),
        last_digest_at=row.last_digest_at,
        schedule=schedule,
    )


def _entry(row: EntryRow, sealer: Sealer, versions: Sequence[EntryVersionRow] = ()) -> Entry:
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


def _artifact(row: ArtifactRow, sealer: Sealer) -> Artifact:
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


def _sealed_columns(row: ArtifactRow) -> tuple[Any, ...]:
    return (row.original_name, row.text_excerpt, row.note, row.credential)


@dataclass(frozen=True, slots=True)
class StoredArtifact:
    """An artifact's raw columns (opened) for jobs that need the platform ref or stored path."""

    id: int
    person_id: int
    status: str
    platform: str
    ref: str | None
    original_name: str
    kind: str
    mime: str | None
    stored_path: str | None


def _signal(row: SignalRow, sealer: Sealer) -> Signal:
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


def signal_key(kind: str, label: str, esco_uri: str | None) -> str:
    """What makes two signals "the same": the ESCO URI for skills, else the lowercased label."""
    return esco_uri if esco_uri else f"{kind}:{label.strip().lower()}"[:200]


def message_key_hash(key: str) -> str:
    """A one-way hash of a platform message key (tombstones keep no identifiers)."""
    return hashlib.sha256(key.encode()).hexdigest()


class SqlAlchemyPassportRepository:
    """Reads and writes one session's worth of passport records."""

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
        """The person's data key and folder (made on first use)."""
        return await sealing.vault_for(self.session, person_id)

    async def _opened(self, *values: Any) -> Sealer:
        """The sealer, with the data keys these sealed values name loaded."""
        return await sealing.load_keys(self.session, values)

    # -- people and identities -------------------------------------------------------------

    async def find_person(self, address: Address) -> Person | None:
        """The person behind a platform identity, or None."""
        found = await self.find_person_seen(address)
        return found[0] if found else None

    async def find_person_seen(self, address: Address) -> tuple[Person, str, datetime] | None:
        """The person behind an identity, with the identity's chat id and last-seen time."""
        row = (
            await self.session.execute(
                _FIND_PERSON,
                {
                    "platform": address.platform,
                    "workspace": address.workspace,
                    "user_id": address.user_id,
                },
            )
        ).first()
        if row is None:
            return None
        return await self._found(row)

    async def _found(self, row: Any) -> tuple[Person, str, datetime]:
        """A `_FIND_PERSON` row as (person, chat id, last seen), its vault remembered."""
        if row.vault_key_id is not None:
            sealing.remember_vault(
                self.session,
                row.id,
                row.vault_key_id,
                row.vault_kek_id,
                row.vault_wrapped,
                row.vault_folder,
            )
        sealer = await self._opened(row.state)
        return _person(row, sealer), row.identity_chat_id, row.identity_last_seen_at

    async def find_person_by_key(self, person_key: str) -> Person | None:
        """The one person an operator's key names, compared exactly (never a pattern).

        `platform:user` (any workspace), `platform:workspace:user`, or for Slack
        `slack:TEAM:USER` / `slack:ENTERPRISE:TEAM:USER`. Raises AmbiguousPerson, listing the
        candidates, when the key fits several people (the same user id in two teams).
        """
        platform, _, rest = person_key.partition(":")
        workspace, colon, user_id = rest.rpartition(":")
        if not platform or not user_id:
            return None
        rows = (
            await self.session.execute(
                select(IdentityRow.person_id, IdentityRow.workspace).where(
                    IdentityRow.platform == platform, IdentityRow.user_id == user_id
                )
            )
        ).all()
        if colon:  # a workspace was named: it must be that workspace, or that Slack team
            rows = [r for r in rows if r.workspace == workspace or _team(r.workspace) == workspace]
        people = sorted({r.person_id for r in rows})
        if len(people) > 1:
            raise AmbiguousPerson(
                person_key, sorted(f"{platform}:{r.workspace}:{user_id}" for r in rows)
            )
        return await self.get_person(people[0]) if people else None

    async def create_person(self, address: Address, display_name: str, now: datetime) -> Person:
        """A new person with one identity and their own data key (flushes, so the id is known)."""
        row = PersonRow(display_name=display_name[:200], created_at=now, state={})
        self.session.add(row)
        await self.session.flush()
        await sealing.create_vault(self.session, row.id)
        self.session.add(
            IdentityRow(
                person_id=row.id,
                platform=address.platform,
                workspace=address.workspace,
                user_id=address.user_id,
                chat_id=address.chat_id,
                last_seen_at=now,
            )
        )
        await self.session.flush()
        return _person(row, self.sealer)

    async def touch_identity(self, address: Address, now: datetime) -> None:
        """Remember the chat a person last wrote from (Telegram chats can migrate)."""
        await self.session.execute(
            update(IdentityRow)
            .where(
                IdentityRow.platform == address.platform,
                IdentityRow.workspace == address.workspace,
                IdentityRow.user_id == address.user_id,
            )
            .values(chat_id=address.chat_id, last_seen_at=now)
        )

    async def get_person(self, person_id: int) -> Person | None:
        """A person by id."""
        row = await self.session.get(PersonRow, person_id)
        if row is None:
            return None
        return _person(row, await self._opened(row.state))

    async def update_person(self, person_id: int, **values: Any) -> None:
        """Set person or schedule columns (e.g. onboarded=True, weekday=2, state={...})."""
        if values.get("state"):
            values["state"] = (await self.vault(person_id)).seal_json(values["state"])
        if values:
            await self.session.execute(
                update(PersonRow).where(PersonRow.id == person_id).values(**values)
            )

    async def get_signing_key(self, person_id: int) -> str | None:
        """The person's sealed signing key, if one was made."""
        return await self.session.scalar(
            select(PersonRow.signing_key).where(PersonRow.id == person_id)
        )

    async def set_signing_key_once(self, person_id: int, sealed: str) -> bool:
        """Store the person's first signing key; False when another writer stored one first
        (a conditional UPDATE: one key per person, whatever runs at once)."""
        result = await self.session.execute(
            update(PersonRow)
            .where(PersonRow.id == person_id, PersonRow.signing_key.is_(None))
            .values(signing_key=sealed)
        )
        return bool(result.rowcount)

    async def identities(self, person_id: int) -> list[Identity]:
        """Every identity of a person, most recently seen first."""
        rows = await self.session.scalars(
            select(IdentityRow)
            .where(IdentityRow.person_id == person_id)
            .order_by(IdentityRow.last_seen_at.desc())
        )
        return [Identity(r.platform, r.workspace, r.user_id, r.chat_id, r.person_id) for r in rows]

    async def set_active_by_address(self, address: Address, active: bool) -> int | None:
        """Mark the person behind an address active / inactive (blocked the bot)."""
        person = await self.find_person(address)
        if person is None:
            return None
        await self.update_person(person.id, active=active)
        return person.id

    async def migrate_chat(self, platform: str, old_chat: str, new_chat: str) -> None:
        """A chat got a new id (Telegram group → supergroup): follow it."""
        await self.session.execute(
            update(IdentityRow)
            .where(IdentityRow.platform == platform, IdentityRow.chat_id == old_chat)
            .values(chat_id=new_chat)
        )

    # -- replay protection -----------------------------------------------------------------

    async def mark_seen(self, message_key: str, now: datetime) -> bool:
        """Record a message key; False when it was seen before (a replay)."""
        stmt = _SEEN_INSERT[self.session.bind.dialect.name]
        result = await self.session.execute(
            stmt, {"key_hash": message_key_hash(message_key), "seen_at": now}
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def mark_seen_and_find(
        self, message_key: str, address: Address, now: datetime
    ) -> tuple[bool, tuple[Person, str, datetime] | None]:
        """`mark_seen` then `find_person_seen`, in one round trip on PostgreSQL."""
        if self.session.bind.dialect.name != "postgresql":
            if not await self.mark_seen(message_key, now):
                return False, None
            return True, await self.find_person_seen(address)
        row = (
            await self.session.execute(
                _SEEN_AND_FIND,
                {
                    "key_hash": message_key_hash(message_key),
                    "seen_at": now,
                    "platform": address.platform,
                    "workspace": address.workspace,
                    "user_id": address.user_id,
                },
            )
        ).one()
        if not row.fresh:
            return False, None
        if row.id is None:
            return True, None
        return True, await self._found(row)

    async def was_seen(self, message_key: str) -> bool:
        """True when this message key was taken in before."""
        found = await self.session.get(SeenMessageRow, message_key_hash(message_key))
        return found is not None

    # -- entries ---------------------------------------------------------------------------

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
        """Store a new entry and its first version, sealed (two INSERTs, no ORM flush)."""
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
        entry_id = (await self.session.execute(_INSERT_ENTRY, values)).scalar_one()
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
        return _entry(row, await self._opened(row.text)) if row else None

    async def get_entry(self, person_id: int, entry_id: int) -> Entry | None:
        """One of this person's entries."""
        row = await self.session.scalar(
            select(EntryRow).where(EntryRow.person_id == person_id, EntryRow.id == entry_id)
        )
        return _entry(row, await self._opened(row.text)) if row else None

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
        return _entry(row, self.sealer)

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
        return _entry(row, await self._opened(row.text)) if row else None

    async def entries(self, person_id: int, *, with_versions: bool = False) -> list[Entry]:
        """All of a person's entries, oldest first."""
        rows = list(
            await self.session.scalars(
                select(EntryRow).where(EntryRow.person_id == person_id).order_by(EntryRow.id)
            )
        )
        if not with_versions:
            sealer = await self._opened(*(r.text for r in rows))
            return [_entry(r, sealer) for r in rows]
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
        return [_entry(r, sealer, versions.get(r.id, ())) for r in rows]

    async def count_entries(self, person_id: int) -> int:
        """How many entries a person has."""
        return int(
            await self.session.scalar(
                select(func.count()).select_from(EntryRow).where(EntryRow.person_id == person_id)
            )
            or 0
        )

    # -- artifacts -------------------------------------------------------------------------

    async def add_artifact(self, person_id: int, now: datetime, **values: Any) -> Artifact:
        """Store an artifact row (pending a download, or already stored)."""
        row = ArtifactRow(
            person_id=person_id, created_at=now, **await self._seal_artifact(person_id, values)
        )
        self.session.add(row)
        await self.session.flush()
        return _artifact(row, self.sealer)

    async def _seal_artifact(self, person_id: int, values: dict[str, Any]) -> dict[str, Any]:
        if not any(values.get(c) for c in (*SEALED_ARTIFACT_TEXT, "credential")):
            return values
        vault = await self.vault(person_id)
        sealed = dict(values)
        for column in SEALED_ARTIFACT_TEXT:
            if sealed.get(column):
                sealed[column] = vault.seal(sealed[column])
        if sealed.get("credential"):
            sealed["credential"] = vault.seal_json(sealed["credential"])
        return sealed

    async def artifact_row(self, person_id: int, artifact_id: int) -> StoredArtifact | None:
        """An artifact's raw columns (for jobs that need the platform ref or stored path)."""
        row = await self.session.scalar(
            select(ArtifactRow).where(
                ArtifactRow.person_id == person_id, ArtifactRow.id == artifact_id
            )
        )
        if row is None:
            return None
        sealer = await self._opened(*_sealed_columns(row))
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

    async def update_artifact(self, person_id: int, artifact_id: int, **values: Any) -> None:
        """Change an artifact's columns."""
        values = await self._seal_artifact(person_id, values)
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
        sealer = await self._opened(*(v for r in rows for v in _sealed_columns(r)))
        return [_artifact(r, sealer) for r in rows]

    async def artifact_paths(self, person_id: int) -> list[tuple[Artifact, str]]:
        """Stored artifacts with their blob paths (for exports with files)."""
        rows = list(
            await self.session.scalars(
                select(ArtifactRow)
                .where(ArtifactRow.person_id == person_id, ArtifactRow.stored_path.is_not(None))
                .order_by(ArtifactRow.id)
            )
        )
        sealer = await self._opened(*(v for r in rows for v in _sealed_columns(r)))
        return [(_artifact(r, sealer), r.stored_path or "") for r in rows]

    # -- signals ---------------------------------------------------------------------------

    async def rejected_keys(self, person_id: int) -> set[str]:
        """Keys the person said "not me" to: they never come back."""
        rows = await self.session.scalars(
            select(SignalRow.key).where(
                SignalRow.person_id == person_id, SignalRow.status == SignalStatus.REJECTED
            )
        )
        return set(rows)

    async def replace_suggestions(
        self,
        person_id: int,
        now: datetime,
        signals: Iterable[dict[str, Any]],
        *,
        entry_id: int | None = None,
        artifact_id: int | None = None,
    ) -> list[Signal]:
        """Put fresh suggestions for one entry or artifact in place of its earlier suggestions.

        An open suggestion found again keeps its row (and the buttons shown for it); confirmed
        and rejected signals of that source stay; a suggestion whose key the person rejected
        anywhere, or that is already kept from this source, is not added again.
        """
        signals_list = list(signals)
        source = (
            SignalRow.entry_id == entry_id
            if entry_id is not None
            else SignalRow.artifact_id == artifact_id
        )
        # A suggestion found again (same key) keeps its row, so buttons already shown for it
        # stay valid after an edit; only suggestions no longer found go.
        open_rows = {
            row.key: row
            for row in await self.session.scalars(
                select(SignalRow).where(
                    SignalRow.person_id == person_id,
                    source,
                    SignalRow.status == SignalStatus.SUGGESTED,
                )
            )
        }
        fresh = {signal_key(v["kind"], v["label"], v.get("esco_uri")) for v in signals_list}
        gone = [row.id for key, row in open_rows.items() if key not in fresh]
        if gone:
            await self.session.execute(delete(SignalRow).where(SignalRow.id.in_(gone)))
        decided = set(
            await self.session.scalars(
                select(SignalRow.key).where(SignalRow.person_id == person_id, source)
            )
        )
        blocked = decided | await self.rejected_keys(person_id)
        vault = await self.vault(person_id)
        added: list[SignalRow] = []
        for values in signals_list:
            key = signal_key(values["kind"], values["label"], values.get("esco_uri"))
            if key in blocked:
                continue
            blocked.add(key)
            columns = dict(values)
            if columns.get("evidence"):
                columns["evidence"] = vault.seal(columns["evidence"])
            row = SignalRow(
                person_id=person_id,
                key=key,
                created_at=now,
                entry_id=entry_id,
                artifact_id=artifact_id,
                **columns,
            )
            self.session.add(row)
            added.append(row)
        await self.session.flush()
        return [_signal(r, self.sealer) for r in added]

    async def set_signal_status(
        self, person_id: int, signal_ids: Iterable[int], status: SignalStatus
    ) -> list[Signal]:
        """Keep or reject signals; a rejection covers every signal with the same key."""
        ids = [int(i) for i in signal_ids]
        rows = list(
            await self.session.scalars(
                select(SignalRow).where(SignalRow.person_id == person_id, SignalRow.id.in_(ids))
            )
        )
        for row in rows:
            row.status = status
        if status == SignalStatus.REJECTED and rows:
            await self.session.execute(
                update(SignalRow)
                .where(
                    SignalRow.person_id == person_id,
                    SignalRow.key.in_({r.key for r in rows}),
                )
                .values(status=SignalStatus.REJECTED)
            )
        await self.session.flush()
        sealer = await self._opened(*(r.evidence for r in rows))
        return [_signal(r, sealer) for r in rows]

    async def signals(
        self, person_id: int, *, statuses: Iterable[SignalStatus] | None = None
    ) -> list[Signal]:
        """A person's signals (optionally only some statuses), oldest first."""
        query = select(SignalRow).where(SignalRow.person_id == person_id)
        if statuses is not None:
            query = query.where(SignalRow.status.in_([str(s) for s in statuses]))
        rows = list(await self.session.scalars(query.order_by(SignalRow.id)))
        sealer = await self._opened(*(r.evidence for r in rows))
        return [_signal(r, sealer) for r in rows]

    async def signals_by_ids(self, person_id: int, ids: Iterable[int]) -> list[Signal]:
        """Some of a person's signals by id."""
        rows = list(
            await self.session.scalars(
                select(SignalRow)
                .where(SignalRow.person_id == person_id, SignalRow.id.in_([int(i) for i in ids]))
                .order_by(SignalRow.id)
            )
        )
        sealer = await self._opened(*(r.evidence for r in rows))
        return [_signal(r, sealer) for r in rows]

    # -- nudges ----------------------------------------------------------------------------

    async def nudged_weeks(self, person_id: int, limit: int = 12) -> set[str]:
        """ISO weeks (most recent first, bounded) in which this person already had a nudge."""
        rows = await self.session.scalars(
            select(NudgeRow.iso_week)
            .where(NudgeRow.person_id == person_id)
            .order_by(NudgeRow.iso_week.desc())
            .limit(limit)
        )
        return set(rows)

    async def recent_prompt_ids(self, person_id: int, weeks: int = 8) -> list[str]:
        """Prompts sent in the last `weeks` nudges (no repeat within 8 weeks)."""
        rows = await self.session.scalars(
            select(NudgeRow.prompt_id)
            .where(NudgeRow.person_id == person_id)
            .order_by(NudgeRow.iso_week.desc())
            .limit(weeks)
        )
        return list(rows)

    async def prompt_evidence(
        self, person_id: int
    ) -> list[tuple[str | None, str, str | None, int]]:
        """(prompt answered, signal kind, ESCO top group, count) rows for gap-driven prompts."""
        from storage.nudges import evidence_rows

        return (await evidence_rows(self.session, [person_id]))[person_id]

    async def mark_nudge_answered(self, person_id: int, iso_week: str, now: datetime) -> None:
        """A reply arrived for that week's question: no reminder is needed any more."""
        await self.session.execute(
            update(NudgeRow)
            .where(
                NudgeRow.person_id == person_id,
                NudgeRow.iso_week == iso_week,
                NudgeRow.answered_at.is_(None),
            )
            .values(answered_at=now)
        )

    # -- insight -----------------------------------------------------------------------------

    async def profile(self, person_id: int, *, now: datetime, since: datetime | None):
        """The person's profile from bounded aggregate queries (cost flat in history size)."""
        from storage.insight_queries import load_profile

        return await load_profile(self.session, person_id, now=now, since_last_digest=since)

    async def evidence_uris(self, person_id: int) -> set[str]:
        """ESCO URIs the person has evidence for (rejected ones left out)."""
        from storage.insight_queries import load_evidence_uris

        return await load_evidence_uris(self.session, person_id)

    # -- whole passport --------------------------------------------------------------------

    async def snapshot(self, person_id: int) -> PassportSnapshot | None:
        """Everything a person has, for export."""
        person = await self.get_person(person_id)
        if person is None:
            return None
        return PassportSnapshot(
            person=person,
            identities=tuple(await self.identities(person_id)),
            entries=tuple(await self.entries(person_id, with_versions=True)),
            artifacts=tuple(await self.artifacts(person_id)),
            signals=tuple(await self.signals(person_id)),
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
        if self.session.bind.dialect.name == "sqlite":
            await self.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))

    # -- channel state ---------------------------------------------------------------------

    async def get_channel_state(self, key: str) -> str | None:
        """A durable value a channel keeps (e.g. `telegram:offset`)."""
        row = await self.session.get(ChannelStateRow, key)
        return row.value if row else None

    async def set_channel_state(self, key: str, value: str, now: datetime) -> None:
        """Store a durable channel value."""
        row = await self.session.get(ChannelStateRow, key)
        if row is None:
            self.session.add(ChannelStateRow(key=key, value=value, updated_at=now))
        else:
            row.value = value
            row.updated_at = now

    async def channel_states(self, prefix: str) -> list[tuple[str, str]]:
        """Every (key, value) whose key starts with `prefix` (e.g. parked Telegram updates)."""
        rows = await self.session.execute(
            select(ChannelStateRow.key, ChannelStateRow.value)
            .where(ChannelStateRow.key.startswith(prefix, autoescape=True))
            .order_by(ChannelStateRow.key)
        )
        return [(key, value) for key, value in rows]

    async def delete_channel_state(self, key: str) -> None:
        """Forget a durable channel value."""
        await self.session.execute(delete(ChannelStateRow).where(ChannelStateRow.key == key))


def _team(workspace: str) -> str:
    """The Slack team of an `enterprise:team` workspace ("" elsewhere)."""
    return workspace.rpartition(":")[2] if ":" in workspace else ""


def with_schedule(person: Person, **changes: Any) -> Person:
    """A copy of `person` with schedule fields changed (for rendering before a reload)."""
    return replace(person, schedule=replace(person.schedule, **changes))
