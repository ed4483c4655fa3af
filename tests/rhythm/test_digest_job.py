"""The digest job: the narrative and the send run with no write transaction open (SQLite)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from passport.messages import Address, Outbound
from tests.core.helpers import Person
from tests.fakes.channel import FakeChannel


def write_lock_free(db: str) -> bool:
    """True when another connection could start writing now (nobody holds the write lock)."""
    conn = sqlite3.connect(db, timeout=0)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.rollback()
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


class ProbingChannel(FakeChannel):
    """Records, at each send, whether the database's write lock was free."""

    def __init__(self, db: str) -> None:
        super().__init__("console")
        self.db = db
        self.lock_free_at_send: list[bool] = []

    async def send(self, address: Address, messages: Sequence[Outbound]) -> None:
        self.lock_free_at_send.append(write_lock_free(self.db))
        await super().send(address, messages)


async def test_the_digest_job_sends_and_narrates_with_no_write_transaction_open(rig, tmp_path):
    db = str(tmp_path / "data" / "utp.sqlite3")
    channel = ProbingChannel(db)
    rig.app.add_channel(channel)
    free_while_narrating: list[bool] = []

    async def narrate(profile) -> str:
        free_while_narrating.append(write_lock_free(db))
        return "A warm story of your week."

    ann = Person(rig.app, "ann")
    await ann.onboard()
    await ann.say("I took photos for the team newsletter and wrote the captions.")
    await rig.app.runner.run_until_idle()
    rig.app.services.narrator = narrate
    await ann.say("what are my strengths?")  # with a narrator, the digest is a job
    channel.sent.clear()
    async with rig.app.services.uow() as uow:
        unsent = await uow.outbox.unsent()  # the chat's own replies (this test never marks them)
    await rig.app.runner.run_until_idle()
    texts = [m.text for _, m in channel.sent if m.text]
    assert any("A warm story of your week." in t for t in texts)
    assert channel.lock_free_at_send and all(channel.lock_free_at_send)
    assert free_while_narrating == [True]
    async with rig.app.services.uow() as uow:
        assert await uow.outbox.unsent() == unsent  # the digest's parts were marked as sent
        person = await uow.people.find_person(ann.address)
    assert person.last_digest_at == rig.clock.now()
