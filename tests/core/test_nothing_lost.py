"""Never discard what a person wrote: setup-time notes, "no" to /forget, edits of a joined note;
and one signing key per person whatever exports run at once."""

from __future__ import annotations

import asyncio
import io
import json
import re
import zipfile

from handlers import texts
from tests.core.helpers import Person
from tests.fakes.channel import FakeChannel


async def _entries(app, alice: Person) -> list[str]:
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
        return [e.text for e in await uow.entries.entries(person.id)]


async def test_text_typed_during_setup_is_kept_as_a_note_and_setup_goes_on(make_app, db_url):
    app = await make_app(database_url=db_url)
    alice = Person(app)
    await alice.say("hi")
    await alice.tap("consent:yes")
    reply = await alice.say("I spent Saturday fixing the printer for my team.")
    assert reply[0].text == texts.NOTE_KEPT_DURING_SETUP
    assert reply[1].text == texts.ASK_SLOT and reply[1].choices
    await alice.tap("slot:6:18")
    # At the zone step a place is a zone; a sentence is a note.
    reply = await alice.say("Then I cooked for twelve people on Sunday. It went well!")
    assert reply[0].text == texts.NOTE_KEPT_DURING_SETUP
    assert reply[1].text == texts.ASK_ZONE
    reply = await alice.say("Berlin")
    assert "All set" in reply[0].text
    assert await _entries(app, alice) == [
        "I spent Saturday fixing the printer for my team.",
        "Then I cooked for twelve people on Sunday. It went well!",
    ]
    await app.runner.run_until_idle()
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
        labels = {s.label for s in await uow.signals.signals(person.id)}
    assert "work in teams" in labels


async def test_no_to_forget_answers_the_question_and_is_not_a_note(make_app, db_url):
    app = await make_app(database_url=db_url)
    alice = Person(app)
    await alice.onboard()
    await alice.say("I fixed the printer at school.")
    for answer in ("no", "No, keep it", "nope!"):
        await alice.say("/forget")
        reply = await alice.say(answer)
        assert [r.text for r in reply] == [texts.FORGET_KEPT]
    # Anything else after the question is kept as a note (as before).
    await alice.say("/forget")
    reply = await alice.say("Actually, I also walked the neighbour's dog.")
    assert reply[0].text == texts.FORGET_KEPT
    assert await _entries(app, alice) == [
        "I fixed the printer at school.",
        "Actually, I also walked the neighbour's dog.",
    ]


async def test_editing_a_note_after_a_follow_up_answer_revises_only_its_part(make_app, db_url):
    app = await make_app(database_url=db_url)
    app.add_channel(FakeChannel())
    alice = Person(app)
    await alice.onboard()
    await alice.say(
        "It was hard: I helped my classmates revise for the maths exam.", message_id="m1"
    )
    await app.runner.run_until_idle()
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
        entry_id = (await uow.entries.entries(person.id))[0].id
        await uow.people.update_person(
            person.id,
            state={
                **person.state,
                "followup": {"entry_id": entry_id, "at": app.clock.now().timestamp()},
            },
        )
        await uow.commit()
    reply = await alice.say("I made flash cards and a quiz for them.", message_id="m2")
    assert reply[0].text == texts.ACK_FOLLOWUP
    reply = await alice.say(
        "It was hard: I helped three classmates revise for the maths exam.",
        message_id="m1",
        edited=True,
    )
    assert reply[0].text == texts.ACK_EDIT
    assert await _entries(app, alice) == [
        "It was hard: I helped three classmates revise for the maths exam.\n\n"
        "I made flash cards and a quiz for them."
    ]
    reply = await alice.say(
        "I made flash cards and a photo quiz for them.", message_id="m2", edited=True
    )
    assert reply[0].text == texts.ACK_EDIT
    assert await _entries(app, alice) == [
        "It was hard: I helped three classmates revise for the maths exam.\n\n"
        "I made flash cards and a photo quiz for them."
    ]


def _dids(content: bytes) -> set[str]:
    blobs = [content]
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            blobs = [zf.read(name) for name in zf.namelist()]
    found: set[str] = set()
    for blob in blobs:
        found |= set(
            re.findall(r"did:key:z[1-9A-HJ-NP-Za-km-z]+", blob.decode("utf-8", "replace"))
        )
    return found


async def test_concurrent_first_exports_make_one_key(make_app, pg_url):
    """Five first exports at once (ob3, clr, key, two taps): all read "no key yet" while another
    transaction holds the person's row, then race to store one. One key, signed with by all."""
    import asyncpg

    app = await make_app(database_url=pg_url)
    alice = Person(app)
    await alice.onboard()
    await alice.say("I took product photos for the shop and rewrote the listings.")
    await app.runner.run_until_idle()
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
        ids = [s.id for s in await uow.signals.signals(person.id)]
    await alice.tap(f"keep:{','.join(map(str, ids))}")

    taps = ["export:ob3", "export:clr", "export:key", "export:ob3", "export:key"]
    locker = await asyncpg.connect(pg_url)
    try:
        holding = locker.transaction()
        await holding.start()
        await locker.execute("SELECT id FROM persons WHERE id = $1 FOR UPDATE", person.id)
        tasks = [asyncio.create_task(alice.tap(t)) for t in taps]
        waiting = 0
        for _ in range(600):  # until every export waits to store its key
            waiting = await locker.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if waiting >= len(taps):
                break
            await asyncio.sleep(0.05)
        assert waiting >= len(taps)
        await holding.rollback()
        replies = await asyncio.wait_for(asyncio.gather(*tasks), 120)
    finally:
        await locker.close()
    dids: set[str] = set()
    for reply in replies:
        assert reply and reply[0].attachment is not None, [r.text for r in reply]
        dids |= _dids(reply[0].attachment.content)
    async with app.services.uow() as uow:
        sealed = await uow.people.get_signing_key(person.id)
    stored = sealed.split(".")[1]
    assert dids == {stored}
    key_file = next(
        r[0].attachment for r in replies if r[0].attachment.filename.endswith(".jwk.json")
    )
    assert json.loads(key_file.content)["did"] == stored
