"""Slack installation store tables (multi-workspace OAuth install)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 10:55:00
"""

from __future__ import annotations

from alembic import op

from storage.slack_models import BOTS, INSTALLATIONS, OAUTH_STATES, slack_metadata

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    slack_metadata().create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    metadata = slack_metadata()
    for name in (OAUTH_STATES, BOTS, INSTALLATIONS):
        metadata.tables[name].drop(op.get_bind(), checkfirst=True)
