"""The one registry of commands: the router, `/help`, Telegram's menu and Slack's `/passport`.

Each command is declared once, here: its name, the words a menu shows, what answers it, the
platforms whose menus show it, the other words that reach it (aliases, and intents such as
"what are my strengths?"). Everything that lists commands is a view of `COMMANDS`, so the menu,
the help and the router cannot drift apart (tests/core/test_commands.py holds them to it).

A command a menu does not show (`/reminders`, `/team` outside Slack) is still answered: menus are
what people are invited to type, the router is what they may type.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers import insight, privacy, settings, texts
from handlers.context import Turn, say
from handlers.goal import goal as goal_gap
from handlers.team import team_command
from passport.messages import Outbound

Run = Callable[[Turn, str], Awaitable[list[Outbound]]]

EVERYWHERE = frozenset({"telegram", "slack", "console"})
REMINDERS_OFF_WORDS = {"off", "no", "0"}


@dataclass(frozen=True, slots=True)
class Command:
    """One command: `/name arg`, `/passport name arg` on Slack."""

    name: str
    summary: str  # the menu's words (Telegram's command list)
    run: Run
    help: str = ""  # its line in /help; "" when a neighbour's line names it
    aliases: tuple[str, ...] = ()
    usage: str = ""  # the argument in Slack's usage hint: "[2w]"
    takes_arg: bool = False
    shown_on: frozenset[str] = EVERYWHERE  # menus and /help that show it
    intent: Callable[[str], bool] | None = None  # free text that means this command

    def words(self) -> tuple[str, ...]:
        """Every word that reaches it: its name first, then its aliases."""
        return (self.name, *self.aliases)


async def _help(turn: Turn, arg: str) -> list[Outbound]:
    return [say(help_text(turn.inbound.address.platform))]


async def _digest(turn: Turn, arg: str) -> list[Outbound]:
    return await insight.digest(turn)


async def _another(turn: Turn, arg: str) -> list[Outbound]:
    return await insight.another_prompt(turn)


async def _settings(turn: Turn, arg: str) -> list[Outbound]:
    return await settings.show(turn)


async def _resume(turn: Turn, arg: str) -> list[Outbound]:
    return await settings.resume(turn)


async def _skip(turn: Turn, arg: str) -> list[Outbound]:
    return await settings.skip(turn)


async def _export(turn: Turn, arg: str) -> list[Outbound]:
    return await privacy.export(turn, arg or None)


async def _forget(turn: Turn, arg: str) -> list[Outbound]:
    return await privacy.ask_forget(turn)


async def goal(turn: Turn, arg: str) -> list[Outbound]:
    """`/goal nurse`: how close the person's evidence is to a job; `/goal` asks which job."""
    if not arg:
        await turn.save_state(awaiting="goal")
        return [say(texts.GOAL_ASK)]
    return await goal_gap(turn, arg)


async def _reminders(turn: Turn, arg: str) -> list[Outbound]:
    on = arg.lower() not in REMINDERS_OFF_WORDS
    await turn.uow.people.update_person(turn.person.id, reminders=on)
    return [say(texts.REMINDERS_ON if on else texts.REMINDERS_OFF)]


COMMANDS: tuple[Command, ...] = (
    Command(
        "digest",
        "Your passport: skills and strengths",
        _digest,
        help='/digest or "what are my strengths?" shows your passport.',
        aliases=("strengths", "passport"),
        intent=insight.wants_digest,
    ),
    Command(
        "goal",
        "How close you are to a job you'd like",
        goal,
        help="/goal lets you name a job you'd like, and I show how close you are.",
        usage="[job]",
        takes_arg=True,
    ),
    Command(
        "another",
        "A different question",
        _another,
        help="/another gives you a different question.",
        aliases=("different", "new"),
        intent=insight.wants_another,
    ),
    Command(
        "settings",
        "Change your day, time and time zone",
        _settings,
        help="/settings changes your day, time and zone. /pause, /resume and /skip too.",
    ),
    Command("pause", "Pause the weekly question", settings.pause, usage="[2w]", takes_arg=True),
    Command("resume", "Start the weekly question again", _resume),
    Command("skip", "Skip this week's question", _skip),
    Command(
        "team",
        "Share your kept skills with your team map",
        team_command,
        help="/team on shares the skills you kept with your team map, as counts only.",
        usage="on|off",
        takes_arg=True,
        shown_on=frozenset({"slack"}),
    ),
    Command(
        "export",
        "Get all your data",
        _export,
        help="/export gives you all your data. /forget deletes it all.",
        usage="[json]",
        takes_arg=True,
    ),
    Command("forget", "Delete all your data", _forget, aliases=("delete",)),
    Command("help", "What I can do", _help, aliases=("start",)),
    # On and off in /settings too; the word is kept for those who learnt it.
    Command(
        "reminders",
        "Turn the gentle reminder on or off",
        _reminders,
        usage="on|off",
        takes_arg=True,
        shown_on=frozenset(),
    ),
)

_BY_WORD = {word: command for command in COMMANDS for word in command.words()}


def find(word: str) -> Command | None:
    """The command a word names (`digest`, `strengths`; no slash), or None."""
    return _BY_WORD.get(word.lower())


def intended(text: str) -> Command | None:
    """The command free text asks for ("what are my strengths?" → digest), or None."""
    for command in COMMANDS:
        if command.intent is not None and command.intent(text):
            return command
    return None


def shown_on(platform: str) -> tuple[Command, ...]:
    """The commands a platform's menu and /help show, in the registry's order."""
    return tuple(command for command in COMMANDS if platform in command.shown_on)


def menu(platform: str) -> tuple[tuple[str, str], ...]:
    """(name, words) per shown command: Telegram's `setMyCommands`."""
    return tuple((command.name, command.summary) for command in shown_on(platform))


def help_text(platform: str) -> str:
    """What `/help` says on a platform: the help lines of the commands it shows."""
    lines = [texts.HELP_INTRO]
    lines += [f"- {command.help}" for command in shown_on(platform) if command.help]
    return "\n".join(lines)


def usage_hint(platform: str = "slack") -> str:
    """Slack's `/passport` usage hint (slack/manifest.yml): `digest | pause [2w] | …`."""
    return " | ".join(f"{command.name} {command.usage}".strip() for command in shown_on(platform))


def subcommands() -> dict[str, str]:
    """Every word Slack's `/passport WORD` takes, to the core command it means (`/digest`)."""
    return {word: f"/{command.name}" for command in COMMANDS for word in command.words()}


def takes_arg(command: str) -> bool:
    """Whether `/command` keeps what follows it (`/pause 2w`); others drop it."""
    found = find(command.removeprefix("/"))
    return found is not None and found.takes_arg
