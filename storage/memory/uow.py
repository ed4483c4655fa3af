"""The in-memory store and its unit of work: every repository on one private copy."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from types import TracebackType

from passport.jobs import JobMessage
from passport.model import PassportSnapshot
from passport.ports import JobQueue
from passport.repositories import WholePassport
from storage.memory.artifacts import InMemoryArtifactRepository
from storage.memory.entries import InMemoryEntryRepository
from storage.memory.insight import InMemoryInsightReads
from storage.memory.people import InMemoryPeopleRepository, InMemorySeenMessages
from storage.memory.reads import InMemoryChannelState, InMemoryNudgeHistory
from storage.memory.signals import InMemorySignalRepository
from storage.memory.state import MemoryState, Transaction


class InMemoryWholePassport(WholePassport):
    """A person's whole passport at once, in memory."""

    def __init__(self, tx: Transaction, uow: InMemoryUnitOfWork) -> None:
        self.tx = tx
        self.uow = uow

    async def snapshot(self, person_id: int) -> PassportSnapshot | None:
        """Everything a person has, for export."""
        uow = self.uow
        person = await uow.people.get_person(person_id)
        if person is None:
            return None
        return PassportSnapshot(
            person=person,
            identities=tuple(await uow.people.identities(person_id)),
            entries=tuple(await uow.entries.entries(person_id, with_versions=True)),
            artifacts=tuple(await uow.artifacts.artifacts(person_id)),
            signals=tuple(await uow.signals.signals(person_id)),
        )

    async def delete_person(self, person_id: int) -> list[str]:
        """Forget a person and everything of theirs; returns their file folders."""
        state = self.tx.state
        folders = {
            str(r.extra["stored_path"]).split("/", 1)[0]
            for r in state.artifacts.values()
            if r.artifact.person_id == person_id and r.extra.get("stored_path")
        }
        vault = state.vaults.pop(person_id, None)
        if vault is not None:
            folders.add(vault.folder)
        state.people.pop(person_id, None)
        state.person_extra.pop(person_id, None)
        state.identities = [i for i in state.identities if i.person_id != person_id]
        state.entries = {k: r for k, r in state.entries.items() if r.entry.person_id != person_id}
        state.artifacts = {
            k: r for k, r in state.artifacts.items() if r.artifact.person_id != person_id
        }
        state.signals = {k: r for k, r in state.signals.items() if r[1].person_id != person_id}
        state.nudges = [n for n in state.nudges if n.person_id != person_id]
        state.jobs = [j for j in state.jobs if j.get("person_id") != person_id]
        return sorted(f for f in folders if f)

    async def scrub(self) -> None:
        """Nothing to scrub: memory keeps no old copies on disk."""


class InMemoryJobQueue(JobQueue):
    """Jobs enqueued in an in-memory unit of work (kept for tests to read)."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    async def enqueue(
        self,
        message: JobMessage,
        now: datetime,
        *,
        delay: timedelta = timedelta(0),
        max_attempts: int = 6,
    ) -> None:
        """Add a job (a typed message) that may run from `now + delay`."""
        self.tx.state.jobs.append(
            {
                "id": self.tx.state.next_id(),
                "kind": message.kind,
                "payload": message.payload(),
                "person_id": message.person_id,
                "run_after": now + delay,
                "max_attempts": max_attempts,
            }
        )


class InMemoryStore:
    """Committed state, shared by the units of work made from it."""

    def __init__(self) -> None:
        self.state = MemoryState()

    def __call__(self) -> InMemoryUnitOfWork:
        """A fresh unit of work on this store."""
        return InMemoryUnitOfWork(self)


class InMemoryUnitOfWork:
    """`async with uow:` works on a private copy; `commit()` makes it the store's state.

    It holds the passport's repositories and the job queue; the outbox and the team map have
    no in-memory twin (their rules live in SQL: leases, k-anonymity thresholds).
    """

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.tx = Transaction(copy.deepcopy(store.state))
        tx = self.tx
        self.people = InMemoryPeopleRepository(tx)
        self.seen = InMemorySeenMessages(tx, self.people)
        self.entries = InMemoryEntryRepository(tx)
        self.artifacts = InMemoryArtifactRepository(tx)
        self.signals = InMemorySignalRepository(tx)
        self.nudge_history = InMemoryNudgeHistory(tx)
        self.channel_state = InMemoryChannelState(tx)
        self.insight = InMemoryInsightReads(tx)
        self.whole_passport = InMemoryWholePassport(tx, self)
        self.jobs = InMemoryJobQueue(tx)

    async def __aenter__(self) -> InMemoryUnitOfWork:
        self.tx.state = copy.deepcopy(self.store.state)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        await self.rollback()
        return False

    async def commit(self) -> None:
        """Make everything done in this unit the store's state."""
        self.store.state = self.tx.state
        self.tx.state = copy.deepcopy(self.store.state)

    async def rollback(self) -> None:
        """Throw away everything done since the last commit."""
        self.tx.state = copy.deepcopy(self.store.state)
