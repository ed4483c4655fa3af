"""Reaching Slack's Web API for one workspace: which token, which client, which errors mean what.

Single-workspace mode holds one bot token (SLACK_BOT_TOKEN) and serves only the team it belongs
to; multi-workspace mode reads the bot token of each workspace from the installation store. A
workspace that uninstalled the app or revoked its tokens is remembered durably, and every call
to it stops (RecipientGone) until it installs again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack_inbound import split_workspace, workspace_key
from handlers.context import Services
from passport.errors import DeliveryError, RecipientGone, TransientDeliveryError

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
# Errors after which nothing more can be sent to that workspace or person.
GONE_ERRORS = {
    "account_inactive",
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "user_not_found",
    "user_disabled",
    "cannot_dm_bot",
    "team_access_not_granted",
    "app_uninstalled",
    "team_not_found",
    "org_login_required",
    "ekm_access_denied",
    "not_in_channel",
    "is_archived",
    "channel_not_found",
    "user_not_visible",
}
REVOKED_KEY = "slack:revoked:{workspace}"


def api_url(configured: str | None) -> str:
    """The Web API base URL with the trailing slash slack-sdk expects."""
    url = configured or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def delivery_error(exc: BaseException, what: str) -> DeliveryError:
    """A Slack or network failure as UTP's delivery errors (never with a token in the text)."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        status = getattr(response, "status_code", 200)
        error = (response.get("error") if hasattr(response, "get") else None) or ""
        if status == 429 or error == "ratelimited":
            retry = (getattr(response, "headers", {}) or {}).get("Retry-After", "1")
            try:
                seconds = float(retry)
            except (TypeError, ValueError):
                seconds = 1.0
            return TransientDeliveryError(f"{what}: rate limited", retry_after=seconds)
        if error in GONE_ERRORS:
            return RecipientGone(f"{what}: {error}")
        if status >= 500 or error in {
            "internal_error",
            "fatal_error",
            "service_unavailable",
            "request_timeout",
        }:
            return TransientDeliveryError(f"{what}: {error or status}", retry_after=30)
        return DeliveryError(f"{what}: {error or status}")
    if isinstance(exc, (aiohttp.ClientError, SlackClientError, TimeoutError, OSError)):
        return TransientDeliveryError(f"{what}: {type(exc).__name__}", retry_after=30)
    return DeliveryError(f"{what}: {type(exc).__name__}")


@dataclass
class SingleTeam:
    """What `auth.test` says about SLACK_BOT_TOKEN."""

    enterprise_id: str | None
    team_id: str
    bot_user_id: str

    @property
    def workspace(self) -> str:
        """`enterprise:team`."""
        return workspace_key(self.enterprise_id, self.team_id)


class SlackWorkspaces:
    """Finds the bot token for a workspace and makes Web API clients for it."""

    def __init__(
        self,
        services: Services,
        *,
        base_url: str,
        bot_token: str | None = None,
        installation_store: AsyncInstallationStore | None = None,
    ) -> None:
        self.services = services
        self.base_url = base_url
        self.bot_token = bot_token
        self.store = installation_store
        self.single: SingleTeam | None = None

    @property
    def multi(self) -> bool:
        """True when workspaces come from OAuth installs."""
        return self.store is not None

    def client(self, token: str | None) -> AsyncWebClient:
        """A Web API client at SLACK_API_URL (retries are UTP's job, not the SDK's)."""
        return AsyncWebClient(token=token, base_url=self.base_url, timeout=15)

    async def learn_single_team(self) -> SingleTeam:
        """`auth.test` with SLACK_BOT_TOKEN: the one team this process serves."""
        if self.single is None:
            try:
                auth = await self.client(self.bot_token).auth_test()
            except (SlackApiError, aiohttp.ClientError, SlackClientError, OSError) as exc:
                raise delivery_error(exc, "auth.test") from exc
            self.single = SingleTeam(
                auth.get("enterprise_id") or None, auth["team_id"], auth.get("user_id") or ""
            )
            await self.set_revoked(self.single.workspace, False)
        return self.single

    def serves(self, enterprise_id: str | None, team_id: str | None) -> bool:
        """Single-workspace mode ignores every other team (multi: the store decides)."""
        if self.multi or self.single is None:
            return True
        if team_id:
            return team_id == self.single.team_id
        if enterprise_id:
            return enterprise_id == self.single.enterprise_id
        return True  # no workspace at all (url_verification, ssl_check)

    async def is_revoked(self, workspace: str) -> bool:
        """True after app_uninstalled / tokens_revoked for this workspace."""
        async with self.services.uow() as uow:
            value = await uow.channel_state.get_channel_state(
                REVOKED_KEY.format(workspace=workspace)
            )
        return value == "1"

    async def set_revoked(self, workspace: str, revoked: bool) -> None:
        """Remember (durably) that calls to a workspace must stop, or may resume."""
        async with self.services.uow() as uow:
            key = REVOKED_KEY.format(workspace=workspace)
            if not revoked and await uow.channel_state.get_channel_state(key) is None:
                return
            await uow.channel_state.set_channel_state(
                key, "1" if revoked else "0", self.services.clock.now()
            )
            await uow.commit()

    async def token_for(self, workspace: str) -> str:
        """The bot token serving `workspace`; RecipientGone when there is none any more."""
        if await self.is_revoked(workspace):
            raise RecipientGone("the Slack app was uninstalled from that workspace")
        enterprise_id, team_id = split_workspace(workspace)
        if self.store is None:
            if not self.bot_token:
                raise RecipientGone("no Slack bot token")
            single = await self.learn_single_team()
            if team_id and team_id != single.team_id:
                raise RecipientGone("that workspace is not served by SLACK_BOT_TOKEN")
            return self.bot_token
        bot = await self.store.async_find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None and enterprise_id:
            bot = await self.store.async_find_bot(
                enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True
            )
        if bot is None or not bot.bot_token:
            raise RecipientGone("the Slack app is not installed in that workspace")
        return bot.bot_token

    async def client_for(self, workspace: str) -> AsyncWebClient:
        """A client holding the workspace's bot token."""
        return self.client(await self.token_for(workspace))

    async def forget_workspace(self, enterprise_id: str | None, team_id: str | None) -> None:
        """app_uninstalled: drop the install (multi) and stop every call to the workspace."""
        await self.set_revoked(workspace_key(enterprise_id, team_id), True)
        if self.store is not None:
            await self.store.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)
        logger.warning("Slack workspace %s uninstalled the app: calls stopped", team_id)

    async def installed(self, enterprise_id: str | None, team_id: str | None) -> None:
        """A fresh OAuth install: calls to the workspace may resume."""
        await self.set_revoked(workspace_key(enterprise_id, team_id), False)
