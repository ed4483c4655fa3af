"""The coach on Telegram: one question at a time, never twice, and a new story stays new.

The real python-telegram-bot client talks to the fake Bot API; with a key set, follow-ups are
written by the real openai client against the fake OpenAI server.
"""

from __future__ import annotations

from datetime import timedelta

from bot.channels.telegram import TelegramChannel
from handlers import texts
from passport.followup import GENERAL, JOIN_WINDOW, TOPICS
from tests.fakes.openai_server import FakeOpenAIServer, chat_reply, error_reply
from tests.telegram.conftest import make_channel
from tests.telegram.helpers import ALICE, onboard, until

TEMPLATES = {q for _name, _cues, qs in TOPICS for q in qs} | set(GENERAL)
# No keyword of the fake extractor: nothing is noticed, so the question comes at once.
NOTES = [
    "On Saturday I repaired the fence with my uncle and it took all day long.",
    "I cooked dinner for six people and tried a new recipe with lentils for once.",
    "We cleaned the river bank with the scouts and collected eleven bags of rubbish.",
    "I wrote a short story for the school magazine and the editor liked the ending.",
]


def questions(fake, user: int = ALICE) -> list[str]:
    return [t for t in fake.texts(user) if t in TEMPLATES]


async def person_entries(app, user: int = ALICE) -> list[str]:
    async with app.services.uow() as uow:
        found = await uow.people.find_person_by_key(f"telegram:{user}")
        return [e.text for e in await uow.entries.entries(found.id)]


async def say_and_settle(app, fake, text: str, user: int = ALICE) -> None:
    before = len(fake.texts(user))
    fake.message(user, text)
    await until(lambda: len(fake.texts(user)) > before)
    await app.runner.run_until_idle()
    await until(lambda: len(fake.texts(user)) > before + 1)  # the ack, then the job's message


async def test_no_follow_up_is_asked_twice_over_many_notes(telegram, fake, clock):
    app, _ = telegram
    await onboard(fake)
    for _week in range(3):
        for note in NOTES:
            await say_and_settle(app, fake, note)
            answer = "My uncle showed me how, and I did the last part alone without help."
            await say_and_settle(app, fake, answer)
            clock.advance(timedelta(hours=1))  # past the join window: the next note is new
        clock.advance(timedelta(days=6))
    asked = questions(fake)
    assert len(asked) >= 12, asked
    assert len(asked) == len(set(asked)), f"asked twice: {asked}"


async def test_a_new_story_after_a_question_stays_a_new_note(telegram, fake, clock):
    app, _ = telegram
    await onboard(fake)
    await say_and_settle(app, fake, NOTES[0])
    assert questions(fake)
    # Right away, but a different story: the person says so.
    await say_and_settle(app, fake, "New note: " + NOTES[1])
    # Answering the new question joins note two; then they change their mind.
    answer = "The lentils needed twice as long as the recipe said, so we ate late."
    await say_and_settle(app, fake, answer)
    assert texts.ACK_FOLLOWUP in fake.texts(ALICE)
    fake.message(ALICE, "that's a new story")
    await until(lambda: texts.NEW_NOTE_SPLIT in fake.texts(ALICE))
    await app.runner.run_until_idle()
    # And a reply long after a question never joins the old note.
    await say_and_settle(app, fake, NOTES[2])
    clock.advance(JOIN_WINDOW + timedelta(minutes=1))
    await say_and_settle(app, fake, NOTES[3])
    entries = await person_entries(app)
    assert sorted(entries) == sorted([NOTES[0], NOTES[1], answer, NOTES[2], NOTES[3]])


async def test_with_a_key_the_follow_up_is_written_from_the_note(make_app, fake, clock):
    with FakeOpenAIServer() as server:
        app = await make_app(openai_api_key="test-key", openai_base_url=server.base_url)
        channel: TelegramChannel = make_channel(app, fake)
        app.add_channel(channel)
        await channel.start(app.conversation.handle)
        try:
            await onboard(fake)
            written = "What was the hardest part of the fence?"
            server.push(chat_reply(written))
            await say_and_settle(app, fake, NOTES[0])
            assert fake.texts(ALICE)[-1] == written
            sent = server.requests[-1].json
            assert NOTES[0] in sent["messages"][-1]["content"]
            clock.advance(timedelta(hours=1))

            # Advice, too long, or asked before: refused, and a template question is used.
            server.push(chat_reply("You should try a recipe with fewer steps next time, right?"))
            await say_and_settle(app, fake, NOTES[1])
            assert fake.texts(ALICE)[-1] in TEMPLATES
            clock.advance(timedelta(hours=1))
            server.push(chat_reply(written))
            await say_and_settle(app, fake, NOTES[2])
            assert fake.texts(ALICE)[-1] in TEMPLATES
            assert "Already asked" in server.requests[-1].json["messages"][-1]["content"]
            clock.advance(timedelta(hours=1))
            long = "What " + "really " * 20 + "made the story end that way?"
            server.push(chat_reply(long))
            await say_and_settle(app, fake, NOTES[3])
            assert fake.texts(ALICE)[-1] in TEMPLATES
            clock.advance(timedelta(hours=1))
            server.push(error_reply(500), error_reply(500), error_reply(500))
            await say_and_settle(app, fake, "I ran five kilometres today, my best time so far.")
            assert fake.texts(ALICE)[-1] in TEMPLATES
            asked = [t for t in fake.texts(ALICE) if t.endswith("?") and t != texts.ASK_SLOT]
            assert len(asked) == len(set(asked))
        finally:
            await channel.stop()


async def test_the_digest_next_step_leads_toward_the_persons_goal(telegram, fake):
    app, _ = telegram
    await onboard(fake)
    await say_and_settle(app, fake, "I took photos for the shop and worked with my team all day.")
    fake.message(ALICE, "/goal cook")
    await until(lambda: any(t.startswith("Goal: cook") for t in fake.texts(ALICE)))
    fake.message(ALICE, "/digest")
    await until(lambda: any(t.startswith("Your passport so far") for t in fake.texts(ALICE)))
    digest = next(t for t in fake.texts(ALICE) if t.startswith("Your passport so far"))
    assert "Next step: you want to be a cook. A key skill to grow is " in digest
    assert "(ESCO: work in teams)" in digest or "Teamwork" in digest
