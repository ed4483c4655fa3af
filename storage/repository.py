"""The passport repository: every read and write of a person's records, scoped by person."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

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
from storage.models import (
    ArtifactRow,
    ChannelStateRow,
    EntryPartRow,
    EntryRow,
    EntryVersionRow,
    IdentityRow,
    NudgeRow,
    PersonRow,
    SeenMessageRow,
    SignalRow,
    _table,
)

SCHEDULE_FIELDS = {f for f in Schedule.__dataclass_fields__}

# The capture path runs these for every message: built once, on tables rather than mapped
# classes, so SQLAlchemy skips statement construction and the ORM's bulk-insert machinery.
_PERSONS = _table(PersonRow)
_IDENTITIES = _table(IdentityRow)
_SEEN_INSERT = {
    "sqlite": sqlite_insert(_table(SeenMessageRow)).on_conflict_do_nothing(),
    "postgresql": pg_insert(_table(SeenMessageRow)).on_conflict_do_nothing(),
}
_FIND_PERSON = (
    select(
        _PERSONS,
        _IDENTITIES.c.chat_id.label("identity_chat_id"),
        _IDENTITIES.c.last_seen_at.label("identity_last_seen_at"),
    )
    .join(_IDENTITIES, _IDENTITIES.c.person_id == _PERSONS.c.id)
    .where(
        _IDENTITIES.c.platform == bindparam("platform"),
        _IDENTITIES.c.workspace == bindparam("workspace"),
        _IDENTITIES.c.user_id == bindparam("user_id"),
    )
)
_INSERT_ENTRY = insert(_table(EntryRow)).returning(_table(EntryRow).c.id)
_INSERT_VERSION = insert(_table(EntryVersionRow))


def schedule_from_row(row: Any) -> Schedule:
    """A Schedule from any row carrying the persons table's schedule columns."""
    return Schedule(**{name: getattr(row, name) for name in SCHEDULE_FIELDS})


def _person(row: Any) -> Person:
    schedule = schedule_from_row(row)
    return Person(
        id=row.id,
        display_name=row.display_name,
        created_at=row.created_at,
        consented=row.consented,
        active=row.active,
        onboarded=row.onboarded,
        state=dict(row.state or {}),
        last_digest_at=row.last_digest_at,
        schedule=schedule,
    )


def _entry(row: EntryRow, versions: Sequence[EntryVersionRow] = ()) -> Entry:
    return Entry(
        id=row.id,
        person_id=row.person_id,
        text=row.text,
        created_at=row.created_at,
        message_key=row.message_key,
        prompt_id=row.prompt_id,
        iso_week=row.iso_week,
        version=row.version,
        versions=tuple(EntryVersion(v.version, v.text, v.created_at) for v in versions),
    )


def _artifact(row: ArtifactRow) -> Artifact:
    return Artifact(
        id=row.id,
        person_id=row.person_id,
        original_name=row.original_name,
        created_at=row.created_at,
        status=row.status,
        sha256=row.sha256,
        mime=row.mime,
        size=row.size,
        kind=row.kind,
        entry_id=row.entry_id,
        text_excerpt=row.text_excerpt,
        credential=row.credential,
        note=row.note,
    )


def _signal(row: SignalRow) -> Signal:
    return Signal(
        id=row.id,
        person_id=row.person_id,
        kind=SignalKind(row.kind),
        label=row.label,
        evidence=row.evidence,
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
        return _person(row), row.identity_chat_id, row.identity_last_seen_at

    async def find_person_by_key(self, person_key: str) -> Person | None:
        """Look a person up by `platform:user` or `slack:TEAM:USER` (operators' PERSON)."""
        parts = person_key.split(":")
        if len(parts) < 2:
            return None
        platform, user_id = parts[0], parts[-1]
        query = (
            select(PersonRow)
            .join(IdentityRow, IdentityRow.person_id == PersonRow.id)
            .where(IdentityRow.platform == platform, IdentityRow.user_id == user_id)
        )
        if len(parts) >= 3:
            query = query.where(IdentityRow.workspace.endswith(parts[-2]))
        row = (await self.session.scalars(query)).first()
        return _person(row) if row else None

    async def create_person(self, address: Address, display_name: str, now: datetime) -> Person:
        """A new person with one identity (flushes, so the id is known)."""
        row = PersonRow(display_name=display_name[:200], created_at=now, state={})
        self.session.add(row)
        await self.session.flush()
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
        return _person(row)

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
        return _person(row) if row else None

    async def update_person(self, person_id: int, **values: Any) -> None:
        """Set person or schedule columns (e.g. onboarded=True, weekday=2, state={...})."""
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
        """Store a new entry and its first version (two INSERTs, no ORM flush)."""
        values = {
            "person_id": person_id,
            "text": text,
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
                "text": text,
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
        return _entry(row) if row else None

    async def get_entry(self, person_id: int, entry_id: int) -> Entry | None:
        """One of this person's entries."""
        row = await self.session.scalar(
            select(EntryRow).where(EntryRow.person_id == person_id, EntryRow.id == entry_id)
        )
        return _entry(row) if row else None

    async def revise_entry(self, person_id: int, entry_id: int, text: str, now: datetime) -> Entry:
        """Give an entry a new text, keeping the old one as a version."""
        row = await self.session.scalar(
            select(EntryRow).where(EntryRow.person_id == person_id, EntryRow.id == entry_id)
        )
        if row is None:
            raise LookupError(entry_id)
        row.version += 1
        row.text = text
        row.updated_at = now
        self.session.add(
            EntryVersionRow(
                entry_id=row.id,
                person_id=person_id,
                version=row.version,
                text=text,
                created_at=now,
            )
        )
        await self.session.flush()
        return _entry(row)

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
        return _entry(row) if row else None

    async def entries(self, person_id: int, *, with_versions: bool = False) -> list[Entry]:
        """All of a person's entries, oldest first."""
        rows = list(
            await self.session.scalars(
                select(EntryRow).where(EntryRow.person_id == person_id).order_by(EntryRow.id)
            )
        )
        if not with_versions:
            return [_entry(r) for r in rows]
        versions: dict[int, list[EntryVersionRow]] = {}
        for v in await self.session.scalars(
            select(EntryVersionRow)
            .where(EntryVersionRow.person_id == person_id)
            .order_by(EntryVersionRow.entry_id, EntryVersionRow.version)
        ):
            versions.setdefault(v.entry_id, []).append(v)
        return [_entry(r, versions.get(r.id, ())) for r in rows]

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
        row = ArtifactRow(person_id=person_id, created_at=now, **values)
        self.session.add(row)
        await self.session.flush()
        return _artifact(row)

    async def artifact_row(self, person_id: int, artifact_id: int) -> ArtifactRow | None:
        """The raw artifact row (for jobs that need the platform ref or stored path)."""
        return await self.session.scalar(
            select(ArtifactRow).where(
                ArtifactRow.person_id == person_id, ArtifactRow.id == artifact_id
            )
        )

    async def update_artifact(self, person_id: int, artifact_id: int, **values: Any) -> None:
        """Change an artifact's columns."""
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
        rows = await self.session.scalars(
            select(ArtifactRow).where(ArtifactRow.person_id == person_id).order_by(ArtifactRow.id)
        )
        return [_artifact(r) for r in rows]

    async def artifact_paths(self, person_id: int) -> list[tuple[Artifact, str]]:
        """Stored artifacts with their blob paths (for exports with files)."""
        rows = await self.session.scalars(
            select(ArtifactRow)
            .where(ArtifactRow.person_id == person_id, ArtifactRow.stored_path.is_not(None))
            .order_by(ArtifactRow.id)
        )
        return [(_artifact(r), r.stored_path or "") for r in rows]

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
        added: list[SignalRow] = []
        for values in signals_list:
            key = signal_key(values["kind"], values["label"], values.get("esco_uri"))
            if key in blocked:
                continue
            blocked.add(key)
            row = SignalRow(
                person_id=person_id,
                key=key,
                created_at=now,
                entry_id=entry_id,
                artifact_id=artifact_id,
                **values,
            )
            self.session.add(row)
            added.append(row)
        await self.session.flush()
        return [_signal(r) for r in added]

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
        return [_signal(r) for r in rows]

    async def signals(
        self, person_id: int, *, statuses: Iterable[SignalStatus] | None = None
    ) -> list[Signal]:
        """A person's signals (optionally only some statuses), oldest first."""
        query = select(SignalRow).where(SignalRow.person_id == person_id)
        if statuses is not None:
            query = query.where(SignalRow.status.in_([str(s) for s in statuses]))
        rows = await self.session.scalars(query.order_by(SignalRow.id))
        return [_signal(r) for r in rows]

    async def signals_by_ids(self, person_id: int, ids: Iterable[int]) -> list[Signal]:
        """Some of a person's signals by id."""
        rows = await self.session.scalars(
            select(SignalRow)
            .where(SignalRow.person_id == person_id, SignalRow.id.in_([int(i) for i in ids]))
            .order_by(SignalRow.id)
        )
        return [_signal(r) for r in rows]

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

    async def delete_person(self, person_id: int) -> None:
        """Erase a person's rows (cascades to identities, entries, artifacts, signals, jobs)."""
        await self.session.execute(delete(PersonRow).where(PersonRow.id == person_id))

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


def with_schedule(person: Person, **changes: Any) -> Person:
    """A copy of `person` with schedule fields changed (for rendering before a reload)."""
    return replace(person, schedule=replace(person.schedule, **changes))
