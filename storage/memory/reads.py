"""Nudge history and channel state, in memory."""

from __future__ import annotations

from datetime import datetime

from passport.repositories import ChannelState, NudgeHistory
from passport.signals import SignalStatus
from storage.memory.state import NudgeRecord, Transaction


class InMemoryNudgeHistory(NudgeHistory):
    """A person's weekly questions of one in-memory unit of work."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def record(self, person_id: int, iso_week: str, prompt_id: str) -> bool:
        """A week's question was asked (what the scheduler's claim writes); False if it was."""
        if any(n.person_id == person_id and n.iso_week == iso_week for n in self.tx.state.nudges):
            return False
        self.tx.state.nudges.append(NudgeRecord(person_id, iso_week, prompt_id))
        return True

    def _latest(self, person_id: int, limit: int) -> list[NudgeRecord]:
        mine = [n for n in self.tx.state.nudges if n.person_id == person_id]
        return sorted(mine, key=lambda n: n.iso_week, reverse=True)[:limit]

    async def nudged_weeks(self, person_id: int, limit: int = 12) -> set[str]:
        """ISO weeks (most recent, bounded) in which this person already had a nudge."""
        return {n.iso_week for n in self._latest(person_id, limit)}

    async def recent_prompt_ids(self, person_id: int, weeks: int = 8) -> list[str]:
        """Prompts sent in the last `weeks` nudges, most recent first."""
        return [n.prompt_id for n in self._latest(person_id, weeks)]

    async def prompt_evidence(
        self, person_id: int
    ) -> list[tuple[str | None, str, str | None, int]]:
        """(prompt answered, signal kind, ESCO top group, count) of kept-or-suggested signals."""
        entries = self.tx.state.entries
        counts: dict[tuple[str | None, str, str | None], int] = {}
        for _, s in self.tx.state.signals.values():
            if s.person_id != person_id or s.status == SignalStatus.REJECTED:
                continue
            record = entries.get(s.entry_id) if s.entry_id is not None else None
            prompt = record.entry.prompt_id if record else None
            group = s.group[:2] if s.group is not None else None
            at = (prompt, str(s.kind), group)
            counts[at] = counts.get(at, 0) + 1
        return [(*at, n) for at, n in counts.items()]

    async def mark_nudge_answered(self, person_id: int, iso_week: str, now: datetime) -> None:
        """A reply arrived for that week's question."""
        for n in self.tx.state.nudges:
            if n.person_id == person_id and n.iso_week == iso_week and n.answered_at is None:
                n.answered_at = now


class InMemoryChannelState(ChannelState):
    """Durable channel values of one in-memory unit of work."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    async def get_channel_state(self, key: str) -> str | None:
        """A stored value, or None."""
        found = self.tx.state.channel_state.get(key)
        return found[0] if found else None

    async def set_channel_state(self, key: str, value: str, now: datetime) -> None:
        """Store a value."""
        self.tx.state.channel_state[key] = (value, now)

    async def channel_states(self, prefix: str) -> list[tuple[str, str]]:
        """Every (key, value) whose key starts with `prefix`, by key."""
        stored = self.tx.state.channel_state
        return [(k, v) for k, (v, _) in sorted(stored.items()) if k.startswith(prefix)]

    async def delete_channel_state(self, key: str) -> None:
        """Forget a value."""
        self.tx.state.channel_state.pop(key, None)
