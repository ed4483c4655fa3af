"""Slack's delivery rules: signatures, stale timestamps, retries, rate limits, other workspaces."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from passport.messages import Address, Outbound
from tests.slack.test_member_week import onboard


async def _entries(rig, team: str, user: str) -> int:
    person = await rig.person(team, user)
    if person is None:
        return 0
    async with rig.app.services.uow() as uow:
        return await uow.entries.count_entries(person.id)


async def test_a_retried_event_is_processed_once(make_rig):
    rig = await make_rig()
    await onboard(rig)
    before = len(rig.posts("UALICE"))
    first = await rig.slack.message(
        "TA", "UALICE", "Fixed the team's build today.", event_id="EvSAME", ts="1764500100.000001"
    )
    assert first.status == 200
    for retry in (1, 2):  # Slack did not see our 200 in time and sends it again
        again = await rig.slack.message(
            "TA",
            "UALICE",
            "Fixed the team's build today.",
            event_id="EvSAME",
            ts="1764500100.000001",
            retry=retry,
        )
        assert again.status == 200
    await rig.channel.drain()
    assert await _entries(rig, "TA", "UALICE") == 1
    assert len(rig.posts("UALICE")) == before + 1  # one acknowledgement, not three


async def test_a_bad_signature_is_refused_and_nothing_is_stored(make_rig):
    rig = await make_rig()
    body = json.dumps(
        rig.slack.envelope(
            "TA",
            {
                "type": "message",
                "channel": "DUALICE",
                "channel_type": "im",
                "user": "UALICE",
                "text": "hello",
                "ts": "1764500200.000001",
            },
        )
    )
    sent = await rig.slack.post(body, "application/json", secret="not-the-secret")
    assert sent.status == 401
    assert await rig.person("TA", "UALICE") is None
    assert rig.fake.called("chat.postMessage") == []


async def test_a_stale_timestamp_is_refused(make_rig):
    rig = await make_rig()
    sent = await rig.slack.message("TA", "UALICE", "hello", timestamp=int(time.time()) - 600)
    assert sent.status == 401
    assert await rig.person("TA", "UALICE") is None


async def test_events_from_another_workspace_are_acknowledged_and_ignored(make_rig):
    rig = await make_rig()  # single-workspace mode: SLACK_BOT_TOKEN belongs to TA
    sent = await rig.slack.message("TB", "UBOB", "hello from another team")
    assert sent.status == 200
    await rig.channel.drain()
    assert await rig.person("TB", "UBOB") is None
    assert rig.fake.called("chat.postMessage") == []


async def test_unknown_event_types_are_acknowledged(make_rig):
    rig = await make_rig()
    sent = await rig.slack.event("TA", {"type": "reaction_added", "user": "UALICE"})
    assert sent.status == 200


async def test_a_rate_limited_reply_becomes_a_send_job(make_rig, clock):
    rig = await make_rig()
    await onboard(rig)
    rig.fake.fail["chat.postMessage"] = [429]
    before = len(rig.posts("UALICE"))
    await rig.slack.message("TA", "UALICE", "Helped a new colleague settle in.")
    await rig.channel.drain()
    assert await _entries(rig, "TA", "UALICE") == 1  # captured although Slack said 429
    assert len(rig.posts("UALICE")) == before + 1  # the failed attempt only
    clock.advance(timedelta(seconds=5))
    await rig.settle()
    texts = rig.texts("UALICE")
    assert any(t.startswith(("Got it", "Saved", "Kept")) for t in texts[before:])


async def test_send_raises_transient_on_429_with_retry_after(make_rig):
    from passport.errors import TransientDeliveryError

    rig = await make_rig()
    rig.fake.fail["chat.postMessage"] = [429]
    try:
        await rig.channel.send(
            Address("slack", "UALICE", "DUALICE", ":TA"), [Outbound(text="hello")]
        )
    except TransientDeliveryError as exc:
        assert exc.retry_after == 1
    else:
        raise AssertionError("429 must be retryable")


async def test_an_edit_in_the_dm_revises_the_note(make_rig):
    rig = await make_rig()
    await onboard(rig)
    await rig.slack.message("TA", "UALICE", "Baked bread.", ts="1764500300.000001")
    await rig.slack.event(
        "TA",
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": "DUALICE",
            "channel_type": "im",
            "ts": "1764500301.000001",
            "message": {
                "type": "message",
                "user": "UALICE",
                "text": "Baked bread for the team.",
                "ts": "1764500300.000001",
            },
            "previous_message": {
                "type": "message",
                "user": "UALICE",
                "text": "Baked bread.",
                "ts": "1764500300.000001",
            },
        },
    )
    await rig.settle()
    person = await rig.person("TA", "UALICE")
    async with rig.app.services.uow() as uow:
        (entry,) = await uow.entries.entries(person.id)
    assert entry.text == "Baked bread for the team." and entry.version == 2


async def test_export_is_uploaded_into_the_dm_and_forget_deletes(make_rig):
    rig = await make_rig()
    await onboard(rig)
    await rig.slack.message("TA", "UALICE", "Mentored two interns on Python.")
    await rig.settle()
    await rig.slack.command("TA", "UALICE", "export json")
    await rig.settle()
    (complete,) = rig.fake.called("files.completeUploadExternal")
    assert complete.args["channel_id"] == "DUALICE"
    (uploaded,) = rig.fake.uploads.values()
    assert b"Mentored two interns" in uploaded
    await rig.slack.command("TA", "UALICE", "forget")
    await rig.settle()
    assert "forget:yes" in rig.last_values("UALICE")
    await rig.slack.tap("TA", "UALICE", "forget:yes")
    await rig.settle()
    assert await rig.person("TA", "UALICE") is None


async def test_a_reply_in_a_dm_thread_is_captured_and_answered_there(make_rig):
    rig = await make_rig()
    await onboard(rig)
    before = len(rig.posts("UALICE"))
    await rig.slack.message(
        "TA", "UALICE", "Answering in the thread: I led standup.", thread_ts="1764500000.000009"
    )
    await rig.channel.drain()
    assert await _entries(rig, "TA", "UALICE") == 1
    (ack,) = rig.posts("UALICE")[before:]
    assert ack.get("thread_ts") == "1764500000.000009"


async def test_url_verification_answers_the_challenge(make_rig):
    rig = await make_rig()
    body = json.dumps({"token": "legacy", "challenge": "c-123", "type": "url_verification"})
    sent = await rig.slack.post(body, "application/json")
    assert sent.status == 200 and "c-123" in sent.body
