"""The unit of work: one transaction holding the repository and the job writer."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from passport.errors import StorageBusy, StorageConflict
from storage.jobs import JobWriter
from storage.repository import SqlAlchemyPassportRepository


class SqlAlchemyUnitOfWork:
    """`async with uow:` opens a transaction; `commit()` makes it durable; else it rolls back."""

    passport: SqlAlchemyPassportRepository
    jobs: JobWriter
    session: AsyncSession

    def __init__(self, sessionmaker: async_sessionmaker) -> None:
        self._sessionmaker = sessionmaker

    async def __aenter__(self) -> SqlAlchemyUnitOfWork:
        self.session = self._sessionmaker()
        self.passport = SqlAlchemyPassportRepository(self.session)
        self.jobs = JobWriter(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()
        # Translate races and brief locks met inside the block, so callers can retry them.
        if isinstance(exc, IntegrityError):
            raise StorageConflict("a concurrent write won") from exc
        if isinstance(exc, OperationalError) and "locked" in str(exc).lower():
            raise StorageBusy("the database is busy") from exc
        return False

    async def commit(self) -> None:
        """Make everything done in this unit durable (races and locks surface as UTP errors)."""
        try:
            await self.session.commit()
        except IntegrityError as exc:
            raise StorageConflict("a concurrent write won") from exc
        except OperationalError as exc:
            if "locked" in str(exc).lower() or "busy" in str(exc).lower():
                raise StorageBusy("the database is busy") from exc
            raise

    async def rollback(self) -> None:
        """Throw away everything done since the last commit."""
        await self.session.rollback()


class UnitOfWorkFactory:
    """Makes units of work on one sessionmaker (handed to handlers as a callable)."""

    def __init__(self, sessionmaker: async_sessionmaker) -> None:
        self.sessionmaker = sessionmaker

    def __call__(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.sessionmaker)
