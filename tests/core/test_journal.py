"""The journal core end to end through the conversation, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import zipfile

from passport.messages import InboundFile
from passport.signals import SignalStatus
from tests.core.helpers import Person
from tests.fakes.channel import FakeChannel


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 120, 40)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()


async def test_onboarding_takes_three_taps_and_sets_the_schedule(make_app, db_url):
    app = await make_app(database_url=db_url)
    alice = Person(app)
    first = await alice.say("hello")
    assert "Is that OK?" in first[0].text
    assert [c.data for c in first[0].choices] == ["consent:yes", "consent:no"]
    await alice.tap("consent:yes")
    await alice.tap("slot:6:18")
    done = await alice.tap("tz:Europe/Berlin")
    assert "Sunday at 18:00 (Europe/Berlin)" in done[0].text
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
    assert person.onboarded and person.schedule.timezone == "Europe/Berlin"
    # Sunday 6 Dec 2026 18:00 in Berlin is 17:00 UTC.
    assert person.schedule.next_nudge_at.isoformat() == "2026-12-06T17:00:00+00:00"


async def test_a_reply_is_captured_then_skills_are_noticed_and_kept(make_app, db_url):
    app = await make_app(database_url=db_url)
    channel = FakeChannel()
    app.add_channel(channel)
    alice = Person(app)
    await alice.onboard()
    ack = await alice.say("Took new product photos in natural light and rewrote all my listings.")
    assert "Got it" in ack[0].text or "Saved" in ack[0].text or "Kept" in ack[0].text
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
        assert await uow.entries.count_entries(person.id) == 1
        assert await uow.signals.signals(person.id) == []  # nothing slow ran yet
    await app.runner.run_until_idle()
    noticed = [m for a, m in channel.sent if m.choices]
    assert noticed and "take photographs" in noticed[0].text
    keep = noticed[0].choices[0].data
    assert keep.startswith("keep:")
    await alice.tap(keep)
    async with app.services.uow() as uow:
        kept = await uow.signals.signals(person.id, statuses=[SignalStatus.CONFIRMED])
    assert {s.label for s in kept} == {"take photographs", "write copy"}
    for s in kept:
        assert (
            s.evidence in "Took new product photos in natural light and rewrote all my listings."
        )


async def test_not_me_is_never_suggested_again(make_app, db_url):
    app = await make_app(database_url=db_url)
    app.add_channel(FakeChannel())
    alice = Person(app)
    await alice.onboard()
    await alice.say("Worked with my team on the robot.")
    await app.runner.run_until_idle()
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
        (signal,) = await uow.signals.signals(person.id)
    await alice.tap(f"notme:{signal.id}")
    await alice.say("The team met again today.")
    await app.runner.run_until_idle()
    async with app.services.uow() as uow:
        shown = await uow.signals.signals(
            person.id, statuses=[SignalStatus.SUGGESTED, SignalStatus.CONFIRMED]
        )
    assert shown == []


async def test_replayed_message_is_stored_once(make_app, db_url):
    app = await make_app(database_url=db_url)
    alice = Person(app)
    await alice.onboard()
    first = await alice.say("I fixed my bike", message_id="m-1")
    again = await alice.say("I fixed my bike", message_id="m-1")
    assert first and again == []
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
        assert await uow.entries.count_entries(person.id) == 1


async def test_edit_keeps_versions_and_re_extracts(make_app, db_url):
    app = await make_app(database_url=db_url)
    app.add_channel(FakeChannel())
    alice = Person(app)
    await alice.onboard()
    await alice.say("I sorted photos", message_id="m-7")
    await app.runner.run_until_idle()
    reply = await alice.say("I sorted photos and fixed listings", message_id="m-7", edited=True)
    assert "Updated" in reply[0].text
    await app.runner.run_until_idle()
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
        (entry,) = await uow.entries.entries(person.id, with_versions=True)
        labels = {s.label for s in await uow.signals.signals(person.id)}
    assert [v.text for v in entry.versions] == [
        "I sorted photos",
        "I sorted photos and fixed listings",
    ]
    assert labels == {"take photographs", "write copy"}


async def test_export_and_forget_erase_rows_and_files(make_app, db_url, tmp_path):
    app = await make_app(database_url=db_url)
    app.add_channel(FakeChannel())
    alice = Person(app)
    await alice.onboard()
    await alice.say(
        "Photo of my certificate",
        message_id="m-2",
        files=(InboundFile(ref="x", name="cert.png", content=PNG),),
    )
    await app.runner.run_until_idle()
    (export,) = await alice.say("/export json")
    assert export.attachment.filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(export.attachment.content)) as zf:
        document = json.loads(zf.read("passport.json"))
        assert any(name.startswith("files/") for name in zf.namelist())
    assert document["entries"][0]["text"] == "Photo of my certificate"
    assert document["artifacts"][0]["sha256"]
    blobs = app.settings.utp_data_dir / "blobs"
    assert any(blobs.rglob("*"))
    ask = await alice.say("/forget")
    assert [c.data for c in ask[0].choices] == ["forget:yes", "forget:no"]
    await alice.say("yes")
    assert not any(p.is_file() for p in blobs.rglob("*"))
    async with app.services.uow() as uow:
        assert await uow.people.find_person(alice.address) is None
    # A replay of an old message after /forget brings nothing back.
    assert await alice.say("Photo of my certificate", message_id="m-2") == []
    async with app.services.uow() as uow:
        assert await uow.people.find_person(alice.address) is None


async def test_strengths_question_gives_a_digest_with_a_chart(make_app, db_url):
    app = await make_app(database_url=db_url)
    app.add_channel(FakeChannel())
    alice = Person(app)
    await alice.onboard()
    empty = await alice.say("what are my strengths?")
    assert "empty" in empty[0].text.lower() or "start" in empty[0].text.lower()
    await alice.say("Took product photos and rewrote my listings. Then the team met.")
    await app.runner.run_until_idle()
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
        signals = await uow.signals.signals(person.id)
    await alice.tap("keep:" + ",".join(str(s.id) for s in signals[:2]))
    await alice.tap(f"notme:{signals[2].id}")
    out = await alice.say("What am I good at?")
    text = out[0].text
    assert len(text) <= 900
    assert "take photographs" in text.lower() or "photographs" in text.lower()
    assert "work in teams" not in text.lower()  # rejected: never shown
    assert out[1].attachment is not None and out[1].attachment.content[:8] == b"\x89PNG\r\n\x1a\n"


async def test_goal_shows_essential_skills_from_esco(make_app):
    app = await make_app()
    alice = Person(app)
    await alice.onboard()
    ask = await alice.say("/goal")
    assert "job" in ask[0].text.lower() or "role" in ask[0].text.lower()
    answer = await alice.say("software developer")
    assert "software developer" in answer[0].text.lower()


async def test_a_group_message_never_becomes_the_home_chat(make_app):
    from passport.messages import Address, Inbound

    app = await make_app()
    group = Address("telegram", "1001", "-500")
    await app.conversation.handle(
        Inbound(address=group, message_id="g1", text="hi bot", is_group=True, addressed=True)
    )
    async with app.services.uow() as uow:
        person = await uow.people.find_person(group)
        (identity,) = await uow.people.identities(person.id)
    assert identity.chat_id == "1001"
    private = Address("telegram", "1001", "1001")
    await app.conversation.handle(Inbound(address=private, message_id="p1", action="consent:yes"))
    await app.conversation.handle(
        Inbound(address=group, message_id="g2", text="hello again", is_group=True, addressed=True)
    )
    async with app.services.uow() as uow:
        (identity,) = await uow.people.identities(person.id)
    assert identity.chat_id == "1001"


async def test_standard_exports_and_the_persons_own_key(make_app):
    import json as _json

    app = await make_app()
    app.add_channel(FakeChannel())
    alice = Person(app)
    await alice.onboard()
    nothing = await alice.tap("export:ob3")
    assert "nothing confirmed" in nothing[0].text.lower()
    await alice.say("Took product photos for the shop.")
    await app.runner.run_until_idle()
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
        (signal,) = await uow.signals.signals(person.id)
    await alice.tap(f"keep:{signal.id}")
    (resume,) = await alice.tap("export:jsonresume")
    document = _json.loads(resume.attachment.content)
    assert any(s.get("name") == "take photographs" for s in document["skills"])
    (badges,) = await alice.tap("export:ob3")
    assert badges.attachment.filename.endswith(".zip")
    (key,) = await alice.tap("export:key")
    document = _json.loads(key.attachment.content)
    jwk = document["jwk"]
    assert document["did"].startswith("did:key:z6Mk")
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and "d" in jwk
    (again,) = await alice.tap("export:key")
    assert _json.loads(again.attachment.content) == document  # made once, then kept sealed
