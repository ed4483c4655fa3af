"""Delivery: sends a person's messages through the channel of the platform they use.

Replies live in the outbox (`storage/outbox.py`) from the commit on. `OutboxMarks` is how a
channel marks each part as it goes out (or hands the rest back when sending fails);
`OutboxSweeper` keeps this process's leases alive and sends what a dead process left unsent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from itertools import groupby
from typing import TypeVar

from bot.channels.base import Channel
from handlers.context import Services
from handlers.reply import LATER, Reply, is_empty
from passport.clock import Clock, SystemClock
from passport.errors import RecipientGone, StorageUnavailable, TransientDeliveryError, UTPError
from passport.messages import Address, Outbound
from passport.ports import OutboxPart, UnitOfWorkFactory
from storage.engine import single_statements
from storage.outbox import Lease, part_key

logger = logging.getLogger(__name__)
T = TypeVar("T")

SWEEP_SECONDS = 2.0
PRUNE_AFTER = timedelta(days=2)


class OutboxMarks:
    """Marks stored reply parts as they are sent; each mark is one statement of its own (one
    round trip on PostgreSQL: no BEGIN / COMMIT around a single UPDATE)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.transactions = uow
        self.uow = single_statements(uow)  # hold / sent: one UPDATE each
        self.clock = clock

    async def hold(self, messages: Sequence[Outbound], *, committed: float | None = None) -> bool:
        """Right before sending a stored reply: still ours? (False: a sweep is sending it.)

        `committed` (time.monotonic() at the reply's commit): a reply committed moments ago is
        still under the lease it was stored with (leases are only ever extended), so no sweep
        can have taken it and there is nothing to ask the database.
        """
        replies = {key[0] for m in messages if (key := part_key(m)) is not None}
        if not replies:
            return True
        if committed is not None and time.monotonic() - committed < Lease.seconds / 3:
            return True

        async def renew() -> list[bool]:
            async with self.uow() as uow:
                held = [await uow.outbox.hold(reply, self.clock.now()) for reply in replies]
                await uow.commit()
            return held

        try:
            held = await _fresh_connection_once(renew)
        except UTPError as exc:  # storage away: send anyway (at worst twice, never lost)
            logger.warning("could not renew the hold on a reply (%s)", exc)
            return True
        return any(held)

    async def sent(self, message: Outbound) -> None:
        """This part went out: it is never sent again."""
        key = part_key(message)
        if key is None:
            return

        async def mark() -> None:
            async with self.uow() as uow:
                await uow.outbox.mark_sent(key[0], key[1], self.clock.now())
                await uow.commit()

        try:
            await _fresh_connection_once(mark)
        except UTPError as exc:  # storage away or full: the part went out, it may go once more
            logger.warning("marking a sent reply part failed (%s)", exc)
        except Exception:  # noqa: BLE001 - the part went out; at worst it is sent once more
            logger.exception("marking a sent reply part failed")

    async def failed(
        self, messages: Sequence[Outbound], error: Exception, retry_after: float | None
    ) -> list[Outbound]:
        """Sending failed for a while: stored parts wait for a sweep; returns the unstored."""
        unstored = [m for m in messages if part_key(m) is None]
        replies = {key[0] for m in messages if (key := part_key(m)) is not None}
        if replies:
            async with self.transactions() as uow:
                for reply in sorted(replies):
                    await uow.outbox.release(
                        reply,
                        self.clock.now(),
                        retry_after=retry_after,
                        error=f"{type(error).__name__}: {error}",
                    )
                await uow.commit()
        return unstored

    async def gone(self, messages: Sequence[Outbound], reason: str) -> None:
        """Nobody to send to any more: the stored parts are dropped (kept visible)."""
        replies = {key[0] for m in messages if (key := part_key(m)) is not None}
        if not replies:
            return
        async with self.transactions() as uow:
            for reply in sorted(replies):
                await uow.outbox.drop(reply, self.clock.now(), reason)
            await uow.commit()


async def _fresh_connection_once(step: Callable[[], Awaitable[T]]) -> T:
    """Run `step`; when it met a pooled connection that had died, once more on a fresh one."""
    try:
        return await step()
    except StorageUnavailable as exc:
        if not exc.stale:
            raise
        return await step()


class ChannelDelivery:
    """Finds the person's identity on a platform this process can send to, and sends there."""

    def __init__(
        self, uow: UnitOfWorkFactory, channels: dict[str, Channel], clock: Clock | None = None
    ) -> None:
        self.uow = uow
        self.channels = channels
        self.marks = OutboxMarks(uow, clock or SystemClock())

    async def address_for(self, person_id: int, platform: str | None = None) -> Address | None:
        """Where to reach a person: the given platform, else where they were seen last."""
        async with self.uow() as uow:
            identities = await uow.people.identities(person_id)
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

    async def deliver_stored(
        self,
        address: Address,
        messages: Sequence[Outbound],
        marks: OutboxMarks | None = None,
        *,
        hold: bool = True,
    ) -> int:
        """Send stored parts one by one in order, marking each; returns how many went out.

        `hold`: renew this process's hold first, and send nothing when a sweep took the reply
        meanwhile (a starved process); a sweep that just claimed the parts skips it. On a
        failure the parts not yet sent are handed back to the outbox (a sweep retries them
        later, or they are dropped when the person is gone) and the error is raised.
        """
        marks = marks or self.marks
        if hold and not await marks.hold(messages):
            return 0
        for index, message in enumerate(messages):
            try:
                if not is_empty(message):
                    await self.deliver_to(address, [message])
            except TransientDeliveryError as exc:
                await marks.failed(messages[index:], exc, exc.retry_after)
                raise
            except RecipientGone as exc:
                await marks.gone(messages[index:], str(exc))
                raise
            await marks.sent(message)
        return len(messages)


class OutboxSweeper:
    """Keeps this process's leases alive and sends replies whose holder let go of them."""

    def __init__(self, services: Services, delivery: ChannelDelivery, clock: Clock) -> None:
        self.services = services
        self.delivery = delivery
        self.clock = clock
        self.marks = OutboxMarks(services.uow, clock)

    async def keep_alive(self) -> None:
        """Renew the lease on every unsent part this process holds."""
        async with self.services.uow() as uow:
            await uow.outbox.keep_alive(self.clock.now())
            await uow.commit()

    async def sweep(self, limit: int = 50, *, only: Address | None = None) -> int:
        """Claim due replies for the platforms this process can reach and send them (`only`:
        just those to that identity, e.g. the person at this terminal)."""
        platforms = list(self.delivery.channels)
        if not platforms:
            return 0
        async with self.services.uow() as uow:
            parts = await uow.outbox.claim(self.clock.now(), platforms, limit=limit, only=only)
            await uow.commit()
        sent = 0
        for _, group in groupby(parts, key=lambda p: p.reply):
            sent += await self._send_reply(list(group))
        return sent

    async def _send_reply(self, parts: list[OutboxPart]) -> int:
        first = parts[0]
        messages = Reply(p.message for p in parts)
        if any(LATER in m.meta for m in messages):
            await messages.ready(self.remake)
        try:
            return await self.delivery.deliver_stored(
                first.address, messages, self.marks, hold=False
            )
        except TransientDeliveryError as exc:
            logger.warning("outbox reply will be retried: %s", exc)
        except RecipientGone:
            logger.info("outbox reply dropped: the person is gone")
            if first.address.chat_id == first.address.user_id or first.address.platform == "slack":
                async with self.services.uow() as uow:
                    await uow.people.set_active_by_address(first.address, False)
                    await uow.commit()
        except Exception as exc:  # noqa: BLE001 - a bug in one reply must not stop the sweep
            logger.exception("sending an outbox reply failed")
            await self.marks.failed(messages, exc, None)
        return 0

    async def remake(self, key: str) -> Outbound | None:
        """A slow part left as a placeholder by a process that died: made again from its key."""
        kind = key.split(":", 1)[0]
        if kind == "chart":
            from handlers.insight import chart_from_key

            return await chart_from_key(self.services, key)
        logger.warning("unknown reply part %s: sent empty", kind)
        return None

    async def prune(self) -> None:
        """Forget settled parts after a while (their words were emptied when sent)."""
        async with self.services.uow() as uow:
            await uow.outbox.prune(self.clock.now() - PRUNE_AFTER)
            await uow.commit()

    async def run_forever(self, stop: asyncio.Event, every: float = SWEEP_SECONDS) -> None:
        """Keep leases alive and sweep until `stop` is set."""
        rounds = 0
        while not stop.is_set():
            try:
                await self.keep_alive()
                while await self.sweep():
                    pass
                if rounds % 1800 == 0:
                    await self.prune()
            except UTPError as exc:  # storage away, full or busy: the next round tries again
                logger.warning("outbox sweep postponed (%s)", exc)
            except Exception:  # noqa: BLE001 - a database hiccup must not stop the sweeper
                logger.exception("outbox sweep failed; retrying")
            rounds += 1
            try:
                await asyncio.wait_for(stop.wait(), every)
            except TimeoutError:
                pass
