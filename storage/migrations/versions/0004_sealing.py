"""Sealing at rest: person data keys, and what was stored in plain text sealed on upgrade

Revision ID: 0004_sealing
Revises: 0005_team
Create Date: 2026-12-07 21:40:00

Every person gets a data key and a random folder (`person_keys`); their entry texts and
versions, evidence quotes, file names, text, notes and credentials, state and job payloads are
sealed in place. The sealer comes from the engine (`storage.sealing.install_sealer`), so the
upgrade needs UTP_SECRET_KEY like every start does. Files already in the blob store keep their
plain bytes (they open either way) until the person forgets them: sealing them is left to do.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0004_sealing"
down_revision = "0005_team"
branch_labels = None
depends_on = None

_BATCH = 500


def upgrade() -> None:
    op.create_table(
        "person_keys",
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("kek_id", sa.String(length=32), nullable=False),
        sa.Column("wrapped", sa.Text(), nullable=False),
        sa.Column("folder", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
        sa.UniqueConstraint("key_id"),
        sa.UniqueConstraint("folder"),
    )
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":  # SQLite keeps any length in a VARCHAR
        op.alter_column(
            "artifacts", "original_name", type_=sa.Text(), existing_type=sa.String(length=255)
        )
    _seal_existing(bind)


def _seal_existing(bind: sa.Connection) -> None:
    from storage.sealing import PersonVault, new_folder, sealer_of

    people = [r[0] for r in bind.execute(sa.text("SELECT id FROM persons ORDER BY id"))]
    if not people:
        return
    sealer = sealer_of(bind)  # raises a clear error when no secret was given
    md = sa.MetaData()
    keys = storage.models._table(storage.models.PersonKeyRow)
    persons = sa.Table("persons", md, autoload_with=bind)
    vaults: dict[int, PersonVault] = {}
    now = datetime.now(UTC)
    for pid in people:
        key, columns = sealer.new_key()
        folder = new_folder()
        bind.execute(
            keys.insert(), {"person_id": pid, "folder": folder, "created_at": now, **columns}
        )
        vaults[pid] = PersonVault(pid, folder, key)
    # Person state (JSON): seal when not empty.
    for pid, state in bind.execute(sa.select(persons.c.id, persons.c.state)).all():
        value = _json(state)
        if value and not _is_sealed_json(value):
            bind.execute(
                persons.update()
                .where(persons.c.id == pid)
                .values(state=vaults[pid].seal_json(value))
            )
    _seal_texts(bind, md, "entries", ("text",), vaults)
    _seal_texts(bind, md, "entry_versions", ("text",), vaults)
    _seal_texts(bind, md, "signals", ("evidence",), vaults)
    _seal_texts(bind, md, "artifacts", ("original_name", "text_excerpt", "note"), vaults)
    _seal_json(bind, md, "artifacts", "credential", vaults)
    _seal_json(bind, md, "jobs", "payload", vaults)


def _json(value: object) -> object:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _is_sealed_json(value: object) -> bool:
    return isinstance(value, dict) and list(value) == ["sealed"]


def _seal_texts(bind, md, table_name, columns, vaults) -> None:
    from storage.sealing import TEXT_PREFIX

    table = sa.Table(table_name, md, autoload_with=bind)
    rows = bind.execute(
        sa.select(table.c.id, table.c.person_id, *(table.c[c] for c in columns))
    ).all()
    for row in rows:
        vault = vaults.get(row[1])
        if vault is None:
            continue
        values = {
            c: vault.seal(v)
            for c, v in zip(columns, row[2:], strict=True)
            if isinstance(v, str) and v and not v.startswith(TEXT_PREFIX)
        }
        if values:
            bind.execute(table.update().where(table.c.id == row[0]).values(**values))


def _seal_json(bind, md, table_name, column, vaults) -> None:
    table = sa.Table(table_name, md, autoload_with=bind)
    rows = bind.execute(
        sa.select(table.c.id, table.c.person_id, table.c[column]).where(
            table.c.person_id.is_not(None), table.c[column].is_not(None)
        )
    ).all()
    for row_id, pid, raw in rows:
        value = _json(raw)
        vault = vaults.get(pid)
        if vault is None or value in (None, {}) or _is_sealed_json(value):
            continue
        bind.execute(
            table.update().where(table.c.id == row_id).values({column: vault.seal_json(value)})
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM person_keys")).scalar():
        raise RuntimeError(
            "0004_sealing cannot be undone while sealed data exists: it would stay unreadable"
        )
    op.drop_table("person_keys")
