"""Bad input gets a clear, friendly reply and nothing is lost or half-stored."""

from __future__ import annotations

import asyncio

from passport.messages import InboundFile
from tests.core.helpers import Person
from tests.fakes.channel import FakeChannel
from tests.fakes.extractor import FakeExtractor


async def _count(app, person: Person) -> int:
    async with app.services.uow() as uow:
        found = await uow.people.find_person(person.address)
        return await uow.entries.count_entries(found.id) if found else 0


async def test_empty_and_whitespace_get_a_nudge_and_store_nothing(make_app):
    app = await make_app()
    alice = Person(app)
    await alice.onboard()
    for text in ("", "   ", "\n\t", "\x00\x01\x02"):
        (reply,) = await alice.say(text)
        assert "didn't catch" in reply.text
    assert await _count(app, alice) == 0


async def test_emoji_only_and_control_characters_are_kept_cleanly(make_app, db_url):
    app = await make_app(database_url=db_url)
    alice = Person(app)
    await alice.onboard()
    await alice.say("🙂🎉")
    await alice.say("fixed\x00 the\x07 bike")
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
        texts = [e.text for e in await uow.entries.entries(person.id)]
    assert texts == ["🙂🎉", "fixed the bike"]


async def test_huge_text_is_refused_whole_and_long_text_is_kept_whole(make_app):
    app = await make_app()
    alice = Person(app)
    await alice.onboard()
    (reply,) = await alice.say("x" * 100_001)
    assert "smaller parts" in reply.text
    assert await _count(app, alice) == 0
    long = "I wrote a story. " * 5_000  # 85,000 characters
    await alice.say(long)
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
        (entry,) = await uow.entries.entries(person.id)
    assert entry.text == long.strip()


async def test_unknown_command_and_stale_button(make_app):
    app = await make_app()
    alice = Person(app)
    await alice.onboard()
    (reply,) = await alice.say("/frobnicate now")
    assert "/frobnicate" in reply.text and "/help" in reply.text
    (reply,) = await alice.tap("weird:button")
    assert "/help" in reply.text
    (reply,) = await alice.tap("keep:999999")
    assert "no longer apply" in reply.text


async def test_binary_junk_file_and_disguised_file_are_refused(make_app):
    app = await make_app()
    alice = Person(app)
    await alice.onboard()
    junk = InboundFile(ref="x", name="notes.txt", content=bytes(range(256)) * 10)
    disguised = InboundFile(ref="y", name="photo.jpg", content=b"MZ\x90\x00" + b"\x00" * 500)
    (r1,) = await alice.say("", files=(junk,))
    (r2,) = await alice.say("", files=(disguised,))
    assert "can't keep that kind of file" in r1.text
    assert "can't keep that kind of file" in r2.text
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
        assert await uow.artifacts.artifacts(person.id) == []
    assert not any(p.is_file() for p in (app.settings.utp_data_dir / "blobs").rglob("*"))


async def test_oversized_declared_file_and_pixel_bomb(make_app):
    app = await make_app(utp_max_file_mb=1)
    alice = Person(app)
    await alice.onboard()
    big = InboundFile(ref="x", name="big.pdf", declared_size=5 * 2**20)
    (r1,) = await alice.say("", files=(big,))
    assert "up to 1 MB" in r1.text
    # A PNG header claiming 100,000 x 100,000 pixels: refused before any decoding.
    bomb = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
        + (100_000).to_bytes(4, "big") * 2
        + b"\x08\x02\x00\x00\x00"
        + b"\x00" * 64
    )
    (r2,) = await alice.say("", files=(InboundFile(ref="b", name="bomb.png", content=bomb),))
    assert "too large to open safely" in r2.text
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
        assert await uow.artifacts.artifacts(person.id) == []


async def test_extractor_failure_keeps_the_entry_and_parks_the_job(make_app, clock):
    from datetime import timedelta

    app = await make_app(extractor=FakeExtractor(fail=True))
    app.add_channel(FakeChannel())
    alice = Person(app)
    await alice.onboard()
    await alice.say("Worked with my team all week")
    for _ in range(8):
        await app.runner.run_until_idle()
        clock.advance(timedelta(hours=2))
    assert await _count(app, alice) == 1
    parked = await app.jobs.parked()
    assert [kind for _, kind, _ in parked] == ["extract"]
    assert "extractor is down" in parked[0][2]


async def test_two_first_messages_racing_make_one_person(make_app, db_url):
    app = await make_app(database_url=db_url)
    alice = Person(app)
    await asyncio.gather(alice.say("I built a shelf today"), alice.say("and painted it"))
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
        identities = await uow.people.identities(person.id)
    assert len(identities) == 1


async def test_two_messages_racing_for_an_onboarded_person_are_both_kept(make_app, db_url):
    app = await make_app(database_url=db_url)
    alice = Person(app)
    await alice.onboard()
    await asyncio.gather(*(alice.say(f"note {i}") for i in range(6)))
    assert await _count(app, alice) == 6


async def test_database_locked_for_a_moment_still_captures(make_app):
    import sqlite3

    app = await make_app()
    alice = Person(app)
    await alice.onboard()
    path = app.settings.utp_data_dir / "utp.sqlite3"
    blocker = sqlite3.connect(path, timeout=1)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    loop = asyncio.get_running_loop()
    loop.call_later(0.5, blocker.rollback)
    replies = await alice.say("Fixed the printer at school")
    blocker.close()
    assert "look at what it shows" in replies[0].text
    assert await _count(app, alice) == 1
