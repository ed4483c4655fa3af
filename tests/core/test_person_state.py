"""A person's conversation state is a frozen value: every change makes a new one."""

from __future__ import annotations

import copy
import json
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime

import pytest

from passport.model import Person
from passport.state import ConversationState


def test_the_state_cannot_be_changed_in_place_at_any_depth():
    state = ConversationState.of({"prompt": {"id": "growth-01", "week": "2026-W49"}, "l": [1]})
    with pytest.raises(TypeError):
        state["awaiting"] = "goal"  # type: ignore[index]
    with pytest.raises(TypeError):
        state["prompt"]["id"] = "other"
    with pytest.raises(TypeError):
        state["prompt"].update(id="other")
    assert state["l"] == (1,)
    person = Person(id=1, display_name="a", created_at=datetime(2026, 12, 6, tzinfo=UTC))
    with pytest.raises(FrozenInstanceError):
        person.state = state  # type: ignore[misc]


def test_a_change_makes_a_new_state_and_leaves_the_old_one():
    old = ConversationState.of({"awaiting": "goal", "step": "day"})
    new = old.replace(awaiting=None, goal={"uri": "u"})
    assert dict(old) == {"awaiting": "goal", "step": "day"}
    assert new.awaiting is None and new.step == "day" and new["goal"] == {"uri": "u"}
    asked = new.asking("growth-01", "2026-W49")
    assert asked.prompt is not None and (asked.prompt.id, asked.prompt.week) == (
        "growth-01",
        "2026-W49",
    )


def test_the_stored_form_is_plain_json_and_reads_back_equal():
    state = ConversationState.of({"asked": {"k": 1.5}, "joined": {"entry_id": 2, "l": [1, 2]}})
    plain = state.to_json()
    assert type(plain["joined"]) is dict and type(plain["joined"]["l"]) is list
    assert ConversationState.of(json.loads(json.dumps(plain))) == state
    assert json.loads(json.dumps(dict(state))) == plain  # a shallow dict is JSON too
    assert copy.deepcopy(state) == state


async def test_saving_state_in_a_turn_replaces_the_person(make_app):
    from handlers.context import Turn
    from passport.messages import Address, Inbound

    app = await make_app()
    now = app.clock.now()
    async with app.services.uow() as uow:
        address = Address("console", "u", "u")
        person = await uow.people.create_person(address, "u", now)
        inbound = Inbound(address=address, text="hi")
        turn = Turn(uow=uow, person=person, inbound=inbound, now=now, services=app.services)
        await turn.save_state(awaiting="goal")
        assert dict(person.state) == {}  # the value the turn started with is unchanged
        assert turn.person.state.awaiting == "goal" and turn.person.id == person.id
        await uow.commit()
    async with app.services.uow() as uow:
        stored = await uow.people.get_person(person.id)
    assert stored.state.awaiting == "goal"
