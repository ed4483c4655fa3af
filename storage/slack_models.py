"""Tables for Slack's multi-workspace install (slack-sdk's SQLAlchemy stores) on UTP's database.

The columns follow slack-sdk 3.x's `SQLAlchemyInstallationStore` / `SQLAlchemyOAuthStateStore`
so their queries run unchanged; the token columns are `Text` because UTP stores them sealed
(Fernet ciphertext is about three times longer than a token). Pinned here, not built from the
library at migration time, so the schema only changes through a migration.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
)

INSTALLATIONS = "slack_installations"
BOTS = "slack_bots"
OAUTH_STATES = "slack_oauth_states"


def installations_table(metadata: MetaData, name: str = INSTALLATIONS) -> Table:
    """Every OAuth install (bot and installing user), newest wins."""
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
        Column("enterprise_url", String(200)),
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", Text),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", Text),
        Column("bot_token_expires_at", DateTime),
        Column("user_id", String(32), nullable=False),
        Column("user_token", Text),
        Column("user_scopes", String(1000)),
        Column("user_refresh_token", Text),
        Column("user_token_expires_at", DateTime),
        Column("incoming_webhook_url", Text),
        Column("incoming_webhook_channel", String(200)),
        Column("incoming_webhook_channel_id", String(200)),
        Column("incoming_webhook_configuration_url", String(200)),
        Column("is_enterprise_install", Boolean, default=False, nullable=False),
        Column("token_type", String(32)),
        Column("installed_at", DateTime, nullable=False, default=func.now()),
        Index(f"{name}_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),
    )


def bots_table(metadata: MetaData, name: str = BOTS) -> Table:
    """The bot token per workspace (what UTP sends with)."""
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", Text),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", Text),
        Column("bot_token_expires_at", DateTime),
        Column("is_enterprise_install", Boolean, default=False, nullable=False),
        Column("installed_at", DateTime, nullable=False, default=func.now()),
        Index(f"{name}_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
    )


def oauth_states_table(metadata: MetaData, name: str = OAUTH_STATES) -> Table:
    """One-time OAuth `state` values (CSRF protection for /slack/install)."""
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("state", String(200), nullable=False),
        Column("expire_at", DateTime, nullable=False),
    )


def slack_metadata() -> MetaData:
    """A fresh MetaData holding the three Slack tables (used by the migration)."""
    metadata = MetaData()
    installations_table(metadata)
    bots_table(metadata)
    oauth_states_table(metadata)
    return metadata
