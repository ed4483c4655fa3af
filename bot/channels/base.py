"""The channel seam: a platform connector that turns events into `Inbound` and sends `Outbound`.

A channel is built from `ChannelDeps` (what it uses, never the whole running app) and the
settings; one that also receives over HTTP (`utp web`) is a `WebhookChannel`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from handlers.context import Services
from passport.clock import Clock
from passport.jobs import JobHandler, JobMessage
from passport.messages import Address, Inbound, Outbound
from passport.ports import FileFetcher, UnitOfWorkFactory

if TYPE_CHECKING:
    from aiohttp import web
    from sqlalchemy.ext.asyncio import AsyncEngine

InboundHandler = Callable[[Inbound], Awaitable[Sequence[Outbound]]]


@dataclass(frozen=True, slots=True)
class ChannelDeps:
    """What `bot.bootstrap` hands a channel: the few things channels use."""

    services: Services  # passed on to the handlers a channel calls itself (Home tab, team map)
    wake_jobs: Callable[[], None]  # jobs were committed: the runner looks now, not at its poll
    on_back: Callable[[Address], Awaitable[None]]  # a person is reachable again: release jobs
    database: AsyncEngine  # for stores a platform library keeps itself (Slack installations)

    @property
    def uow(self) -> UnitOfWorkFactory:
        """A fresh unit of work per use."""
        return self.services.uow

    @property
    def clock(self) -> Clock:
        """The injected clock."""
        return self.services.clock


class Channel(ABC):
    """One platform. `send` works in every process; `start` begins receiving (one place only)."""

    platform: str

    @abstractmethod
    async def send(self, address: Address, messages: Sequence[Outbound]) -> None:
        """Deliver messages; raises RecipientGone (stop) or TransientDeliveryError (retry)."""

    async def start(self, handler: InboundHandler) -> None:  # noqa: B027 - optional hook
        """Begin receiving events and pass each to `handler`."""

    async def stop(self) -> None:  # noqa: B027 - optional hook
        """Stop receiving and close connections."""

    def fetcher(self) -> FileFetcher | None:
        """How files sent on this platform are downloaded (None when they arrive inline)."""
        return None

    def job_handlers(self) -> Mapping[type[JobMessage], JobHandler]:
        """Jobs only this platform can run (Slack's weekly team post), added to the runner's."""
        return {}


class WebhookChannel(Channel):
    """A channel that can also receive over HTTP, in `utp web`."""

    @abstractmethod
    async def prepare_webhook(self, handler: InboundHandler) -> None:
        """Get ready to take events over HTTP (register the webhook, learn the team)."""

    @abstractmethod
    def web_routes(self) -> list[web.RouteDef]:
        """The aiohttp routes the platform posts to."""
