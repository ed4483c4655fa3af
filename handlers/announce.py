"""What a job tells the person about its outcome: "I noticed …", a file it could not take.

Shared by the job families (extraction, files, evidence), so none of them reaches into another.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handlers import texts
from handlers.context import Services
from passport.jobs import Send
from passport.messages import Choice, Outbound
from passport.ports import UnitOfWork

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


async def tell(
    services: Services, uow: UnitOfWork, person_id: int, messages: Sequence[Outbound]
) -> None:
    """Queue messages for the person in the job's transaction (sent by a `Send` job)."""
    await uow.jobs.enqueue(Send(person_id, tuple(messages)), services.clock.now())
