"""Keep / not me through the real conversation and extraction job (fake extractor, real
storage on SQLite and PostgreSQL): a "not me" holds for similar actions only, answers are
counted per skill, and skills many people reject stop being noticed for everyone."""

from __future__ import annotations

from datetime import timedelta

from handlers import texts
from passport.signals import SignalStatus
from tests.core.helpers import Person
from tests.fakes.channel import FakeChannel
from tests.fakes.extractor import RULES

TEAM_URI, TEAM = RULES["team"][:2]
PHOTO_URI, PHOTO = RULES["photo"][:2]
COPY_URI = RULES["listing"][0]


async def _write(app, person: Person, text: str):
    """Write an entry, let the extraction job run; the suggestions it stored for that entry."""
    await person.say(text)
    await app.runner.run_until_idle()
    async with app.services.uow() as uow:
        found = await uow.people.find_person(person.address)
        signals = await uow.signals.signals(found.id)
        latest = max(e.id for e in await uow.entries.entries(found.id))
    return found.id, [s for s in signals if s.entry_id == latest]


async def _tally(app, uri: str):
    async with app.services.uow() as uow:
        return (await uow.skill_feedback.tallies([uri])).get(uri)


async def test_not_me_holds_for_a_similar_action_and_not_for_a_different_one(
    make_app, db_url, clock
):
    app = await make_app(database_url=db_url)
    channel = FakeChannel()
    app.add_channel(channel)
    alice = Person(app)
    await alice.onboard()
    pid, (team,) = await _write(app, alice, "Worked with my team on the robot.")
    assert team.label == TEAM
    said = (await alice.tap(f"notme:{team.id}"))[0]
    assert said.text == texts.REJECTED.format(things=TEAM)
    assert (await _tally(app, TEAM_URI)).rejected == 1

    clock.advance(timedelta(days=7))  # next week, the same kind of action
    before = len(channel.texts())
    _, shown = await _write(app, alice, "I worked with the team on the website all week.")
    assert shown == []
    assert not any(TEAM in t for t in channel.texts()[before:])

    # a clearly different action (another verb, another thing done) may show it again
    clock.advance(timedelta(days=1))  # a note of its own, not an answer to a question
    _, (again,) = await _write(app, alice, "I wrote the team newsletter.")
    assert again.label == TEAM and again.status is SignalStatus.SUGGESTED
    await alice.tap(f"keep:{again.id}")
    tally = await _tally(app, TEAM_URI)
    assert (tally.noticed, tally.kept, tally.rejected) == (2, 1, 1)

    # kept after a "not me" for something else: it is in their passport
    out = await alice.say("What am I good at?")
    assert TEAM in out[0].text.lower()
    # and the earlier "not me" still holds for what it was said to
    clock.advance(timedelta(days=1))
    _, shown = await _write(app, alice, "Worked with my team on the robot again.")
    assert shown == []


async def test_answers_are_counted_once_per_skill_whatever_the_buttons(make_app, db_url):
    app = await make_app(database_url=db_url)
    channel = FakeChannel()
    app.add_channel(channel)
    alice = Person(app)
    await alice.onboard()
    _, shown = await _write(app, alice, "Took new product photos and rewrote all my listings.")
    ids = ",".join(str(s.id) for s in shown)
    (noticed,) = [m for _, m in channel.sent if m.choices]
    assert [c.data for c in noticed.choices][:2] == [f"keep:{ids}", f"notme:{ids}"]
    await alice.tap(f"keep:{ids}")
    await alice.tap(f"keep:{ids}")  # the same button twice: one answer
    photo, copy = await _tally(app, PHOTO_URI), await _tally(app, COPY_URI)
    assert (photo.noticed, photo.kept, photo.rejected) == (1, 1, 0)
    assert (copy.noticed, copy.kept, copy.rejected) == (1, 1, 0)


async def test_a_skill_many_people_reject_is_no_longer_noticed_for_anyone(make_app, clock):
    from extractors.feedback import MIN_ANSWERS

    app = await make_app()
    app.add_channel(FakeChannel())
    for i in range(MIN_ANSWERS):
        someone = Person(app, user=f"user{i}")
        await someone.onboard()
        _, shown = await _write(app, someone, "Took photos of the shop and rewrote my listings.")
        (photo,) = [s for s in shown if s.label == PHOTO]
        await someone.tap(f"notme:{photo.id}")
        if i < MIN_ANSWERS - 1:  # not sunk before enough people answered
            assert (await _tally(app, PHOTO_URI)).rejected == i + 1
    newcomer = Person(app, user="newcomer")
    await newcomer.onboard()
    _, shown = await _write(app, newcomer, "Took photos of the shop and rewrote my listings.")
    assert [s.esco_uri for s in shown] == [COPY_URI]  # photographs sank; copy is still there
    tally = await _tally(app, PHOTO_URI)
    assert (tally.noticed, tally.rejected) == (MIN_ANSWERS, MIN_ANSWERS)


async def test_with_the_real_extractor_a_not_me_for_a_talk_holds_for_the_next_talk(
    make_app, cache_dir, clock
):
    from extractors.offline import OfflineExtractor

    app = await make_app(extractor=OfflineExtractor(cache_dir=cache_dir))
    app.add_channel(FakeChannel())
    alice = Person(app)
    await alice.onboard()
    _, talk = await _write(
        app, alice, "I gave a 10 minute talk in my marketing class about our campaign."
    )
    assert talk  # something was noticed for the talk
    await alice.tap("notme:" + ",".join(str(s.id) for s in talk))
    clock.advance(timedelta(days=7))
    _, later = await _write(app, alice, "Presented our group project to the class today.")
    assert {s.esco_uri for s in later}.isdisjoint({s.esco_uri for s in talk})
