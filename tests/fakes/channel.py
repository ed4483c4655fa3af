"""A channel that records what it would have sent (satisfies bot.channels.base.Channel)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.channels.base import Channel
from passport.errors import RecipientGone, TransientDeliveryError
from passport.messages import Address, Outbound


class FakeChannel(Channel):
    """Keeps every sent message; can pretend the person blocked the bot or the network failed."""

    def __init__(self, platform: str = "console") -> None:
        self.platform = platform
        self.sent: list[tuple[Address, Outbound]] = []
        self.blocked: set[str] = set()
        self.fail_next = 0

    async def send(self, address: Address, messages: Sequence[Outbound]) -> None:
        """Record, or raise like a real platform would."""
        if address.user_id in self.blocked:
            raise RecipientGone("blocked")
        if self.fail_next:
            self.fail_next -= 1
            raise TransientDeliveryError("network down", retry_after=1)
        self.sent.extend((address, m) for m in messages)

    def texts(self, user: str | None = None) -> list[str]:
        """The texts sent (to one user)."""
        return [m.text for a, m in self.sent if user is None or a.user_id == user]
