"""A member's week on Slack, through the real Bolt app and a fake Web API."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.scheduler import run_tick
from passport.signals import SignalStatus
from tests.slack.conftest import TOKEN_A


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


async def onboard(rig, user: str = "UALICE", team: str = "TA") -> None:
    """Say hi, consent, pick a slot (the zone comes from the Slack profile)."""
    assert (await rig.slack.message(team, user, "hi")).status == 200
    await rig.settle()
    assert rig.last_values(user) == ["consent:yes", "consent:no"]
    await rig.slack.tap(team, user, "consent:yes")
    await rig.settle()
    assert "slot:6:18" in rig.last_values(user)
    await rig.slack.tap(team, user, "slot:6:18")
    await rig.settle()


async def test_a_members_week(make_rig, db_url, clock):
    rig = await make_rig(database_url=db_url)
    fake = rig.fake
    await onboard(rig)
    person = await rig.person("TA", "UALICE")
    assert person.onboarded and person.schedule.timezone == "Europe/Berlin"  # from users.info
    assert any("Sunday at 18:00 (Europe/Berlin)" in t for t in rig.texts("UALICE"))
    # A button answer replaces the message that held the buttons.
    assert fake.called("chat.update")

    # Sunday 18:00 in Berlin: the scheduler's nudge arrives in the DM.
    clock.set(datetime(2026, 12, 6, 17, 0, 30, tzinfo=UTC))
    assert (await run_tick(rig.app)).nudged == 1
    await rig.settle()
    assert rig.texts("UALICE")[-1].startswith("Your weekly question")
    assert "/passport another" in rig.texts("UALICE")[-1]

    # A reply in the DM is captured at once, then skills are noticed with keep / not-me buttons.
    await rig.slack.message("TA", "UALICE", "Took new product photos and rewrote my listings.")
    await rig.settle()
    values = rig.last_values("UALICE")
    assert values[0].startswith("keep:") and values[1].startswith("notme:")
    await rig.slack.tap("TA", "UALICE", values[0])
    await rig.settle()
    async with rig.app.services.uow() as uow:
        kept = await uow.signals.signals(person.id, statuses=[SignalStatus.CONFIRMED])
    assert {s.label for s in kept} == {"take photographs", "write copy"}

    # A file shared in the DM becomes an artifact: files.info, then a download with the token.
    fake.add_file("F1", PNG, "badge.png", "image/png")
    await rig.slack.message(
        "TA",
        "UALICE",
        "",
        files=[{"id": "F1", "name": "badge.png", "mimetype": "image/png", "size": len(PNG)}],
    )
    await rig.settle()
    async with rig.app.services.uow() as uow:
        (artifact,) = await uow.artifacts.artifacts(person.id)
    assert artifact.status == "stored" and artifact.size == len(PNG)
    assert fake.downloads == [f"Bearer {TOKEN_A}"]

    # "what are my strengths?" in the DM, and /passport digest from any channel.
    await rig.slack.message("TA", "UALICE", "what are my strengths?")
    await rig.settle()
    assert rig.texts("UALICE")[-1].startswith("Your passport so far")
    before = len(rig.posts("UALICE"))
    assert (await rig.slack.command("TA", "UALICE", "digest")).status == 200
    await rig.settle()
    assert len(rig.posts("UALICE")) == before + 1
    assert rig.texts("UALICE")[-1].startswith("Your passport so far")

    # App Home: the passport at a glance.
    await rig.slack.event(
        "TA", {"type": "app_home_opened", "user": "UALICE", "channel": "DUALICE", "tab": "home"}
    )
    await rig.settle()
    (publish,) = fake.called("views.publish")
    view = str(publish.args["view"])
    assert "Weeks reflected:* 1" in view and "take photographs" in view
    assert "Next question:* Sunday 13 Dec at 18:00 (Europe/Berlin)" in view
    assert "utp:admin:" not in view  # not an admin
