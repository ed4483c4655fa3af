"""The real PTB client against the fake Bot API: a person's life in one chat, polled."""

from __future__ import annotations

import json

from bot.channels.telegram import COMMANDS
from bot.channels.telegram_updates import OFFSET_KEY, PARKED_PREFIX
from tests.telegram.helpers import ALICE, onboard, until


async def test_onboarding_with_inline_buttons_edits_the_message_that_held_them(telegram, fake):
    app, _ = telegram
    await onboard(fake)
    welcome = fake.sent_to(ALICE)[0]
    assert "Is that OK?" in welcome.text and welcome.parse_mode == "HTML"
    assert [b["callback_data"] for row in welcome.buttons for b in row] == [
        "consent:yes",
        "consent:no",
    ]
    edits = [s for s in fake.sent if s.method == "editMessageText"]
    assert edits and all(e.message_id == welcome.message_id for e in edits)
    assert any("All set" in e.text for e in edits)
    answered = [c for c, _ in fake.calls if c == "answerCallbackQuery"]
    assert len(answered) == 3
    assert [c["command"] for c in fake.commands] == [name for name, _ in COMMANDS]
    async with app.services.uow() as uow:
        person = await uow.people.find_person_by_key(f"telegram:{ALICE}")
        assert person.onboarded and person.schedule.timezone == "Europe/Berlin"
        assert (await uow.channel_state.get_channel_state(OFFSET_KEY)).split()[0] == str(
            fake.confirmed or max(u["update_id"] for u in fake.updates) + 1
        )


async def test_a_reply_and_its_edit_are_one_entry_and_html_is_escaped(telegram, fake):
    app, _ = telegram
    await onboard(fake)
    message_id = fake.message(ALICE, "I fixed <b>the</b> build & wrote tests for the parser.")
    await until(lambda: any(t.startswith(("Got it", "Saved", "Kept")) for t in fake.texts(ALICE)))
    fake.edit(ALICE, message_id, "I fixed the CI build and wrote unit tests for the parser.")
    await until(lambda: any("Updated your note" in t for t in fake.texts(ALICE)))
    async with app.services.uow() as uow:
        person = await uow.people.find_person_by_key(f"telegram:{ALICE}")
        entries = await uow.entries.entries(person.id, with_versions=True)
    assert len(entries) == 1 and entries[0].text.startswith("I fixed the CI build")


async def test_replayed_updates_are_stored_once(telegram, fake):
    app, _ = telegram
    await onboard(fake)
    fake.message(ALICE, "Led the robotics club meeting and planned the next build session.")
    await until(lambda: any(t.startswith(("Got it", "Saved", "Kept")) for t in fake.texts(ALICE)))
    sent_before = len(fake.sent)
    replay = fake.redeliver(fake.history[-1]["update_id"])
    await until(lambda: fake.confirmed > replay)
    assert len(fake.sent) == sent_before  # a replay is answered with silence
    async with app.services.uow() as uow:
        person = await uow.people.find_person_by_key(f"telegram:{ALICE}")
        assert await uow.entries.count_entries(person.id) == 1


async def test_an_update_that_cannot_be_read_or_handled_is_parked_not_dropped(make_app, fake):
    from tests.telegram.conftest import make_channel

    app = await make_app()
    channel = make_channel(app, fake, update_attempts=2)
    real = app.conversation.handle

    async def handle(inbound):
        if "poison" in inbound.text:
            raise RuntimeError("a bug this message triggers")
        return await real(inbound)

    await channel.start(handle)
    try:
        broken = fake.push(my_chat_member={"chat": {"id": ALICE, "type": "private"}})
        poison = fake.message(ALICE, "poison")
        fake.message(ALICE, "hello")
        await until(lambda: fake.texts(ALICE))  # the loop went on past both
        async with app.services.uow() as uow:
            assert await uow.channel_state.get_channel_state(f"{PARKED_PREFIX}{broken}")
            parked = await uow.channel_state.get_channel_state(f"{PARKED_PREFIX}{broken + 1}")
        assert json.loads(parked)["message"]["message_id"] == poison
    finally:
        await channel.stop()


async def test_a_redelivered_button_press_is_not_applied_twice(telegram, fake):
    app, channel = telegram
    await onboard(fake)
    await channel.updates.drain()  # the last reply's second part may still be on its way
    finished = next(u for u in reversed(fake.history) if "callback_query" in u)
    sent_before = len(fake.sent)
    replay = fake.redeliver(finished["update_id"])  # "tz:Europe/Berlin" again, same query id
    await until(lambda: fake.confirmed > replay)
    assert len(fake.sent) == sent_before
    async with app.services.uow() as uow:
        person = await uow.people.find_person_by_key(f"telegram:{ALICE}")
        state = person.state
    assert person.onboarded and "step" not in state
