"""The team map's query layer on SQLite and PostgreSQL: thresholds, counts only, the change
rule against differencing, withdrawal on leave, workspaces apart, weekly post claims."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from passport.messages import Address
from storage.engine import make_engine, make_sessionmaker, normalize_database_url
from storage.migrate import upgrade
from storage.sealing import Sealer, install_sealer
from storage.team import MIN_CHANGE, RECHECK, build_counts, claim_team_posts
from storage.uow import UnitOfWorkFactory

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # a Tuesday
URI = "http://data.europa.eu/esco/skill/{}"


@pytest.fixture
async def uows(db_url, tmp_path):
    engine = make_engine(normalize_database_url(db_url, tmp_path))
    install_sealer(engine, Sealer("test-secret-key"))  # people's words are sealed at rest
    await upgrade(engine)
    sessionmaker = make_sessionmaker(engine)
    yield UnitOfWorkFactory(sessionmaker), sessionmaker
    await engine.dispose()


async def member(
    uows,
    workspace: str,
    user: str,
    skills: list[str],
    *,
    status: str = "confirmed",
    at: datetime = NOW - timedelta(days=90),
    share: bool = False,
) -> int:
    """A person with kept (or other) skill signals, optionally sharing."""
    factory, _ = uows
    async with factory() as uow:
        person = await uow.people.create_person(
            Address("slack", user, f"D{user}", workspace), f"Name of {user}", at
        )
        await uow.signals.replace_suggestions(
            person.id,
            at,
            [
                dict(
                    kind="skill",
                    label=f"typed by {user} {s}",
                    esco_uri=URI.format(s),
                    group_code="T4",
                    evidence=f"secret words of {user}",
                    confidence=0.9,
                    status=status,
                )
                for s in skills
            ],
        )
        if share:
            await uow.team.set_sharing(person.id, workspace, True, at)
        await uow.commit()
        return person.id


async def share(uows, person_id: int, workspace: str, on: bool, now: datetime = NOW) -> None:
    factory, _ = uows
    async with factory() as uow:
        await uow.team.set_sharing(person_id, workspace, on, now)
        await uow.commit()


async def look(uows, workspace: str, now: datetime = NOW):
    factory, _ = uows
    async with factory() as uow:
        counts = await uow.team.map(workspace, now)
        await uow.commit()
    return None if counts is None else {s.uri.rsplit("/", 1)[1]: s.members for s in counts.skills}


async def test_nothing_below_five_sharing_and_only_skills_of_three(uows):
    ids = [
        await member(uows, ":TA", f"U{i}", ["team", "sheets"] if i < 3 else ["team"])
        for i in range(4)
    ]
    await member(uows, ":TA", "U9", ["team", "python"])  # never shares
    for pid in ids:
        await share(uows, pid, ":TA", True)
    assert await look(uows, ":TA") is None  # 4 sharing: nothing at all
    fifth = await member(uows, ":TA", "U4", ["team", "python", "sheets"], status="suggested")
    await share(uows, fifth, ":TA", True)
    # Suggested (not kept) signals do not count; python is held by one sharing member only.
    assert await look(uows, ":TA") == {"team": 4, "sheets": 3}


async def test_counts_only_no_person_and_no_member_text(uows):
    for i in range(5):
        await member(uows, ":TA", f"U{i}", ["team"], share=True)
    _, sessionmaker = uows
    async with sessionmaker() as session:
        counts = await build_counts(session, ":TA", NOW)
    assert counts is not None
    text = repr(counts.to_json())
    for i in range(5):
        assert f"U{i}" not in text and "typed by" not in text and "secret" not in text
    assert counts.to_json()["skills"] == [[URI.format("team"), 5, 0]]


async def test_growth_shows_only_when_three_grew(uows):
    for i in range(3):
        await member(uows, ":TA", f"Old{i}", ["team", "sheets"], share=True)
    for i in range(3):  # three new holders of "team" in the last 30 days, two of "sheets"
        await member(
            uows,
            ":TA",
            f"New{i}",
            ["team"] + (["sheets"] if i < 2 else []),
            at=NOW - timedelta(days=5),
            share=True,
        )
    _, sessionmaker = uows
    async with sessionmaker() as session:
        counts = await build_counts(session, ":TA", NOW)
    grew = {s.uri.rsplit("/", 1)[1]: s.grew for s in counts.skills}
    assert grew == {"team": 3, "sheets": 0}


async def test_leaving_withdraws_at_once_and_a_new_map_needs_three_changes(uows):
    ids = [
        await member(uows, ":TA", f"U{i}", ["team", "sheets"] if i < 4 else ["team"], share=True)
        for i in range(6)
    ]
    assert await look(uows, ":TA") == {"team": 6, "sheets": 4}
    # A join inside the published week changes nothing shown (it waits for a refresh).
    late = await member(uows, ":TA", "U6", ["team", "sheets"], share=True)
    assert await look(uows, ":TA") == {"team": 6, "sheets": 4}
    # U0 stops sharing: the map that counted them is gone at once, and comparing the two
    # looks shows nothing about U0's skills.
    await share(uows, ids[0], ":TA", False)
    assert await look(uows, ":TA") is None
    # Two distinct changes so far (U0 left, U6 joined): still nothing; flipping back and forth
    # does not count twice.
    await share(uows, ids[0], ":TA", True)
    await share(uows, ids[0], ":TA", False)
    assert MIN_CHANGE == 3
    assert await look(uows, ":TA", NOW + RECHECK) is None
    # A third member changes (keeps a new skill): a new map, without U0 in any count.
    factory, _ = uows
    async with factory() as uow:
        await uow.signals.replace_suggestions(
            ids[5],
            NOW,
            [
                dict(
                    kind="skill",
                    label="x",
                    esco_uri=URI.format("sheets"),
                    group_code="T4",
                    evidence="",
                    confidence=0.9,
                    status="confirmed",
                )
            ],
            entry_id=None,
            artifact_id=None,
        )
        await uow.commit()
    assert await look(uows, ":TA", NOW + RECHECK) is None  # looked within the hour: cached
    shown = await look(uows, ":TA", NOW + 2 * RECHECK + timedelta(seconds=1))
    assert shown == {"team": 6, "sheets": 5}  # U1-U5 + U6; U0 is in neither count
    assert late


async def test_forget_takes_the_member_out(uows):
    ids = [await member(uows, ":TA", f"U{i}", ["team"], share=True) for i in range(5)]
    assert await look(uows, ":TA") == {"team": 5}
    factory, _ = uows
    async with factory() as uow:
        await uow.team.leave(ids[0], NOW)
        await uow.whole_passport.delete_person(ids[0])
        await uow.commit()
    assert await look(uows, ":TA", NOW + timedelta(days=8)) is None  # 4 left: nothing
    async with factory() as uow:
        assert await uow.team.sharing(ids[0]) is None


async def test_two_workspaces_never_mix(uows):
    for i in range(5):
        await member(uows, ":TA", f"U{i}", ["team"], share=True)
    for i in range(4):
        await member(uows, ":TB", f"U{i}", ["python"], share=True)  # same user ids, other team
    await member(uows, "E1:TA", "U9", ["python"], share=True)  # same team id, other enterprise
    assert await look(uows, ":TA") == {"team": 5}
    assert await look(uows, ":TB") is None
    assert await look(uows, "E1:TA") is None


async def test_participation_needs_five_and_is_rounded(uows):
    from sqlalchemy import insert

    from storage.models import NudgeRow

    ids = [await member(uows, ":TA", f"U{i}", [], share=True) for i in range(6)]
    _, sessionmaker = uows
    async with sessionmaker() as session, session.begin():
        await session.execute(
            insert(NudgeRow),
            [
                dict(
                    person_id=pid,
                    iso_week="2026-W49",
                    prompt_id="p",
                    status="sent",
                    created_at=NOW,
                    sent_at=NOW,
                    answered_at=NOW if n < 4 else None,
                )
                for n, pid in enumerate(ids)
            ]
            + [  # an older week, and a week not yet sent: the latest sent one counts
                dict(
                    person_id=pid,
                    iso_week=week,
                    prompt_id="p",
                    status=status,
                    created_at=NOW,
                    sent_at=NOW if status == "sent" else None,
                    answered_at=NOW,
                )
                for pid in ids
                for week, status in (("2026-W48", "sent"), ("2026-W50", "queued"))
            ],
        )
    factory, _ = uows
    async with factory() as uow:
        part = await uow.team.participation(":TA", NOW)
        assert (part.iso_week, part.percent) == ("2026-W49", 70)  # 4 of 6 = 67 %
        await uow.team.set_sharing(ids[5], ":TA", False, NOW)
        await uow.team.set_sharing(ids[4], ":TA", False, NOW)
        assert await uow.team.participation(":TA", NOW) is None  # 4 sharing


async def test_a_weeks_post_is_claimed_once_across_workers(uows):
    factory, sessionmaker = uows
    async with factory() as uow:
        await uow.team.set_post_channel(":TA", "CTEAM", NOW)
        await uow.team.set_post_channel(":TB", None, NOW)
        await uow.commit()

    async def claim(at: datetime):
        async with sessionmaker() as session, session.begin():
            return await claim_team_posts(session, at)

    monday_early = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert await claim(monday_early) == []  # not yet due this week
    results = await asyncio.gather(*(claim(NOW) for _ in range(4)))
    assert sorted(r for batch in results for r in batch) == [(":TA", "2026-W49")]
    assert await claim(NOW + timedelta(days=1)) == []
    assert await claim(NOW + timedelta(days=7)) == [(":TA", "2026-W50")]


async def test_the_kept_skill_pairs_follow_every_change_to_signals(uows):
    """Triggers keep (person, skill) pairs exact: keep, reject, keep again, re-extract, forget."""
    from sqlalchemy import select

    from passport.signals import SignalStatus
    from storage.models import SignalRow
    from storage.team_models import TeamSkillPairRow

    factory, sessionmaker = uows
    pid = await member(uows, ":TA", "U1", ["team"], status="suggested")

    async def pairs():
        async with sessionmaker() as session:
            rows = await session.execute(
                select(TeamSkillPairRow.esco_uri, TeamSkillPairRow.kept, TeamSkillPairRow.first_at)
            )
            return {uri.rsplit("/", 1)[1]: (kept, at) for uri, kept, at in rows}

    assert await pairs() == {}  # suggested only
    async with factory() as uow:
        (signal,) = await uow.signals.signals(pid)
        await uow.signals.set_signal_status(pid, [signal.id], SignalStatus.CONFIRMED)
        uow.session.add(
            SignalRow(
                person_id=pid,
                kind="skill",
                key=URI.format("team"),
                label="x",
                esco_uri=URI.format("team"),
                status="confirmed",
                created_at=NOW,
            )
        )  # the same skill kept again, later
        await uow.commit()
    first = NOW - timedelta(days=90)
    assert await pairs() == {"team": (2, first)}
    async with factory() as uow:  # "not me" covers every signal with that key
        await uow.signals.set_signal_status(pid, [signal.id], SignalStatus.REJECTED)
        await uow.commit()
    assert await pairs() == {"team": (0, first)}
    async with factory() as uow:  # kept again later: the pair starts over from then
        await uow.signals.set_signal_status(pid, [signal.id], SignalStatus.CONFIRMED)
        await uow.commit()
    assert (await pairs())["team"][0] == 1
    async with factory() as uow:
        await uow.whole_passport.delete_person(pid)
        await uow.commit()
    assert await pairs() == {}


async def test_the_trigger_kept_counts_always_equal_a_recount(uows):
    """Random keeps, rejections, shares, unshares and forgets: the counts the map reads agree
    with a count from scratch after every step, in every workspace."""
    import random

    from sqlalchemy import select

    from passport.signals import SignalStatus
    from storage.models import SignalRow
    from storage.team import RECOUNT_SQL
    from storage.team_models import TeamSkillCountRow

    factory, sessionmaker = uows
    rng = random.Random(16)  # fixed: the same walk every run
    skills = ["a", "b", "c", "d"]
    people = {}
    for i in range(8):
        ws = ":TA" if i < 5 else ":TB"
        people[await member(uows, ws, f"U{i}", rng.sample(skills, 2), status="suggested")] = ws

    async def agree() -> None:
        async with sessionmaker() as session:
            stored = {
                (ws, uri): n
                for ws, uri, n in await session.execute(
                    select(
                        TeamSkillCountRow.workspace,
                        TeamSkillCountRow.esco_uri,
                        TeamSkillCountRow.members,
                    )
                )
                if n
            }
            fresh = {}
            for ws in (":TA", ":TB"):
                for uri, n in await session.execute(RECOUNT_SQL, {"workspace": ws, "yes": True}):
                    fresh[(ws, uri)] = n
        assert stored == fresh

    for _ in range(60):
        pid = rng.choice(list(people))
        action = rng.choice(["keep", "reject", "add", "share", "unshare", "forget"])
        async with factory() as uow:
            signals = await uow.signals.signals(pid)
            if action == "keep" and signals:
                await uow.signals.set_signal_status(
                    pid, [rng.choice(signals).id], SignalStatus.CONFIRMED
                )
            elif action == "reject" and signals:
                await uow.signals.set_signal_status(
                    pid, [rng.choice(signals).id], SignalStatus.REJECTED
                )
            elif action == "add":
                uri = URI.format(rng.choice(skills))
                uow.session.add(
                    SignalRow(
                        person_id=pid,
                        kind="skill",
                        key=uri,
                        label="x",
                        esco_uri=uri,
                        status="confirmed",
                        created_at=NOW,
                    )
                )
            elif action in {"share", "unshare"}:
                await uow.team.set_sharing(pid, people[pid], action == "share", NOW)
            elif action == "forget" and len(people) > 3:
                if rng.random() < 0.5:  # also a bare delete: the cascade alone stays exact
                    await uow.team.leave(pid, NOW)
                await uow.whole_passport.delete_person(pid)
                people.pop(pid)
            await uow.commit()
        await agree()
