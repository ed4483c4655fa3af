"""What a job tells the person about its outcome: "I noticed …", a file it could not take.

Shared by the job families (extraction, files, evidence), so none of them reaches into another.
Like every reply, these go through the outbox: `tell` stores them in the job's transaction,
with what they announce (the suggestions, the rejected file), and `deliver` sends them after
the commit, marking each part. A crash after the commit leaves them to the outbox sweep; a
marked part is never sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handlers import texts
from handlers.context import Services
from passport.errors import RecipientGone, TransientDeliveryError
from passport.messages import Address, Choice, Outbound
from passport.ports import Delivery, UnitOfWork

logger = logging.getLogger(__name__)

NOTICE_LIMIT = 5


def noticed(added: Sequence[Any]) -> list[Outbound]:
    """The "I noticed …" message with Keep / Not me (/ Pick) for new suggestions, if any."""
    shown = sorted(added, key=lambda s: (s.kind != "skill", -s.confidence))[:NOTICE_LIMIT]
    if not shown:
        return []
    ids = ",".join(str(s.id) for s in shown)
    labels = [s.label for s in shown]
    things = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    template = texts.NOTICED_ONE if len(shown) == 1 else texts.NOTICED
    choices = [Choice(texts.KEEP_ALL, f"keep:{ids}"), Choice(texts.NOT_ME, f"notme:{ids}")]
    if len(shown) > 1:
        choices.append(Choice(texts.NOTICED_PICK, f"pick:{ids}"))
    return [Outbound(text=template.format(things=things), choices=tuple(choices))]


@dataclass(frozen=True, slots=True)
class Told:
    """Messages stored for a person, to deliver once the transaction that stored them commits."""

    person_id: int
    address: Address | None  # None: the person has no identity left to reach
    parts: tuple[Outbound, ...] = ()


async def tell(
    uow: UnitOfWork, person_id: int, messages: Sequence[Outbound], now: datetime
) -> Told:
    """Store messages for the person in the outbox, in the caller's transaction."""
    identities = await uow.people.identities(person_id)
    if not identities:
        return Told(person_id, None)
    # Where the person was seen last, like every other delivery.
    i = identities[0]
    address = Address(i.platform, i.user_id, i.chat_id, i.workspace)
    parts = await uow.outbox.add(address, messages, now, person_id=person_id)
    return Told(person_id, address, tuple(parts))


async def deliver(services: Services, delivery: Delivery, told: Told | None) -> None:
    """After the commit: send the stored parts in order, marking each as it goes out.

    Parts that cannot go now wait in the outbox for a sweep; a person nobody can reach any
    more (blocked the bot, no identity) is marked inactive.
    """
    if told is None:
        return
    try:
        if told.address is None:
            raise RecipientGone(f"person {told.person_id} has no identity")
        await delivery.deliver_stored(told.address, told.parts)
    except RecipientGone:
        async with services.uow() as uow:
            await uow.people.update_person(told.person_id, active=False)
            await uow.commit()
    except TransientDeliveryError as exc:
        logger.warning("job replies wait in the outbox: %s", exc)
