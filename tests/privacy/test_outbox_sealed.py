"""Replies waiting in the outbox are sealed with the person's key; a sweep still sends them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from passport.messages import Outbound
from tests.core.helpers import Person
from tests.fakes.channel import FakeChannel

WORD = "glimmerquondel"  # a reply that quotes what the person wrote


async def _person_id(app, alice: Person) -> int:
    async with app.services.uow() as uow:
        found = await uow.passport.find_person_by_key(f"console:{alice.user}")
        return found.id


async def test_a_waiting_reply_is_sealed_and_a_sweep_opens_it(make_app, clock, db_url):
    app = await make_app(database_url=db_url)
    app.add_channel(FakeChannel())
    alice = Person(app)
    await alice.onboard()
    pid = await _person_id(app, alice)
    async with app.services.uow() as uow:
        await uow.outbox.add(
            alice.address,
            [Outbound(text=f"You wrote: {WORD}")],
            clock.now(),
            person_id=pid,
            held=False,
        )
        await uow.commit()
    async with app.engine.connect() as conn:
        payloads = (await conn.execute(text("SELECT payload FROM outbox"))).scalars().all()
    assert payloads and not [p for p in payloads if WORD in p]  # nothing readable at rest

    async with app.services.uow() as uow:
        parts = await uow.outbox.claim(clock.now() + timedelta(minutes=1), ["console"])
        await uow.commit()
    assert [p.message.text for p in parts if WORD in p.message.text] == [f"You wrote: {WORD}"]


async def test_a_reply_to_a_forgotten_person_is_dropped_not_sent(make_app, clock):
    app = await make_app()
    app.add_channel(FakeChannel())
    alice = Person(app)
    await alice.onboard()
    pid = await _person_id(app, alice)
    async with app.services.uow() as uow:
        await uow.outbox.add(
            alice.address,
            [Outbound(text=f"You wrote: {WORD}")],
            clock.now(),
            person_id=pid,
            held=False,
        )
        await uow.commit()
    await alice.say("/forget")
    await alice.tap("forget:yes")
    async with app.services.uow() as uow:
        parts = await uow.outbox.claim(clock.now() + timedelta(minutes=1), ["console"])
        await uow.commit()
    assert not [p for p in parts if WORD in p.message.text]
