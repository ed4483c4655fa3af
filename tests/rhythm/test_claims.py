"""Several workers, one wave: no person is nudged twice in a week, none is missed."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.scheduler import Scheduler
from storage import nudges as q
from storage.models import JobRow, NudgeRow
from tests.rhythm.conftest import Rig

SUNDAY = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)
# Sunday 18:00 in each of these has come by 18:00 UTC, and none is in its quiet hours then.
ZONES = ("Europe/Berlin", "Europe/London", "Africa/Lagos", "Africa/Johannesburg")


class Killed(BaseException):
    """A worker process dying: not an error the code may catch and handle."""


async def _people(rig: Rig, n: int) -> list[int]:
    return [await rig.add(f"p{i}", tz=ZONES[i % len(ZONES)]) for i in range(n)]


async def _count(rig: Rig, model) -> int:
    async with rig.app.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)))


def _sends(*rigs: Rig) -> Counter:
    return Counter(
        a.user_id
        for rig in rigs
        for a, m in rig.channel.sent
        if m.text.startswith("Your weekly question")
    )


async def test_two_workers_ticking_at_once_never_send_twice(make_rig, db_url):
    url = db_url
    one = await make_rig(database_url=url)
    two = await make_rig(database_url=url, utp_worker_id="second")  # same database
    people = await _people(one, 60)
    at = SUNDAY + timedelta(hours=1)
    one.clock.set(at)
    small = [
        Scheduler(r.app.sessionmaker, r.clock, r.app.services.limits, batch=7) for r in (one, two)
    ]
    reports = await asyncio.gather(
        small[0].tick(at), small[1].tick(at), small[0].tick(at), small[1].tick(at)
    )
    assert sum(r.nudged for r in reports) == len(people)
    await asyncio.gather(one.app.runner.run_until_idle(), two.app.runner.run_until_idle())
    sends = _sends(one, two)
    assert len(sends) == len(people) and set(sends.values()) == {1}
    assert await _count(one, NudgeRow) == len(people)
    # Everyone moved on to next week; another round of ticks sends nothing.
    again = await asyncio.gather(small[0].tick(at), small[1].tick(at))
    assert sum(r.nudged for r in again) == 0


async def test_a_worker_killed_mid_wave_then_restarted(make_rig, db_url, monkeypatch):
    url = db_url
    rig = await make_rig(database_url=url)
    people = await _people(rig, 40)
    at = SUNDAY + timedelta(hours=1, minutes=5)
    rig.clock.set(at)
    scheduler = Scheduler(rig.app.sessionmaker, rig.clock, rig.app.services.limits, batch=10)

    # The process dies inside its second claim batch, after the first batch committed.
    real_insert = q.insert_nudges
    calls = 0

    async def dying_insert(session, rows):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise Killed()
        return await real_insert(session, rows)

    monkeypatch.setattr(q, "insert_nudges", dying_insert)
    with pytest.raises(Killed):
        await scheduler.tick(at)
    monkeypatch.setattr(q, "insert_nudges", real_insert)
    assert await _count(rig, NudgeRow) == 10  # the dead batch left nothing behind

    # It also dies while sending: the sixth delivery never happens.
    real_send = rig.channel.send
    sent = 0

    async def dying_send(address, messages):
        nonlocal sent
        sent += 1
        if sent == 6:
            raise Killed()
        await real_send(address, messages)

    rig.channel.send = dying_send
    # One job in flight, so that nothing of the "dead" worker keeps running after its death.
    rig.app.runner.concurrency = 1
    with pytest.raises(Killed):
        await rig.app.runner.run_until_idle()
    rig.channel.send = real_send
    rig.app.runner.concurrency = 4

    # Restart a little later: leases of the dead worker ran out; a new pass and runner finish.
    later = at + timedelta(minutes=10)
    rig.clock.set(later)
    report = await Scheduler(
        rig.app.sessionmaker, rig.clock, rig.app.services.limits, batch=10
    ).tick(later)
    assert report.nudged == 30
    await rig.app.runner.run_until_idle()
    sends = _sends(rig)
    assert len(sends) == len(people) and set(sends.values()) == {1}
    async with rig.app.sessionmaker() as session:
        statuses = Counter((await session.scalars(select(NudgeRow.status))).all())
        jobs = Counter((await session.scalars(select(JobRow.status))).all())
    assert statuses == {"sent": len(people)}
    assert set(jobs) == {"done"}


async def test_claims_skip_rows_another_worker_holds_on_postgresql(make_rig, pg_url):
    rig = await make_rig(database_url=pg_url)
    await _people(rig, 6)
    at = SUNDAY + timedelta(hours=1)
    async with rig.app.sessionmaker() as first, first.begin():
        held = await q.due_people(first, at, 4)
        async with rig.app.sessionmaker() as second, second.begin():
            rest = await q.due_people(second, at, 10)
    assert len(held) == 4 and len(rest) == 2
    assert not {p.id for p in held} & {p.id for p in rest}
