"""Skill feedback: how often each ESCO skill was noticed, kept and rejected, across everyone

Counts only: no text, no person, no time (a timestamp could tell when someone answered). The extraction job lets skills people keep rejecting sink
(`extractors.feedback`); `utp db status` shows the most rejected.

Revision ID: 0007_skill_feedback
Revises: 0003_outbox
Create Date: 2026-12-08 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_skill_feedback"
down_revision = "0003_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "skill_feedback",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("noticed", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("kept", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("rejected", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_skill_feedback_rejected", "skill_feedback", ["rejected"])


def downgrade() -> None:
    op.drop_index("ix_skill_feedback_rejected", table_name="skill_feedback")
    op.drop_table("skill_feedback")
