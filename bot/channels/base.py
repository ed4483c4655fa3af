"""The channel seam: a platform connector that turns events into `Inbound` and sends `Outbound`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence

from passport.jobs import JobHandler, JobMessage
from passport.messages import Address, Inbound, Outbound
from passport.ports import FileFetcher

InboundHandler = Callable[[Inbound], Awaitable[Sequence[Outbound]]]


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
