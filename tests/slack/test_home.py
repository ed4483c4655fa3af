"""App Home (opt-in, passport at a glance, admin defaults) and the "Add to my passport" action."""

from __future__ import annotations

from tests.slack.test_member_week import onboard


def _view(rig, user: str) -> str:
    return str(
        [c for c in rig.fake.called("views.publish") if c.args["user_id"] == user][-1].args["view"]
    )


async def test_opt_in_from_app_home_starts_in_the_dm(make_rig):
    rig = await make_rig()
    await rig.slack.event(
        "TA", {"type": "app_home_opened", "user": "UBOB", "tab": "home", "channel": "DUBOB"}
    )
    await rig.settle()
    assert "Start my passport" in _view(rig, "UBOB")
    await rig.slack.tap("TA", "UBOB", "optin", action_id="utp:home:optin", home=True)
    await rig.settle()
    assert rig.last_values("UBOB") == ["consent:yes", "consent:no"]
    person = await rig.person("TA", "UBOB")
    assert person is not None and person.state.get("tz_hint") == "America/New_York"


async def test_pause_and_resume_from_app_home(make_rig):
    rig = await make_rig()
    await onboard(rig)
    await rig.slack.tap("TA", "UALICE", "pause", action_id="utp:home:pause", home=True)
    await rig.settle()
    assert (await rig.person("TA", "UALICE")).schedule.paused
    assert "Resume questions" in _view(rig, "UALICE")
    await rig.slack.tap("TA", "UALICE", "resume", action_id="utp:home:resume", home=True)
    await rig.settle()
    assert not (await rig.person("TA", "UALICE")).schedule.paused


async def test_a_retried_home_event_publishes_once(make_rig):
    rig = await make_rig()
    event = {"type": "app_home_opened", "user": "UALICE", "tab": "home", "channel": "DUALICE"}
    await rig.slack.event("TA", event, event_id="EvHOME")
    await rig.slack.event("TA", event, event_id="EvHOME", retry=1)
    await rig.settle()
    assert len(rig.fake.called("views.publish")) == 1


async def test_admin_sets_workspace_defaults_members_are_offered_them(make_rig):
    rig = await make_rig()
    await rig.slack.event("TA", {"type": "app_home_opened", "user": "UADMIN", "tab": "home"})
    await rig.settle()
    assert "utp:admin:day" in _view(rig, "UADMIN")
    await rig.slack.select(
        "TA",
        "UADMIN",
        {"type": "static_select", "action_id": "utp:admin:day", "selected_option": {"value": "4"}},
    )
    await rig.slack.select(
        "TA",
        "UADMIN",
        {
            "type": "static_select",
            "action_id": "utp:admin:hour",
            "selected_option": {"value": "10"},
        },
    )
    await rig.slack.select(
        "TA",
        "UADMIN",
        {
            "type": "multi_static_select",
            "action_id": "utp:admin:categories",
            "selected_options": [{"value": "learning"}, {"value": "nonsense"}],
        },
    )
    await rig.settle()
    from bot.channels.slack_home import workspace_defaults

    defaults = await workspace_defaults(rig.app.services, ":TA")
    assert (defaults.weekday, defaults.hour, defaults.categories) == (4, 10, ("learning",))
    # A non-admin cannot change them.
    await rig.slack.select(
        "TA",
        "UALICE",
        {"type": "static_select", "action_id": "utp:admin:day", "selected_option": {"value": "0"}},
    )
    await rig.settle()
    assert (await workspace_defaults(rig.app.services, ":TA")).weekday == 4
    # A new member is offered the team default first.
    await rig.slack.message("TA", "UALICE", "hi")
    await rig.settle()
    await rig.slack.tap("TA", "UALICE", "consent:yes")
    await rig.settle()
    assert rig.last_values("UALICE")[0] == "slot:4:10"
    # The admin never sees a member's notes on their Home tab.
    await rig.slack.event("TA", {"type": "app_home_opened", "user": "UADMIN", "tab": "home"})
    await rig.settle()
    assert "UALICE" not in _view(rig, "UADMIN")


async def test_add_to_my_passport_shortcut_keeps_the_message_once(make_rig):
    rig = await make_rig()
    await onboard(rig)
    for _ in range(2):
        sent = await rig.slack.shortcut(
            "TA", "UALICE", "Alice ran the <!channel> retro &amp; demo."
        )
        assert sent.status == 200
    await rig.settle()
    person = await rig.person("TA", "UALICE")
    async with rig.app.services.uow() as uow:
        entries = await uow.entries.entries(person.id)
    assert [e.text for e in entries] == ["Alice ran the @channel retro & demo."]


async def test_slash_command_from_a_channel_answers_in_the_dm(make_rig):
    rig = await make_rig()
    await onboard(rig)
    await rig.slack.command("TA", "UALICE", "pause 2w", channel="CGENERAL")
    await rig.settle()
    assert (await rig.person("TA", "UALICE")).schedule.paused
    assert not [c for c in rig.fake.calls if c.args.get("channel") == "CGENERAL"]
    assert rig.texts("UALICE")[-1].startswith("Paused until")
