"""Every storage behind the passport's repository Protocols: SQLite, PostgreSQL and memory."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from storage.engine import make_engine, make_sessionmaker, normalize_database_url
from storage.memory import InMemoryStore
from storage.memory.state import Transaction
from storage.migrate import upgrade
from storage.models import NudgeRow
from storage.sealing import Sealer, install_sealer
from storage.uow import UnitOfWorkFactory


class Storage(ABC):
    """One storage under test: units of work, plus the writes the repositories leave to
    others (the scheduler's nudge rows) and a look at what the Protocols do not show."""

    def __init__(self, name: str, uow: Callable[[], Any]) -> None:
        self.name = name
        self.uow = uow

    @abstractmethod
    async def add_nudge(
        self, person_id: int, iso_week: str, prompt_id: str, now: datetime
    ) -> None:
        """A week's question was asked (as `storage.nudges` claims write it)."""

    @abstractmethod
    async def answered(self, person_id: int, iso_week: str) -> datetime | None:
        """When that week's question was answered."""


class SqlStorage(Storage):
    def __init__(self, name: str, sessionmaker: Any) -> None:
        super().__init__(name, UnitOfWorkFactory(sessionmaker))
        self.sessionmaker = sessionmaker

    async def add_nudge(
        self, person_id: int, iso_week: str, prompt_id: str, now: datetime
    ) -> None:
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                insert(NudgeRow).values(
                    person_id=person_id,
                    iso_week=iso_week,
                    prompt_id=prompt_id,
                    status="sent",
                    created_at=now,
                    sent_at=now,
                )
            )

    async def answered(self, person_id: int, iso_week: str) -> datetime | None:
        async with self.sessionmaker() as session:
            return await session.scalar(
                select(NudgeRow.answered_at).where(
                    NudgeRow.person_id == person_id, NudgeRow.iso_week == iso_week
                )
            )


class MemoryStorage(Storage):
    def __init__(self) -> None:
        self.store = InMemoryStore()
        super().__init__("memory", self.store)

    async def add_nudge(
        self, person_id: int, iso_week: str, prompt_id: str, now: datetime
    ) -> None:
        async with self.store() as uow:
            assert uow.nudge_history.record(person_id, iso_week, prompt_id)
            await uow.commit()

    async def answered(self, person_id: int, iso_week: str) -> datetime | None:
        tx = Transaction(self.store.state)
        found = [n for n in tx.state.nudges if (n.person_id, n.iso_week) == (person_id, iso_week)]
        return found[0].answered_at if found else None


@pytest.fixture(params=["sqlite", "postgresql", "memory"])
def storage_kind(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    """Which storage, and its database URL (a throwaway PostgreSQL database for postgresql)."""
    if request.param == "postgresql":
        return request.param, request.getfixturevalue("pg_url")
    return request.param, None


@pytest.fixture
async def storage(storage_kind: tuple[str, str | None], tmp_path: Path) -> AsyncIterator[Storage]:
    """The same contract on SQLite, PostgreSQL and in memory."""
    kind, url = storage_kind
    if kind == "memory":
        yield MemoryStorage()
        return
    engine = make_engine(normalize_database_url(url, tmp_path))
    install_sealer(engine, Sealer("test-secret-key"))
    await upgrade(engine)
    yield SqlStorage(kind, make_sessionmaker(engine))
    await engine.dispose()
