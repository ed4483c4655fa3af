"""`utp keys rotate`: every data key re-wrapped under a new secret; passports still read."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.privacy.test_at_rest import chat

ROOT = Path(__file__).resolve().parents[2]
WORD = "glimmerquaffle"


def utp(data: Path, cache: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "UTP_DATA_DIR": str(data), "UTP_CACHE_DIR": str(cache), **env}
    for name in ("DATABASE_URL", "OPENAI_API_KEY", "UTP_SECRET_KEY", "UTP_OLD_SECRET_KEY"):
        if name not in env:
            full.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=full,
        timeout=240,
    )


def _wrapped(data: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(data / "utp.sqlite3") as conn:
        rows = conn.execute("SELECT key_id, kek_id, wrapped FROM person_keys").fetchall()
    return {key_id: (kek_id, wrapped) for key_id, kek_id, wrapped in rows}


def test_rotate_rewraps_every_key_and_passports_still_read(tmp_path, cache_dir):
    data = tmp_path / "data"
    for user in ("ann", "bob"):
        chat(
            data,
            cache_dir,
            ["hi", "1", "1", "2", f"I mended a {WORD} with {user}.", "/export key"],
            user=user,
        )
    before = _wrapped(data)
    secret_before = (data / "secret.key").read_text()
    with sqlite3.connect(data / "utp.sqlite3") as conn:
        entries_before = conn.execute("SELECT text FROM entries ORDER BY id").fetchall()
    dids_before = {
        json.loads(p.read_text())["did"] for p in (data / "exports").rglob("*.jwk.json")
    }
    assert len(dids_before) == 2

    done = utp(data, cache_dir, "keys", "rotate")
    assert done.returncode == 0, done.stderr
    assert "data keys re-wrapped: 2" in done.stdout and "signing keys re-sealed: 2" in done.stdout
    after = _wrapped(data)
    assert set(after) == set(before)  # the same data keys...
    assert all(after[k][0] != before[k][0] and after[k][1] != before[k][1] for k in after)
    assert (data / "secret.key").read_text() != secret_before
    assert not (data / "secret.key.new").exists()
    with sqlite3.connect(data / "utp.sqlite3") as conn:  # ...and the data was not touched
        assert conn.execute("SELECT text FROM entries ORDER BY id").fetchall() == entries_before

    out = tmp_path / "out"
    for fmt in ("json", "key"):
        done = utp(
            data,
            cache_dir,
            "export",
            "--person",
            "console:ann",
            "--format",
            fmt,
            "--out",
            str(out),
        )
        assert done.returncode == 0, done.stderr
    passport = json.loads(next(out.glob("utp-passport-*.json")).read_text())
    assert WORD in passport["entries"][0]["text"]
    key = json.loads((out / "utp-signing-key.jwk.json").read_text())
    assert key["did"] in dids_before  # the person's own key, opened with the new secret


def test_rotate_with_a_wrong_old_secret_changes_nothing(tmp_path, cache_dir):
    data = tmp_path / "data"
    full = {**os.environ, "UTP_SECRET_KEY": "first-secret"}
    chat_env = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--as", "cy"],
        input=f"hi\n1\n1\n2\nI painted a {WORD}.\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**full, "UTP_DATA_DIR": str(data), "UTP_CACHE_DIR": str(cache_dir)},
        timeout=240,
    )
    assert chat_env.returncode == 0, chat_env.stderr
    before = _wrapped(data)
    done = utp(
        data, cache_dir, "keys", "rotate", UTP_SECRET_KEY="second", UTP_OLD_SECRET_KEY="wrong"
    )
    assert done.returncode == 1 and "nothing changed" in done.stderr
    assert _wrapped(data) == before
    done = utp(
        data,
        cache_dir,
        "keys",
        "rotate",
        UTP_SECRET_KEY="second",
        UTP_OLD_SECRET_KEY="first-secret",
    )
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    done = utp(
        data,
        cache_dir,
        "export",
        "--person",
        "console:cy",
        "--out",
        str(out),
        **{"UTP_SECRET_KEY": "second"},
    )
    assert done.returncode == 0, done.stderr
    assert WORD.encode() in next(out.iterdir()).read_bytes()
