"""The Slack channel: a slack-bolt `AsyncApp` in Socket Mode (`utp run`) or over HTTP (`utp web`).

Capture before the ack: Bolt runs with `process_before_response`, so a listener hands the
`Inbound` to the conversation (which commits it, in milliseconds) before Slack gets its 200, and
the event id is stored durably before that 200 too, so Slack's retries are dropped. Replies are
posted after the ack in background tasks; one that cannot be posted becomes a durable `send` job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.base import Channel, InboundHandler
from bot.channels.slack_api import SlackWorkspaces, api_url, delivery_error
from bot.channels.slack_blocks import escape, message_payload
from bot.channels.slack_files import SlackFileFetcher
from bot.channels.slack_install import SealedInstallationStore, TokenSealer, oauth_settings
from bot.settings import ConfigError, Settings
from handlers.jobs import outbound_to_payload
from passport.errors import DeliveryError, RecipientGone, TransientDeliveryError
from passport.messages import Address, Outbound
from passport.ports import FileFetcher

logger = logging.getLogger(__name__)

SEEN_EVENT = "slack-event:{event_id}"


class SlackChannel(Channel):
    """Slack DMs, App Home, `/passport`, the "Add to my passport" shortcut and file downloads."""

    platform = "slack"

    def __init__(self, app: Any, settings: Settings) -> None:
        self.utp = app
        self.services = app.services
        self.settings = settings
        base_url = api_url(settings.slack_api_url)
        store = None
        if settings.slack_client_id:
            settings.require("slack_client_secret", "slack_signing_secret")
            store = SealedInstallationStore(settings.slack_client_id, app.engine,
                                            TokenSealer(settings.secret_key()))
        self.workspaces = SlackWorkspaces(
            self.services, base_url=base_url, installation_store=store,
            bot_token=None if store is not None else settings.slack_bot_token,
        )
        if store is not None:
            store.on_install = self.workspaces.installed
        self.bolt = self._build_bolt(base_url, store)
        self.handler: InboundHandler | None = None
        self.tasks: set[asyncio.Task] = set()
        self.dms: dict[tuple[str, str], str] = {}
        self._fetcher = SlackFileFetcher(self.workspaces)
        self._socket: Any = None

    def _build_bolt(self, base_url: str, store: SealedInstallationStore | None) -> AsyncApp:
        from bot.channels.slack_listeners import gate, register

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
                oauth_settings=oauth_settings(self.settings.slack_client_id or "",
                                              self.settings.slack_client_secret or "",
                                              store, self.utp.engine),
                **common,
            )
        else:
            bolt = AsyncApp(client=AsyncWebClient(token=self.settings.slack_bot_token,
                                                  base_url=base_url), **common)
        register(self, bolt)
        return bolt

    # -- receiving -------------------------------------------------------------------------

    async def start(self, handler: InboundHandler) -> None:
        """Socket Mode when SLACK_APP_TOKEN is set; otherwise events arrive through `utp web`."""
        self.handler = handler
        if not self.settings.slack_app_token:
            logger.warning("Slack: no SLACK_APP_TOKEN, so no Socket Mode here; serve events "
                           "with `utp web` (POST /slack/events). Sending works.")
            return
        if self.workspaces.multi:
            raise ConfigError("Socket Mode serves one workspace: unset SLACK_CLIENT_ID or "
                              "SLACK_APP_TOKEN")
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        single = await self.workspaces.learn_single_team()
        self._socket = AsyncSocketModeHandler(
            self.bolt, self.settings.slack_app_token,
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
        response = await self.bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def _on_install(self, request: web.Request) -> web.Response:
        flow = self.bolt.oauth_flow
        if flow is None:
            raise web.HTTPNotFound()
        return await to_aiohttp_response(await flow.handle_installation(
            await to_bolt_request(request)))

    async def _on_oauth_redirect(self, request: web.Request) -> web.Response:
        flow = self.bolt.oauth_flow
        if flow is None:
            raise web.HTTPNotFound()
        return await to_aiohttp_response(await flow.handle_callback(
            await to_bolt_request(request)))

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
            await uow.passport.mark_seen(SEEN_EVENT.format(event_id=event_id),
                                         self.services.clock.now())
            await uow.commit()

    async def was_processed(self, event_id: str) -> bool:
        """True when an event with this id was taken in before."""
        async with self.services.uow() as uow:
            return await uow.passport.was_seen(SEEN_EVENT.format(event_id=event_id))

    def fetcher(self) -> FileFetcher | None:
        """Downloads of files members share with the bot."""
        return self._fetcher

    # -- sending ---------------------------------------------------------------------------

    async def send(self, address: Address, messages: Sequence[Outbound]) -> None:
        """Post to the member's DM with the workspace's token (opening the DM when needed)."""
        client = await self.workspaces.client_for(address.workspace)
        channel = await self.dm_channel(client, address.workspace, address.user_id,
                                        address.chat_id)
        sent = await self.deliver(client, channel, messages, queue_rest_for=address)
        if sent == 0 and messages:
            raise TransientDeliveryError("nothing was sent", retry_after=30)

    async def dm_channel(self, client: AsyncWebClient, workspace: str, user_id: str,
                         known: str = "") -> str:
        """The member's DM with the bot (`conversations.open` once, then remembered)."""
        if known.startswith("D"):
            return known
        cached = self.dms.get((workspace, user_id)) or await self._known_dm(workspace, user_id)
        if cached:
            return cached
        try:
            opened = await client.conversations_open(users=user_id)
        except (SlackApiError, SlackClientError, OSError) as exc:
            raise delivery_error(exc, "conversations.open") from exc
        channel = opened["channel"]["id"]
        self.dms[(workspace, user_id)] = channel
        return channel

    async def _known_dm(self, workspace: str, user_id: str) -> str | None:
        """The DM stored with the member's identity (saves a `conversations.open`)."""
        async with self.services.uow() as uow:
            person = await uow.passport.find_person(Address("slack", user_id, "", workspace))
            if person is None:
                return None
            for identity in await uow.passport.identities(person.id):
                if (identity.platform, identity.workspace, identity.user_id) == \
                        ("slack", workspace, user_id) and identity.chat_id.startswith("D"):
                    self.dms[(workspace, user_id)] = identity.chat_id
                    return identity.chat_id
        return None

    async def deliver(
        self, client: AsyncWebClient, channel: str, messages: Sequence[Outbound], *,
        thread_ts: str | None = None, replace_ts: str | None = None,
        queue_rest_for: Address | None = None,
    ) -> int:
        """Post messages in order; returns how many went out.

        When some went out and then Slack failed for a while, the rest become a durable send
        job (so nothing is posted twice); when none went out, the error is raised.
        """
        for index, message in enumerate(messages):
            try:
                replace_ts = await self._post_one(client, channel, message, thread_ts,
                                                  replace_ts)
            except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
                error = delivery_error(exc, "chat.postMessage")
                if index and queue_rest_for is not None and \
                        isinstance(error, TransientDeliveryError):
                    await self.queue_send(queue_rest_for, messages[index:], error.retry_after)
                    return index
                raise error from exc
        return len(messages)

    async def _post_one(self, client: AsyncWebClient, channel: str, message: Outbound,
                        thread_ts: str | None, replace_ts: str | None) -> str | None:
        if message.attachment is not None:
            attachment = message.attachment
            await client.files_upload_v2(
                channel=channel, file=attachment.content, filename=attachment.filename,
                title=attachment.filename, initial_comment=escape(message.text) or None,
                thread_ts=thread_ts,
            )
            if message.choices:
                await client.chat_postMessage(channel=channel, thread_ts=thread_ts,
                                              **message_payload(Outbound(
                                                  choices=message.choices)))
            return replace_ts
        payload = message_payload(message)
        if message.replace_previous and replace_ts:
            await client.chat_update(channel=channel, ts=replace_ts, **payload)
            return None  # only the message holding the buttons is replaced, once
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, **payload)
        return replace_ts

    async def queue_send(self, address: Address, messages: Sequence[Outbound],
                         retry_after: float | None) -> bool:
        """Hand replies to the durable job queue (attachments cannot be queued)."""
        from datetime import timedelta

        queued = [m for m in messages if m.text or m.choices]
        async with self.services.uow() as uow:
            person = await uow.passport.find_person(address)
            if person is None or not queued:
                return False
            await uow.jobs.enqueue(
                "send", {"messages": outbound_to_payload(queued), "platform": "slack"},
                self.services.clock.now(), person_id=person.id,
                delay=timedelta(seconds=retry_after or 5),
            )
            await uow.commit()
        self.utp.runner.notify()
        return True

    async def reply(self, client: AsyncWebClient, address: Address,
                    messages: Sequence[Outbound], *, thread_ts: str | None = None,
                    replace_ts: str | None = None) -> None:
        """Post the conversation's answers after the ack; failures become a send job."""
        if not messages:
            return
        try:
            await self.deliver(client, address.chat_id, messages, thread_ts=thread_ts,
                               replace_ts=replace_ts, queue_rest_for=address)
        except TransientDeliveryError as exc:
            logger.warning("Slack reply deferred to a send job: %s", exc)
            await self.queue_send(address, messages, exc.retry_after)
        except RecipientGone as exc:
            logger.warning("Slack reply not possible, member marked inactive: %s", exc)
            async with self.services.uow() as uow:
                await uow.passport.set_active_by_address(address, False)
                await uow.commit()
        except DeliveryError:
            logger.exception("Slack reply failed")


def build_slack_channel(app: Any, settings: Settings) -> SlackChannel:
    """The factory `bot.process` calls when SLACK_BOT_TOKEN or SLACK_CLIENT_ID is set."""
    return SlackChannel(app, settings)
