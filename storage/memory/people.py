"""People, identities and seen message keys, in memory."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from passport.errors import AmbiguousPerson, StorageConflict
from passport.messages import Address
from passport.model import Identity, Person, Schedule
from passport.repositories import PeopleRepository, SeenMessages
from passport.state import ConversationState
from storage.keys import fits_workspace, message_key_hash, person_key_parts
from storage.memory.state import (
    EXTRA_PERSON_COLUMNS,
    PERSON_COLUMNS,
    IdentityRecord,
    MemoryVault,
    Transaction,
)

SCHEDULE_COLUMNS = frozenset(Schedule.__dataclass_fields__)


class InMemoryPeopleRepository(PeopleRepository):
    """People, identities, signing keys and vaults of one in-memory unit of work."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def _identity(self, address: Address) -> IdentityRecord | None:
        for found in self.tx.state.identities:
            if (found.platform, found.workspace, found.user_id) == (
                address.platform,
                address.workspace,
                address.user_id,
            ):
                return found
        return None

    async def find_person(self, address: Address) -> Person | None:
        """The person behind a platform identity, or None."""
        found = await self.find_person_seen(address)
        return found[0] if found else None

    async def find_person_seen(self, address: Address) -> tuple[Person, str, datetime] | None:
        """The person behind an identity, with the identity's chat id and last-seen time."""
        identity = self._identity(address)
        if identity is None:
            return None
        person = self.tx.state.people[identity.person_id]
        return person, identity.chat_id, identity.last_seen_at

    async def find_person_by_key(self, person_key: str) -> Person | None:
        """The one person an operator's key names (AmbiguousPerson when it fits several)."""
        parts = person_key_parts(person_key)
        if parts is None:
            return None
        platform, workspace, named, user_id = parts
        rows = [
            i
            for i in self.tx.state.identities
            if i.platform == platform
            and i.user_id == user_id
            and (not named or fits_workspace(i.workspace, workspace))
        ]
        people = sorted({i.person_id for i in rows})
        if len(people) > 1:
            raise AmbiguousPerson(
                person_key, sorted(f"{platform}:{i.workspace}:{user_id}" for i in rows)
            )
        return await self.get_person(people[0]) if people else None

    async def create_person(self, address: Address, display_name: str, now: datetime) -> Person:
        """A new person with one identity and their own vault."""
        if self._identity(address) is not None:
            raise StorageConflict("this identity belongs to someone already")
        state = self.tx.state
        person = Person(id=state.next_id(), display_name=display_name[:200], created_at=now)
        state.people[person.id] = person
        state.person_extra[person.id] = {}
        state.vaults[person.id] = MemoryVault.new(person.id)
        state.identities.append(
            IdentityRecord(
                person.id,
                address.platform,
                address.workspace,
                address.user_id,
                address.chat_id,
                now,
            )
        )
        return person

    async def touch_identity(self, address: Address, now: datetime) -> None:
        """Remember the chat a person last wrote from."""
        identity = self._identity(address)
        if identity is not None:
            identity.chat_id, identity.last_seen_at = address.chat_id, now

    async def get_person(self, person_id: int) -> Person | None:
        """A person by id."""
        person = self.tx.state.people.get(person_id)
        return person if person else None

    async def update_person(self, person_id: int, **values: Any) -> None:
        """Set person or schedule fields (the same names as the SQL columns)."""
        unknown = (
            set(values) - PERSON_COLUMNS - SCHEDULE_COLUMNS - EXTRA_PERSON_COLUMNS - {"state"}
        )
        if unknown:
            raise TypeError(f"no such person columns: {sorted(unknown)}")
        person = self.tx.state.people.get(person_id)
        if person is None:
            return
        own = {k: v for k, v in values.items() if k in PERSON_COLUMNS}
        if "state" in values:
            own["state"] = ConversationState.of(values["state"])
        schedule = {k: v for k, v in values.items() if k in SCHEDULE_COLUMNS}
        if schedule:
            own["schedule"] = replace(person.schedule, **schedule)
        self.tx.state.people[person_id] = replace(person, **own)
        extra = self.tx.state.person_extra.setdefault(person_id, {})
        extra.update({k: v for k, v in values.items() if k in EXTRA_PERSON_COLUMNS})

    async def get_signing_key(self, person_id: int) -> str | None:
        """The person's sealed signing key, if one was made."""
        return self.tx.state.person_extra.get(person_id, {}).get("signing_key")

    async def set_signing_key_once(self, person_id: int, sealed: str) -> bool:
        """Store the person's first signing key; False when one was stored first."""
        if person_id not in self.tx.state.people:
            return False
        extra = self.tx.state.person_extra.setdefault(person_id, {})
        if extra.get("signing_key") is not None:
            return False
        extra["signing_key"] = sealed
        return True

    async def identities(self, person_id: int) -> list[Identity]:
        """Every identity of a person, most recently seen first."""
        rows = [i for i in self.tx.state.identities if i.person_id == person_id]
        rows.sort(key=lambda i: i.last_seen_at, reverse=True)
        return [Identity(i.platform, i.workspace, i.user_id, i.chat_id, i.person_id) for i in rows]

    async def set_active_by_address(self, address: Address, active: bool) -> int | None:
        """Mark the person behind an address active / inactive; their id, or None."""
        person = await self.find_person(address)
        if person is None:
            return None
        await self.update_person(person.id, active=active)
        return person.id

    async def migrate_chat(self, platform: str, old_chat: str, new_chat: str) -> None:
        """A chat got a new id: follow it."""
        for identity in self.tx.state.identities:
            if identity.platform == platform and identity.chat_id == old_chat:
                identity.chat_id = new_chat

    async def vault(self, person_id: int) -> MemoryVault:
        """The person's vault (made on first use)."""
        vaults = self.tx.state.vaults
        if person_id not in vaults:
            vaults[person_id] = MemoryVault.new(person_id)
        return vaults[person_id]


class InMemorySeenMessages(SeenMessages):
    """Hashes of the message keys taken in (they outlive forgetting a person)."""

    def __init__(self, tx: Transaction, people: InMemoryPeopleRepository) -> None:
        self.tx = tx
        self.people = people

    async def mark_seen(self, message_key: str, now: datetime) -> bool:
        """Record a message key; False when it was seen before."""
        key = message_key_hash(message_key)
        if key in self.tx.state.seen:
            return False
        self.tx.state.seen[key] = now
        return True

    async def mark_seen_and_find(
        self, message_key: str, address: Address, now: datetime
    ) -> tuple[bool, tuple[Person, str, datetime] | None]:
        """`mark_seen`, then (when fresh) the person behind the address."""
        if not await self.mark_seen(message_key, now):
            return False, None
        return True, await self.people.find_person_seen(address)

    async def was_seen(self, message_key: str) -> bool:
        """True when this message key was taken in before."""
        return message_key_hash(message_key) in self.tx.state.seen
