"""A "not me" on Telegram, through the real client and the fake Bot API: the next week the
same kind of action gets no such suggestion."""

from __future__ import annotations

from datetime import timedelta

from tests.fakes.extractor import RULES
from tests.telegram.helpers import ALICE, onboard, until

TEAM_URI, TEAM = RULES["team"][:2]


async def _write(app, fake, text: str) -> list[str]:
    """Send a note, wait for its reply and its extraction; the texts Alice got after it."""
    before = len(fake.texts(ALICE))
    fake.message(ALICE, text)
    await until(lambda: len(fake.texts(ALICE)) > before)
    await app.runner.run_until_idle()
    await until(lambda: len(fake.texts(ALICE)) > before + 1)  # the noticed / nothing reply
    return fake.texts(ALICE)[before:]


async def test_not_me_on_telegram_holds_next_week_for_the_same_kind_of_action(
    telegram, fake, clock
):
    app, _ = telegram
    await onboard(fake)
    await _write(app, fake, "Worked with my team on the stand at the science fair.")
    noticed = fake.last_with_buttons(ALICE)
    assert TEAM in noticed.text
    (not_me,) = [
        b["callback_data"]
        for row in noticed.buttons
        for b in row
        if b["callback_data"].startswith("notme:")
    ]
    fake.press(ALICE, noticed, not_me)
    await until(lambda: any(t.startswith("OK, I'll leave") for t in fake.texts(ALICE)))
    async with app.services.uow() as uow:
        tally = (await uow.skill_feedback.tallies([TEAM_URI]))[TEAM_URI]
    assert (tally.noticed, tally.kept, tally.rejected) == (1, 0, 1)

    clock.advance(timedelta(days=7))
    after = await _write(app, fake, "Worked with the team on our robot again this week.")
    assert not any(TEAM in t for t in after)
    assert not any(s.buttons for s in fake.sent_to(ALICE)[-len(after) :])  # nothing to answer
    async with app.services.uow() as uow:
        tally = (await uow.skill_feedback.tallies([TEAM_URI]))[TEAM_URI]
    assert tally.noticed == 1  # it was not noticed again
