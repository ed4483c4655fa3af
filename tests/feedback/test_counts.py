"""Global skill counts in storage, on SQLite and PostgreSQL: noticed, kept and rejected move
with the answer, a double tap counts once, concurrent writers lose no increment, and the table
holds nothing but skill URIs and numbers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from passport.messages import Address
from passport.signals import SignalStatus
from storage.engine import make_engine, make_sessionmaker, normalize_database_url
from storage.migrate import upgrade
from storage.sealing import Sealer, install_sealer
from storage.uow import UnitOfWorkFactory

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
URI = "http://data.europa.eu/esco/skill/{}"


@pytest.fixture
async def uows(db_url, tmp_path):
    engine = make_engine(normalize_database_url(db_url, tmp_path), pool_size=12)
    install_sealer(engine, Sealer("test-secret-key"))
    await upgrade(engine)
    yield UnitOfWorkFactory(make_sessionmaker(engine)), engine
    await engine.dispose()


async def _person_with(
    factory, user: str, skills: list[str], *, notice: bool = True
) -> tuple[int, list[int]]:
    """A person with one suggestion per skill (counted as noticed, as the extract job does)."""
    async with factory() as uow:
        person = await uow.people.create_person(Address("console", user, user), user, NOW)
        added = await uow.signals.replace_suggestions(
            person.id,
            NOW,
            [
                dict(
                    kind="skill",
                    label=f"skill {s}",
                    esco_uri=URI.format(s),
                    group_code="T4",
                    evidence=f"I did {s} today",
                    confidence=0.8,
                )
                for s in skills
            ]
            + [dict(kind="strength", label="persistence", evidence="finally", confidence=0.6)],
        )
        if notice:
            await uow.skill_feedback.noticed(added)
        await uow.commit()
    return person.id, [s.id for s in added if s.esco_uri]


async def _answer(factory, person_id: int, ids: list[int], status: SignalStatus) -> list[str]:
    async with factory() as uow:
        counted = await uow.skill_feedback.answered(person_id, ids, status)
        await uow.signals.set_signal_status(person_id, ids, status)
        await uow.commit()
    return counted


async def _tallies(factory, *names: str):
    async with factory() as uow:
        return await uow.skill_feedback.tallies([URI.format(n) for n in names])


async def test_keep_and_reject_move_the_counts_with_the_answer(uows):
    factory, _ = uows
    alice, (a_present, a_teach) = await _person_with(factory, "alice", ["present", "teach"])
    bob, (b_present,) = await _person_with(factory, "bob", ["present"])

    assert await _answer(factory, alice, [a_present], SignalStatus.CONFIRMED) == [
        URI.format("present")
    ]
    await _answer(factory, alice, [a_teach], SignalStatus.REJECTED)
    await _answer(factory, bob, [b_present], SignalStatus.REJECTED)

    tallies = await _tallies(factory, "present", "teach", "never")
    assert {k: (t.noticed, t.kept, t.rejected) for k, t in tallies.items()} == {
        URI.format("present"): (2, 1, 1),
        URI.format("teach"): (1, 0, 1),
    }
    async with factory() as uow:  # the status change itself happened too
        (signal,) = await uow.signals.signals_by_ids(alice, [a_teach])
    assert signal.status is SignalStatus.REJECTED


async def test_a_second_tap_and_another_persons_ids_count_nothing(uows):
    factory, _ = uows
    alice, (a_present,) = await _person_with(factory, "alice", ["present"])
    bob, _ = await _person_with(factory, "bob", ["teach"])
    await _answer(factory, alice, [a_present], SignalStatus.REJECTED)
    assert await _answer(factory, alice, [a_present], SignalStatus.REJECTED) == []
    assert await _answer(factory, bob, [a_present], SignalStatus.CONFIRMED) == []
    (tally,) = (await _tallies(factory, "present")).values()
    assert (tally.kept, tally.rejected) == (0, 1)
    # changing one's mind is an answer too
    await _answer(factory, alice, [a_present], SignalStatus.CONFIRMED)
    (tally,) = (await _tallies(factory, "present")).values()
    assert (tally.kept, tally.rejected) == (1, 1)


async def test_a_rolled_back_answer_counts_nothing(uows):
    factory, _ = uows
    alice, (a_present,) = await _person_with(factory, "alice", ["present"])
    async with factory() as uow:
        await uow.skill_feedback.answered(alice, [a_present], SignalStatus.REJECTED)
        # no commit: the count goes with the status change it counts
    (tally,) = (await _tallies(factory, "present")).values()
    assert (tally.noticed, tally.rejected) == (1, 0)


async def test_most_rejected_first_and_only_uris_and_numbers_stored(uows):
    factory, engine = uows
    for i, rejected in enumerate([["a", "b", "c"], ["a", "b"], ["a"], ["d"]]):
        pid, ids = await _person_with(factory, f"p{i}", rejected)
        await _answer(factory, pid, ids, SignalStatus.REJECTED)
    pid, ids = await _person_with(factory, "keeper", ["d", "e"])
    await _answer(factory, pid, ids, SignalStatus.CONFIRMED)
    async with factory() as uow:
        top = await uow.skill_feedback.most_rejected(3)
    assert [(t.key, t.rejected, t.kept) for t in top] == [
        (URI.format("a"), 3, 0),
        (URI.format("b"), 2, 0),
        (URI.format("c"), 1, 0),  # before d: as often rejected, but never kept
    ]
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT * FROM skill_feedback"))).mappings().all()
    assert {tuple(sorted(r.keys())) for r in rows} == {("kept", "key", "noticed", "rejected")}
    assert all(r["key"].startswith(URI.format("")) for r in rows)  # no label, no words


async def test_rejected_quotes_come_back_opened_and_only_the_persons_own(uows):
    factory, engine = uows
    alice, (a_present, a_teach) = await _person_with(factory, "alice", ["present", "teach"])
    bob, (b_present,) = await _person_with(factory, "bob", ["present"])
    await _answer(factory, alice, [a_present], SignalStatus.REJECTED)
    await _answer(factory, bob, [b_present], SignalStatus.REJECTED)
    async with factory() as uow:
        quotes = await uow.skill_feedback.rejected_evidence(
            alice, [URI.format("present"), URI.format("teach")]
        )
    assert quotes == {URI.format("present"): ["I did present today"]}
    async with engine.connect() as conn:
        stored = (await conn.execute(text("SELECT evidence FROM signals"))).scalars().all()
    assert all(e.startswith("utp1:") for e in stored if e)  # sealed at rest, as before


@pytest.fixture
async def pg_uows(pg_url, tmp_path):
    engine = make_engine(normalize_database_url(pg_url, tmp_path), pool_size=12)
    install_sealer(engine, Sealer("test-secret-key"))
    await upgrade(engine)
    yield UnitOfWorkFactory(make_sessionmaker(engine))
    await engine.dispose()


async def test_concurrent_writers_on_postgresql_lose_no_increment(pg_uows):
    """Twelve transactions open at once, each counting the same skill and one of its own; the
    first increments of a skill race to insert its row.

    (SQLite has one writer at a time: its in-thread connections take turns, see
    storage.sqlite_inline, so interleaved writers are a PostgreSQL matter.)
    """
    factory = pg_uows
    writers, rounds = 12, 4
    people = [
        await _person_with(factory, f"w{i}", ["hot", f"own{i}"], notice=False)
        for i in range(writers)
    ]
    start = asyncio.Event()

    async def writer(pid: int, ids: list[int]) -> None:
        await start.wait()
        for r in range(rounds):
            async with factory() as uow:
                status = SignalStatus.REJECTED if r % 2 == 0 else SignalStatus.CONFIRMED
                await uow.skill_feedback.answered(pid, ids, status)
                await uow.skill_feedback.noticed(await uow.signals.signals_by_ids(pid, ids))
                await asyncio.sleep(0)  # let the others reach their upsert
                await uow.commit()

    tasks = [asyncio.create_task(writer(pid, ids)) for pid, ids in people]
    start.set()
    await asyncio.gather(*tasks)
    tallies = await _tallies(factory, "hot", *[f"own{i}" for i in range(writers)])
    hot = tallies[URI.format("hot")]
    rejections = (rounds + 1) // 2
    assert (hot.noticed, hot.rejected, hot.kept) == (
        writers * rounds,
        writers * rejections,
        writers * (rounds - rejections),
    )
    assert all(tallies[URI.format(f"own{i}")].rejected == rejections for i in range(writers))
