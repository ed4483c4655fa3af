"""Team skill map: sharing opt-in, team settings, published snapshots, weekly post claims

Revision ID: 0005_team
Revises: 0006_one_key
Create Date: 2026-12-07 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0005_team"
down_revision = "0006_one_key"
branch_labels = None
depends_on = None

KEPT_SKILLS_WHERE = "status = 'confirmed' AND kind = 'skill' AND esco_uri IS NOT NULL"


def upgrade() -> None:
    utc = storage.models.UTCDateTime(timezone=True)
    op.create_table(
        "team_members",
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("sharing", sa.Boolean(), nullable=False),
        sa.Column("changed_at", utc, nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_index("ix_team_members_workspace", "team_members", ["workspace", "sharing"])
    op.create_table(
        "team_settings",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("post_channel", sa.String(length=64), nullable=True),
        sa.Column("updated_at", utc, nullable=False),
        sa.PrimaryKeyConstraint("workspace"),
    )
    op.create_table(
        "team_snapshots",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.Column("iso_week", sa.String(length=10), nullable=True),
        sa.Column("published_at", utc, nullable=True),
        sa.Column("basis", sa.JSON(), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("checked_at", utc, nullable=True),
        sa.PrimaryKeyConstraint("workspace"),
    )
    op.create_table(
        "team_posts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("iso_week", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("done_at", utc, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace", "iso_week", name="uq_team_post_week"),
    )
    op.create_index(
        "ix_signals_kept_skills",
        "signals",
        ["person_id", "esco_uri", "created_at"],
        postgresql_where=sa.text(KEPT_SKILLS_WHERE),
        sqlite_where=sa.text(KEPT_SKILLS_WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_signals_kept_skills", table_name="signals")
    op.drop_table("team_posts")
    op.drop_table("team_snapshots")
    op.drop_table("team_settings")
    op.drop_index("ix_team_members_workspace", table_name="team_members")
    op.drop_table("team_members")
