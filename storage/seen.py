"""Replay protection: the hashes of every platform message key taken in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, literal, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from passport.messages import Address
from passport.model import Person
from passport.repositories import SeenMessages
from storage.compiled import CompiledOnce
from storage.keys import message_key_hash
from storage.mapping import SessionRepository
from storage.models import SeenMessageRow, _table
from storage.people import FIND_PERSON, SqlAlchemyPeopleRepository

_SEEN = _table(SeenMessageRow)
_SEEN_INSERT = {
    "sqlite": sqlite_insert(_SEEN).on_conflict_do_nothing(),
    "postgresql": pg_insert(_SEEN).on_conflict_do_nothing(),
}
_FOUND = FIND_PERSON.subquery("found")
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

# Dialect inserts (ON CONFLICT) are never cached by SQLAlchemy: compiled once here instead.
_SEEN_INSERT_ONCE = CompiledOnce(_SEEN_INSERT.__getitem__)
_SEEN_AND_FIND_ONCE = CompiledOnce(lambda _dialect: _SEEN_AND_FIND)


class SqlAlchemySeenMessages(SessionRepository, SeenMessages):
    """Seen message keys (they outlive /forget, so replays stay dead)."""

    def __init__(self, session: AsyncSession, people: SqlAlchemyPeopleRepository) -> None:
        super().__init__(session)
        self.people = people

    async def mark_seen(self, message_key: str, now: datetime) -> bool:
        """Record a message key; False when it was seen before (a replay)."""
        stmt = _SEEN_INSERT_ONCE.of(self.session)
        result = await self.session.execute(
            stmt, {"key_hash": message_key_hash(message_key), "seen_at": now}
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def mark_seen_and_find(
        self, message_key: str, address: Address, now: datetime
    ) -> tuple[bool, tuple[Person, str, datetime] | None]:
        """`mark_seen` then `people.find_person_seen`, in one round trip on PostgreSQL."""
        if self.dialect != "postgresql":
            if not await self.mark_seen(message_key, now):
                return False, None
            return True, await self.people.find_person_seen(address)
        row = (
            await self.session.execute(
                _SEEN_AND_FIND_ONCE.of(self.session),
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
        return True, await self.people.found(row)

    async def was_seen(self, message_key: str) -> bool:
        """True when this message key was taken in before."""
        found = await self.session.get(SeenMessageRow, message_key_hash(message_key))
        return found is not None
