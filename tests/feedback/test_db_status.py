"""`utp db status` shows the ten skills people reject most, with their ESCO labels."""

from __future__ import annotations

import sqlite3

from extractors.esco import load_taxonomy
from tests.core.test_operator_cli import utp


def test_db_status_lists_the_ten_most_rejected_skills(tmp_path, cache_dir):
    data = tmp_path / "data"
    assert utp("db", "upgrade", data=data, cache=cache_dir).returncode == 0
    empty = utp("db", "status", data=data, cache=cache_dir)
    assert empty.returncode == 0 and "most rejected skills: none yet" in empty.stdout

    skills = sorted(load_taxonomy(), key=lambda s: s.uri)[:12]
    rows = [(s.uri, 40, i % 3, i + 1) for i, s in enumerate(skills)]  # skill i: i + 1 rejections
    rows.append(("http://data.europa.eu/esco/skill/not-in-this-taxonomy", 9, 5, 7))
    with sqlite3.connect(data / "utp.sqlite3") as db:
        db.executemany(
            "INSERT INTO skill_feedback (key, noticed, kept, rejected) VALUES (?, ?, ?, ?)", rows
        )
    done = utp("db", "status", data=data, cache=cache_dir)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("most rejected skills"))
    listed = lines[at + 1 : at + 11]
    assert len(lines) == at + 11  # ten, no more
    expected = [(r, s.label) for r, s in zip(range(12, 7, -1), skills[::-1], strict=False)]
    for line, (rejected, label) in zip(listed, expected, strict=False):
        assert line.split()[0] == str(rejected) and line.endswith(label)
    # as often rejected: the one kept more often comes later; an unknown URI is shown as it is
    sevens = [line for line in listed if line.split()[0] == "7"]
    assert sevens[0].endswith(skills[6].label) and sevens[1].endswith("not-in-this-taxonomy")
