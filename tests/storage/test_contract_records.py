"""The repository contract, part two: entries, artifacts, signals, nudge history, insight reads
and the whole passport, run unchanged on SQLite, PostgreSQL and in memory."""

from __future__ import annotations

from datetime import timedelta

import pytest

from passport.errors import StorageConflict
from passport.jobs import Extract
from passport.signals import SignalStatus
from tests.storage.contract import ANA, BEN, NOW, make

URI = "http://data.europa.eu/esco/skill/{}"


def skill(name: str, evidence: str = "", group: str = "T4") -> dict:
    return dict(
        kind="skill",
        label=name.title(),
        esco_uri=URI.format(name),
        group_code=group,
        evidence=evidence or f"I did {name}",
        confidence=0.8,
    )


async def two(storage) -> tuple[int, int]:
    return await make(storage, ANA, "Ana"), await make(storage, BEN, "Ben")


class TestEntries:
    async def test_a_message_key_makes_one_entry(self, storage):
        ana, ben = await two(storage)
        async with storage.uow() as uow:
            first = await uow.entries.add_entry(ana, "Baked bread.", NOW, message_key="t:1")
            again = await uow.entries.add_entry(ana, "Baked bread.", NOW, message_key="t:1")
            assert again.id == first.id and again.text == "Baked bread."
            await uow.commit()
        async with storage.uow() as uow:
            assert await uow.entries.count_entries(ana) == 1
            assert (await uow.entries.entry_by_key(ana, "t:1")).id == first.id
            assert await uow.entries.entry_by_key(ben, "t:1") is None
        with pytest.raises(StorageConflict):
            async with storage.uow() as uow:
                await uow.entries.add_entry(ben, "Not Ben's key.", NOW, message_key="t:1")
                await uow.commit()
        async with storage.uow() as uow:
            assert await uow.entries.count_entries(ben) == 0

    async def test_revising_keeps_every_version(self, storage):
        ana, ben = await two(storage)
        later = NOW + timedelta(hours=1)
        async with storage.uow() as uow:
            entry = await uow.entries.add_entry(
                ana, "v1", NOW, prompt_id="p1", iso_week="2026-W49"
            )
            revised = await uow.entries.revise_entry(ana, entry.id, "v2", later)
            assert (revised.text, revised.version, revised.prompt_id) == ("v2", 2, "p1")
            with pytest.raises(LookupError):
                await uow.entries.revise_entry(ben, entry.id, "not yours", later)
            await uow.commit()
        async with storage.uow() as uow:
            (stored,) = await uow.entries.entries(ana, with_versions=True)
            assert stored.text == "v2" and stored.iso_week == "2026-W49"
            assert [(v.version, v.text, v.created_at) for v in stored.versions] == [
                (1, "v1", NOW),
                (2, "v2", later),
            ]
            assert (await uow.entries.entries(ana))[0].versions == ()
            assert await uow.entries.get_entry(ben, entry.id) is None

    async def test_parts_remember_which_message_wrote_what(self, storage):
        ana, ben = await two(storage)
        async with storage.uow() as uow:
            entry = await uow.entries.add_entry(ana, "a\n\nbb", NOW, message_key="m1")
            assert await uow.entries.entry_parts(ana, entry.id) == []
            await uow.entries.set_entry_parts(ana, entry.id, [("m1", 1), ("m2", 2)])
            await uow.entries.set_entry_parts(ben, entry.id, [("m9", 4)])  # not Ben's entry
            await uow.commit()
        async with storage.uow() as uow:
            assert await uow.entries.entry_parts(ana, entry.id) == [("m1", 1), ("m2", 2)]
            assert (await uow.entries.entry_by_part_key(ana, "m2")).id == entry.id
            assert await uow.entries.entry_by_part_key(ben, "m2") is None
            assert await uow.entries.entry_by_part_key(ana, "m9") is None
            await uow.entries.set_entry_parts(ana, entry.id, [])
            assert await uow.entries.entry_parts(ana, entry.id) == []

    async def test_entries_come_oldest_first_and_per_person(self, storage):
        ana, ben = await two(storage)
        async with storage.uow() as uow:
            for text in ("one", "two", "three"):
                await uow.entries.add_entry(ana, text, NOW)
            await uow.entries.add_entry(ben, "Ben's", NOW)
            await uow.commit()
        async with storage.uow() as uow:
            assert [e.text for e in await uow.entries.entries(ana)] == ["one", "two", "three"]
            assert [e.text for e in await uow.entries.entries(ben)] == ["Ben's"]


class TestArtifacts:
    async def test_an_artifact_round_trips_and_stays_with_its_person(self, storage):
        ana, ben = await two(storage)
        async with storage.uow() as uow:
            pending = await uow.artifacts.add_artifact(
                ana, NOW, status="pending", platform="telegram", ref="file-1",
                original_name="cv.pdf", kind="document", message_key="t:5",
            )  # fmt: skip
            stored = await uow.artifacts.add_artifact(
                ana, NOW, original_name="badge.png", kind="credential", stored_path="f/x",
                sha256="ab", credential={"name": "Badge"}, note="from Ana",
            )  # fmt: skip
            await uow.commit()
        async with storage.uow() as uow:
            file = await uow.artifacts.stored_artifact(ana, pending.id)
            assert (file.status, file.platform, file.ref, file.original_name) == (
                "pending", "telegram", "file-1", "cv.pdf",
            )  # fmt: skip
            assert await uow.artifacts.stored_artifact(ben, pending.id) is None
            await uow.artifacts.update_artifact(
                ana, pending.id, status="stored", stored_path="f/y", text_excerpt="Skills: Python"
            )
            await uow.artifacts.update_artifact(ben, stored.id, note="Ben was here")
            await uow.commit()
        async with storage.uow() as uow:
            first, second = await uow.artifacts.artifacts(ana)
            assert (first.status, first.text_excerpt) == ("stored", "Skills: Python")
            assert (second.credential, second.note) == ({"name": "Badge"}, "from Ana")
            assert [(a.id, p) for a, p in await uow.artifacts.artifact_paths(ana)] == [
                (pending.id, "f/y"),
                (stored.id, "f/x"),
            ]
            assert await uow.artifacts.artifacts(ben) == []

    async def test_deleting_an_artifact_takes_its_signals(self, storage):
        ana, _ = await two(storage)
        async with storage.uow() as uow:
            artifact = await uow.artifacts.add_artifact(ana, NOW, original_name="cv.pdf")
            await uow.signals.replace_suggestions(
                ana, NOW, [skill("python")], artifact_id=artifact.id
            )
            await uow.commit()
        async with storage.uow() as uow:
            await uow.artifacts.delete_artifact(ana, artifact.id)
            await uow.commit()
        async with storage.uow() as uow:
            assert await uow.artifacts.artifacts(ana) == []
            assert await uow.signals.signals(ana) == []


class TestSignals:
    async def test_suggestions_found_again_keep_their_id_and_gone_ones_go(self, storage):
        ana, _ = await two(storage)
        async with storage.uow() as uow:
            entry = await uow.entries.add_entry(ana, "I cooked and cleaned.", NOW)
            first = await uow.signals.replace_suggestions(
                ana, NOW, [skill("cooking"), skill("cleaning")], entry_id=entry.id
            )
            again = await uow.signals.replace_suggestions(
                ana, NOW, [skill("cooking"), skill("baking")], entry_id=entry.id
            )
            assert [s.label for s in again] == ["Baking"]  # cooking was open already
            await uow.commit()
        async with storage.uow() as uow:
            stored = await uow.signals.signals(ana)
            assert {s.label: s.id for s in stored} == {
                "Cooking": first[0].id,
                "Baking": again[0].id,
            }
            assert stored[0].evidence == "I did cooking" and stored[0].entry_id == entry.id

    async def test_a_rejected_key_never_comes_back_anywhere(self, storage):
        ana, ben = await two(storage)
        async with storage.uow() as uow:
            e1 = await uow.entries.add_entry(ana, "one", NOW)
            e2 = await uow.entries.add_entry(ana, "two", NOW)
            (s1,) = await uow.signals.replace_suggestions(ana, NOW, [skill("x")], entry_id=e1.id)
            (s2,) = await uow.signals.replace_suggestions(ana, NOW, [skill("x")], entry_id=e2.id)
            changed = await uow.signals.set_signal_status(ana, [s1.id], SignalStatus.REJECTED)
            assert [(s.id, s.status) for s in changed] == [(s1.id, SignalStatus.REJECTED)]
            await uow.commit()
        async with storage.uow() as uow:
            assert await uow.signals.rejected_keys(ana) == {URI.format("x")}
            assert {s.status for s in await uow.signals.signals(ana)} == {SignalStatus.REJECTED}
            e3 = await uow.entries.add_entry(ana, "three", NOW)
            assert (
                await uow.signals.replace_suggestions(ana, NOW, [skill("x")], entry_id=e3.id) == []
            )
            b1 = await uow.entries.add_entry(ben, "Ben's", NOW)
            assert (
                len(await uow.signals.replace_suggestions(ben, NOW, [skill("x")], entry_id=b1.id))
                == 1
            )
            assert await uow.signals.rejected_keys(ben) == set()
            assert await uow.signals.set_signal_status(ben, [s2.id], SignalStatus.CONFIRMED) == []

    async def test_statuses_and_ids_filter_within_the_person(self, storage):
        ana, ben = await two(storage)
        async with storage.uow() as uow:
            entry = await uow.entries.add_entry(ana, "a", NOW)
            a, b = await uow.signals.replace_suggestions(
                ana, NOW, [skill("a"), skill("b")], entry_id=entry.id
            )
            await uow.signals.set_signal_status(ana, [b.id], SignalStatus.CONFIRMED)
            await uow.commit()
        async with storage.uow() as uow:
            kept = await uow.signals.signals(ana, statuses=[SignalStatus.CONFIRMED])
            assert [s.id for s in kept] == [b.id]
            assert [s.id for s in await uow.signals.signals_by_ids(ana, [b.id, a.id])] == [
                a.id,
                b.id,
            ]
            assert await uow.signals.signals_by_ids(ben, [a.id, b.id]) == []


class TestNudgeHistory:
    async def test_weeks_prompts_answers_and_evidence(self, storage):
        ana, ben = await two(storage)
        for week, prompt in (("2026-W47", "p1"), ("2026-W49", "p3"), ("2026-W48", "p2")):
            await storage.add_nudge(ana, week, prompt, NOW)
        await storage.add_nudge(ben, "2026-W50", "pb", NOW)
        async with storage.uow() as uow:
            entry = await uow.entries.add_entry(ana, "answer", NOW, prompt_id="p3")
            await uow.signals.replace_suggestions(
                ana, NOW, [skill("a", group="S1.2"), skill("b", group="S1.3")], entry_id=entry.id
            )
            await uow.nudge_history.mark_nudge_answered(ana, "2026-W49", NOW)
            await uow.commit()
        async with storage.uow() as uow:
            assert await uow.nudge_history.nudged_weeks(ana) == {
                "2026-W47",
                "2026-W48",
                "2026-W49",
            }
            assert await uow.nudge_history.nudged_weeks(ana, limit=1) == {"2026-W49"}
            assert await uow.nudge_history.recent_prompt_ids(ana, weeks=2) == ["p3", "p2"]
            assert await uow.nudge_history.prompt_evidence(ana) == [("p3", "skill", "S1", 2)]
            assert await uow.nudge_history.prompt_evidence(ben) == []
        assert await storage.answered(ana, "2026-W49") == NOW
        assert await storage.answered(ana, "2026-W48") is None


class TestInsightReads:
    async def test_evidence_and_profile_leave_rejected_skills_out(self, storage):
        ana, ben = await two(storage)
        async with storage.uow() as uow:
            entry = await uow.entries.add_entry(ana, "a", NOW, iso_week="2026-W49")
            kept, gone = await uow.signals.replace_suggestions(
                ana, NOW, [skill("kept"), skill("gone")], entry_id=entry.id
            )
            await uow.signals.set_signal_status(ana, [gone.id], SignalStatus.REJECTED)
            await uow.commit()
        async with storage.uow() as uow:
            assert await uow.insight.evidence_uris(ana) == {URI.format("kept")}
            assert await uow.insight.evidence_uris(ben) == set()
            profile = await uow.insight.profile(ana, now=NOW, since=None)
            assert [s.label for s in profile.skills] == ["Kept"]
            assert (await uow.insight.profile(ben, now=NOW, since=None)).skills == ()

    async def test_a_skill_kept_again_after_a_not_me_is_back_for_that_action(self, storage):
        ana, _ = await two(storage)
        old = NOW - timedelta(days=10)
        async with storage.uow() as uow:
            e1 = await uow.entries.add_entry(ana, "a", old, iso_week="2026-W47")
            e2 = await uow.entries.add_entry(ana, "b", NOW, iso_week="2026-W49")
            (no,) = await uow.signals.replace_suggestions(ana, old, [skill("x")], entry_id=e1.id)
            await uow.signals.set_signal_status(ana, [no.id], SignalStatus.REJECTED)
            (again,) = await uow.signals.replace_suggestions(
                ana, NOW, [skill("x", "another x")], entry_id=e2.id, reconsider={URI.format("x")}
            )
            assert await uow.insight.evidence_uris(ana) == set()  # suggested, not kept yet
            await uow.signals.set_signal_status(ana, [again.id], SignalStatus.CONFIRMED)
            await uow.commit()
        async with storage.uow() as uow:
            assert await uow.insight.evidence_uris(ana) == {URI.format("x")}
            profile = await uow.insight.profile(ana, now=NOW, since=None)
        (x,) = profile.skills
        assert (x.status, x.evidence_count, x.first_seen, x.latest_evidence) == (
            SignalStatus.CONFIRMED, 1, NOW, "another x",
        )  # fmt: skip
        assert [(m.month, m.count) for m in profile.months] == [("2026-12", 1)]

    async def test_the_profile_folds_mentions_weeks_and_months_alike(self, storage):
        ana, _ = await two(storage)
        old, mid = NOW - timedelta(days=70), NOW - timedelta(days=10)
        async with storage.uow() as uow:
            e1 = await uow.entries.add_entry(ana, "a", old, iso_week="2026-W39")
            e2 = await uow.entries.add_entry(ana, "b", mid, iso_week="2026-W47")
            e3 = await uow.entries.add_entry(ana, "c", NOW)  # no week recorded
            team = dict(kind="strength", label="Team Player", evidence="with the team")
            await uow.signals.replace_suggestions(ana, old, [team, skill("x")], entry_id=e1.id)
            (x2,) = await uow.signals.replace_suggestions(
                ana, mid, [skill("x", "again x")], entry_id=e2.id
            )
            await uow.signals.replace_suggestions(
                ana, NOW, [dict(team, label=" team player ", evidence="still")], entry_id=e3.id
            )
            await uow.signals.set_signal_status(ana, [x2.id], SignalStatus.CONFIRMED)
            await uow.commit()
        async with storage.uow() as uow:
            profile = await uow.insight.profile(ana, now=NOW, since=mid)
        (x,) = profile.skills
        assert (x.key, x.status, x.evidence_count, x.latest_evidence) == (
            URI.format("x"), SignalStatus.CONFIRMED, 2, "again x",
        )  # fmt: skip
        assert (x.first_seen, x.last_seen, x.recent_count, x.new_count) == (old, mid, 1, 1)
        (strength,) = profile.strengths
        assert (strength.key, strength.evidence_count, strength.latest_evidence) == (
            "strength:team player", 2, "still",
        )  # fmt: skip
        assert [(m.month, m.group, m.count) for m in profile.months] == [
            ("2026-09", "T4", 1),
            ("2026-11", "T4", 1),
        ]
        weeks = profile.weeks
        assert (weeks.total_weeks, weeks.term_weeks) == (2, ("2026-W39", "2026-W47"))
        assert (weeks.first_entry_at, weeks.last_entry_at) == (old, NOW)
        assert weeks.entries_since_last_digest == 2


class TestWholePassport:
    async def test_snapshot_holds_everything_of_one_person(self, storage):
        ana, ben = await two(storage)
        async with storage.uow() as uow:
            entry = await uow.entries.add_entry(ana, "v1", NOW)
            await uow.entries.revise_entry(ana, entry.id, "v2", NOW)
            await uow.artifacts.add_artifact(ana, NOW, original_name="cv.pdf")
            await uow.signals.replace_suggestions(ana, NOW, [skill("a")], entry_id=entry.id)
            await uow.entries.add_entry(ben, "Ben's", NOW)
            await uow.commit()
        async with storage.uow() as uow:
            snap = await uow.whole_passport.snapshot(ana)
            assert snap.person.id == ana and [i.user_id for i in snap.identities] == ["100"]
            assert [len(e.versions) for e in snap.entries] == [2]
            assert [a.original_name for a in snap.artifacts] == ["cv.pdf"]
            assert [s.label for s in snap.signals] == ["A"]
            assert await uow.whole_passport.snapshot(10**9) is None

    async def test_forgetting_removes_all_of_them_and_nothing_of_others(self, storage):
        ana, ben = await two(storage)
        async with storage.uow() as uow:
            folder = (await uow.people.vault(ana)).folder
            entry = await uow.entries.add_entry(ana, "mine", NOW, message_key="k:ana")
            await uow.artifacts.add_artifact(ana, NOW, original_name="a", stored_path="p7/x")
            await uow.signals.replace_suggestions(ana, NOW, [skill("a")], entry_id=entry.id)
            await uow.jobs.enqueue(Extract(ana, entry.id), NOW)
            assert await uow.seen.mark_seen("k:ana", NOW)
            await uow.entries.add_entry(ben, "Ben's", NOW)
            await uow.commit()
        await storage.add_nudge(ana, "2026-W49", "p1", NOW)
        async with storage.uow() as uow:
            assert await uow.whole_passport.delete_person(ana) == sorted({folder, "p7"})
            await uow.commit()
            await uow.whole_passport.scrub()  # after the commit, as /forget does
        async with storage.uow() as uow:
            assert await uow.people.find_person(ANA) is None
            assert await uow.people.get_person(ana) is None
            assert await uow.people.identities(ana) == []
            assert await uow.entries.entries(ana) == []
            assert await uow.entries.entry_by_key(ana, "k:ana") is None
            assert await uow.artifacts.artifacts(ana) == []
            assert await uow.signals.signals(ana) == []
            assert await uow.nudge_history.nudged_weeks(ana) == set()
            assert await uow.whole_passport.snapshot(ana) is None
            assert await uow.seen.was_seen("k:ana")  # replays stay dead after /forget
            assert [e.text for e in await uow.entries.entries(ben)] == ["Ben's"]
            assert (await uow.people.find_person(BEN)).id == ben
