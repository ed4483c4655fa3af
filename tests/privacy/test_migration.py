"""Upgrading a database from before sealing (0002) seals what was stored in plain text."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import text

from bot.bootstrap import bootstrap
from storage.engine import make_engine, normalize_database_url
from storage.migrate import upgrade
from tests.fakes.extractor import FakeExtractor

WORD = "frobnitzel"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def _plain_database(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine, "0002")
        stamp = NOW.replace(tzinfo=None) if url.startswith("sqlite") else NOW
        state = json.dumps({"pending_text": f"my {WORD} draft", "step": "slot"})
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO persons (id, display_name, created_at, consented, active, "
                    "onboarded, state, weekday, hour, timezone, paused, reminders, digest) "
                    "VALUES (1, 'Old', :t, true, true, true, :state, 6, 18, 'UTC', false, "
                    "true, 'off')"
                ),
                {"t": stamp, "state": state},
            )
            await conn.execute(
                text(
                    "INSERT INTO identities (person_id, platform, workspace, user_id, chat_id, "
                    "last_seen_at) VALUES (1, 'console', '', 'old', 'old', :t)"
                ),
                {"t": stamp},
            )
            await conn.execute(
                text(
                    "INSERT INTO entries (id, person_id, text, created_at, updated_at, version) "
                    "VALUES (1, 1, :w, :t, :t, 1)"
                ),
                {"w": f"I wrote about the {WORD}.", "t": stamp},
            )
            await conn.execute(
                text(
                    "INSERT INTO entry_versions (entry_id, person_id, version, text, created_at) "
                    "VALUES (1, 1, 1, :w, :t)"
                ),
                {"w": f"I wrote about the {WORD}.", "t": stamp},
            )
            await conn.execute(
                text(
                    "INSERT INTO signals (person_id, kind, key, label, evidence, confidence, "
                    "status, source, entry_id, created_at) VALUES (1, 'skill', 'k', 'fix things',"
                    " :w, 0.5, 'suggested', 'reflection', 1, :t)"
                ),
                {"w": f"the {WORD}", "t": stamp},
            )
            await conn.execute(
                text(
                    "INSERT INTO artifacts (person_id, message_key, status, platform, "
                    "original_name, kind, text_excerpt, created_at) VALUES (1, 'm1', 'stored', "
                    "'console', :n, 'document', :w, :t)"
                ),
                {"n": f"{WORD}.txt", "w": f"a {WORD} text", "t": stamp},
            )
            await conn.execute(
                text(
                    "INSERT INTO jobs (kind, payload, person_id, status, attempts, max_attempts, "
                    "run_after, created_at, updated_at) VALUES ('download', :p, 1, 'queued', 0, "
                    "6, :t, :t, :t)"
                ),
                {"p": json.dumps({"artifact_id": 1, "name": f"{WORD}.txt"}), "t": stamp},
            )
    finally:
        await engine.dispose()


async def test_upgrade_from_plain_text_seals_every_column(make_settings, db_url, tmp_path):
    settings = make_settings(database_url=db_url)
    url = normalize_database_url(db_url, settings.utp_data_dir)
    await _plain_database(url)
    app = await bootstrap(settings, extractor=FakeExtractor(), migrate=True)
    try:
        async with app.engine.connect() as conn:
            for table, column in (
                ("persons", "state"),
                ("entries", "text"),
                ("entry_versions", "text"),
                ("signals", "evidence"),
                ("artifacts", "original_name"),
                ("artifacts", "text_excerpt"),
                ("jobs", "payload"),
            ):
                (raw,) = (await conn.execute(text(f"SELECT {column} FROM {table}"))).one()
                raw = raw if isinstance(raw, str) else json.dumps(raw)
                assert WORD not in raw and "utp1:" in raw, (table, column, raw)
        async with app.services.uow() as uow:
            snapshot = await uow.whole_passport.snapshot(1)
            person = snapshot.person
        assert person.state["pending_text"] == f"my {WORD} draft"
        assert snapshot.entries[0].text == f"I wrote about the {WORD}."
        assert snapshot.entries[0].versions[0].text == f"I wrote about the {WORD}."
        assert snapshot.signals[0].evidence == f"the {WORD}"
        assert snapshot.artifacts[0].original_name == f"{WORD}.txt"
        assert snapshot.artifacts[0].text_excerpt == f"a {WORD} text"
        (job,) = await app.jobs.claim("w", NOW)
        assert job.payload == {"artifact_id": 1, "name": f"{WORD}.txt"}
    finally:
        await app.close()
