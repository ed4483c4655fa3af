"""Durable values a channel keeps between runs (Telegram's update offset, parked updates)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from passport.repositories import ChannelState
from storage.mapping import SessionRepository
from storage.models import ChannelStateRow


class SqlAlchemyChannelState(SessionRepository, ChannelState):
    """A small key-value store in the unit of work's transaction."""

    async def get_channel_state(self, key: str) -> str | None:
        """A durable value a channel keeps (e.g. `telegram:offset`)."""
        row = await self.session.get(ChannelStateRow, key)
        return row.value if row else None

    async def set_channel_state(self, key: str, value: str, now: datetime) -> None:
        """Store a durable channel value."""
        row = await self.session.get(ChannelStateRow, key)
        if row is None:
            self.session.add(ChannelStateRow(key=key, value=value, updated_at=now))
        else:
            row.value = value
            row.updated_at = now

    async def channel_states(self, prefix: str) -> list[tuple[str, str]]:
        """Every (key, value) whose key starts with `prefix` (e.g. parked Telegram updates)."""
        rows = await self.session.execute(
            select(ChannelStateRow.key, ChannelStateRow.value)
            .where(ChannelStateRow.key.startswith(prefix, autoescape=True))
            .order_by(ChannelStateRow.key)
        )
        return [(key, value) for key, value in rows]

    async def delete_channel_state(self, key: str) -> None:
        """Forget a durable channel value."""
        await self.session.execute(delete(ChannelStateRow).where(ChannelStateRow.key == key))
