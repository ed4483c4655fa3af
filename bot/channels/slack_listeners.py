"""Bolt listeners for UTP, grouped by kind: DM messages, buttons, `/passport`, the shortcut,
App Home, and the install lifecycle. Each turns the body into an `Inbound` (see slack_inbound)
and hands it to the conversation before the ack; replies are posted after it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack_blocks import CHOICE_PREFIX
from bot.channels.slack_home import (
    ADMIN_PREFIX,
    HOME_PREFIX,
    admin_change,
    home_action_text,
    save_defaults,
    with_team_default,
    workspace_defaults,
)
from bot.channels.slack_home_tab import is_admin, publish_home
from bot.channels.slack_inbound import (
    action_inbound,
    command_inbound,
    message_inbound,
    shortcut_inbound,
    workspace_key,
)
from bot.channels.slack_team import register_team
from handlers.home import home_summary
from handlers.reply import Reply, answers_later
from passport.errors import DeliveryError
from passport.messages import Address, Inbound

if TYPE_CHECKING:
    from bot.channels.slack import SlackChannel

logger = logging.getLogger(__name__)

PROFILE_TIMEOUT = 2.0  # users.info runs before the ack on first contact only
SHORTCUT_CALLBACK = "add_to_passport"
COMMAND = "/passport"


def gate(channel: SlackChannel) -> Callable[..., Awaitable[Any]]:
    """Global middleware before authorization: other workspaces and retries are acked, dropped."""

    async def utp_gate(
        context: AsyncBoltContext,
        body: dict[str, Any],
        req: AsyncBoltRequest,
        next: Callable[[], Awaitable[Any]],
    ) -> Any:
        workspaces = channel.workspaces
        if not workspaces.multi and workspaces.single is None:
            try:
                await workspaces.learn_single_team()
            except DeliveryError:
                logger.warning("Slack auth.test failed; cannot tell which team this is")
        if not workspaces.serves(context.enterprise_id, context.team_id):
            logger.info("Slack request from a workspace this token does not serve: ignored")
            return BoltResponse(status=200, body="")
        event_id = body.get("event_id")
        # Only Slack's retries (marked by a header) can have been taken in before: a first
        # delivery costs no look-up before its 200.
        retried = bool(req.headers.get("x-slack-retry-num"))
        if event_id and retried and await channel.was_processed(event_id):
            logger.info("Slack retry of an event already taken in: dropped")
            return BoltResponse(status=200, body="")
        return await next()

    return utp_gate


def _workspace(context: AsyncBoltContext) -> str:
    return workspace_key(context.enterprise_id, context.team_id)


async def _with_profile(
    channel: SlackChannel, inbound: Inbound, client: AsyncWebClient
) -> Inbound:
    """First contact: the member's time zone and name from their Slack profile."""
    if channel.known.get(inbound.address):
        return inbound  # seen as a person by this process before: no look-up before the 200
    async with channel.services.uow() as uow:
        known = await uow.people.find_person(inbound.address)
    if known is not None:
        channel.known.add(inbound.address)
        return inbound
    try:
        info = await asyncio.wait_for(
            client.users_info(user=inbound.address.user_id), PROFILE_TIMEOUT
        )
    except (SlackApiError, SlackClientError, OSError, TimeoutError):
        logger.warning("users.info failed; onboarding will ask for the time zone")
        return inbound
    user = info.get("user") or {}
    profile = user.get("profile") or {}
    name = profile.get("display_name") or user.get("real_name") or profile.get("real_name") or ""
    return dataclasses.replace(
        inbound, timezone_hint=user.get("tz") or None, display_name=inbound.display_name or name
    )


async def take(
    channel: SlackChannel,
    inbound: Inbound,
    client: AsyncWebClient,
    *,
    thread_ts: str | None = None,
    replace_ts: str | None = None,
    after: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Capture now (the conversation commits its replies to the outbox), then return so Bolt
    sends the 200; slow reply parts (a chart) are made and the answers posted after the ack."""
    if channel.handler is None:
        raise RuntimeError("Slack channel received an event before it was started")
    inbound = await _with_profile(channel, inbound, client)
    with answers_later():
        out = await channel.handler(inbound)
    committed = time.monotonic()
    if not isinstance(out, Reply):
        out = Reply(out)
    if any(c.data.startswith("slot:") for m in out for c in m.choices):
        out = out.like(
            with_team_default(
                out, await workspace_defaults(channel.services, inbound.address.workspace)
            )
        )

    async def post() -> None:
        if not out.is_ready:
            await out.ready()
        if not await channel.poster.marks.hold(out, committed=committed):
            return  # this process was too slow: a sweep elsewhere took the reply over
        await channel.poster.reply(
            client, inbound.address, out, thread_ts=thread_ts, replace_ts=replace_ts
        )
        if after is not None:
            await after()

    channel.spawn(post())


def register(channel: SlackChannel, app: AsyncApp) -> None:
    """Attach every listener; the catch-alls come last so no subscribed event gets a 404."""

    @app.event("message")
    async def on_message(
        event: dict, body: dict, context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """A member wrote, edited or shared a file in their DM with the bot."""
        inbound = message_inbound(event, _workspace(context))
        if inbound is None:
            await channel.mark_processed(body)
            return
        # No separate mark for the event id: its message key, stored with the note in the
        # capture's transaction, already makes a retry of this event a replay.
        thread = event.get("thread_ts") or (event.get("message") or {}).get("thread_ts")
        await take(channel, inbound, client, thread_ts=thread)

    @app.event("app_home_opened")
    async def on_home_opened(
        event: dict, body: dict, context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """Show the member's passport at a glance."""
        if event.get("tab", "home") == "home" and event.get("user"):
            address = Address(
                "slack", event["user"], event.get("channel") or "", _workspace(context)
            )
            channel.spawn(publish_home(channel.services, client, address))
        await channel.mark_processed(body)

    @app.event("app_uninstalled")
    async def on_uninstalled(body: dict, context: AsyncBoltContext) -> None:
        """The workspace removed UTP: stop every call to it."""
        await channel.workspaces.forget_workspace(context.enterprise_id, context.team_id)
        await channel.mark_processed(body)

    @app.event("tokens_revoked")
    async def on_tokens_revoked(event: dict, body: dict, context: AsyncBoltContext) -> None:
        """Bot tokens revoked: the same as an uninstall for UTP (it uses no user tokens)."""
        if (event.get("tokens") or {}).get("bot"):
            await channel.workspaces.forget_workspace(context.enterprise_id, context.team_id)
        await channel.mark_processed(body)

    @app.event(re.compile(".*"))
    async def on_other_event(body: dict) -> None:
        """Anything else subscribed: acknowledged (a 404 would make Slack retry)."""
        await channel.mark_processed(body)

    @app.command(COMMAND)
    async def on_command(
        ack: AsyncAck, body: dict, context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """`/passport digest|goal|pause 2w|…` (handlers/commands.py), answered in the DM."""
        await ack()
        workspace = _workspace(context)
        dm = await channel.poster.dm_channel(client, workspace, body["user_id"])
        await take(channel, command_inbound(body, workspace, dm), client)

    @app.message_shortcut(SHORTCUT_CALLBACK)
    async def on_shortcut(
        ack: AsyncAck, body: dict, context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """ "Add to my passport": the message becomes evidence for the member who asked."""
        await ack()
        workspace = _workspace(context)
        dm = await channel.poster.dm_channel(client, workspace, body["user"]["id"])
        await take(channel, shortcut_inbound(body, workspace, dm), client)

    @app.action(re.compile(f"^{re.escape(CHOICE_PREFIX)}"))
    async def on_choice(
        ack: AsyncAck, body: dict, action: dict, context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """A button under one of UTP's messages."""
        await ack()
        workspace = _workspace(context)
        container = body.get("container") or {}
        dm = (body.get("channel") or {}).get("id") or container.get("channel_id") or ""
        dm = await channel.poster.dm_channel(client, workspace, body["user"]["id"], dm)
        await take(
            channel,
            action_inbound(body, action, workspace, dm),
            client,
            thread_ts=container.get("thread_ts"),
            replace_ts=container.get("message_ts"),
        )

    @app.action(re.compile(f"^{re.escape(HOME_PREFIX)}"))
    async def on_home_button(
        ack: AsyncAck, body: dict, action: dict, context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """Opt in / pause / resume / settings / digest / export from App Home."""
        await ack()
        workspace = _workspace(context)
        user = body["user"]["id"]
        dm = await channel.poster.dm_channel(client, workspace, user)
        address = Address("slack", user, dm, workspace)
        summary = await home_summary(channel.services, address)
        inbound = Inbound(
            address=address,
            message_id=f"home:{action.get('action_ts', '')}",
            text=home_action_text(action.get("value", ""), summary),
        )
        await take(
            channel, inbound, client, after=lambda: publish_home(channel.services, client, address)
        )

    @app.action(re.compile(f"^{re.escape(ADMIN_PREFIX)}"))
    async def on_admin(
        ack: AsyncAck, body: dict, action: dict, context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """An admin changed the workspace defaults."""
        await ack()
        user = body["user"]["id"]
        if not await is_admin(client, user):
            logger.warning("a non-admin tried to change workspace defaults: ignored")
            return
        workspace = _workspace(context)
        defaults = admin_change(await workspace_defaults(channel.services, workspace), action)
        await save_defaults(channel.services, workspace, defaults)
        channel.spawn(
            publish_home(channel.services, client, Address("slack", user, "", workspace))
        )

    register_team(channel, app)  # the team map's admin controls, before the catch-all

    @app.action(re.compile(".*"))
    async def on_other_action(ack: AsyncAck) -> None:
        """Links and unknown elements: acknowledged."""
        await ack()
