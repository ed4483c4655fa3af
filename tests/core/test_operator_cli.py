"""Operators' commands as subprocesses: `utp export`, `utp db`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def utp(*args: str, data: Path, cache: Path, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "UTP_DATA_DIR": str(data), "UTP_CACHE_DIR": str(cache)}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        text=True,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=240,
    )


def test_export_for_a_person_writes_json_and_reports_unknown_people(tmp_path, cache_dir):
    data = tmp_path / "data"
    chat = utp(
        "chat",
        "--as",
        "bob",
        data=data,
        cache=cache_dir,
        stdin="hi\n1\n1\n2\nI repaired a bike for my neighbour.\n",
    )
    assert chat.returncode == 0, chat.stderr
    out = tmp_path / "out"
    done = utp(
        "export",
        "--person",
        "console:bob",
        "--format",
        "json",
        "--out",
        str(out),
        data=data,
        cache=cache_dir,
    )
    assert done.returncode == 0, done.stderr
    (path,) = done.stdout.split()
    document = json.loads(Path(path).read_text())
    assert document["entries"][0]["text"] == "I repaired a bike for my neighbour."
    missing = utp(
        "export", "--person", "console:nobody", "--out", str(out), data=data, cache=cache_dir
    )
    assert missing.returncode == 1 and "no person" in missing.stderr


def test_db_upgrade_and_status(tmp_path, cache_dir):
    data = tmp_path / "data"
    assert utp("db", "upgrade", data=data, cache=cache_dir).returncode == 0
    status = utp("db", "status", data=data, cache=cache_dir)
    assert status.returncode == 0 and status.stdout.startswith("jobs:")
