"""People and their identities: who is behind a platform user, their schedule, state and keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update

from passport.errors import AmbiguousPerson
from passport.messages import Address
from passport.model import Identity, Person
from passport.repositories import PeopleRepository
from storage import sealing
from storage.keys import fits_workspace, person_key_parts
from storage.mapping import SessionRepository, identity_from_row, person_from_row
from storage.models import IdentityRow, PersonKeyRow, PersonRow, _table

# The capture path runs this for every message: built once, on tables rather than mapped
# classes, so SQLAlchemy skips statement construction.
_PERSONS = _table(PersonRow)
_IDENTITIES = _table(IdentityRow)
_KEYS = _table(PersonKeyRow)
FIND_PERSON = (
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


class SqlAlchemyPeopleRepository(SessionRepository, PeopleRepository):
    """People, identities, signing keys and data keys, in one session."""

    async def find_person(self, address: Address) -> Person | None:
        """The person behind a platform identity, or None."""
        found = await self.find_person_seen(address)
        return found[0] if found else None

    async def find_person_seen(self, address: Address) -> tuple[Person, str, datetime] | None:
        """The person behind an identity, with the identity's chat id and last-seen time."""
        row = (
            await self.session.execute(
                FIND_PERSON,
                {
                    "platform": address.platform,
                    "workspace": address.workspace,
                    "user_id": address.user_id,
                },
            )
        ).first()
        if row is None:
            return None
        return await self.found(row)

    async def found(self, row: Any) -> tuple[Person, str, datetime]:
        """A `FIND_PERSON` row as (person, chat id, last seen), its vault remembered."""
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
        return person_from_row(row, sealer), row.identity_chat_id, row.identity_last_seen_at

    async def find_person_by_key(self, person_key: str) -> Person | None:
        """The one person an operator's key names, compared exactly (never a pattern).

        `platform:user` (any workspace), `platform:workspace:user`, or for Slack
        `slack:TEAM:USER` / `slack:ENTERPRISE:TEAM:USER`. Raises AmbiguousPerson, listing the
        candidates, when the key fits several people (the same user id in two teams).
        """
        parts = person_key_parts(person_key)
        if parts is None:
            return None
        platform, workspace, named, user_id = parts
        rows = (
            await self.session.execute(
                select(IdentityRow.person_id, IdentityRow.workspace).where(
                    IdentityRow.platform == platform, IdentityRow.user_id == user_id
                )
            )
        ).all()
        if named:  # a workspace was named: it must be that workspace, or that Slack team
            rows = [r for r in rows if fits_workspace(r.workspace, workspace)]
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
        return person_from_row(row, self.sealer)

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
        return person_from_row(row, await self._opened(row.state))

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
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def identities(self, person_id: int) -> list[Identity]:
        """Every identity of a person, most recently seen first."""
        rows = await self.session.scalars(
            select(IdentityRow)
            .where(IdentityRow.person_id == person_id)
            .order_by(IdentityRow.last_seen_at.desc())
        )
        return [identity_from_row(r) for r in rows]

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
