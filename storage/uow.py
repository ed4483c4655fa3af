"""The unit of work: one transaction holding a repository per aggregate, jobs and the outbox."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from passport.errors import StorageConflict
from storage.artifacts import SqlAlchemyArtifactRepository
from storage.channel_state import SqlAlchemyChannelState
from storage.entries import SqlAlchemyEntryRepository
from storage.faults import as_utp_error
from storage.insight_queries import SqlAlchemyInsightReads
from storage.jobs import JobWriter
from storage.nudge_history import SqlAlchemyNudgeHistory
from storage.outbox import OutboxWriter
from storage.people import SqlAlchemyPeopleRepository
from storage.seen import SqlAlchemySeenMessages
from storage.signals import SqlAlchemySignalRepository
from storage.skill_feedback import SqlAlchemySkillFeedbackRepository
from storage.team import SqlAlchemyTeamRepository
from storage.whole_passport import SqlAlchemyWholePassport


class SqlAlchemyUnitOfWork:
    """`async with uow:` opens a transaction; `commit()` makes it durable; else it rolls back."""

    people: SqlAlchemyPeopleRepository
    seen: SqlAlchemySeenMessages
    entries: SqlAlchemyEntryRepository
    artifacts: SqlAlchemyArtifactRepository
    signals: SqlAlchemySignalRepository
    nudge_history: SqlAlchemyNudgeHistory
    channel_state: SqlAlchemyChannelState
    insight: SqlAlchemyInsightReads
    whole_passport: SqlAlchemyWholePassport
    jobs: JobWriter
    team: SqlAlchemyTeamRepository
    outbox: OutboxWriter
    skill_feedback: SqlAlchemySkillFeedbackRepository
    session: AsyncSession

    def __init__(self, sessionmaker: async_sessionmaker) -> None:
        self._sessionmaker = sessionmaker

    async def __aenter__(self) -> SqlAlchemyUnitOfWork:
        self.session = self._sessionmaker()
        session = self.session
        self.people = SqlAlchemyPeopleRepository(session)
        self.seen = SqlAlchemySeenMessages(session, self.people)
        self.entries = SqlAlchemyEntryRepository(session)
        self.artifacts = SqlAlchemyArtifactRepository(session)
        self.signals = SqlAlchemySignalRepository(session)
        self.nudge_history = SqlAlchemyNudgeHistory(session)
        self.channel_state = SqlAlchemyChannelState(session)
        self.insight = SqlAlchemyInsightReads(session)
        self.whole_passport = SqlAlchemyWholePassport(
            session, self.people, self.entries, self.artifacts, self.signals
        )
        self.jobs = JobWriter(session)
        self.team = SqlAlchemyTeamRepository(session)
        self.outbox = OutboxWriter(session)
        self.skill_feedback = SqlAlchemySkillFeedbackRepository(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        try:
            await self.session.rollback()
        except Exception:  # noqa: BLE001 - a dead connection cannot roll back; it is dropped
            if exc is None:
                raise
        finally:
            try:
                await self.session.close()
            except Exception:  # noqa: BLE001 - the error that ended the block matters more
                if exc is None:
                    raise
        # Translate races, locks and storage faults met inside the block (passport.faults).
        if isinstance(exc, IntegrityError):
            raise StorageConflict("a concurrent write won") from exc
        if exc is not None:
            mapped = as_utp_error(exc)
            if mapped is not None and mapped is not exc:
                raise mapped from exc
        return False

    async def commit(self) -> None:
        """Make everything done in this unit durable (races and locks surface as UTP errors)."""
        try:
            await self.session.commit()
        except IntegrityError as exc:
            raise StorageConflict("a concurrent write won") from exc
        except Exception as exc:
            mapped = as_utp_error(exc)
            if mapped is None or mapped is exc:
                raise
            raise mapped from exc

    async def rollback(self) -> None:
        """Throw away everything done since the last commit."""
        await self.session.rollback()


class UnitOfWorkFactory:
    """Makes units of work on one sessionmaker (handed to handlers as a callable)."""

    def __init__(self, sessionmaker: async_sessionmaker) -> None:
        self.sessionmaker = sessionmaker

    def __call__(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.sessionmaker)
