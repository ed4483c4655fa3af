"""Nothing readable at rest, nothing left after /forget: `utp chat` as a subprocess on SQLite.

The person writes words no one else writes and sends a file holding another; the raw bytes of
the database, its WAL and the blob store must not hold them. After /forget no file under the
data dir (zips opened) holds them, their private key, or their wrapped data key.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORD = "quokkaflarnish"  # what the person wrote
FILE_WORD = "zibblewompery"  # what the file they sent says
NAME_WORD = "plinthorvelle"  # the file's name


def chat(data_dir: Path, cache_dir: Path, lines: list[str], user: str = "zed") -> str:
    env = {**os.environ, "UTP_DATA_DIR": str(data_dir), "UTP_CACHE_DIR": str(cache_dir)}
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
        preexec_fn=lambda: os.umask(0),  # modes must not depend on the umask
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _contents(path: Path) -> list[bytes]:
    """A file's bytes, and every member's bytes when it is a zip (nested zips too)."""
    data = path.read_bytes()
    out = [data]
    stack = [data]
    while stack:
        blob = stack.pop()
        if not blob.startswith(b"PK"):
            continue
        try:
            with zipfile.ZipFile(io.BytesIO(blob)) as zf:
                for name in zf.namelist():
                    member = zf.read(name)
                    out += [name.encode(), member]
                    stack.append(member)
        except zipfile.BadZipFile:
            continue
    return out


def _holding(root: Path, needles: list[str]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        for blob in _contents(path):
            for needle in needles:
                if needle.encode() in blob:
                    found.append(f"{path.relative_to(root)}: {needle}")
    return sorted(set(found))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_sealed_at_rest_private_modes_and_forget_leaves_nothing(tmp_path, cache_dir):
    data = tmp_path / "data"
    doc = tmp_path / f"{NAME_WORD}.txt"
    doc.write_text(f"Certificate: first aid course. Code word {FILE_WORD}.")
    out = chat(
        data,
        cache_dir,
        [
            "hi",
            "1",
            "1",
            "2",
            f"This week I built a {WORD} for the school fair and led the team.",
            f"/file {doc}",
            "/export json",
            "/export key",
        ],
    )
    assert "Here is your passport" in out
    saved = [
        Path(line.split(": ", 1)[1].rstrip(")")) for line in out.splitlines() if "(saved" in line
    ]
    assert len(saved) == 2, out
    key_file = next(p for p in saved if p.name.endswith(".jwk.json"))
    private_d = json.loads(key_file.read_text())["jwk"]["d"]

    # Their exports are theirs (plain, in their own 0700 folder, 0600 each), named at random.
    exports = saved[0].parent
    assert exports.parent == data / "exports" and exports.name not in ("zed", "1", "p1")
    assert len(exports.name) == 32
    assert WORD.encode() in b"".join(_contents(saved[0]))

    # While they exist, the database, its WAL and the blob store hold only ciphertext.
    db = data / "utp.sqlite3"
    stored = [p for p in data.rglob("*") if p.is_file() and "exports" not in p.parts]
    assert db in stored and any("blobs" in p.parts for p in stored)
    leaks = _holding(data, [WORD, FILE_WORD, NAME_WORD, private_d])
    assert all(line.startswith("exports/") for line in leaks), leaks

    # Owner only, set at creation (the chat ran with umask 0).
    assert _mode(data) == 0o700
    for path in data.rglob("*"):
        assert _mode(path) == (0o700 if path.is_dir() else 0o600), path

    with sqlite3.connect(db) as conn:
        (wrapped,) = conn.execute("SELECT wrapped FROM person_keys").fetchone()
        texts = [t for (t,) in conn.execute("SELECT text FROM entries")]
    assert texts and all(t.startswith("utp1:") for t in texts)

    out = chat(data, cache_dir, ["/forget", "yes"])
    assert "Everything is deleted" in out
    assert not exports.exists()
    assert _holding(data, [WORD, FILE_WORD, NAME_WORD, private_d, wrapped]) == []
    assert not [p for p in (data / "blobs").rglob("*") if p.is_file()]
