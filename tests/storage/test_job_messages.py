"""Typed job messages at the storage boundary: every kind round-trips, and rows written by the
release before typed messages (bare kinds, dict payloads) are still read and still run."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from passport.jobs import (
    MESSAGE_TYPES,
    Digest,
    Download,
    Extract,
    ForgetFiles,
    JobMessage,
    Nudge,
    ProcessArtifact,
    Reminder,
    ScheduledDigest,
    Send,
    TeamPost,
    UnknownJob,
    decode,
)
from passport.messages import Choice, Outbound
from tests.core.helpers import Person
from tests.fakes.channel import FakeChannel

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BUTTONS = (Choice("Keep", "keep:1,2"), Choice("Not me", "notme:1,2"))


def examples(pid: int) -> list[JobMessage]:
    """One of each kind, as handlers, channels and the scheduler enqueue them."""
    return [
        Extract(pid, 7),
        Extract(pid, 8, quiet=True),
        Download(pid, 3, name="cv.pdf", declared_size=9, declared_mime="application/pdf"),
        ProcessArtifact(pid, 3),
        ForgetFiles(("ab12", "cd34")),
        Send(pid, (Outbound("hi", BUTTONS), Outbound("more")), platform="slack"),
        Send(pid, (Outbound("hello"),)),
        Digest(pid, scheduled=True),
        Nudge((4, 5, 6)),
        Nudge((4,), pid),
        Reminder(pid, 4),
        ScheduledDigest(pid, due="2026-12-06T17:00:00+00:00"),
        TeamPost("E1:T1", "2026-W49"),
    ]


# Rows exactly as the release before typed messages wrote them (kind, payload).
OLD_ROWS: list[tuple[str, dict, JobMessage]] = [
    ("extract", {"entry_id": 7}, Extract(1, 7)),
    ("extract", {"entry_id": 8, "quiet": True}, Extract(1, 8, quiet=True)),
    (
        "download",
        {
            "artifact_id": 3,
            "name": "cv.pdf",
            "kind": "photo",
            "declared_size": 9,
            "declared_mime": "image/jpeg",
        },
        Download(
            1, 3, name="cv.pdf", file_kind="photo", declared_size=9, declared_mime="image/jpeg"
        ),
    ),
    ("process_artifact", {"artifact_id": 3}, ProcessArtifact(1, 3)),
    ("forget_files", {"folders": ["ab12"]}, ForgetFiles(("ab12",), 1)),
    (
        "send",
        {"messages": [{"text": "hi", "choices": [["Keep", "keep:1,2"]]}], "platform": "telegram"},
        Send(1, (Outbound("hi", (Choice("Keep", "keep:1,2"),)),), platform="telegram"),
    ),
    (
        "send",
        {"messages": [{"text": "Hello again", "choices": []}]},
        Send(1, (Outbound("Hello again"),)),
    ),
    ("digest", {"scheduled": False}, Digest(1)),
    ("nudge", {"nudge_ids": [4, 5]}, Nudge((4, 5), 1)),
    ("reminder", {"nudge_id": 4}, Reminder(1, 4)),
    (
        "scheduled_digest",
        {"due": "2026-12-06T17:00:00+00:00"},
        ScheduledDigest(1, "2026-12-06T17:00:00+00:00"),
    ),
    ("team_post", {"workspace": "E1:T1", "week": "2026-W49"}, TeamPost("E1:T1", "2026-W49", 1)),
]


def test_every_kind_has_one_type_and_an_example() -> None:
    assert len({t.kind for t in MESSAGE_TYPES}) == len(MESSAGE_TYPES)
    assert {type(m) for m in examples(1)} == set(MESSAGE_TYPES)


# Shapes rows had further back, still accepted (a nudge of one, a download before its extras).
OLDER_ROWS: list[tuple[str, dict, JobMessage]] = [
    ("download", {"artifact_id": 1, "name": "notes.txt"}, Download(1, 1, name="notes.txt")),
    ("nudge", {"nudge_id": 9}, Nudge((9,), 1)),
    ("send", {"messages": [{"text": "Hi"}]}, Send(1, (Outbound("Hi"),))),
]


@pytest.mark.parametrize(("kind", "payload", "expected"), OLD_ROWS + OLDER_ROWS)
def test_rows_of_the_release_before_typed_messages_decode(kind, payload, expected) -> None:
    assert decode(kind, 1, payload) == expected


@pytest.mark.parametrize(("kind", "payload", "expected"), OLD_ROWS)
def test_new_rows_keep_the_old_payload_shape(kind, payload, expected) -> None:
    # Written back as it was: a release before typed messages could still read new rows.
    assert expected.payload() == payload


def test_a_row_this_release_cannot_read_is_an_unknown_job() -> None:
    with pytest.raises(UnknownJob):
        decode("pirate", 1, {})
    with pytest.raises(UnknownJob):
        decode("extract", 1, {})
    with pytest.raises(UnknownJob):
        decode("extract", None, {"entry_id": 1})  # an extraction always concerns a person


async def _alice(app) -> int:
    await Person(app).onboard()
    async with app.services.uow() as uow:
        return (await uow.people.find_person(Person(app).address)).id


async def test_every_message_round_trips_through_the_jobs_table(make_app, db_url) -> None:
    app = await make_app(database_url=db_url)
    pid = await _alice(app)
    async with app.engine.begin() as conn:  # only the jobs of this test
        await conn.execute(text("DELETE FROM jobs"))
    async with app.services.uow() as uow:
        for message in examples(pid):
            await uow.jobs.enqueue(message, app.clock.now())
        await uow.commit()
    claimed = await app.jobs.claim("w", app.clock.now(), limit=100)
    assert [job.message for job in sorted(claimed, key=lambda j: j.id)] == examples(pid)
    # A person's payload is sealed at rest, like every job payload that may carry their words.
    async with app.engine.connect() as conn:
        raw = (await conn.execute(text("SELECT payload FROM jobs WHERE kind = 'send'"))).all()
    assert raw and all("hello" not in str(r[0]) and "utp1:" in str(r[0]) for r in raw)


async def test_a_worker_claims_only_the_kinds_it_can_run(make_app) -> None:
    app = await make_app()
    async with app.services.uow() as uow:
        await uow.jobs.enqueue(ForgetFiles(("ab",)), NOW)
        await uow.jobs.enqueue(TeamPost("E:T", "2026-W49"), NOW)
        await uow.commit()
    (job,) = await app.jobs.claim("w", NOW, kinds=(TeamPost.kind,))
    assert job.message == TeamPost("E:T", "2026-W49")


async def _raw_row(app, kind: str, payload: dict, person_id: int | None) -> None:
    """Insert a job the way the release before typed messages left it (plain JSON payload)."""
    async with app.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO jobs (kind, payload, person_id, status, attempts, max_attempts,"
                " run_after, created_at, updated_at)"
                " VALUES (:kind, :payload, :person_id, 'queued', 0, 6, :now, :now, :now)"
            ),
            {
                "kind": kind,
                "payload": json.dumps(payload),
                "person_id": person_id,
                "now": app.clock.now(),
            },
        )


async def test_old_style_rows_queued_before_the_upgrade_still_run(make_app, db_url) -> None:
    app = await make_app(database_url=db_url)
    channel = FakeChannel()
    app.add_channel(channel)
    alice = Person(app)
    await alice.onboard()
    await alice.say("Took new product photos in natural light.")
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
        (entry,) = await uow.entries.entries(person.id)
    async with app.engine.begin() as conn:  # the typed extract job: as if it had never been
        await conn.execute(text("DELETE FROM jobs"))
    await _raw_row(app, "extract", {"entry_id": entry.id}, person.id)
    await _raw_row(app, "send", {"messages": [{"text": "Hello again", "choices": []}]}, person.id)
    await app.runner.run_until_idle()
    noticed = [m for _, m in channel.sent if m.choices]
    assert noticed and "take photographs" in noticed[0].text
    assert "Hello again" in channel.texts("alice")
    assert await app.jobs.parked() == [] and await app.jobs.pending() == 0


async def test_an_unreadable_row_is_parked_at_once_with_the_reason(make_app, clock) -> None:
    app = await make_app()
    alice = Person(app)
    await alice.onboard()
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
    await _raw_row(app, "extract", {"entry": "no id"}, person.id)
    await app.runner.run_until_idle()
    clock.advance(timedelta(hours=2))
    await app.runner.run_until_idle()
    ((_, kind, error),) = await app.jobs.parked()
    assert kind == "extract" and error.startswith("UnknownJob: unreadable extract job")
