"""Durable jobs on SQLite and PostgreSQL: claims, leases, retries, parking, concurrency."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from storage.engine import make_engine, make_sessionmaker, normalize_database_url
from storage.jobs import JobStore, backoff
from storage.migrate import upgrade
from storage.uow import UnitOfWorkFactory

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def store(db_url, tmp_path):
    engine = make_engine(normalize_database_url(db_url, tmp_path))
    await upgrade(engine)
    sessionmaker = make_sessionmaker(engine)
    yield JobStore(sessionmaker, lease=timedelta(minutes=5)), UnitOfWorkFactory(sessionmaker)
    await engine.dispose()


async def _enqueue(uow_factory, n: int, kind: str = "k") -> None:
    async with uow_factory() as uow:
        for i in range(n):
            await uow.jobs.enqueue_row(kind, {"i": i}, NOW)
        await uow.commit()


async def test_a_job_is_not_visible_until_its_transaction_commits(store):
    jobs, uow_factory = store
    async with uow_factory() as uow:
        await uow.jobs.enqueue_row("k", {}, NOW)
        # rolled back: the data it concerned was never committed, so neither is the job
    assert await jobs.claim("w", NOW) == []


async def test_claim_complete_and_concurrent_workers_never_share_a_job(store):
    jobs, uow_factory = store
    await _enqueue(uow_factory, 60)
    claimed = await asyncio.gather(*(jobs.claim(f"w{i}", NOW, limit=7) for i in range(6)))
    ids = [job.id for batch in claimed for job in batch]
    assert len(ids) == len(set(ids))
    everything = ids + [j.id for j in await jobs.claim("late", NOW, limit=100)]
    assert sorted(everything) == sorted(set(everything)) and len(everything) == 60
    for job_id in everything:
        await jobs.complete(job_id, NOW)
    assert await jobs.pending() == 0


async def test_a_dead_workers_job_is_claimed_again_after_its_lease(store):
    jobs, uow_factory = store
    await _enqueue(uow_factory, 1)
    (job,) = await jobs.claim("dies", NOW)
    assert await jobs.claim("other", NOW + timedelta(minutes=4)) == []
    (again,) = await jobs.claim("other", NOW + timedelta(minutes=6))
    assert again.id == job.id and again.attempts == 2


async def test_failures_back_off_then_park_with_the_error(store):
    jobs, uow_factory = store
    await _enqueue(uow_factory, 1)
    at = NOW
    for attempt in range(1, 7):
        (job,) = await jobs.claim("w", at)
        outcome = await jobs.fail(job, f"RuntimeError: boom {attempt}", at)
        assert (
            await jobs.claim("w", at + backoff(attempt) - timedelta(seconds=1)) == []
            or outcome == "parked"
        )
        at += backoff(attempt)
    assert outcome == "parked"
    assert await jobs.claim("w", at + timedelta(days=1)) == []
    (parked,) = await jobs.parked()
    assert parked[1] == "k" and "boom 6" in parked[2]


async def test_retry_after_is_honoured(store):
    jobs, uow_factory = store
    await _enqueue(uow_factory, 1)
    (job,) = await jobs.claim("w", NOW)
    await jobs.fail(job, "429", NOW, retry_after=30)
    assert await jobs.claim("w", NOW + timedelta(seconds=29)) == []
    assert len(await jobs.claim("w", NOW + timedelta(seconds=31))) == 1
