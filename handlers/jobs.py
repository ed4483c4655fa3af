"""The slow work, run by the job runner: extraction, downloads, artifact processing, sending.

Each job reads what was captured, does the slow part outside any transaction, then writes its
outcome in one short transaction. A job that raises is retried with backoff and parked when it
keeps failing; the person's words are never touched by a failure.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from handlers import texts
from handlers.context import Services
from handlers.files import store_content
from handlers.signal_rows import MAX_EXTRACT_CHARS, result_to_rows
from passport.errors import FileRejected, RecipientGone, TransientDeliveryError
from passport.followup import AskedRecord, check_question, choose_followup, worth_asking
from passport.messages import Choice, InboundFile, Outbound
from passport.ports import Delivery
from passport.signals import ExtractionResult

logger = logging.getLogger(__name__)

NOTICE_LIMIT = 5


def outbound_to_payload(messages: Sequence[Outbound]) -> list[dict[str, Any]]:
    """Text-and-buttons messages as JSON (attachments are never queued)."""
    return [{"text": m.text, "choices": [[c.label, c.data] for c in m.choices]} for m in messages]


def payload_to_outbound(payload: list[dict[str, Any]]) -> list[Outbound]:
    """The inverse of `outbound_to_payload`."""
    return [
        Outbound(
            text=m.get("text", ""),
            choices=tuple(Choice(label, data) for label, data in m.get("choices", [])),
        )
        for m in payload
    ]


class JobHandlers:
    """One coroutine per job kind; `table()` hands them to the runner."""

    def __init__(self, services: Services, delivery: Delivery) -> None:
        self.services = services
        self.delivery = delivery

    def table(self) -> dict[str, Callable[[int | None, dict[str, Any]], Awaitable[None]]]:
        """Job kind → handler."""
        return {
            "extract": self.extract,
            "download": self.download,
            "process_artifact": self.process_artifact,
            "send": self.send,
            "digest": self.digest,
            "forget_files": self.forget_files,
        }

    async def forget_files(self, person_id: int | None, payload: dict[str, Any]) -> None:
        """Remove folders /forget could not (retried with backoff while any is left)."""
        from handlers.privacy import erase_folders

        erase_folders(self.services, list(payload.get("folders") or []))

    async def digest(self, person_id: int | None, payload: dict[str, Any]) -> None:
        """Build a digest (with the LLM narrative and chart) and deliver it through the outbox.

        Nothing slow runs in a transaction: the profile is read in a short one, the narrative
        and the chart are made outside any, then one short write stores the parts in the
        outbox with "since last time" moved on; the parts are sent after that commit.
        """
        if person_id is None:
            return
        from handlers.insight import digest_from_profile, digest_step

        services = self.services
        now = services.clock.now()
        async with services.uow() as uow:
            person = await uow.people.get_person(person_id)
            if person is None:
                return
            profile = await uow.insight.profile(person_id, now=now, since=person.last_digest_at)
            step = await digest_step(uow, person, now)
        messages = await digest_from_profile(
            services, person, profile, now, scheduled=bool(payload.get("scheduled")), step=step
        )
        if messages is None:
            return
        address = await self.delivery.address_for(person_id)
        if address is None:
            async with services.uow() as uow:
                await uow.people.update_person(person_id, active=False)
                await uow.commit()
            return
        async with services.uow() as uow:
            stored = await uow.outbox.add(address, messages, now, person_id=person_id)
            # Stored means it will be delivered: "since last time" moves on with it.
            await uow.people.update_person(person_id, last_digest_at=now)
            await uow.commit()
        try:
            await self.delivery.deliver_stored(address, stored)
        except RecipientGone:
            async with services.uow() as uow:
                await uow.people.update_person(person_id, active=False)
                await uow.commit()
        except TransientDeliveryError as exc:
            logger.warning("digest parts wait in the outbox: %s", exc)

    async def _queue_send(self, uow, person_id: int, messages: Sequence[Outbound]) -> None:
        await uow.jobs.enqueue(
            "send",
            {"messages": outbound_to_payload(messages)},
            self.services.clock.now(),
            person_id=person_id,
        )

    async def send(self, person_id: int | None, payload: dict[str, Any]) -> None:
        """Deliver queued messages; a person who blocked the bot is marked inactive."""
        if person_id is None:
            return
        try:
            await self.delivery.deliver(
                person_id,
                payload_to_outbound(payload["messages"]),
                platform=payload.get("platform"),
            )
        except RecipientGone:
            async with self.services.uow() as uow:
                await uow.people.update_person(person_id, active=False)
                await uow.commit()

    async def extract(self, person_id: int | None, payload: dict[str, Any]) -> None:
        """Find talent signals in an entry and ask the person to keep them."""
        if person_id is None:
            return
        services = self.services
        async with services.uow() as uow:
            entry = await uow.entries.get_entry(person_id, payload["entry_id"])
        if entry is None or services.extractor is None:
            return  # forgotten or deleted meanwhile: nothing to do
        result = await services.extractor.extract(entry.text[:MAX_EXTRACT_CHARS])
        # A quiet look (a note split in two) asks nothing: its question was asked already.
        quiet = bool(payload.get("quiet"))
        written = None if quiet else await self._written_followup(person_id, entry.text, result)
        now = services.clock.now()
        async with services.uow() as uow:
            current = await uow.entries.get_entry(person_id, entry.id)
            person = await uow.people.get_person(person_id)
            if current is None or person is None or current.version != entry.version:
                return  # edited meanwhile: the newer extract job speaks for it
            added = await uow.signals.replace_suggestions(
                person_id, now, result_to_rows(result), entry_id=entry.id
            )
            messages = self._noticed(added)
            state = dict(person.state)
            in_a_row = int(state.get("followups_in_a_row") or 0)
            asked = AskedRecord(state.get("asked")).prune(now)
            question = None
            if quiet:
                pass
            elif written and check_question(written, asked.keys(now)) is None:
                question = written if worth_asking(entry.text, in_a_row) else None
            else:
                question = choose_followup(
                    entry.text, result, in_a_row, seed=entry.id, asked=asked.keys(now)
                )
            if question and messages:
                # One question at a time: the follow-up waits until keep / not me is answered.
                state["followup_pending"] = {"entry_id": entry.id, "question": question}
            elif question:
                messages.append(Outbound(text=question))
                state["followup"] = {"entry_id": entry.id, "at": now.timestamp()}
            if question:
                state["followups_in_a_row"] = in_a_row + 1
                asked.add(question, now)
            elif not quiet:
                state["followups_in_a_row"] = 0
            state["asked"] = asked.to_state()
            if not messages and not quiet:
                messages = [Outbound(text=texts.NOTICED_NOTHING)]
            await uow.people.update_person(person_id, state=state)
            if messages:
                await self._queue_send(uow, person_id, messages)
            await uow.commit()

    async def _written_followup(
        self, person_id: int, text: str, result: ExtractionResult
    ) -> str | None:
        """With an LLM: a follow-up written from the note (checked later), else None."""
        writer = self.services.followup_writer
        if writer is None:
            return None
        async with self.services.uow() as uow:
            person = await uow.people.get_person(person_id)
        if person is None:
            return None
        now = self.services.clock.now()
        in_a_row = int(person.state.get("followups_in_a_row") or 0)
        if not worth_asking(text, in_a_row):
            return None
        asked = AskedRecord(person.state.get("asked")).prune(now).keys(now)
        labels = [s.label for s in result.skills] + [p.label for p in result.strengths]
        # Slow network work: outside any transaction, like the extraction itself.
        return await writer(text, labels, asked)

    @staticmethod
    def _noticed(added) -> list[Outbound]:
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

    async def download(self, person_id: int | None, payload: dict[str, Any]) -> None:
        """Fetch a file the person sent, check it, store it; a rejection is explained."""
        if person_id is None:
            return
        services = self.services
        async with services.uow() as uow:
            row = await uow.artifacts.stored_artifact(person_id, payload["artifact_id"])
            if row is None or row.status != "pending":
                return
            # Read every column now: the row is detached once the unit of work closes.
            artifact_id, platform, ref, name = row.id, row.platform, row.ref, row.original_name
        fetcher = services.fetchers.get(platform)
        if fetcher is None:
            raise RuntimeError(f"no file fetcher for {platform}")
        file = InboundFile(
            ref=ref or "",
            name=name,
            declared_size=payload.get("declared_size"),
            declared_mime=payload.get("declared_mime"),
            kind=payload.get("kind", "document"),
        )
        now = services.clock.now()
        try:
            content = await fetcher.fetch(file, services.limits.max_file_bytes)
            async with services.uow() as uow:
                await store_content(
                    services,
                    uow,
                    person_id,
                    InboundFile(ref=file.ref, name=name, kind=file.kind, content=content),
                    now,
                    artifact_id=artifact_id,
                )
                await uow.commit()
        except FileRejected as exc:
            async with services.uow() as uow:
                await uow.artifacts.delete_artifact(person_id, artifact_id)
                await self._queue_send(uow, person_id, [Outbound(text=exc.reason)])
                await uow.commit()

    async def process_artifact(self, person_id: int | None, payload: dict[str, Any]) -> None:
        """Read what a stored file says: document text, a credential, a voice note."""
        from handlers.evidence import process_artifact

        await process_artifact(self, person_id, payload["artifact_id"])
