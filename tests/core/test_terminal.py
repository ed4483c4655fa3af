"""`utp chat` end to end as a subprocess with piped input: the embedded default, offline."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def chat(data_dir: Path, cache_dir: Path, lines: list[str], user: str = "alice") -> str:
    # The machine's zone is offered first: pin it, so "1" picks Europe/Berlin.
    env = {
        **os.environ,
        "UTP_DATA_DIR": str(data_dir),
        "UTP_CACHE_DIR": str(cache_dir),
        "TZ": "Europe/Berlin",
    }
    for name in ("DATABASE_URL", "OPENAI_API_KEY", "TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--as", user],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def dirs(tmp_path: Path, cache_dir: Path) -> tuple[Path, Path]:
    return tmp_path / "data", cache_dir


def test_a_newcomer_onboards_reflects_files_asks_exports_and_forgets(dirs, tmp_path):
    data, cache = dirs
    cert = tmp_path / "certificate.txt"
    cert.write_text("Certificate: first aid course, completed with the Red Cross.")
    out = chat(
        data,
        cache,
        [
            "1",
            "1",
            "1",
            "This week I took new product photos in natural light and rewrote all my listings "
            "for the shop. I also taught my little brother to ride a bike.",
            f"/file {cert}",
            "/file /no/such/file.pdf",
            "what are my strengths?",
            "/export json",
        ],
    )
    assert "Is that OK?" in out
    assert "All set! I'll ask you every Sunday at 18:00 (Europe/Berlin)" in out
    assert re.search(r"I noticed (a skill|some skills) in that: .+", out), out
    assert 'Got your file "certificate.txt"' in out
    assert "I can't find a file at /no/such/file.pdf" in out
    assert "Here is your passport" in out
    saved = re.search(r"\(saved document: (.+)\)", out).group(1)
    with zipfile.ZipFile(saved) as zf:
        document = json.loads(zf.read("passport.json"))
        assert any(n.endswith("certificate.txt") for n in zf.namelist())
    assert "taught my little brother" in document["entries"][0]["text"]
    out = chat(data, cache, ["/forget", "yes"])
    assert "Everything is deleted" in out
    assert not [p for p in (data / "blobs").rglob("*") if p.is_file()]
    assert not Path(saved).exists()  # the export went with the rest


def test_keep_by_number_and_digest_shows_the_kept_skill(dirs):
    data, cache = dirs
    out = chat(
        data,
        cache,
        [
            "1",
            "1",
            "1",
            "I organised a fundraising event for our school and managed the budget.",
            "1",
            "/digest",
        ],
    )
    kept = re.search(r"Kept: (.+)\.", out)
    assert kept, out
    first = kept.group(1).split(",")[0].split(" and ")[0].strip()
    digest = out[out.rindex("/digest") if "/digest" in out else out.rindex("Kept:") :]
    assert first.lower() in digest.lower()


def test_piped_input_ends_cleanly_with_nothing_typed(dirs):
    data, cache = dirs
    out = chat(data, cache, [])
    assert out.startswith("utp> Hi alice!") and out.count("Is that OK?") == 1


def _outbox(data_dir: Path, sql: str) -> list[tuple]:
    import sqlite3

    with sqlite3.connect(data_dir / "utp.sqlite3") as db:
        return db.execute(sql).fetchall()


def _leave_unprinted_reply(data_dir: Path, user: str, text: str) -> None:
    """A reply committed for `user` whose process died before printing it (lease run out)."""
    import asyncio
    from datetime import UTC, datetime

    from passport.messages import Address, Outbound
    from storage.engine import make_engine, make_sessionmaker, normalize_database_url
    from storage.outbox import OutboxWriter

    async def leave() -> None:
        engine = make_engine(normalize_database_url(None, data_dir))
        try:
            async with make_sessionmaker(engine)() as session:
                await OutboxWriter(session).add(
                    Address("console", user, user), [Outbound(text)], datetime.now(UTC), held=False
                )
                await session.commit()
        finally:
            await engine.dispose()

    asyncio.run(leave())


def test_a_terminal_session_delivers_only_its_own_persons_unprinted_replies(dirs):
    data, cache = dirs
    chat(data, cache, ["1", "1", "1", "I fixed the printer for the office today."], user="bob")
    _leave_unprinted_reply(data, "bob", "A reply bob never saw.")

    alice = chat(data, cache, ["1", "1", "1"], user="alice")
    assert "A reply bob never saw." not in alice
    # Alice's session left bob's reply alone: still due, never tried, no backoff.
    rows = _outbox(
        data, "SELECT status, attempts FROM outbox WHERE user_id = 'bob' AND status = 'pending'"
    )
    assert rows == [("pending", 0)]

    bob = chat(data, cache, [], user="bob")
    assert "A reply bob never saw." in bob
    assert _outbox(
        data, "SELECT count(*) FROM outbox WHERE user_id = 'bob' AND status = 'pending'"
    ) == [(0,)]
