"""The extraction job: talent signals found in an entry, offered to the person to keep.

The extraction (and an LLM-written follow-up) runs outside any transaction; the suggestions,
the follow-up bookkeeping and what the person is told (an outbox reply) are written in one
short transaction, and that reply is sent after the commit.
"""

from __future__ import annotations

from handlers import texts
from handlers.announce import Told, deliver, noticed, tell
from handlers.context import Services
from handlers.feedback import store_suggestions
from handlers.signal_rows import MAX_EXTRACT_CHARS
from passport.followup import AskedRecord, check_question, choose_followup, worth_asking
from passport.jobs import Extract
from passport.messages import Outbound
from passport.ports import Delivery
from passport.signals import ExtractionResult


class ExtractionJobs:
    """Runs `Extract` jobs."""

    def __init__(self, services: Services, delivery: Delivery) -> None:
        self.services = services
        self.delivery = delivery

    async def extract(self, job: Extract) -> None:
        """Find talent signals in an entry and ask the person to keep them."""
        services, person_id = self.services, job.person_id
        async with services.uow() as uow:
            entry = await uow.entries.get_entry(person_id, job.entry_id)
        if entry is None or services.extractor is None:
            return  # forgotten or deleted meanwhile: nothing to do
        result = await services.extractor.extract(entry.text[:MAX_EXTRACT_CHARS])
        # A quiet look (a note split in two) asks nothing: its question was asked already.
        quiet = job.quiet
        written = None if quiet else await self._written_followup(person_id, entry.text, result)
        now = services.clock.now()
        told: Told | None = None
        async with services.uow() as uow:
            current = await uow.entries.get_entry(person_id, entry.id)
            person = await uow.people.get_person(person_id)
            if current is None or person is None or current.version != entry.version:
                return  # edited meanwhile: the newer extract job speaks for it
            added, result = await store_suggestions(uow, person_id, now, result, entry_id=entry.id)
            messages = noticed(added)
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
                # Stored with the suggestions they announce: both commit, or neither.
                told = await tell(uow, person_id, messages, now)
            await uow.commit()
        await deliver(services, self.delivery, told)

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
