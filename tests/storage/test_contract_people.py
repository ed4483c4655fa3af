"""The repository contract, part one: people, seen message keys, channel state and the unit of
work itself, run unchanged on SQLite, PostgreSQL and in memory (tests/storage/conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from passport.errors import AmbiguousPerson, StorageConflict
from passport.messages import Address
from tests.storage.contract import ANA, BEN, NOW, make


class TestPeople:
    async def test_a_person_is_found_by_identity_with_their_chat(self, storage):
        pid = await make(storage, ANA, "Ana")
        async with storage.uow() as uow:
            person, chat, seen = await uow.people.find_person_seen(ANA)
            assert (person.id, person.display_name, chat, seen) == (pid, "Ana", "100", NOW)
            assert person.onboarded is False and person.active is True and person.state == {}
            assert await uow.people.find_person(Address("telegram", "101", "101")) is None
            assert await uow.people.find_person(Address("slack", "100", "100")) is None

    async def test_state_and_schedule_round_trip_and_state_is_a_copy(self, storage):
        pid = await make(storage, ANA)
        async with storage.uow() as uow:
            await uow.people.update_person(
                pid, state={"step": "zone", "joined": {"entry_id": 3}}, weekday=2, onboarded=True
            )
            await uow.commit()
        async with storage.uow() as uow:
            person = await uow.people.get_person(pid)
            assert person.state == {"step": "zone", "joined": {"entry_id": 3}}
            assert person.schedule.weekday == 2 and person.onboarded
            with pytest.raises(TypeError):  # a frozen value: replaced, never changed in place
                person.state["joined"]["entry_id"] = 99
            assert (await uow.people.get_person(pid)).state["joined"] == {"entry_id": 3}

    async def test_one_identity_is_one_person(self, storage):
        await make(storage, ANA)
        with pytest.raises(StorageConflict):
            async with storage.uow() as uow:
                await uow.people.create_person(ANA, "Again", NOW)
                await uow.commit()

    async def test_touch_and_migrate_follow_the_chat(self, storage):
        pid = await make(storage, ANA)
        async with storage.uow() as uow:
            await uow.people.touch_identity(Address("telegram", "100", "-5"), NOW + timedelta(1))
            await uow.commit()
        async with storage.uow() as uow:
            await uow.people.migrate_chat("telegram", "-5", "-1005")
            await uow.commit()
        async with storage.uow() as uow:
            _, chat, seen = await uow.people.find_person_seen(ANA)
            assert (chat, seen) == ("-1005", NOW + timedelta(1))
            assert [i.chat_id for i in await uow.people.identities(pid)] == ["-1005"]

    async def test_operator_keys_are_exact_and_ambiguity_is_named(self, storage):
        ben = await make(storage, BEN)
        other = await make(storage, Address("slack", "UBEN", "DUBEN", ":TB"))
        async with storage.uow() as uow:
            assert (await uow.people.find_person_by_key("slack:TA:UBEN")).id == ben
            assert (await uow.people.find_person_by_key("slack:E1:TA:UBEN")).id == ben
            assert (await uow.people.find_person_by_key("slack::TB:UBEN")).id == other
            assert await uow.people.find_person_by_key("slack:TC:UBEN") is None
            assert await uow.people.find_person_by_key("slack:UBE%") is None
            with pytest.raises(AmbiguousPerson) as raised:
                await uow.people.find_person_by_key("slack:UBEN")
            assert raised.value.candidates == ["slack::TB:UBEN", "slack:E1:TA:UBEN"]

    async def test_the_first_signing_key_wins(self, storage):
        pid = await make(storage, ANA)
        async with storage.uow() as uow:
            assert await uow.people.get_signing_key(pid) is None
            assert await uow.people.set_signing_key_once(pid, "first")
            assert not await uow.people.set_signing_key_once(pid, "second")
            await uow.commit()
        async with storage.uow() as uow:
            assert await uow.people.get_signing_key(pid) == "first"

    async def test_blocking_the_bot_marks_only_that_person(self, storage):
        ana, ben = await make(storage, ANA), await make(storage, BEN)
        async with storage.uow() as uow:
            assert await uow.people.set_active_by_address(ANA, False) == ana
            assert await uow.people.set_active_by_address(Address("x", "1", "1"), False) is None
            await uow.commit()
        async with storage.uow() as uow:
            assert (await uow.people.get_person(ana)).active is False
            assert (await uow.people.get_person(ben)).active is True

    async def test_a_vault_is_the_persons_own(self, storage):
        ana, ben = await make(storage, ANA), await make(storage, BEN)
        async with storage.uow() as uow:
            va, vb = await uow.people.vault(ana), await uow.people.vault(ben)
            assert (va.person_id, vb.person_id) == (ana, ben) and va.folder != vb.folder
            assert va.open_bytes(va.seal_bytes(b"bytes")) == b"bytes"
            assert va.blob_name("abc") != vb.blob_name("abc")


class TestSeenMessages:
    async def test_a_key_is_fresh_once(self, storage):
        async with storage.uow() as uow:
            assert not await uow.seen.was_seen("telegram:100:1")
            assert await uow.seen.mark_seen("telegram:100:1", NOW)
            assert not await uow.seen.mark_seen("telegram:100:1", NOW)
            assert await uow.seen.was_seen("telegram:100:1")
            assert not await uow.seen.was_seen("telegram:100:2")
            await uow.commit()
        async with storage.uow() as uow:
            assert not await uow.seen.mark_seen("telegram:100:1", NOW)

    async def test_mark_and_find_in_one_go(self, storage):
        pid = await make(storage, ANA)
        async with storage.uow() as uow:
            fresh, found = await uow.seen.mark_seen_and_find("k1", ANA, NOW)
            assert fresh and found[0].id == pid and found[1] == "100"
            assert await uow.seen.mark_seen_and_find("k1", ANA, NOW) == (False, None)
            assert await uow.seen.mark_seen_and_find("k2", BEN, NOW) == (True, None)

    async def test_a_key_marked_in_a_rolled_back_unit_stays_fresh(self, storage):
        async with storage.uow() as uow:
            assert await uow.seen.mark_seen("k", NOW)
        async with storage.uow() as uow:
            assert await uow.seen.mark_seen("k", NOW)


class TestChannelState:
    async def test_values_round_trip_and_prefixes_are_literal(self, storage):
        async with storage.uow() as uow:
            assert await uow.channel_state.get_channel_state("telegram:offset") is None
            await uow.channel_state.set_channel_state("telegram:offset", "41", NOW)
            await uow.channel_state.set_channel_state("telegram:offset", "42", NOW)
            await uow.channel_state.set_channel_state("parked:2", "b", NOW)
            await uow.channel_state.set_channel_state("parked:1", "a", NOW)
            await uow.channel_state.set_channel_state("parkedX1", "not parked", NOW)
            await uow.channel_state.set_channel_state("p%rked:1", "not parked", NOW)
            await uow.commit()
        async with storage.uow() as uow:
            assert await uow.channel_state.get_channel_state("telegram:offset") == "42"
            assert await uow.channel_state.channel_states("parked:") == [
                ("parked:1", "a"),
                ("parked:2", "b"),
            ]
            assert await uow.channel_state.channel_states("p%") == [("p%rked:1", "not parked")]
            await uow.channel_state.delete_channel_state("parked:1")
            await uow.commit()
        async with storage.uow() as uow:
            assert await uow.channel_state.channel_states("parked") == [
                ("parked:2", "b"),
                ("parkedX1", "not parked"),
            ]


class TestUnitOfWork:
    async def test_nothing_is_kept_without_commit_and_rollback_forgets(self, storage):
        async with storage.uow() as uow:
            await uow.people.create_person(ANA, "Ana", NOW)
        async with storage.uow() as uow:
            assert await uow.people.find_person(ANA) is None
            await uow.people.create_person(ANA, "Ana", NOW)
            await uow.rollback()
            assert await uow.people.find_person(ANA) is None
            await uow.people.create_person(ANA, "Ana", NOW)
            await uow.commit()
        async with storage.uow() as uow:
            assert (await uow.people.find_person(ANA)).display_name == "Ana"
