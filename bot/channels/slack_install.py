"""Multi-workspace install: slack-sdk's async SQLAlchemy stores on UTP's database, tokens sealed.

`SealedInstallationStore` keeps slack-sdk's queries but never writes a token in plain text: bot,
user and refresh tokens are sealed with Fernet under a key derived from UTP_SECRET_KEY, and opened
when an installation is read back.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncEngine

from passport.errors import UTPError
from storage.slack_models import bots_table, installations_table, oauth_states_table

SEALED_PREFIX = "utp1:"
TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")

# The scopes the manifest (slack/manifest.yml) asks for; keep the two in step.
BOT_SCOPES = (
    "chat:write",
    "im:history",
    "im:write",
    "im:read",
    "users:read",
    "files:read",
    "files:write",
    "commands",
)


class TokenSealError(UTPError):
    """A stored Slack token cannot be opened (UTP_SECRET_KEY changed?)."""


class TokenSealer:
    """Seals and opens tokens with a Fernet key derived from UTP_SECRET_KEY."""

    def __init__(self, secret: str) -> None:
        digest = hashlib.sha256(b"utp/slack-tokens/v1\x00" + secret.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, token: str | None) -> str | None:
        """Ciphertext for a token (None and "" pass through)."""
        if not token or token.startswith(SEALED_PREFIX):
            return token
        return SEALED_PREFIX + self._fernet.encrypt(token.encode()).decode()

    def open(self, value: str | None) -> str | None:
        """The token inside a sealed value (a legacy plain value passes through)."""
        if not value or not value.startswith(SEALED_PREFIX):
            return value
        try:
            return self._fernet.decrypt(value[len(SEALED_PREFIX) :].encode()).decode()
        except InvalidToken as exc:
            raise TokenSealError(
                "a Slack token cannot be opened (UTP_SECRET_KEY changed?)"
            ) from exc


def _apply(obj: Any, change: Any) -> Any:
    if obj is None:
        return None
    changed = copy.copy(obj)
    for name in TOKEN_FIELDS:
        if hasattr(changed, name):
            setattr(changed, name, change(getattr(changed, name)))
    return changed


class SealedInstallationStore(AsyncSQLAlchemyInstallationStore):
    """slack-sdk's installation store whose token columns only ever hold sealed values."""

    def __init__(
        self,
        client_id: str,
        engine: AsyncEngine,
        sealer: TokenSealer,
        on_install: Callable[[str | None, str | None], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(client_id=client_id, engine=engine)
        self.sealer = sealer
        self.on_install = on_install

    @classmethod
    def build_installations_table(cls, metadata: MetaData, table_name: str) -> Table:
        """UTP's pinned table (token columns wide enough for ciphertext)."""
        return installations_table(metadata, table_name)

    @classmethod
    def build_bots_table(cls, metadata: MetaData, table_name: str) -> Table:
        """UTP's pinned table (token columns wide enough for ciphertext)."""
        return bots_table(metadata, table_name)

    async def async_save(self, installation: Installation) -> None:
        """Store an install with its tokens sealed."""
        await super().async_save(_apply(installation, self.sealer.seal))
        if self.on_install is not None:
            await self.on_install(installation.enterprise_id, installation.team_id)

    async def async_save_bot(self, bot: Bot) -> None:
        """Store a bot with its tokens sealed."""
        await super().async_save_bot(_apply(bot, self.sealer.seal))

    async def async_find_bot(self, **kwargs: Any) -> Bot | None:
        """The newest bot for a workspace, tokens opened."""
        return _apply(await super().async_find_bot(**kwargs), self.sealer.open)

    async def async_find_installation(self, **kwargs: Any) -> Installation | None:
        """The newest install for a workspace (or user), tokens opened."""
        return _apply(await super().async_find_installation(**kwargs), self.sealer.open)


class OAuthStateStore(AsyncSQLAlchemyOAuthStateStore):
    """slack-sdk's OAuth state store on UTP's pinned table."""

    @classmethod
    def build_oauth_states_table(cls, metadata: MetaData, table_name: str) -> Table:
        """UTP's pinned table."""
        return oauth_states_table(metadata, table_name)


def oauth_settings(
    client_id: str,
    client_secret: str,
    store: SealedInstallationStore,
    engine: AsyncEngine,
    redirect_uri: str | None = None,
) -> AsyncOAuthSettings:
    """Bolt's OAuth v2 settings: /slack/install and /slack/oauth_redirect on UTP's database."""
    return AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        redirect_uri=redirect_uri,
        install_path="/slack/install",
        redirect_uri_path="/slack/oauth_redirect",
        installation_store=store,
        installation_store_bot_only=True,
        state_store=OAuthStateStore(expiration_seconds=600, engine=engine),
    )
