"""What a job tells the person goes through the outbox, committed with what it announces."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from passport.signals import SignalStatus
from tests.core.helpers import Person
from tests.fakes.channel import FakeChannel

NOTE = "Took new product photos in natural light and rewrote all my listings."


async def _unsent(app) -> int:
    async with app.services.uow() as uow:
        return await uow.outbox.unsent()


async def _job_kinds(app) -> list[str]:
    async with app.engine.connect() as conn:
        return [r[0] for r in await conn.execute(text("SELECT kind FROM jobs ORDER BY id"))]


async def test_noticed_is_stored_with_its_suggestions_and_swept_once_when_sending_fails(
    make_app, db_url, clock
):
    app = await make_app(database_url=db_url)
    channel = FakeChannel()
    app.add_channel(channel)
    alice = Person(app)
    await alice.onboard()
    await alice.say(NOTE)
    replies = await _unsent(app)  # the conversation's own replies (tests read them directly)
    channel.fail_next = 1  # the platform says "later" when the job's reply goes out
    await app.runner.run_until_idle()
    assert channel.sent == []
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
        suggested = await uow.signals.signals(person.id, statuses=[SignalStatus.SUGGESTED])
    assert suggested
    # The job is done: its reply waits in the outbox, not as a job of its own.
    assert await app.jobs.pending() == 0 and "send" not in await _job_kinds(app)
    assert await _unsent(app) == replies + 1
    assert await app.sweeper.sweep() == 0  # not before the platform's retry_after
    clock.advance(timedelta(seconds=2))
    assert await app.sweeper.sweep() == 1
    assert await app.sweeper.sweep() == 0  # a marked part is never sent again
    (noticed,) = [m for _, m in channel.sent]
    assert noticed.text.startswith("I noticed") and "take photographs" in noticed.text
    assert noticed.choices[0].data == "keep:" + ",".join(str(s.id) for s in suggested[:5])
    assert await _unsent(app) == replies


async def test_a_reply_that_waits_is_released_when_the_person_comes_back(make_app, clock):
    app = await make_app()
    channel = FakeChannel()
    app.add_channel(channel)
    alice = Person(app)
    await alice.onboard()
    await alice.say(NOTE)
    channel.fail_next = 1
    await app.runner.run_until_idle()
    assert await app.sweeper.sweep() == 0
    await app.release_waiting(alice.address)  # e.g. `utp chat --as alice` again
    assert await app.sweeper.sweep() == 1
    assert [m.text[:9] for _, m in channel.sent] == ["I noticed"]


async def test_a_file_the_job_rejects_is_explained_through_the_outbox(make_app):
    from passport.messages import InboundFile

    app = await make_app(utp_max_file_mb=1)
    channel = FakeChannel()
    app.add_channel(channel)
    alice = Person(app)
    await alice.onboard()

    class TooBig:
        async def fetch(self, file, max_bytes):
            from passport.errors import FileRejected

            raise FileRejected("That file is larger than 1 MB, so I couldn't keep it.")

    app.services.fetchers["console"] = TooBig()
    await alice.say("", files=(InboundFile(ref="remote-1", name="big.pdf"),))
    await app.runner.run_until_idle()
    assert channel.texts("alice") == ["That file is larger than 1 MB, so I couldn't keep it."]
    assert "send" not in await _job_kinds(app)
