"""Plays Slack in tests: signs and posts events, button presses, slash commands and shortcuts."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp.test_utils import TestClient
from slack_sdk.signature import SignatureVerifier

_ids = itertools.count(1)


@dataclass
class Sent:
    """What UTP's endpoint answered."""

    status: int
    body: str


class SlackDriver:
    """Posts signed requests to `POST /slack/events` like Slack does."""

    def __init__(self, client: TestClient, signing_secret: str) -> None:
        self.client = client
        self.secret = signing_secret

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Sent:
        """Sign `body` (v0 HMAC-SHA256) and post it."""
        ts = str(timestamp if timestamp is not None else int(time.time()))
        signature = SignatureVerifier(secret or self.secret).generate_signature(
            timestamp=ts, body=body
        )
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
            **(headers or {}),
        }
        resp = await self.client.post("/slack/events", data=body.encode(), headers=all_headers)
        return Sent(resp.status, await resp.text())

    def envelope(
        self,
        team: str,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        enterprise: str | None = None,
    ) -> dict[str, Any]:
        """An Events API envelope."""
        return {
            "token": "legacy",
            "team_id": team,
            "enterprise_id": enterprise,
            "api_app_id": "AUTP",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [
                {
                    "enterprise_id": enterprise,
                    "team_id": team,
                    "user_id": f"UBOT{team}",
                    "is_bot": True,
                }
            ],
        }

    async def event(
        self,
        team: str,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry: int | None = None,
        **kwargs: Any,
    ) -> Sent:
        """Deliver one event (optionally marked as Slack's retry number `retry`)."""
        body = json.dumps(self.envelope(team, event, event_id=event_id))
        headers = (
            {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            if retry
            else None
        )
        return await self.post(body, "application/json", headers=headers, **kwargs)

    async def message(
        self,
        team: str,
        user: str,
        text: str,
        *,
        ts: str | None = None,
        files: list[dict[str, Any]] | None = None,
        event_id: str | None = None,
        thread_ts: str | None = None,
        **kwargs: Any,
    ) -> Sent:
        """A member writes in their DM with the bot."""
        event: dict[str, Any] = {
            "type": "message",
            "channel": f"D{user}",
            "channel_type": "im",
            "user": user,
            "text": text,
            "team": team,
            "ts": ts or f"1764500000.{next(_ids):06d}",
        }
        if files:
            event["subtype"] = "file_share"
            event["files"] = files
        if thread_ts:
            event["thread_ts"] = thread_ts
        return await self.event(team, event, event_id=event_id, **kwargs)

    async def interactive(self, payload: dict[str, Any], **kwargs: Any) -> Sent:
        """Interactivity: a form field `payload` holding JSON."""
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded", **kwargs)

    async def tap(
        self,
        team: str,
        user: str,
        value: str,
        *,
        message_ts: str = "1.1",
        action_id: str = "utp:choice:0",
        home: bool = False,
    ) -> Sent:
        """Press a button (under a DM message, or on App Home)."""
        container = (
            {"type": "view", "view_id": "V1"}
            if home
            else {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": f"D{user}",
                "is_ephemeral": False,
            }
        )
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": team, "domain": team.lower()},
            "user": {"id": user, "team_id": team},
            "api_app_id": "AUTP",
            "trigger_id": f"trig{next(_ids)}",
            "container": container,
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b",
                    "value": value,
                    "action_ts": f"1764500001.{next(_ids):06d}",
                }
            ],
        }
        if not home:
            payload["channel"] = {"id": f"D{user}", "name": "directmessage"}
            payload["message"] = {"ts": message_ts, "text": "..."}
        else:
            payload["view"] = {"id": "V1", "type": "home"}
        return await self.interactive(payload)

    async def select(self, team: str, user: str, action: dict[str, Any]) -> Sent:
        """Change a select on App Home."""
        payload = {
            "type": "block_actions",
            "team": {"id": team},
            "user": {"id": user},
            "api_app_id": "AUTP",
            "trigger_id": f"trig{next(_ids)}",
            "container": {"type": "view", "view_id": "V1"},
            "view": {"id": "V1", "type": "home"},
            "actions": [{"action_ts": f"1764500002.{next(_ids):06d}", **action}],
        }
        return await self.interactive(payload)

    async def command(self, team: str, user: str, text: str, channel: str = "C1") -> Sent:
        """`/passport <text>` typed anywhere."""
        body = urlencode(
            {
                "token": "legacy",
                "team_id": team,
                "team_domain": team.lower(),
                "channel_id": channel,
                "user_id": user,
                "command": "/passport",
                "text": text,
                "api_app_id": "AUTP",
                "trigger_id": f"trig{next(_ids)}",
                "response_url": "https://hooks.slack.invalid/x",
            }
        )
        return await self.post(body, "application/x-www-form-urlencoded")

    async def shortcut(
        self,
        team: str,
        user: str,
        text: str,
        *,
        channel: str = "C9",
        ts: str = "1764400000.000100",
    ) -> Sent:
        """ "Add to my passport" on a channel message."""
        return await self.interactive(
            {
                "type": "message_action",
                "callback_id": "add_to_passport",
                "team": {"id": team},
                "user": {"id": user, "team_id": team},
                "channel": {"id": channel, "name": "general"},
                "trigger_id": f"trig{next(_ids)}",
                "message_ts": ts,
                "message": {"type": "message", "user": "UOTHER", "ts": ts, "text": text},
                "response_url": "https://hooks.slack.invalid/y",
            }
        )
