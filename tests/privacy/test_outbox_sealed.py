"""Replies waiting in the outbox are sealed with the person's key; a sweep still sends them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from passport.messages import Outbound
from tests.core.helpers import Person
from tests.fakes.channel import FakeChannel

WORD = "glimmerquondel"  # a reply that quotes what the person wrote


async def _alice_with_a_waiting_reply(make_app, clock, **overrides) -> tuple[object, Person]:
    """Alice, onboarded, with one stored reply quoting her words that nobody has sent yet."""
    app = await make_app(**overrides)
    app.add_channel(FakeChannel())
    alice = Person(app)
    await alice.onboard()
    async with app.services.uow() as uow:
        found = await uow.people.find_person_by_key(f"console:{alice.user}")
        await uow.outbox.add(
            alice.address,
            [Outbound(text=f"You wrote: {WORD}")],
            clock.now(),
            person_id=found.id,
            held=False,
        )
        await uow.commit()
    return app, alice


async def _sweep(app, clock) -> list[str]:
    """What a sweep a minute later would send."""
    async with app.services.uow() as uow:
        parts = await uow.outbox.claim(clock.now() + timedelta(minutes=1), ["console"])
        await uow.commit()
    return [p.message.text for p in parts]


async def test_a_waiting_reply_is_sealed_and_a_sweep_opens_it(make_app, clock, db_url):
    app, _ = await _alice_with_a_waiting_reply(make_app, clock, database_url=db_url)
    async with app.engine.connect() as conn:
        payloads = (await conn.execute(text("SELECT payload FROM outbox"))).scalars().all()
    assert payloads and not [p for p in payloads if WORD in p]  # nothing readable at rest
    assert [t for t in await _sweep(app, clock) if WORD in t] == [f"You wrote: {WORD}"]


async def test_a_reply_to_a_forgotten_person_is_never_sent(make_app, clock):
    app, alice = await _alice_with_a_waiting_reply(make_app, clock)
    await alice.say("/forget")
    await alice.tap("forget:yes")
    assert not [t for t in await _sweep(app, clock) if WORD in t]
