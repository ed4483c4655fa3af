"""Slack's `/passport help`, as the fake Web API receives it, is the registry's help for Slack."""

from __future__ import annotations

from bot.channels.slack_blocks import escape, slack_commands
from handlers import commands
from tests.slack.test_member_week import onboard


async def test_passport_help_names_every_subcommand_slack_shows(make_rig):
    rig = await make_rig()
    await onboard(rig)
    assert (await rig.slack.command("TA", "UALICE", "help")).status == 200
    await rig.settle()
    shown = rig.texts("UALICE")[-1]
    assert shown == escape(slack_commands(commands.help_text("slack")))
    for command in commands.shown_on("slack"):
        if command.name != "help":
            assert f"/passport {command.name}" in shown, command.name
