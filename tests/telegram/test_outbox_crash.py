"""kill -9 between the commit and the send: `utp run` restarts and the reply arrives once.

The process is the real `utp run` against the fake Bot API; `run_utp.py` ends it abruptly at
the chosen point (like kill -9: no cleanup, no flush). The restarted process's outbox sweep
sends what was committed and never marked, resuming a multi-part reply after its last marked
part.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers import texts
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram.helpers import until
from tests.telegram.test_process import STUDENT, UtpRun, queue_a_week

LEASE = "1"  # seconds before a dead process's replies may be swept (15 in production)


@pytest.fixture
async def utp(fake: FakeTelegram, tmp_path: Path, cache_dir: Path):
    run = UtpRun(fake, tmp_path / "data", cache_dir)
    yield run
    if run.proc is not None and run.proc.returncode is None:
        run.proc.kill()
        await run.proc.wait()


def count(fake: FakeTelegram, user: int, start: str) -> int:
    return sum(t.startswith(start) for t in fake.texts(user))


async def test_a_reply_committed_but_not_sent_arrives_once_after_a_restart(utp, fake):
    fake.message(STUDENT, "/start")
    welcome = texts.WELCOME.split("{", 1)[0][:10]
    await utp.start(UTP_TEST_DIE_BEFORE_SEND="1", UTP_OUTBOX_LEASE_SECONDS=LEASE)
    assert await utp.exited() == 137
    assert fake.texts(STUDENT) == []  # committed, acknowledged to Telegram, never sent
    await utp.start(UTP_OUTBOX_LEASE_SECONDS=LEASE)
    await until(lambda: count(fake, STUDENT, welcome) >= 1, 30)
    await until(lambda: fake.confirmed > 0, 30)
    await utp.stop()
    assert count(fake, STUDENT, welcome) == 1


async def test_a_multi_part_reply_cut_after_part_one_resumes_at_part_two(utp, fake):
    last = queue_a_week(fake, STUDENT, [])  # /start, consent, slot, zone: the last reply has 2
    all_set = texts.ALL_SET.split("{", 1)[0][:12]
    first_prompt = texts.FIRST_PROMPT.split("{", 1)[0][:12]
    # Marks 1-3 answer /start, consent and slot; the 4th is "All set", part 1 of the last reply.
    await utp.start(UTP_TEST_DIE_AFTER_MARK="4", UTP_OUTBOX_LEASE_SECONDS=LEASE)
    assert await utp.exited() == 137
    assert count(fake, STUDENT, all_set) == 1 and count(fake, STUDENT, first_prompt) == 0
    await utp.start(UTP_OUTBOX_LEASE_SECONDS=LEASE)
    await until(lambda: count(fake, STUDENT, first_prompt) >= 1, 30)
    await until(lambda: fake.confirmed > last, 30)
    await utp.stop()
    assert count(fake, STUDENT, all_set) == 1
    assert count(fake, STUDENT, first_prompt) == 1
