"""Fixtures for the weekly rhythm: a wired app with a fake channel and people set up by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from bot.bootstrap import App
from bot.scheduler import Scheduler, TickReport, run_tick
from passport.clock import FixedClock
from passport.messages import Address
from passport.schedule import next_nudge_at
from tests.fakes.channel import FakeChannel


class Rig:
    """An app, its clock and a fake console channel, with helpers to add people and tick."""

    def __init__(self, app: App, clock: FixedClock) -> None:
        self.app = app
        self.clock = clock
        self.channel = FakeChannel("console")
        app.add_channel(self.channel)

    async def add(
        self, user: str, *, weekday: int = 6, hour: int = 18, tz: str = "UTC", **columns: object
    ) -> int:
        """An onboarded person with a schedule; next_nudge_at computed as onboarding does."""
        now = self.clock.now()
        async with self.app.services.uow() as uow:
            person = await uow.people.create_person(Address("console", user, user), user, now)
            await uow.people.update_person(
                person.id, weekday=weekday, hour=hour, timezone=tz, onboarded=True, consented=True
            )
            fresh = await uow.people.get_person(person.id)
            values = {"next_nudge_at": next_nudge_at(fresh.schedule, now), **columns}
            await uow.people.update_person(person.id, **values)
            await uow.commit()
        return person.id

    async def person(self, person_id: int):
        async with self.app.services.uow() as uow:
            return await uow.people.get_person(person_id)

    async def tick(self, at: datetime | None = None) -> TickReport:
        """Move the clock (optionally), run one pass and every job it made runnable."""
        if at is not None:
            self.clock.set(at)
        report = await run_tick(self.app)
        await self.app.runner.run_until_idle()
        return report

    def texts(self, user: str) -> list[str]:
        return self.channel.texts(user)

    def nudges(self, user: str) -> list[str]:
        return [t for t in self.texts(user) if t.startswith("Your weekly question")]

    def reminders(self, user: str) -> list[str]:
        return [t for t in self.texts(user) if t.startswith("Just a gentle reminder")]

    def scheduler(self) -> Scheduler:
        return Scheduler(self.app.sessionmaker, self.clock, self.app.services.limits)


@pytest.fixture
async def rig(make_app: Callable[..., object], clock: FixedClock) -> Rig:
    """A rig on SQLite."""
    app = await make_app()
    return Rig(app, clock)


@pytest.fixture
async def make_rig(make_app: Callable[..., object], clock: FixedClock):
    """Build rigs with settings overrides (e.g. database_url, utp_reminder_hours)."""

    async def make(**overrides: object) -> Rig:
        return Rig(await make_app(**overrides), clock)

    return make
