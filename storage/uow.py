"""The unit of work: one transaction holding the repository and the job writer."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from passport.errors import StorageConflict
from storage.faults import as_utp_error
from storage.jobs import JobWriter
from storage.outbox import OutboxWriter
from storage.repository import SqlAlchemyPassportRepository
from storage.team import SqlAlchemyTeamRepository


class SqlAlchemyUnitOfWork:
    """`async with uow:` opens a transaction; `commit()` makes it durable; else it rolls back."""

    passport: SqlAlchemyPassportRepository
    jobs: JobWriter
    team: SqlAlchemyTeamRepository
    outbox: OutboxWriter
    session: AsyncSession

    def __init__(self, sessionmaker: async_sessionmaker) -> None:
        self._sessionmaker = sessionmaker

    async def __aenter__(self) -> SqlAlchemyUnitOfWork:
        self.session = self._sessionmaker()
        self.passport = SqlAlchemyPassportRepository(self.session)
        self.jobs = JobWriter(self.session)
        self.team = SqlAlchemyTeamRepository(self.session)
        self.outbox = OutboxWriter(self.session)
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
