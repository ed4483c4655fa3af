"""Fixtures: a fake Slack Web API, and UTP's web server with the real Bolt app in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import App
from bot.channels.slack import SlackChannel
from bot.process import configured_channels
from bot.web import build_web_app
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.driver import SlackDriver

SECRET = "test-signing-secret"
TOKEN_A = "xoxb-team-a"
TOKEN_B = "xoxb-team-b"


@dataclass
class SlackRig:
    """A running UTP web server with the Slack channel, and the fake Slack it talks to."""

    app: App
    channel: SlackChannel
    fake: FakeSlackAPI
    slack: SlackDriver
    client: TestClient

    async def settle(self) -> None:
        """Let replies be posted and every runnable job run (and their replies be posted)."""
        for _ in range(5):
            await self.channel.drain()
            if not await self.app.runner.run_until_idle():
                break
        await self.channel.drain()

    def posts(self, user: str) -> list[dict[str, Any]]:
        """Messages posted to a member's DM, in order."""
        return [
            c.args
            for c in self.fake.called("chat.postMessage")
            if c.args.get("channel") == f"D{user}"
        ]

    def texts(self, user: str) -> list[str]:
        """The texts posted (or updated) in a member's DM, in order."""
        return [
            c.args.get("text", "")
            for c in self.fake.calls
            if c.method in {"chat.postMessage", "chat.update"}
            and c.args.get("channel") == f"D{user}"
        ]

    def last_values(self, user: str) -> list[str]:
        """Button values of the latest message with buttons in a member's DM."""
        for call in reversed(self.fake.calls):
            if call.method not in {"chat.postMessage", "chat.update"}:
                continue
            if call.args.get("channel") != f"D{user}":
                continue
            values = [
                e["value"]
                for b in call.args.get("blocks") or []
                if b["type"] == "actions"
                for e in b["elements"]
            ]
            if values:
                return values
        return []

    async def person(self, team: str, user: str):
        """The stored person behind a Slack member."""
        from passport.messages import Address

        async with self.app.services.uow() as uow:
            return await uow.people.find_person(Address("slack", user, f"D{user}", f":{team}"))


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlackAPI]:
    """A fake Web API with two workspaces and a few members."""
    fake = FakeSlackAPI()
    fake.add_team("TA", TOKEN_A)
    fake.add_team("TB", TOKEN_B)
    fake.add_user("UALICE", tz="Europe/Berlin", name="Alice")
    fake.add_user("UBOB", tz="America/New_York", name="Bob")
    fake.add_user("UADMIN", tz="Europe/London", name="Ada", admin=True)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def make_rig(make_app, fake_slack) -> AsyncIterator[Callable[..., Any]]:
    """Start UTP's web server (in-process) with the Slack channel configured by `overrides`."""
    clients: list[TestClient] = []

    async def make(**overrides: Any) -> SlackRig:
        settings: dict[str, Any] = dict(
            slack_signing_secret=SECRET, slack_api_url=fake_slack.api_url, slack_bot_token=TOKEN_A
        )
        settings.update(overrides)
        app = await make_app(**settings)
        (channel,) = configured_channels(app, app.settings)
        await channel.prepare_webhook(app.conversation.handle)
        client = TestClient(TestServer(build_web_app(app), host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return SlackRig(app, channel, fake_slack, SlackDriver(client, SECRET), client)

    yield make
    for client in clients:
        await client.close()
