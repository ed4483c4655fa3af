"""Driving the conversation in tests: a person who types and taps."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.bootstrap import App
from passport.messages import Address, Inbound, InboundFile, Outbound

_ids = itertools.count(1)


@dataclass
class Person:
    """Sends messages as one user and remembers the last buttons shown."""

    app: App
    user: str = "alice"
    platform: str = "console"
    replies: list[Outbound] = field(default_factory=list)

    @property
    def address(self) -> Address:
        return Address(self.platform, self.user, self.user)

    async def say(
        self,
        text: str,
        *,
        message_id: str | None = None,
        edited: bool = False,
        files: tuple[InboundFile, ...] = (),
    ) -> list[Outbound]:
        inbound = Inbound(
            address=self.address,
            message_id=message_id or str(next(_ids)),
            text=text,
            edited=edited,
            files=files,
            display_name=self.user.title(),
        )
        out = list(await self.app.conversation.handle(inbound))
        self.replies += out
        return out

    async def tap(self, data: str) -> list[Outbound]:
        inbound = Inbound(address=self.address, message_id=str(next(_ids)), action=data)
        out = list(await self.app.conversation.handle(inbound))
        self.replies += out
        return out

    def choices(self) -> list[str]:
        for message in reversed(self.replies):
            if message.choices:
                return [c.data for c in message.choices]
        return []

    async def onboard(self, zone: str = "Europe/Berlin") -> None:
        await self.say("hi")
        await self.tap("consent:yes")
        await self.tap("slot:6:18")
        await self.tap(f"tz:{zone}")
