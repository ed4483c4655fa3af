"""`utp db replay-parked`: after a fix, parked Telegram updates and parked jobs run again."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.channels.telegram_updates import PARKED_PREFIX
from passport.jobs import Send
from tests.telegram.conftest import TOKEN, make_channel
from tests.telegram.helpers import ALICE, onboard, until

ROOT = Path(__file__).resolve().parents[2]
NOTE = "poison pill: I fixed the bike brakes for my neighbour."


async def utp_db(fake, data: Path, cache: Path, *args: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=fake.base_url,
        TELEGRAM_FILE_BASE_URL=fake.file_url,
        UTP_DATA_DIR=str(data),
        UTP_CACHE_DIR=str(cache),
        UTP_SECRET_KEY="test-secret-key",
        PYTHONPATH=str(ROOT),
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "db",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 240)
    return proc.returncode, out.decode()


async def test_replay_parked_reruns_parked_updates_and_jobs(
    make_app, fake, clock, tmp_path, cache_dir
):
    app = await make_app()
    channel = make_channel(app, fake, update_attempts=2)
    app.add_channel(channel)
    real = app.conversation.handle

    async def buggy(inbound):
        if "poison" in inbound.text:
            raise RuntimeError("a bug this message triggers")
        return await real(inbound)

    async def broken_send(job: Send) -> None:
        raise RuntimeError("a bug in sending")

    await channel.start(buggy)
    try:
        await onboard(fake)
        fake.message(ALICE, NOTE)
        update_id = fake.history[-1]["update_id"]
        async with app.services.uow() as uow:
            person = await uow.people.find_person_by_key(f"telegram:{ALICE}")
            await uow.jobs.enqueue_row(
                "send",
                {"messages": [{"text": "Hello again"}]},
                app.clock.now(),
                person_id=person.id,
                max_attempts=1,
            )
            await uow.commit()
        await until(lambda: fake.confirmed > update_id, 30)
        real_send = app.runner.handlers[Send]
        app.runner.handlers[Send] = broken_send
        await app.runner.run_until_idle()
        assert len(await app.jobs.parked()) == 1
        async with app.services.uow() as uow:
            assert await uow.channel_state.get_channel_state(f"{PARKED_PREFIX}{update_id}")
            assert [e.text for e in await uow.entries.entries(person.id)] == []
        acks_before = sum(t.startswith(("Got it", "Saved", "Kept.")) for t in fake.texts(ALICE))

        # The fix: the released code (a fresh process) handles the update; jobs run again.
        code, out = await utp_db(fake, tmp_path / "data", cache_dir, "replay-parked")
        assert code == 0, out
        assert "requeued 1 parked job(s)" in out
        assert "replayed 1 parked telegram update(s); 0 still parked" in out
        acks = sum(t.startswith(("Got it", "Saved", "Kept.")) for t in fake.texts(ALICE))
        assert acks == acks_before + 1
        async with app.services.uow() as uow:
            assert [e.text for e in await uow.entries.entries(person.id)] == [NOTE]
            assert await uow.channel_state.get_channel_state(f"{PARKED_PREFIX}{update_id}") is None
        app.runner.handlers[Send] = real_send
        clock.set(datetime.now(UTC) + timedelta(minutes=1))  # the command requeued at its now
        await app.runner.run_until_idle()
        assert "Hello again" in fake.texts(ALICE)
        assert await app.jobs.parked() == []
    finally:
        await channel.stop()
