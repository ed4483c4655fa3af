"""entry parts: an edit revises only the part of a note its message wrote

Revision ID: 0006_one_key
Revises: 0002
Create Date: 2026-12-07 21:40:00

(The revision id was assigned to the "nothing lost" work; one signing key per person needs no
schema change: it is a conditional UPDATE, see SqlAlchemyPassportRepository.set_signing_key_once.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_one_key"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entry_parts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("message_key", sa.String(length=80), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["entries.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_key"),
    )
    op.create_index("ix_entry_parts_entry_id", "entry_parts", ["entry_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_entry_parts_entry_id", table_name="entry_parts")
    op.drop_table("entry_parts")
