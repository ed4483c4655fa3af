"""Slack gets its 200 right after the commit: slow reply parts (a chart) come after the ack."""

from __future__ import annotations

import asyncio

from insight import chart
from tests.slack.test_member_week import onboard


async def test_passport_digest_is_acknowledged_before_the_chart_is_drawn(make_rig):
    rig = await make_rig()
    await onboard(rig)
    await rig.slack.message("TA", "UALICE", "Took new product photos and rewrote my listings.")
    await rig.settle()
    await rig.slack.tap("TA", "UALICE", rig.last_values("UALICE")[0])  # keep both skills
    await rig.settle()
    uploads = len(rig.fake.called("files.completeUploadExternal"))
    # Hold the chart renderer's own lock: a chart drawn before the ack would hold the 200 back.
    chart._lock.acquire()
    try:
        answered = await asyncio.wait_for(rig.slack.command("TA", "UALICE", "digest"), 20)
        assert answered.status == 200
        assert len(rig.fake.called("files.completeUploadExternal")) == uploads  # not drawn yet
    finally:
        chart._lock.release()
    await rig.settle()
    assert len(rig.fake.called("files.completeUploadExternal")) == uploads + 1
    assert rig.texts("UALICE")[-1].startswith("Your passport so far")
    async with rig.app.services.uow() as uow:
        assert await uow.outbox.unsent() == 0  # text and chart both marked sent
