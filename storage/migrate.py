"""Applying Alembic migrations from code: on every start, and by `utp db upgrade`."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any fixed number: several processes starting at once take turns migrating PostgreSQL.
_PG_MIGRATION_LOCK = 74_581_203


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at our migrations; bound to `connection` when given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
    command.upgrade(alembic_config(connection), revision)


_REVISION = re.compile(r"^revision(?:\s*:\s*str)?\s*=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN = re.compile(r"^down_revision[^=\n]*=\s*(.+)$", re.M)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


def head_revision() -> str | None:
    """The one head of our migration chain, read from the files (None when it is not one)."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            return None
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down is not None:
            downs.update(_QUOTED.findall(down.group(1)))
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None


async def _at_head(engine: AsyncEngine) -> bool:
    head = head_revision()
    if head is None:
        return False
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    except DBAPIError:
        return False  # a new database (no table yet), or one that is away: Alembic decides
    return [row[0] for row in rows] == [head]


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database schema up to `revision` (idempotent, safe to run concurrently)."""
    # Already at head (every start but the first): one SELECT, and Alembic is never imported,
    # which keeps `utp chat`'s first words quick.
    if revision == "head" and await _at_head(engine):
        return
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)
