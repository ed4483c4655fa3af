"""The nudge job on a batch: bulk addresses, a blocked person, a platform that says "later"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from handlers.rhythm import RhythmHandlers
from passport.errors import RecipientGone, TransientDeliveryError
from passport.jobs import Nudge
from storage.models import JobRow
from storage.nudge_store import SqlAlchemyNudgeStore

SUNDAY_18_BERLIN = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)


class AddressedDelivery:
    """A delivery that can send to an address looked up in bulk (and by person, as fallback)."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.by_person = 0
        self.gone = {"gus"}
        self.later = {"hal": 1}

    async def deliver_to(self, address, messages) -> None:
        if address.user_id in self.gone:
            raise RecipientGone("blocked")
        if self.later.get(address.user_id):
            self.later[address.user_id] -= 1
            raise TransientDeliveryError("429", retry_after=30)
        self.sent += [address.user_id for m in messages if m.text.startswith("Your weekly")]

    async def deliver(self, person_id, messages, *, platform=None) -> None:
        self.by_person += 1


async def test_a_batch_sends_by_address_and_settles_each_person(rig):
    ids = {u: await rig.add(u, tz="Europe/Berlin") for u in ("ann", "gus", "hal", "ivy")}
    delivery = AddressedDelivery()
    store = SqlAlchemyNudgeStore(rig.app.sessionmaker)
    rig.app.runner.handlers[Nudge] = RhythmHandlers(rig.app.services, delivery, store).nudge
    report = await rig.tick(SUNDAY_18_BERLIN)
    assert report.nudged == 4
    assert sorted(delivery.sent) == ["ann", "ivy"] and delivery.by_person == 0
    assert not (await rig.person(ids["gus"])).active
    # "later" became a job of its own for that person, runnable after retry_after.
    async with rig.app.sessionmaker() as session:
        retry = (
            await session.scalars(
                select(JobRow).where(JobRow.person_id == ids["hal"], JobRow.status == "queued")
            )
        ).all()
    assert len(retry) == 1 and retry[0].run_after == SUNDAY_18_BERLIN + timedelta(seconds=30)
    rig.clock.set(SUNDAY_18_BERLIN + timedelta(seconds=31))
    await rig.app.runner.run_until_idle()
    assert sorted(delivery.sent) == ["ann", "hal", "ivy"]
    statuses = {u: (await store.recent(pid))[0].status for u, pid in ids.items()}
    assert statuses == {"ann": "sent", "gus": "failed", "hal": "sent", "ivy": "sent"}
    assert (await rig.app.jobs.counts()).get("parked", 0) == 0
