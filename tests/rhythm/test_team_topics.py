"""A Slack admin's prompt topics steer the weekly questions of that workspace's members."""

from __future__ import annotations

from datetime import timedelta

from passport.messages import Address
from passport.prompts import BY_ID
from passport.schedule import next_nudge_at
from storage.team_topics import TEAM_DEFAULTS_KEY
from tests.fakes.channel import FakeChannel


async def test_members_of_a_team_get_its_topics_others_do_not(rig):
    slack = FakeChannel("slack")
    rig.app.add_channel(slack)
    now = rig.clock.now()
    async with rig.app.services.uow() as uow:
        ids = []
        for user, address in (
            ("U1", Address("slack", "U1", "D1", ":T1")),
            ("U2", Address("slack", "U2", "D2", ":T2")),
        ):
            person = await uow.people.create_person(address, user, now)
            await uow.people.update_person(person.id, onboarded=True, consented=True)
            fresh = await uow.people.get_person(person.id)
            await uow.people.update_person(
                person.id, next_nudge_at=next_nudge_at(fresh.schedule, now)
            )
            ids.append(person.id)
        await uow.channel_state.set_channel_state(
            TEAM_DEFAULTS_KEY.format(workspace=":T1"), '{"categories": ["passions"]}', now
        )
        await uow.commit()
    await rig.tick(now + timedelta(days=6, hours=10))  # Sunday 19:00, the week still open
    team = await rig.person(ids[0])
    assert BY_ID[team.state["prompt"]["id"]].category == "passions"
    assert len([t for a, m in slack.sent for t in [m.text] if t.startswith("Your weekly")]) == 2
