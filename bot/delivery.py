"""Delivery: sends a person's messages through the channel of the platform they use."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.channels.base import Channel
from passport.errors import RecipientGone, TransientDeliveryError
from passport.messages import Address, Outbound
from passport.ports import UnitOfWorkFactory

logger = logging.getLogger(__name__)


class ChannelDelivery:
    """Finds the person's identity on a platform this process can send to, and sends there."""

    def __init__(self, uow: UnitOfWorkFactory, channels: dict[str, Channel]) -> None:
        self.uow = uow
        self.channels = channels

    async def address_for(self, person_id: int, platform: str | None = None) -> Address | None:
        """Where to reach a person: the given platform, else where they were seen last."""
        async with self.uow() as uow:
            identities = await uow.passport.identities(person_id)
        for identity in identities:
            if platform and identity.platform != platform:
                continue
            return Address(
                identity.platform, identity.user_id, identity.chat_id, identity.workspace
            )
        return None

    async def deliver_to(self, address: Address, messages: Sequence[Outbound]) -> None:
        """Send to an address already looked up (batches look addresses up in one query)."""
        channel = self.channels.get(address.platform)
        if channel is None:
            raise TransientDeliveryError(
                f"no {address.platform} channel in this process", retry_after=60
            )
        await channel.send(address, messages)

    async def deliver(
        self, person_id: int, messages: Sequence[Outbound], *, platform: str | None = None
    ) -> None:
        """Send, or raise: RecipientGone when there is nobody to send to any more."""
        address = await self.address_for(person_id, platform)
        if address is None:
            raise RecipientGone(f"person {person_id} has no identity")
        await self.deliver_to(address, messages)
