"""The team skill map on Slack: the Home tab's team part, the admin's post channel, and the
weekly team post job (highlights and a chart in the channel an admin picked, no names).

Posts are claimed by the scheduler once per workspace and ISO week (`storage.team`), so two
workers never post twice in one week; the post itself is a durable `TeamPost` job, retried
when Slack says "later" and skipped (marked, not posted) while the map is below its thresholds.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack_api import delivery_error
from bot.channels.slack_blocks import escape, slack_commands
from bot.channels.slack_home import TEAM_PREFIX
from bot.channels.slack_home_tab import is_admin, publish_home
from bot.channels.slack_inbound import workspace_key
from handlers.team import post_text, team_view
from passport.jobs import TeamPost
from passport.messages import Address

if TYPE_CHECKING:
    from bot.channels.slack import SlackChannel

logger = logging.getLogger(__name__)

CHART_NAME = "team-skill-map.png"
CHART_TITLE = "Team skill map"


def register_team(channel: SlackChannel, app: AsyncApp) -> None:
    """The admin's weekly-post controls (registered before the catch-all action listener)."""

    @app.action(f"{TEAM_PREFIX}channel")
    async def on_team_channel(
        ack: AsyncAck, body: dict, action: dict, context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """An admin picked the channel for the weekly team post."""
        await ack()
        await _set_post_channel(
            channel, body, context, client, action.get("selected_conversation")
        )

    @app.action(f"{TEAM_PREFIX}stop")
    async def on_team_stop(
        ack: AsyncAck, body: dict, context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """An admin stopped the weekly team post."""
        await ack()
        await _set_post_channel(channel, body, context, client, None)

    async def _set_post_channel(
        channel: SlackChannel,
        body: dict,
        context: AsyncBoltContext,
        client: AsyncWebClient,
        chosen: Any,
    ) -> None:
        user = body["user"]["id"]
        if not await is_admin(client, user):
            logger.warning("a non-admin tried to change the team post: ignored")
            return
        workspace = workspace_key(context.enterprise_id, context.team_id)
        value = str(chosen)[:64] if chosen else None
        async with channel.services.uow() as uow:
            await uow.team.set_post_channel(workspace, value, channel.services.clock.now())
            await uow.commit()
        channel.spawn(
            publish_home(channel.services, client, Address("slack", user, "", workspace))
        )


class TeamPostJob:
    """The `TeamPost` job: one workspace's weekly highlights in the admin's channel."""

    def __init__(self, channel: SlackChannel) -> None:
        self.channel = channel
        self.services = channel.services

    async def __call__(self, job: TeamPost) -> None:
        """Post (or skip) the claimed week's team post."""
        workspace, week = job.workspace, job.week
        async with self.services.uow() as uow:
            status = await uow.team.post_status(workspace, week)
            target = await uow.team.post_channel(workspace)
        if status != "queued":
            return  # done before (a retried job after a crash past the mark)
        if not target:
            await self._finish(workspace, week, "skipped")
            return
        view = await team_view(self.services, workspace)
        if not view.shown:
            logger.info("team post for %s skipped: below the map's thresholds", workspace)
            await self._finish(workspace, week, "skipped")
            return
        from insight.team_chart import render_team_chart, team_chart_alt_text

        png = await asyncio.to_thread(render_team_chart, view)
        words = escape(slack_commands(post_text(view)))
        client = await self.channel.workspaces.client_for(workspace)
        try:
            if png is not None:
                await client.files_upload_v2(
                    channel=target,
                    file=png,
                    filename=CHART_NAME,
                    title=CHART_TITLE,
                    alt_txt=team_chart_alt_text(view),
                    initial_comment=words,
                )
            else:
                await client.chat_postMessage(
                    channel=target, text=words, unfurl_links=False, unfurl_media=False
                )
        except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
            raise delivery_error(exc, "team post") from exc
        await self._finish(workspace, week, "posted")

    async def _finish(self, workspace: str, week: str, status: str) -> None:
        async with self.services.uow() as uow:
            await uow.team.finish_post(workspace, week, status, self.services.clock.now())
            await uow.commit()
