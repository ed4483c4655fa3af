"""What people answered about noticed skills, fed back into what is noticed next.

Two calls, each inside the transaction of the change it belongs to:
- `store_suggestions`: the extractor's output goes through `extractors.feedback` (the one place
  it is changed: a person's "not me" for a similar action, skills people keep rejecting sink),
  is stored as suggestions, and what was stored is counted as noticed;
- `answer`: keep / not me moves the signals and counts each skill once per answer.

Counts are per skill only (storage.skill_feedback); what a person rejected stays in their own
rejected signals, sealed with their key and gone with /forget.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from handlers.signal_rows import result_to_rows
from passport.model import Signal
from passport.ports import UnitOfWork
from passport.signals import ExtractionResult, SignalStatus


async def store_suggestions(
    uow: UnitOfWork,
    person_id: int,
    now: datetime,
    result: ExtractionResult,
    *,
    source: str = "reflection",
    entry_id: int | None = None,
    artifact_id: int | None = None,
) -> tuple[list[Signal], ExtractionResult]:
    """Store an extraction as suggestions after feedback; returns (added, what was kept of it)."""
    # Imported here: the extractors package is heavy, and a worker has it loaded already.
    from extractors.feedback import apply_feedback

    keys = [s.uri for s in result.skills]
    adjusted = apply_feedback(
        result,
        await uow.skill_feedback.tallies(keys),
        await uow.skill_feedback.rejected_evidence(person_id, keys),
    )
    added = await uow.signals.replace_suggestions(
        person_id,
        now,
        result_to_rows(adjusted.result, source=source),
        entry_id=entry_id,
        artifact_id=artifact_id,
        reconsider=adjusted.reconsidered,
    )
    await uow.skill_feedback.noticed(added)
    return added, adjusted.result


async def answer(
    uow: UnitOfWork, person_id: int, signal_ids: Iterable[int], status: SignalStatus
) -> list[Signal]:
    """Keep or reject signals, counting each skill whose answer changed; the changed signals."""
    ids = list(signal_ids)
    await uow.skill_feedback.answered(person_id, ids, status)
    return await uow.signals.set_signal_status(person_id, ids, status)
