"""Signals: what UTP noticed in a person's entries and files, and what they kept or rejected."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from passport.model import Signal
from passport.repositories import SignalRepository
from passport.signals import SignalStatus
from storage.keys import signal_key
from storage.mapping import SessionRepository, signal_from_row
from storage.models import SignalRow


class SqlAlchemySignalRepository(SessionRepository, SignalRepository):
    """A person's signals; evidence quotes sealed with their data key."""

    async def rejected_keys(self, person_id: int) -> set[str]:
        """Keys the person said "not me" to: they never come back."""
        rows = await self.session.scalars(
            select(SignalRow.key).where(
                SignalRow.person_id == person_id, SignalRow.status == SignalStatus.REJECTED
            )
        )
        return set(rows)

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
        """Put fresh suggestions for one entry or artifact in place of its earlier suggestions.

        An open suggestion found again keeps its row (and the buttons shown for it); confirmed
        and rejected signals of that source stay; a suggestion whose key the person rejected
        anywhere (unless the caller found it is for a clearly different action: `reconsider`,
        see extractors.feedback), or that is already kept from this source, is not added again.
        """
        signals_list = list(signals)
        source = (
            SignalRow.entry_id == entry_id
            if entry_id is not None
            else SignalRow.artifact_id == artifact_id
        )
        # A suggestion found again (same key) keeps its row, so buttons already shown for it
        # stay valid after an edit; only suggestions no longer found go.
        open_rows = {
            row.key: row
            for row in await self.session.scalars(
                select(SignalRow).where(
                    SignalRow.person_id == person_id,
                    source,
                    SignalRow.status == SignalStatus.SUGGESTED,
                )
            )
        }
        fresh = {signal_key(v["kind"], v["label"], v.get("esco_uri")) for v in signals_list}
        gone = [row.id for key, row in open_rows.items() if key not in fresh]
        if gone:
            await self.session.execute(delete(SignalRow).where(SignalRow.id.in_(gone)))
        decided = set(
            await self.session.scalars(
                select(SignalRow.key).where(SignalRow.person_id == person_id, source)
            )
        )
        blocked = decided | (await self.rejected_keys(person_id) - set(reconsider))
        vault = await self.vault(person_id)
        added: list[SignalRow] = []
        for values in signals_list:
            key = signal_key(values["kind"], values["label"], values.get("esco_uri"))
            if key in blocked:
                continue
            blocked.add(key)
            columns = dict(values)
            if columns.get("evidence"):
                columns["evidence"] = vault.seal(columns["evidence"])
            row = SignalRow(
                person_id=person_id,
                key=key,
                created_at=now,
                entry_id=entry_id,
                artifact_id=artifact_id,
                **columns,
            )
            self.session.add(row)
            added.append(row)
        await self.session.flush()
        return [signal_from_row(r, self.sealer) for r in added]

    async def set_signal_status(
        self, person_id: int, signal_ids: Iterable[int], status: SignalStatus
    ) -> list[Signal]:
        """Keep or reject signals; a rejection covers every signal with the same key."""
        ids = [int(i) for i in signal_ids]
        rows = list(
            await self.session.scalars(
                select(SignalRow).where(SignalRow.person_id == person_id, SignalRow.id.in_(ids))
            )
        )
        for row in rows:
            row.status = status
        if status == SignalStatus.REJECTED and rows:
            await self.session.execute(
                update(SignalRow)
                .where(
                    SignalRow.person_id == person_id,
                    SignalRow.key.in_({r.key for r in rows}),
                )
                .values(status=SignalStatus.REJECTED)
            )
        await self.session.flush()
        sealer = await self._opened(*(r.evidence for r in rows))
        return [signal_from_row(r, sealer) for r in rows]

    async def signals(
        self, person_id: int, *, statuses: Iterable[SignalStatus] | None = None
    ) -> list[Signal]:
        """A person's signals (optionally only some statuses), oldest first."""
        query = select(SignalRow).where(SignalRow.person_id == person_id)
        if statuses is not None:
            query = query.where(SignalRow.status.in_([str(s) for s in statuses]))
        rows = list(await self.session.scalars(query.order_by(SignalRow.id)))
        sealer = await self._opened(*(r.evidence for r in rows))
        return [signal_from_row(r, sealer) for r in rows]

    async def signals_by_ids(self, person_id: int, ids: Iterable[int]) -> list[Signal]:
        """Some of a person's signals by id."""
        rows = list(
            await self.session.scalars(
                select(SignalRow)
                .where(SignalRow.person_id == person_id, SignalRow.id.in_([int(i) for i in ids]))
                .order_by(SignalRow.id)
            )
        )
        sealer = await self._opened(*(r.evidence for r in rows))
        return [signal_from_row(r, sealer) for r in rows]
