"""Everything a person does on Telegram, through the real client and the fake Bot API."""

from __future__ import annotations

import io
import json

from passport.signals import SignalStatus
from tests.telegram.helpers import ALICE, onboard, until


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()
OGG = b"OggS\x00\x02" + b"\x00" * 200


async def person(app, user: int = ALICE):
    async with app.services.uow() as uow:
        return await uow.people.find_person_by_key(f"telegram:{user}")


async def artifacts(app, user: int = ALICE):
    found = await person(app, user)
    async with app.services.uow() as uow:
        return await uow.artifacts.artifacts(found.id)


async def test_noticed_skills_are_kept_or_refused_with_buttons(telegram, fake):
    app, _ = telegram
    await onboard(fake)
    fake.message(ALICE, "Took product photos for the shop. Worked with my team on the stand.")
    await until(lambda: any(t.startswith(("Got it", "Saved", "Kept")) for t in fake.texts(ALICE)))
    await app.runner.run_until_idle()
    noticed = fake.last_with_buttons(ALICE)
    assert "take photographs" in noticed.text
    data = [b["callback_data"] for row in noticed.buttons for b in row]
    keep, not_me = data[0], data[1]
    assert keep.startswith("keep:") and not_me.startswith("notme:")
    ids = keep.split(":")[1].split(",")
    fake.press(ALICE, noticed, f"keep:{ids[0]}")
    fake.press(ALICE, noticed, f"notme:{ids[1]}")
    await until(lambda: any(t.startswith("OK, I'll leave") for t in fake.texts(ALICE)))
    found = await person(app)
    async with app.services.uow() as uow:
        kept = await uow.signals.signals(found.id, statuses=[SignalStatus.CONFIRMED])
        refused = await uow.signals.signals(found.id, statuses=[SignalStatus.REJECTED])
    assert len(kept) == 1 and len(refused) == 1


async def test_a_photo_is_fetched_by_its_file_id_and_kept(telegram, fake):
    app, _ = telegram
    await onboard(fake)
    fake.photo(ALICE, PNG, caption="Our stand at the science fair")
    await until(lambda: any("I'm saving it now" in t for t in fake.texts(ALICE)))
    await app.runner.run_until_idle()
    stored = await artifacts(app)
    assert [(a.status, a.kind) for a in stored] == [("stored", "image")]
    assert stored[0].size == len(PNG)
    assert ("getFile", {"file_id": fake.history[-1]["message"]["photo"][-1]["file_id"]}) in [
        (c, {"file_id": p.get("file_id")}) for c, p in fake.calls if c == "getFile"
    ]


async def test_files_over_the_limit_are_refused_kindly_before_or_while_downloading(make_app, fake):
    from bot.channels.telegram import TelegramChannel  # noqa: F401 - the fixture's type
    from tests.telegram.conftest import make_channel

    app = await make_app(utp_max_file_mb=1)
    channel = make_channel(app, fake)
    app.add_channel(channel)
    await channel.start(app.conversation.handle)
    try:
        await onboard(fake)
        fake.document(ALICE, b"%PDF-1.4 tiny", "cv.pdf", "application/pdf", declared=5 * 2**20)
        await until(lambda: any("That file is 5 MB" in t for t in fake.texts(ALICE)))
        assert not [c for c, _ in fake.calls if c == "getFile"]  # refused on its declared size
        # A file that claims to be small but is not: the stream is cut at the cap.
        liar = fake.add_file(b"%PDF-1.4\n" + b"x" * (2 * 2**20))
        fake.message(
            ALICE,
            None,
            document={
                "file_id": liar,
                "file_unique_id": liar,
                "file_name": "big.pdf",
                "mime_type": "application/pdf",
                "file_size": 1000,
            },
        )
        fake.files[liar] = (fake.files[liar][0], fake.files[liar][1], 1000)
        await until(lambda: any("I'm saving it now" in t for t in fake.texts(ALICE)))
        await app.runner.run_until_idle()
        await until(
            lambda: sum("I can keep files up to 1 MB" in t for t in fake.texts(ALICE)) == 2
        )
        assert await artifacts(app) == []
    finally:
        await channel.stop()


async def test_a_voice_note_is_kept_and_acknowledged(telegram, fake):
    app, _ = telegram
    await onboard(fake)
    fake.voice(ALICE, OGG)
    await until(lambda: any("voice note" in t for t in fake.texts(ALICE)))
    await app.runner.run_until_idle()
    assert [a.kind for a in await artifacts(app)] == ["voice"]


async def test_a_shared_location_sets_the_time_zone_offline(telegram, fake):
    app, _ = telegram
    fake.message(ALICE, "/start")
    await until(lambda: any(s.buttons for s in fake.sent_to(ALICE)))
    for data in ("consent:yes", "slot:6:18"):
        before = len(fake.sent_to(ALICE))
        fake.press(ALICE, fake.last_with_buttons(ALICE), data)
        await until(lambda before=before: len(fake.sent_to(ALICE)) > before)
    fake.location(ALICE, 35.6895, 139.6917)  # Tokyo
    await until(lambda: any("All set" in t for t in fake.texts(ALICE)))
    assert (await person(app)).schedule.timezone == "Asia/Tokyo"


async def test_typed_zone_during_onboarding(telegram, fake):
    app, _ = telegram
    fake.message(ALICE, "hello")
    await until(lambda: any(s.buttons for s in fake.sent_to(ALICE)))
    for data in ("consent:yes", "slot:0:9", "tz:type"):
        before = len(fake.sent_to(ALICE))
        fake.press(ALICE, fake.last_with_buttons(ALICE), data)
        await until(lambda before=before: len(fake.sent_to(ALICE)) > before)
    fake.message(ALICE, "Europe/Berlin")
    await until(lambda: any("All set" in t for t in fake.texts(ALICE)))
    assert (await person(app)).schedule.timezone == "Europe/Berlin"


async def test_digest_sends_the_chart_as_a_photo_and_export_a_document(telegram, fake):
    app, _ = telegram
    await onboard(fake)
    fake.message(ALICE, "Wrote a python script for the team. Took photos of the results.")
    await until(lambda: any(t.startswith(("Got it", "Saved", "Kept")) for t in fake.texts(ALICE)))
    await app.runner.run_until_idle()
    await until(lambda: any("Keep" in str(s.buttons) for s in fake.sent_to(ALICE)))
    noticed = fake.last_with_buttons(ALICE)
    fake.press(ALICE, noticed, noticed.buttons[0][0]["callback_data"])
    await until(lambda: any(t.startswith("Kept:") for t in fake.texts(ALICE)))
    fake.message(ALICE, "what are my strengths?")
    await until(lambda: any(s.method == "sendPhoto" for s in fake.sent_to(ALICE)))
    chart = next(s for s in fake.sent_to(ALICE) if s.method == "sendPhoto")
    assert chart.content.startswith(b"\x89PNG") and chart.filename == "utp-skills.png"
    fake.message(ALICE, "/export json")
    await until(lambda: any(s.method == "sendDocument" for s in fake.sent_to(ALICE)))
    export = next(s for s in fake.sent_to(ALICE) if s.method == "sendDocument")
    assert export.filename.endswith(".json") and "Here is your passport" in export.text
    assert "python" in json.dumps(json.loads(export.content)).lower()


async def test_forget_asks_with_a_button_then_deletes_everything(telegram, fake):
    app, _ = telegram
    await onboard(fake)
    fake.message(ALICE, "Tutored two classmates in maths this week.")
    await until(lambda: any(t.startswith(("Got it", "Saved", "Kept")) for t in fake.texts(ALICE)))
    fake.message(ALICE, "/forget")
    await until(lambda: any("Are you sure?" in t for t in fake.texts(ALICE)))
    ask = fake.last_with_buttons(ALICE)
    assert ask.buttons[0][0]["callback_data"] == "forget:yes"
    fake.press(ALICE, ask, "forget:yes")
    await until(lambda: any("Everything is deleted" in t for t in fake.texts(ALICE)))
    assert await person(app) is None


async def test_commands_settings_pause_resume_skip(telegram, fake):
    await onboard(fake)
    for command, answer in (
        ("/settings", "What would you like to change?"),
        ("/pause", "Paused."),
        ("/resume", "Welcome back"),
        ("/skip", "No question this week"),
    ):
        fake.message(ALICE, command)
        await until(lambda answer=answer: any(answer in t for t in fake.texts(ALICE)))


async def test_every_menu_command_is_one_the_router_knows(telegram, fake):
    from bot.channels.telegram import COMMANDS

    await onboard(fake)
    for name, _ in COMMANDS:
        before = len(fake.sent_to(ALICE))
        fake.message(ALICE, f"/{name}")
        await until(lambda before=before: len(fake.sent_to(ALICE)) > before)
        assert not any("I don't know" in t for t in fake.texts(ALICE)[before:]), name
        if name in {"pause", "forget", "goal"}:  # leave the person in a neutral state
            fake.message(ALICE, "/resume" if name == "pause" else "no")
            await until(lambda before=before: len(fake.sent_to(ALICE)) > before + 1)


async def test_in_a_group_only_messages_for_the_bot_are_taken_per_person(telegram, fake):
    app, _ = telegram
    group = -100_555
    await onboard(fake)
    fake.message(
        ALICE, "chatting with friends about the match", chat_id=group, chat_type="supergroup"
    )
    fake.message(
        ALICE,
        "@utp_test_bot I organised the python study session today",
        chat_id=group,
        chat_type="supergroup",
        entities=[{"type": "mention", "offset": 0, "length": 13}],
    )
    await until(lambda: fake.texts(group))
    found = await person(app)
    async with app.services.uow() as uow:
        entries = await uow.entries.entries(found.id)
    assert [e.text for e in entries] == ["I organised the python study session today"]
    assert len(fake.texts(group)) == 1  # one answer, to the addressed message only
