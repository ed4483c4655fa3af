"""Reflections: capture a reply or free note first, then extraction runs as a durable job."""

from __future__ import annotations

import re

from handlers import texts
from handlers.context import Turn, say
from handlers.feedback import answer
from passport.followup import JOIN_WINDOW
from passport.jobs import Extract
from passport.messages import Choice, Outbound
from passport.signals import SignalStatus
from passport.timeutil import iso_week

# "new note: ...", "that's a new story", "this is a new one": what follows is its own note.
NEW_STORY = re.compile(
    r"^\W*(new (note|story|topic)|(that'?s|that is|this is|it'?s|it is) (a )?"
    r"(new|different|another|other) (note|story|thing|topic|one))\b[\s.!:;,-]*",
    re.IGNORECASE,
)


def _open_followup(turn: Turn) -> dict | None:
    """The follow-up a reply answers: still the open question, and asked moments ago."""
    follow = turn.person.state.get("followup")
    if not follow or not follow.get("entry_id"):
        return None
    if turn.now.timestamp() - float(follow.get("at", 0)) > JOIN_WINDOW.total_seconds():
        return None
    return follow


async def capture(turn: Turn) -> list[Outbound]:
    """Store the text as an entry (or add it to the entry an open follow-up asked about)."""
    person, now = turn.person, turn.now
    tz = person.schedule.timezone
    key = turn.inbound.message_key if turn.inbound.message_id else None
    split = NEW_STORY.match(turn.text)
    follow = None if split else _open_followup(turn)
    if split:
        rest = turn.text[split.end() :].strip()
        if not rest:
            return await _split_off(turn)
        turn.text = rest
    if follow:
        entry = await turn.uow.entries.get_entry(person.id, follow["entry_id"])
        if entry is not None:
            entry = await join_part(turn, entry, turn.text, key)
            await turn.uow.jobs.enqueue(Extract(person.id, entry.id), now)
            # Kept so "that's a new story" can still split this part off into its own note.
            joined = {"entry_id": entry.id, "text": turn.text, "key": key, "at": now.timestamp()}
            await turn.save_state(followup=None, joined=joined)
            turn.entry_id = entry.id
            return [say(texts.ACK_FOLLOWUP)]
    prompt = person.state.get("prompt") or {}
    week = prompt.get("week") or iso_week(now, tz)
    entry = await turn.uow.entries.add_entry(
        person.id, turn.text, now, message_key=key, prompt_id=prompt.get("id"), iso_week=week
    )
    turn.entry_id = entry.id
    await turn.uow.jobs.enqueue(Extract(person.id, entry.id), now)
    if prompt:
        await turn.uow.nudge_history.mark_nudge_answered(person.id, week, now)
    # A new note closes any open follow-up: a later reply can no longer join an older note.
    # A new note also starts a new chain of follow-ups (at most two in a row per note).
    stale = ("prompt", "followup", "followup_pending", "joined", "followups_in_a_row")
    if any(person.state.get(name) for name in stale):
        await turn.save_state(
            prompt=None, followup=None, followup_pending=None, joined=None, followups_in_a_row=None
        )
    ack = texts.ACK_ENTRY[entry.id % len(texts.ACK_ENTRY)] + texts.ACK_ENTRY_TAIL
    if prompt and week != iso_week(now, tz):
        ack = texts.ACK_LATE.format(week=week)
    return [say(ack)]


async def _split_off(turn: Turn) -> list[Outbound]:
    """ "That's a new story": the part just added to a note becomes a note of its own."""
    person, now = turn.person, turn.now
    joined = person.state.get("joined")
    await turn.save_state(followup=None, followup_pending=None, joined=None)
    if not joined:
        return [say(texts.NEW_NOTE_NEXT)]
    entries = turn.uow.entries
    entry = await entries.get_entry(person.id, joined["entry_id"])
    part = joined.get("text") or ""
    tail = f"{PART_SEPARATOR}{part}"
    if entry is None or not part or not entry.text.endswith(tail):
        return [say(texts.NEW_NOTE_NEXT)]  # edited since: leave the note as the person made it
    parts = _parts(entry, await entries.entry_parts(person.id, entry.id))
    await entries.revise_entry(person.id, entry.id, entry.text[: -len(tail)], now)
    if len(parts) > 1:  # the split-off part leaves the note's parts too
        await entries.set_entry_parts(person.id, entry.id, parts[:-1])
    # Both notes are looked at again, quietly: their questions were asked already.
    await turn.uow.jobs.enqueue(Extract(person.id, entry.id, quiet=True), now)
    added = await entries.add_entry(
        person.id,
        part,
        now,
        message_key=joined.get("key"),
        iso_week=iso_week(now, person.schedule.timezone),
    )
    await turn.uow.jobs.enqueue(Extract(person.id, added.id, quiet=True), now)
    turn.entry_id = added.id
    return [say(texts.NEW_NOTE_SPLIT)]


async def edit(turn: Turn) -> list[Outbound]:
    """An edited message: keep the old text as a version, revise only the part that message
    wrote (a follow-up answer or a caption joined to the note stays), and look again."""
    entries, person_id, key = turn.uow.entries, turn.person.id, turn.inbound.message_key
    entry = await entries.entry_by_key(person_id, key) or await entries.entry_by_part_key(
        person_id, key
    )
    if entry is None:
        # An edit of something we never stored as an entry (a command, a pre-consent note):
        # treat the new text as a fresh note so nothing the person wrote is lost.
        return await capture(turn)
    parts = _parts(entry, await entries.entry_parts(person_id, entry.id))
    index = next((i for i, (k, _) in enumerate(parts) if k == key), None)
    if len(parts) < 2 or index is None:
        text, parts = turn.text, []
    else:
        pieces = _split(entry.text, parts)
        pieces[index] = turn.text
        text = PART_SEPARATOR.join(pieces)
        parts = [(k, len(piece)) for (k, _), piece in zip(parts, pieces, strict=True)]
    if entry.text == text:
        return []
    await entries.revise_entry(person_id, entry.id, text, turn.now)
    if parts:
        await entries.set_entry_parts(person_id, entry.id, parts)
    await turn.uow.jobs.enqueue(Extract(person_id, entry.id), turn.now)
    return [say(texts.ACK_EDIT)]


PART_SEPARATOR = "\n\n"


async def join_part(turn: Turn, entry, text: str, key: str | None):
    """Add `text` (a follow-up answer, a caption) to `entry` as a new part, remembering which
    message wrote which part, so a later edit of either revises only its own part."""
    entries, person_id = turn.uow.entries, turn.person.id
    parts = _parts(entry, await entries.entry_parts(person_id, entry.id))
    joined = await entries.revise_entry(
        person_id, entry.id, f"{entry.text}{PART_SEPARATOR}{text}", turn.now
    )
    await entries.set_entry_parts(person_id, entry.id, [*parts, (key, len(text))])
    return joined


def _parts(entry, stored: list[tuple[str | None, int]]) -> list[tuple[str | None, int]]:
    """The entry's parts; one part (its own message) when none are stored or they no longer
    add up to its text (changed by something that did not keep parts)."""
    total = sum(length for _, length in stored) + len(PART_SEPARATOR) * (len(stored) - 1)
    if stored and total == len(entry.text):
        return list(stored)
    return [(entry.message_key, len(entry.text))]


def _split(text: str, parts: list[tuple[str | None, int]]) -> list[str]:
    pieces, at = [], 0
    for _, length in parts:
        pieces.append(text[at : at + length])
        at += length + len(PART_SEPARATOR)
    return pieces


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
    signals_repo = turn.uow.signals
    if verb == "pick":
        signals = [
            s
            for s in await signals_repo.signals_by_ids(turn.person.id, ids)
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
    changed = await answer(turn.uow, turn.person.id, ids, status)  # counted per skill
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
