"""What the repository contract tests share: two people and a fixed time."""

from __future__ import annotations

from datetime import UTC, datetime

from passport.messages import Address

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ANA = Address("telegram", "100", "100")
BEN = Address("slack", "UBEN", "DUBEN", "E1:TA")


async def make(storage, address: Address, name: str = "Someone", at: datetime = NOW) -> int:
    async with storage.uow() as uow:
        person = await uow.people.create_person(address, name, at)
        await uow.commit()
        return person.id
