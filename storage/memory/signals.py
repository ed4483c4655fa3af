"""Signals and the person's decisions on them, in memory."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from passport.model import Signal
from passport.repositories import SignalRepository
from passport.signals import SignalKind, SignalStatus
from storage.keys import signal_key
from storage.memory.state import Transaction


def _signal(
    signal_id: int, person_id: int, now: datetime, values: dict[str, Any], **source: Any
) -> Signal:
    return Signal(
        id=signal_id,
        person_id=person_id,
        kind=SignalKind(values["kind"]),
        label=values["label"],
        evidence=values.get("evidence") or "",
        confidence=values.get("confidence", 0.5),
        status=SignalStatus(values.get("status", SignalStatus.SUGGESTED)),
        created_at=now,
        esco_uri=values.get("esco_uri"),
        group=values.get("group_code"),
        source=values.get("source", "reflection"),
        verification=values.get("verification"),
        **source,
    )


class InMemorySignalRepository(SignalRepository):
    """A person's signals of one in-memory unit of work."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def _rows(self, person_id: int) -> list[tuple[str, Signal]]:
        rows = [row for row in self.tx.state.signals.values() if row[1].person_id == person_id]
        return sorted(rows, key=lambda row: row[1].id)

    async def rejected_keys(self, person_id: int) -> set[str]:
        """Keys the person said "not me" to."""
        return {k for k, s in self._rows(person_id) if s.status == SignalStatus.REJECTED}

    async def replace_suggestions(
        self,
        person_id: int,
        now: datetime,
        signals: Iterable[dict[str, Any]],
        *,
        entry_id: int | None = None,
        artifact_id: int | None = None,
        reconsider: Iterable[str] = (),
    ) -> list[Signal]:
        """Put fresh suggestions for one entry or artifact in place of its earlier ones."""
        values_list = list(signals)

        def from_source(s: Signal) -> bool:
            return s.entry_id == entry_id if entry_id is not None else s.artifact_id == artifact_id

        fresh = {signal_key(v["kind"], v["label"], v.get("esco_uri")) for v in values_list}
        stored = self.tx.state.signals
        for signal_id, (key, s) in list(stored.items()):
            if (
                s.person_id == person_id
                and from_source(s)
                and s.status == SignalStatus.SUGGESTED
                and key not in fresh
            ):
                del stored[signal_id]
        blocked = {k for k, s in self._rows(person_id) if from_source(s)}
        blocked |= await self.rejected_keys(person_id) - set(reconsider)
        added: list[Signal] = []
        for values in values_list:
            key = signal_key(values["kind"], values["label"], values.get("esco_uri"))
            if key in blocked:
                continue
            blocked.add(key)
            signal = _signal(
                self.tx.state.next_id(),
                person_id,
                now,
                values,
                entry_id=entry_id,
                artifact_id=artifact_id,
            )
            stored[signal.id] = (key, signal)
            added.append(signal)
        return added

    async def set_signal_status(
        self, person_id: int, signal_ids: Iterable[int], status: SignalStatus
    ) -> list[Signal]:
        """Keep or reject signals; a rejection covers every signal with the same key."""
        ids = {int(i) for i in signal_ids}
        stored = self.tx.state.signals
        chosen = [(k, s) for k, s in self._rows(person_id) if s.id in ids]
        keys = {k for k, _ in chosen} if status == SignalStatus.REJECTED else set()
        for key, s in self._rows(person_id):
            if s.id in ids or key in keys:
                stored[s.id] = (key, replace(s, status=status))
        return [stored[s.id][1] for _, s in chosen]

    async def signals(
        self, person_id: int, *, statuses: Iterable[SignalStatus] | None = None
    ) -> list[Signal]:
        """A person's signals (optionally only some statuses), oldest first."""
        wanted = None if statuses is None else {str(s) for s in statuses}
        return [s for _, s in self._rows(person_id) if wanted is None or str(s.status) in wanted]

    async def signals_by_ids(self, person_id: int, ids: Iterable[int]) -> list[Signal]:
        """Some of a person's signals by id."""
        wanted = {int(i) for i in ids}
        return [s for _, s in self._rows(person_id) if s.id in wanted]
