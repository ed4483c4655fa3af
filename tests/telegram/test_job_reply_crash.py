"""A job's reply ("I noticed …") is an outbox reply: kill -9 between its commit and its send,
and `utp run` restarted sends it once.

The process is the real `utp run` (real offline extractor) against the fake Bot API;
`run_utp.py` ends it abruptly as the "I noticed" part is about to go out: the suggestions and
the reply are committed together, nothing was sent.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from passport.signals import SignalStatus
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram.helpers import until
from tests.telegram.test_process import STUDENT, UtpRun, ack, open_app, queue_a_week

LEASE = "1"  # seconds before a dead process's replies may be swept (15 in production)
NOTICED = "I noticed"
NOTE = (
    "This week I led our robotics team to finish the robot arm, wrote the Python "
    "control code and presented it to the class."
)


@pytest.fixture
async def utp(fake: FakeTelegram, tmp_path: Path, cache_dir: Path):
    run = UtpRun(fake, tmp_path / "data", cache_dir)
    yield run
    if run.proc is not None and run.proc.returncode is None:
        run.proc.kill()
        await run.proc.wait()


def noticed(fake: FakeTelegram) -> int:
    return sum(t.startswith(NOTICED) for t in fake.texts(STUDENT))


async def suggested(data_dir: Path) -> int:
    app = await open_app(data_dir)
    try:
        async with app.services.uow() as uow:
            person = await uow.people.find_person_by_key(f"telegram:{STUDENT}")
            found = await uow.signals.signals(person.id, statuses=[SignalStatus.SUGGESTED])
            return len(found)
    finally:
        await app.close()


async def test_an_extraction_reply_committed_but_not_sent_arrives_once_after_a_restart(utp, fake):
    last = queue_a_week(fake, STUDENT, [NOTE])
    await utp.start(UTP_TEST_DIE_BEFORE_TEXT=NOTICED, UTP_OUTBOX_LEASE_SECONDS=LEASE)
    # The first extraction in a fresh cache indexes ESCO first (about a minute on a busy box).
    assert await asyncio.wait_for(utp.proc.wait(), 300) == 137
    assert noticed(fake) == 0
    assert await suggested(utp.data_dir) > 0  # committed with the reply that announces them
    await utp.start(UTP_OUTBOX_LEASE_SECONDS=LEASE)
    await until(lambda: noticed(fake) >= 1, 60)
    await until(lambda: fake.confirmed > last, 30)
    assert await utp.stop() == 0
    assert noticed(fake) == 1 and ack(fake, STUDENT) == 1
    reply = fake.last_with_buttons(STUDENT)
    assert reply.text.startswith(NOTICED) and "keep:" in str(reply.buttons)
