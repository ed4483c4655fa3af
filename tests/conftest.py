"""Shared fixtures: settings on a temp data dir, SQLite and a throwaway PostgreSQL database."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.bootstrap import App, bootstrap
from bot.settings import Settings
from passport.clock import FixedClock
from tests.fakes.extractor import FakeExtractor

PG_ADMIN_DSN = os.environ.get("UTP_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday morning


def _pg_available() -> bool:
    import asyncpg

    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
        except (OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The local PostgreSQL admin DSN; fails loudly when the server is not there."""
    if not _pg_available():
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_DSN} (start it; see .ci/run)")
    return PG_ADMIN_DSN


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """A fresh throwaway database for one test, dropped afterwards."""
    import asyncpg

    name = f"utp_test_{uuid.uuid4().hex[:12]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(pg_server)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    base = pg_server.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One extractor cache for the whole run (ESCO embeddings are built at most once)."""
    return Path(os.environ.get("UTP_CACHE_DIR") or tmp_path_factory.mktemp("cache"))


@pytest.fixture
def make_settings(tmp_path: Path, cache_dir: Path) -> Callable[..., Settings]:
    """Settings on a temp data dir; keyword arguments override fields."""

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = dict(
            utp_data_dir=tmp_path / "data",
            utp_cache_dir=cache_dir,
            utp_secret_key="test-secret-key",
            database_url=None,
        )
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """Run a test on SQLite (None: the embedded default) and on PostgreSQL."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("pg_url")


@pytest.fixture
def clock() -> FixedClock:
    """A clock tests move by hand."""
    return FixedClock(START)


@pytest.fixture
async def make_app(
    make_settings: Callable[..., Settings], clock: FixedClock
) -> AsyncIterator[Callable[..., object]]:
    """Build wired apps (fake extractor unless one is given); all are closed afterwards."""
    apps: list[App] = []

    async def make(extractor: object | None = None, **overrides: object) -> App:
        app = await bootstrap(
            make_settings(**overrides), clock=clock, extractor=extractor or FakeExtractor()
        )
        apps.append(app)
        return app

    yield make
    for app in apps:
        await app.close()
