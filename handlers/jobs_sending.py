"""The sending family of jobs: queued messages (`Send`) and the LLM-written digest (`Digest`)."""

from __future__ import annotations

import logging

from handlers.context import Services
from passport.errors import RecipientGone, TransientDeliveryError
from passport.jobs import Digest, Send
from passport.ports import Delivery

logger = logging.getLogger(__name__)


class SendingJobs:
    """Delivers what waits for a person."""

    def __init__(self, services: Services, delivery: Delivery) -> None:
        self.services = services
        self.delivery = delivery

    async def send(self, job: Send) -> None:
        """Deliver queued messages; a person who blocked the bot is marked inactive."""
        try:
            await self.delivery.deliver(job.person_id, job.messages, platform=job.platform)
        except RecipientGone:
            await self._gone(job.person_id)

    async def digest(self, job: Digest) -> None:
        """Build a digest (with the LLM narrative and chart) and deliver it through the outbox.

        Nothing slow runs in a transaction: the profile is read in a short one, the narrative
        and the chart are made outside any, then one short write stores the parts in the
        outbox with "since last time" moved on; the parts are sent after that commit.
        """
        from handlers.insight import digest_from_profile, digest_step

        services, person_id = self.services, job.person_id
        now = services.clock.now()
        async with services.uow() as uow:
            person = await uow.people.get_person(person_id)
            if person is None:
                return
            profile = await uow.insight.profile(person_id, now=now, since=person.last_digest_at)
            step = await digest_step(uow, person, now)
        messages = await digest_from_profile(
            services, person, profile, now, scheduled=job.scheduled, step=step
        )
        if messages is None:
            return
        address = await self.delivery.address_for(person_id)
        if address is None:
            await self._gone(person_id)
            return
        async with services.uow() as uow:
            stored = await uow.outbox.add(address, messages, now, person_id=person_id)
            # Stored means it will be delivered: "since last time" moves on with it.
            await uow.people.update_person(person_id, last_digest_at=now)
            await uow.commit()
        try:
            await self.delivery.deliver_stored(address, stored)
        except RecipientGone:
            await self._gone(person_id)
        except TransientDeliveryError as exc:
            logger.warning("digest parts wait in the outbox: %s", exc)

    async def _gone(self, person_id: int) -> None:
        async with self.services.uow() as uow:
            await uow.people.update_person(person_id, active=False)
            await uow.commit()
