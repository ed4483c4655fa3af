"""Reflections: capture a reply or free note first, then extraction runs as a durable job."""

from __future__ import annotations

from datetime import timedelta

from handlers import texts
from handlers.context import Turn, say
from passport.messages import Choice, Outbound
from passport.signals import SignalStatus
from passport.timeutil import iso_week

FOLLOWUP_WINDOW = timedelta(hours=24)


async def capture(turn: Turn) -> list[Outbound]:
    """Store the text as an entry (or add it to the entry a follow-up asked about)."""
    person, now = turn.person, turn.now
    tz = person.schedule.timezone
    key = turn.inbound.message_key if turn.inbound.message_id else None
    follow = person.state.get("followup")
    if follow and now.timestamp() - follow.get("at", 0) < FOLLOWUP_WINDOW.total_seconds():
        entry = await turn.uow.passport.get_entry(person.id, follow["entry_id"])
        if entry is not None:
            entry = await turn.uow.passport.revise_entry(
                person.id, entry.id, f"{entry.text}\n\n{turn.text}", now
            )
            await turn.uow.jobs.enqueue(
                "extract", {"entry_id": entry.id}, now, person_id=person.id
            )
            await turn.save_state(followup=None)
            turn.entry_id = entry.id
            return [say(texts.ACK_FOLLOWUP)]
    prompt = person.state.get("prompt") or {}
    week = prompt.get("week") or iso_week(now, tz)
    entry = await turn.uow.passport.add_entry(
        person.id, turn.text, now, message_key=key, prompt_id=prompt.get("id"), iso_week=week
    )
    turn.entry_id = entry.id
    await turn.uow.jobs.enqueue("extract", {"entry_id": entry.id}, now, person_id=person.id)
    if prompt:
        await turn.uow.passport.mark_nudge_answered(person.id, week, now)
    if prompt or follow or person.state.get("followup_pending"):
        await turn.save_state(prompt=None, followup=None, followup_pending=None)
    ack = texts.ACK_ENTRY[entry.id % len(texts.ACK_ENTRY)] + texts.ACK_ENTRY_TAIL
    if prompt and week != iso_week(now, tz):
        ack = texts.ACK_LATE.format(week=week)
    return [say(ack)]


async def edit(turn: Turn) -> list[Outbound]:
    """An edited message: keep the old text as a version and look again."""
    entry = await turn.uow.passport.entry_by_key(turn.person.id, turn.inbound.message_key)
    if entry is None:
        # An edit of something we never stored as an entry (a command, a pre-consent note):
        # treat the new text as a fresh note so nothing the person wrote is lost.
        return await capture(turn)
    if entry.text == turn.text:
        return []
    await turn.uow.passport.revise_entry(turn.person.id, entry.id, turn.text, turn.now)
    await turn.uow.jobs.enqueue(
        "extract", {"entry_id": entry.id}, turn.now, person_id=turn.person.id
    )
    return [say(texts.ACK_EDIT)]


def _ids(data: str) -> list[int]:
    return [int(part) for part in data.split(",") if part.strip().isdigit()]


def _names(signals) -> str:
    labels = [s.label for s in signals]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


async def decide(turn: Turn, action: str) -> list[Outbound]:
    """Keep / not me / let me pick, on signals UTP noticed."""
    verb, _, data = action.partition(":")
    ids = _ids(data)
    repo = turn.uow.passport
    if verb == "pick":
        signals = [
            s
            for s in await repo.signals_by_ids(turn.person.id, ids)
            if s.status == SignalStatus.SUGGESTED
        ]
        if not signals:
            return [say(texts.SIGNALS_GONE)]
        return [
            say(
                s.label + (f' ("{_short(s.evidence)}")' if s.evidence else ""),
                Choice(texts.KEEP_ALL, f"keep:{s.id}"),
                Choice(texts.NOT_ME, f"notme:{s.id}"),
            )
            for s in signals
        ]
    status = SignalStatus.CONFIRMED if verb == "keep" else SignalStatus.REJECTED
    changed = await repo.set_signal_status(turn.person.id, ids, status)
    if not changed:
        return [say(texts.SIGNALS_GONE)]
    template = texts.KEPT if status == SignalStatus.CONFIRMED else texts.REJECTED
    out = [say(template.format(things=_names(changed)), replace=True)]
    pending = turn.person.state.get("followup_pending")
    if pending:
        # The coaching question held back while the buttons were open comes now.
        out.append(say(pending["question"]))
        await turn.save_state(
            followup_pending=None,
            followup={"entry_id": pending["entry_id"], "at": turn.now.timestamp()},
        )
    return out


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
