"""What a person answered about noticed skills after /forget: their "not me" (kept in their own
rejected signals) is gone with them; the global counts stay, holding no word and no id."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from tests.core.helpers import Person
from tests.fakes.channel import FakeChannel
from tests.fakes.extractor import RULES
from tests.privacy.test_forget import pg_dump

WORD = "glimmerquassock"
TEAM_URI = RULES["team"][0]
PHOTO_URI = RULES["photo"][0]


async def _rows(app, sql: str) -> list[dict]:
    async with app.engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(text(sql))).mappings().all()]


async def test_forget_leaves_counts_only(make_app, db_url, clock):
    app = await make_app(database_url=db_url)
    channel = FakeChannel()
    app.add_channel(channel)
    alice = Person(app)
    await alice.onboard()
    for note, verb in (
        (f"Worked with my team on the {WORD} robot.", "notme"),
        (f"Took photos of the {WORD} stand.", "keep"),
    ):
        clock.advance(timedelta(days=1))  # each note its own entry
        await alice.say(note)
        await app.runner.run_until_idle()
        choices = [c.data for _, m in channel.sent for c in m.choices]
        await alice.tap([c for c in choices if c.startswith(f"{verb}:")][-1])
    assert await _rows(app, "SELECT status FROM signals ORDER BY id") == [
        {"status": "rejected"},
        {"status": "confirmed"},
    ]

    await alice.say("/forget")
    await alice.tap("forget:yes")

    assert await _rows(app, "SELECT id FROM signals") == []
    assert await _rows(app, "SELECT id FROM persons") == []
    counts = await _rows(app, "SELECT * FROM skill_feedback ORDER BY key")
    assert counts == [
        {"key": PHOTO_URI, "noticed": 1, "kept": 1, "rejected": 0},
        {"key": TEAM_URI, "noticed": 1, "kept": 0, "rejected": 1},
    ]
    if db_url:  # PostgreSQL: the whole database, as a backup would hold it
        dump = pg_dump(db_url)
        assert WORD.encode() not in dump and b"utp1:" not in dump
        table = dump.split(b"COPY public.skill_feedback", 1)[1].split(b"\\.", 1)[0]
        assert table.count(b"\n") == 3  # its column line and the two counted skills: no more
