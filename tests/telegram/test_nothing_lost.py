"""Never discard what a person wrote, on Telegram: a note typed during setup is kept, and an
edit revises only the part of a note its message wrote."""

from __future__ import annotations

import asyncio

from passport.signals import SignalStatus
from tests.telegram.helpers import ALICE, until
from tests.telegram.test_person import PNG, person


async def entries(app, user: int = ALICE):
    found = await person(app, user)
    async with app.services.uow() as uow:
        return await uow.entries.entries(found.id, with_versions=True)


async def test_a_note_typed_during_setup_is_kept_and_setup_goes_on(telegram, fake):
    app, _ = telegram
    fake.message(ALICE, "/start")
    await until(lambda: any(s.buttons for s in fake.sent_to(ALICE)))
    fake.press(ALICE, fake.last_with_buttons(ALICE), "consent:yes")
    await until(lambda: any("slot:6:18" in str(s.buttons) for s in fake.sent_to(ALICE)))
    fake.message(ALICE, "Before I forget: I fixed the team's printer this morning.")
    await until(lambda: any("I kept that as a note" in t for t in fake.texts(ALICE)))
    assert not any("finish setting up first" in t for t in fake.texts(ALICE))
    fake.press(ALICE, fake.last_with_buttons(ALICE), "slot:6:18")
    await until(lambda: any("tz:" in str(s.buttons) for s in fake.sent_to(ALICE)))
    fake.message(ALICE, "Oh and I also helped my sister move house at the weekend.")
    await until(lambda: len([t for t in fake.texts(ALICE) if "I kept that as a note" in t]) == 2)
    fake.press(ALICE, fake.last_with_buttons(ALICE), "tz:Europe/Berlin")
    await until(lambda: any("All set" in t for t in fake.texts(ALICE)))
    texts = [e.text for e in await entries(app)]
    assert texts == [
        "Before I forget: I fixed the team's printer this morning.",
        "Oh and I also helped my sister move house at the weekend.",
    ]
    await app.runner.run_until_idle()  # extraction of the kept notes runs once setup is done
    found = await person(app)
    async with app.services.uow() as uow:
        labels = {s.label for s in await uow.signals.signals(found.id)}
    assert "work in teams" in labels


async def test_editing_the_first_message_after_a_captioned_photo_answer_keeps_the_answer(
    telegram, fake
):
    app, _ = telegram
    from tests.telegram.helpers import onboard

    await onboard(fake)
    first = fake.message(ALICE, "This week I helped my team build our stand at the fair.")
    await until(lambda: any(t.startswith(("Got it", "Saved", "Kept")) for t in fake.texts(ALICE)))
    await app.runner.run_until_idle()
    noticed = fake.last_with_buttons(ALICE)
    keep = next(b["callback_data"] for row in noticed.buttons for b in row)
    fake.press(ALICE, noticed, keep)  # keep "work in teams"; the follow-up question comes next
    await until(lambda: any(t.startswith("Kept:") for t in fake.texts(ALICE)))
    caption = "Here is the listing I wrote for the stand."
    fake.photo(ALICE, PNG, caption=caption)
    await until(lambda: any("added that to the same note" in t for t in fake.texts(ALICE)))
    await app.runner.run_until_idle()
    noticed = fake.last_with_buttons(ALICE)
    assert "write copy" in noticed.text  # found in the follow-up answer, still to decide
    keep_copy = next(b["callback_data"] for row in noticed.buttons for b in row)

    fake.edit(ALICE, first, "This week I helped my team build our stand at the school fair.")
    await until(lambda: any("Updated your note" in t for t in fake.texts(ALICE)))
    await app.runner.run_until_idle()
    (entry,) = await entries(app)
    assert entry.text == (
        "This week I helped my team build our stand at the school fair.\n\n" + caption
    )
    found = await person(app)
    async with app.services.uow() as uow:
        (artifact,) = await uow.artifacts.artifacts(found.id)
    assert artifact.entry_id == entry.id

    fake.press(ALICE, noticed, keep_copy)
    await until(lambda: any(t.startswith("Kept: write copy") for t in fake.texts(ALICE)))
    assert not any("changed since" in t for t in fake.texts(ALICE))
    async with app.services.uow() as uow:
        kept = {
            s.label for s in await uow.signals.signals(found.id, statuses=[SignalStatus.CONFIRMED])
        }
    assert kept == {"work in teams", "write copy"}

    # Editing the answer itself revises only the answer.
    async with app.services.uow() as uow:
        parts = await uow.entries.entry_parts(found.id, entry.id)
    assert len(parts) == 2


async def test_a_message_sent_while_storage_is_read_only_is_stored_when_it_clears(telegram, fake):
    import subprocess

    import pytest

    from tests.core.faults import can_mount, sh
    from tests.telegram.helpers import onboard

    reason = can_mount()
    if reason:
        pytest.skip(reason)
    app, _ = telegram
    await onboard(fake)
    data = app.settings.utp_data_dir
    sh("mount", "--bind", str(data), str(data))
    try:
        sh("mount", "-o", "remount,ro,bind", str(data))
        await app.engine.dispose()  # files opened from now on see the read-only mount
        fake.message(ALICE, "I fixed the printer at school today.")
        await asyncio.sleep(3)
        assert not any(t.startswith(("Got it", "Saved", "Kept")) for t in fake.texts(ALICE))
    finally:
        subprocess.run(["umount", "-l", str(data)], capture_output=True, timeout=60)
    await until(
        lambda: any(t.startswith(("Got it", "Saved", "Kept")) for t in fake.texts(ALICE)), 60
    )
    assert [e.text for e in await entries(app)] == ["I fixed the printer at school today."]
    async with app.services.uow() as uow:
        assert not [k for k in await _parked(uow)]


async def _parked(uow) -> list[str]:
    from sqlalchemy import select

    from storage.models import ChannelStateRow

    rows = await uow.session.scalars(
        select(ChannelStateRow.key).where(ChannelStateRow.key.like("%parked%"))
    )
    return list(rows)
