"""The Slack channel: a slack-bolt `AsyncApp` in Socket Mode (`utp run`) or over HTTP (`utp web`).

Capture before the ack: Bolt runs with `process_before_response`, so a listener hands the
`Inbound` to the conversation (which commits it, in milliseconds) before Slack gets its 200, and
the event id is stored durably before that 200 too, so Slack's retries are dropped. Replies are
posted after the ack in background tasks; one that cannot be posted becomes a durable `send` job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping, Sequence
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.base import ChannelDeps, InboundHandler, WebhookChannel
from bot.channels.slack_api import SlackWorkspaces, api_url
from bot.channels.slack_files import SlackFileFetcher
from bot.channels.slack_inbound import KnownMembers
from bot.channels.slack_install import SealedInstallationStore, TokenSealer, oauth_settings
from bot.channels.slack_listeners import gate, register
from bot.channels.slack_send import SlackPoster
from bot.channels.slack_team import TeamPostJob
from bot.settings import ConfigError, Settings
from passport.errors import DeliveryError
from passport.jobs import JobHandler, JobMessage, TeamPost
from passport.messages import Address, Outbound
from passport.ports import FileFetcher

logger = logging.getLogger(__name__)

SEEN_EVENT = "slack-event:{event_id}"


class SlackChannel(WebhookChannel):
    """Slack DMs, App Home, `/passport`, the "Add to my passport" shortcut and file downloads."""

    platform = "slack"

    def __init__(self, deps: ChannelDeps, settings: Settings) -> None:
        self.deps = deps
        self.services = deps.services
        self.settings = settings
        base_url = api_url(settings.slack_api_url)
        store = None
        if settings.slack_client_id:
            settings.require("slack_client_secret", "slack_signing_secret")
            store = SealedInstallationStore(
                settings.slack_client_id, deps.database, TokenSealer(settings.secret_key())
            )
        self.workspaces = SlackWorkspaces(
            self.services,
            base_url=base_url,
            installation_store=store,
            bot_token=None if store is not None else settings.slack_bot_token,
        )
        if store is not None:
            store.on_install = self.workspaces.installed
        self.bolt = self._build_bolt(base_url, store)
        self.handler: InboundHandler | None = None
        self.tasks: set[asyncio.Task] = set()
        self.known = KnownMembers()  # people seen here: no look-up before the 200 (listeners)
        self.poster = SlackPoster(self.services, deps.wake_jobs)
        self._fetcher = SlackFileFetcher(self.workspaces)
        self._socket: Any = None

    def _build_bolt(self, base_url: str, store: SealedInstallationStore | None) -> AsyncApp:
        common: dict[str, Any] = dict(
            signing_secret=self.settings.slack_signing_secret or "",
            request_verification_enabled=bool(self.settings.slack_signing_secret),
            process_before_response=True,  # capture (ms) before the 200; replies after it
            before_authorize=gate(self),
            raise_error_for_unhandled_request=False,
            name="utp",
        )
        if store is not None:
            bolt = AsyncApp(
                client=AsyncWebClient(base_url=base_url),
                oauth_settings=oauth_settings(
                    self.settings.slack_client_id or "",
                    self.settings.slack_client_secret or "",
                    store,
                    self.deps.database,
                ),
                **common,
            )
        else:
            bolt = AsyncApp(
                client=AsyncWebClient(token=self.settings.slack_bot_token, base_url=base_url),
                **common,
            )
        register(self, bolt)
        return bolt

    # -- receiving -------------------------------------------------------------------------

    async def start(self, handler: InboundHandler) -> None:
        """Socket Mode when SLACK_APP_TOKEN is set; otherwise events arrive through `utp web`."""
        self.handler = handler
        if not self.settings.slack_app_token:
            logger.warning(
                "Slack: no SLACK_APP_TOKEN, so no Socket Mode here; serve events "
                "with `utp web` (POST /slack/events). Sending works."
            )
            return
        if self.workspaces.multi:
            raise ConfigError(
                "Socket Mode serves one workspace: unset SLACK_CLIENT_ID or SLACK_APP_TOKEN"
            )
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        single = await self.workspaces.learn_single_team()
        self._socket = AsyncSocketModeHandler(
            self.bolt,
            self.settings.slack_app_token,
            web_client=AsyncWebClient(base_url=self.workspaces.base_url),
        )
        await self._socket.connect_async()
        logger.warning("Slack Socket Mode connected for team %s", single.team_id)

    async def prepare_webhook(self, handler: InboundHandler) -> None:
        """HTTP mode (`utp web`): events, interactivity and commands arrive at /slack/events."""
        self.settings.require("slack_signing_secret")
        self.handler = handler
        if not self.workspaces.multi:
            try:
                await self.workspaces.learn_single_team()
            except DeliveryError:
                logger.exception("Slack auth.test failed; will try again on the first event")

    def web_routes(self) -> list[web.RouteDef]:
        """aiohttp routes for `utp web`."""
        return [
            web.post("/slack/events", self._on_http),
            web.get("/slack/install", self._on_install),
            web.get("/slack/oauth_redirect", self._on_oauth_redirect),
        ]

    async def _on_http(self, request: web.Request) -> web.Response:
        if not self.settings.slack_signing_secret:  # never take unsigned requests over HTTP
            raise web.HTTPServiceUnavailable(text="SLACK_SIGNING_SECRET is not set")
        response = await self.bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def _on_install(self, request: web.Request) -> web.Response:
        flow = self.bolt.oauth_flow
        if flow is None:
            raise web.HTTPNotFound()
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def _on_oauth_redirect(self, request: web.Request) -> web.Response:
        flow = self.bolt.oauth_flow
        if flow is None:
            raise web.HTTPNotFound()
        return await to_aiohttp_response(
            await flow.handle_callback(await to_bolt_request(request))
        )

    async def stop(self) -> None:
        """Close Socket Mode and let posting tasks finish."""
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        await self.drain(timeout=10)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for replies still being posted (tests, shutdown)."""
        while self.tasks:
            done, _ = await asyncio.wait(set(self.tasks), timeout=timeout)
            if not done:
                break

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run slow work after the ack, keeping a reference until it ends."""
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def mark_processed(self, body: dict[str, Any]) -> None:
        """Store the event id (before the ack) so Slack's retries are dropped."""
        event_id = body.get("event_id")
        if not event_id:
            return
        async with self.services.uow() as uow:
            await uow.seen.mark_seen(
                SEEN_EVENT.format(event_id=event_id), self.services.clock.now()
            )
            await uow.commit()

    async def was_processed(self, event_id: str) -> bool:
        """True when an event with this id was taken in before."""
        async with self.services.uow() as uow:
            return await uow.seen.was_seen(SEEN_EVENT.format(event_id=event_id))

    def fetcher(self) -> FileFetcher | None:
        """Downloads of files members share with the bot."""
        return self._fetcher

    def job_handlers(self) -> Mapping[type[JobMessage], JobHandler]:
        """The weekly team post needs Slack: it runs where this channel is configured."""
        return {TeamPost: TeamPostJob(self)}

    # -- sending ---------------------------------------------------------------------------

    async def send(self, address: Address, messages: Sequence[Outbound]) -> None:
        """Post to the member's DM with the workspace's token (opening the DM when needed)."""
        client = await self.workspaces.client_for(address.workspace)
        channel = await self.poster.dm_channel(
            client, address.workspace, address.user_id, address.chat_id
        )
        await self.poster.deliver(client, channel, messages, queue_rest_for=address)


def build_slack_channel(deps: ChannelDeps, settings: Settings) -> SlackChannel:
    """The factory `bot.process` calls when SLACK_BOT_TOKEN or SLACK_CLIENT_ID is set."""
    return SlackChannel(deps, settings)
