"""Alembic environment: runs on the connection handed in by `storage.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from storage.models import Base
from storage.slack_models import slack_metadata

# Slack's installation tables are slack-sdk's shape, kept in their own MetaData.
target_metadata = [Base.metadata, slack_metadata()]


def run_migrations_online() -> None:
    """Migrate on the given connection (or a URL for `alembic revision --autogenerate`)."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            context.configure(
                connection=conn, target_metadata=target_metadata, render_as_batch=True
            )
            context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    context.run_migrations()


run_migrations_online()
