"""The transactional outbox: replies stored with what they answer, in the capture's transaction.

A conversation turn writes its replies here before it commits, so a reply exists exactly when
what it answers exists. The process that committed them holds them under a lease (kept alive
while the process lives) and sends them at once, marking each part `sent` as it goes out. When
that process dies, the lease runs out and a sweep (`claim`) takes the reply's unsent parts and
sends them in order, resuming after the last marked part: nothing committed is lost and nothing
marked is sent again. The one window left is a crash after a platform accepted a part and before
its mark committed: that part is sent once more (platforms offer no idempotency key for sends).

The payload is one text column (the Outbound as JSON), sealed with the person's data key while it
waits (a reply can quote their words) and emptied once the part is sent. A reply to nobody, or
to a person whose key is already gone (/forget's goodbye), is stored as it is: it carries none
of their words.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from passport.messages import Address, Attachment, Choice, Outbound
from storage.models import OutboxRow, _table
from storage.sealing import SealingError, load_keys, vault_for

PROCESS_HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[-64:]
MAX_ATTEMPTS = 12
META_KEY = "outbox"  # Outbound.meta key holding "reply:part" of a stored part
_OUTBOX = _table(OutboxRow)
_INSERT = insert(_OUTBOX)


class Lease:
    """How long a holder keeps its unsent parts before a sweep may take them (set at start-up)."""

    seconds: float = 15.0

    @classmethod
    def until(cls, now: datetime) -> datetime:
        """The end of a lease taken `now`."""
        return now + timedelta(seconds=cls.seconds)


@dataclass(frozen=True, slots=True)
class OutboxPart:
    """One unsent part a sweep claimed."""

    reply: str
    part: int
    person_id: int | None
    address: Address
    message: Outbound
    attempts: int


def part_key(message: Outbound) -> tuple[str, int] | None:
    """(reply, part) of a stored Outbound; None when it was never stored."""
    value = message.meta.get(META_KEY)
    if not value:
        return None
    reply, _, part = value.rpartition(":")
    return reply, int(part)


def to_payload(message: Outbound) -> str:
    """An Outbound as JSON text (attachments as base64)."""
    data: dict[str, Any] = {"text": message.text}
    if message.choices:
        data["choices"] = [[c.label, c.data] for c in message.choices]
    if message.replace_previous:
        data["replace"] = True
    if message.attachment is not None:
        a = message.attachment
        data["attachment"] = {
            "filename": a.filename,
            "mime": a.mime,
            "kind": a.kind,
            "content": base64.b64encode(a.content).decode(),
        }
    meta = {k: v for k, v in message.meta.items() if k != META_KEY}
    if meta:
        data["meta"] = meta
    return json.dumps(data, ensure_ascii=False)


def _as_is(payload: str) -> str:
    return payload


def from_payload(payload: str) -> Outbound:
    """The inverse of `to_payload`."""
    data = json.loads(payload or "{}")
    attachment = None
    if data.get("attachment"):
        a = data["attachment"]
        content = base64.b64decode(a["content"])
        attachment = Attachment(a["filename"], content, a["mime"], kind=a.get("kind", "document"))
    return Outbound(
        text=data.get("text", ""),
        choices=tuple(Choice(label, value) for label, value in data.get("choices", [])),
        attachment=attachment,
        replace_previous=bool(data.get("replace")),
        meta=dict(data.get("meta") or {}),
    )


class OutboxWriter:
    """Outbox reads and writes inside the caller's session (the unit of work's transaction)."""

    def __init__(self, session: AsyncSession, holder: str = PROCESS_HOLDER) -> None:
        self.session = session
        self.holder = holder

    async def add(
        self,
        address: Address,
        messages: Sequence[Outbound],
        now: datetime,
        *,
        person_id: int | None = None,
        answers: str | None = None,
        held: bool = True,
    ) -> list[Outbound]:
        """Store a reply's parts (one INSERT); returns them tagged with their outbox keys.

        `held`: this process sends them now (a sweep may take them once the lease runs out);
        otherwise they are due for any sweep at once.
        """
        if not messages:
            return []
        seal = await self._sealing(person_id)
        reply = uuid.uuid4().hex
        rows = [
            {
                "reply": reply,
                "part": index,
                "answers": hashlib.sha256(answers.encode()).hexdigest() if answers else None,
                "person_id": person_id,
                "platform": address.platform,
                "workspace": address.workspace,
                "user_id": address.user_id,
                "chat_id": address.chat_id,
                "payload": seal(to_payload(message)),
                "status": "pending",
                "attempts": 0,
                "locked_by": self.holder if held else None,
                "locked_until": Lease.until(now) if held else now,
                "created_at": now,
            }
            for index, message in enumerate(messages)
        ]
        await self.session.execute(_INSERT, rows[0] if len(rows) == 1 else rows)
        return [
            replace(message, meta={**message.meta, META_KEY: f"{reply}:{index}"})
            for index, message in enumerate(messages)
        ]

    async def _sealing(self, person_id: int | None) -> Callable[[str], str]:
        """How this person's waiting payloads are sealed (as they are when there is no key)."""
        if person_id is None:
            return _as_is
        try:
            vault = await vault_for(self.session, person_id, create=False)
        except SealingError:  # no sealer on this engine, or the key is gone (/forget)
            return _as_is
        return vault.seal

    async def hold(self, reply: str, now: datetime) -> bool:
        """Renew this holder's lease on a reply about to be sent; False when a sweep took it
        (the lease ran out while this process was starved) or nothing is left to send."""
        result = await self.session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.reply == reply,
                OutboxRow.status == "pending",
                OutboxRow.locked_by == self.holder,
            )
            .values(locked_until=Lease.until(now))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def mark_sent(self, reply: str, part: int, now: datetime) -> None:
        """The part went out: never send it again (and forget its words)."""
        await self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.reply == reply, OutboxRow.part == part, OutboxRow.status == "pending")
            .values(status="sent", sent_at=now, payload="", locked_by=None)
        )

    async def release(
        self, reply: str, now: datetime, *, retry_after: float | None, error: str
    ) -> bool:
        """Sending failed for a while: the reply's unsent parts wait, then any sweep retries.

        Returns True when they were parked instead (too many attempts).
        """
        rows = await self.session.execute(
            select(func.max(OutboxRow.attempts)).where(
                OutboxRow.reply == reply, OutboxRow.status == "pending"
            )
        )
        attempts = int(rows.scalar() or 0) + 1
        parked = attempts >= MAX_ATTEMPTS
        delay = retry_after if retry_after else min(5 * 2 ** (attempts - 1), 3600)
        await self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.reply == reply, OutboxRow.status == "pending")
            .values(
                status="parked" if parked else "pending",
                attempts=attempts,
                locked_by=None,
                locked_until=now + timedelta(seconds=delay),
                last_error=error[:2000],
            )
        )
        return parked

    async def drop(self, reply: str, now: datetime, reason: str) -> None:
        """Nobody to send to any more (the person blocked the bot): stop, keep the reason."""
        await self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.reply == reply, OutboxRow.status == "pending")
            .values(status="dropped", payload="", locked_by=None, last_error=reason[:2000])
        )

    async def claim(
        self,
        now: datetime,
        platforms: Sequence[str],
        *,
        limit: int = 50,
        only: Address | None = None,
    ) -> list[OutboxPart]:
        """Take whole replies whose holder let go (died, or failed and waited): unsent parts.

        `only`: just the replies to that one identity (a terminal session delivers its own
        person's replies, never another terminal user's).
        """
        if not platforms:
            return []
        due = select(OutboxRow.reply).where(
            OutboxRow.status == "pending",
            OutboxRow.locked_until < now,
            OutboxRow.platform.in_(list(platforms)),
        )
        if only is not None:
            due = due.where(
                OutboxRow.platform == only.platform,
                OutboxRow.workspace == only.workspace,
                OutboxRow.user_id == only.user_id,
            )
        due = due.group_by(OutboxRow.reply).order_by(func.min(OutboxRow.id)).limit(limit)
        replies = list(await self.session.scalars(due))
        parts: list[OutboxPart] = []
        for reply in replies:
            # Conditional: of two sweepers racing for a reply, only one gets its rows.
            result = await self.session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.reply == reply,
                    OutboxRow.status == "pending",
                    OutboxRow.locked_until < now,
                )
                .values(locked_by=self.holder, locked_until=Lease.until(now))
                .returning(
                    OutboxRow.reply,
                    OutboxRow.part,
                    OutboxRow.person_id,
                    OutboxRow.platform,
                    OutboxRow.user_id,
                    OutboxRow.chat_id,
                    OutboxRow.workspace,
                    OutboxRow.payload,
                    OutboxRow.attempts,
                )
            )
            rows = sorted(result.all(), key=lambda r: r.part)
            sealer = await load_keys(self.session, [row.payload for row in rows])
            for row in rows:
                try:
                    payload = sealer.open(row.payload) or ""
                except SealingError:  # sealed with a key /forget destroyed: nothing to send
                    await self.drop(row.reply, now, "the person's data key is gone")
                    break
                message = from_payload(payload)
                parts.append(
                    OutboxPart(
                        reply=row.reply,
                        part=row.part,
                        person_id=row.person_id,
                        address=Address(row.platform, row.user_id, row.chat_id, row.workspace),
                        message=replace(
                            message, meta={**message.meta, META_KEY: f"{row.reply}:{row.part}"}
                        ),
                        attempts=row.attempts,
                    )
                )
        return parts

    async def release_person(self, person_id: int, now: datetime) -> int:
        """A person's replies waiting out a delay become due now (they came back: the terminal
        chat reopened, or they unblocked the bot); parts a process holds are left to it."""
        result = await self.session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.person_id == person_id,
                OutboxRow.status == "pending",
                OutboxRow.locked_by.is_(None),
                OutboxRow.locked_until > now,
            )
            .values(locked_until=now - timedelta(milliseconds=1))  # claim takes `< now`
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def keep_alive(self, now: datetime) -> None:
        """Renew the lease on every part this process holds (it is alive and will send them)."""
        await self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.status == "pending", OutboxRow.locked_by == self.holder)
            .values(locked_until=Lease.until(now))
        )

    async def prune(self, before: datetime) -> int:
        """Forget settled parts older than `before` (their words were emptied when sent)."""
        result = await self.session.execute(
            delete(OutboxRow).where(
                OutboxRow.status.in_(("sent", "dropped")), OutboxRow.created_at < before
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def requeue_parked(self, now: datetime) -> int:
        """Parked parts become due again (`utp db replay-parked`, after a fix)."""
        result = await self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.status == "parked")
            .values(status="pending", attempts=0, locked_by=None, locked_until=now)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def counts(self) -> dict[str, int]:
        """How many parts are in each status."""
        rows = await self.session.execute(
            select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
        )
        return {status: int(n) for status, n in rows}

    async def unsent(self) -> int:
        """Parts still to send (held or due)."""
        return int(
            await self.session.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.status == "pending")
            )
            or 0
        )
