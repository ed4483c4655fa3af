"""One registry of commands: /help, the menus and the router are views of it and cannot drift.

Telegram's menu as the fake Bot API receives it is checked in tests/telegram/test_menu.py, and
Slack's `/passport` (subcommands, usage hint, /help in the DM) in tests/slack/test_commands.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.channels import slack_blocks, slack_inbound, telegram
from handlers import commands, texts
from tests.core.helpers import Person

MANIFEST = Path(__file__).resolve().parents[2] / "slack" / "manifest.yml"
PLATFORMS = ("telegram", "slack", "console")


def named_in(text: str) -> set[str]:
    """The commands a text names: `/digest` → digest."""
    return set(re.findall(r"(?<![\w/])/([a-z]+)\b", text))


def test_each_word_names_one_command():
    words = [word for command in commands.COMMANDS for word in command.words()]
    assert len(words) == len(set(words))
    assert all(re.fullmatch(r"[a-z]+", word) for word in words)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_help_names_exactly_the_commands_its_platform_shows(platform):
    shown = {command.name for command in commands.shown_on(platform)}
    assert named_in(commands.help_text(platform)) == shown - {"help"}
    assert commands.help_text(platform).startswith(texts.HELP_INTRO)


def test_team_is_shown_on_slack_only_and_reminders_nowhere():
    assert "team" in named_in(commands.help_text("slack"))
    assert "team" not in named_in(commands.help_text("telegram"))
    assert all(name != "reminders" for p in PLATFORMS for name, _ in commands.menu(p))


def test_what_help_says_you_may_ask_is_what_the_intent_hears():
    for command in commands.COMMANDS:
        for phrase in re.findall(r'"([^"]+)"', command.help):
            assert command.intent is not None and command.intent(phrase), phrase
            assert commands.intended(phrase) is command


def test_the_telegram_menu_is_the_registry():
    assert telegram.COMMANDS == tuple(
        (command.name, command.summary) for command in commands.shown_on("telegram")
    )


def test_slack_subcommands_and_renames_are_the_registry():
    for command in commands.COMMANDS:
        for word in command.words():
            expected = f"/{command.name} 2w" if command.takes_arg else f"/{command.name}"
            assert slack_inbound.slash_text(f"{word} 2w") == expected
        assert slack_blocks.slack_commands(f"try /{command.name}.") == (
            f"try /passport {command.name}."
        )
    manifest = yaml.safe_load(MANIFEST.read_text())
    (slash,) = manifest["features"]["slash_commands"]
    assert slash["usage_hint"] == commands.usage_hint("slack")


async def test_the_router_answers_every_word_of_every_command(make_app):
    app = await make_app()
    alice = Person(app)
    await alice.onboard()
    unknown = texts.UNKNOWN_COMMAND.split("{", 1)[0]
    for command in commands.COMMANDS:
        for word in command.words():
            replies = await alice.say(f"/{word}")
            assert replies and not any(r.text.startswith(unknown) for r in replies), word
            if command.name in {"pause", "forget", "goal"}:  # back to a neutral state
                await alice.say("/resume" if command.name == "pause" else "no")
    assert [r.text for r in await alice.say("/help")] == [commands.help_text("console")]
    assert (await alice.say("/nosuch"))[0].text == texts.UNKNOWN_COMMAND.format(command="/nosuch")
