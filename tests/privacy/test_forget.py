"""/forget in process: crypto-shredding on PostgreSQL (pg_dump), honest partial failures,
private modes of the live SQLite files."""

from __future__ import annotations

import io
import logging
import os
import shutil
import stat
import subprocess
import zipfile

import pytest
from sqlalchemy import text

from handlers import texts
from passport.messages import InboundFile
from tests.core.helpers import Person
from tests.fakes.channel import FakeChannel

WORD = "snorklewhistle"
FILE_WORD = "brambleflumox"
NAME_WORD = "quillipendra"


def pg_dump(url: str) -> bytes:
    done = subprocess.run(["pg_dump", "--no-owner", url], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def _alice_with_words(make_app, **overrides):
    app = await make_app(**overrides)
    app.add_channel(FakeChannel())
    alice = Person(app)
    await alice.onboard()
    await alice.say(f"I fixed the {WORD} in the garden shed with my dad.")
    await alice.say(
        "",
        files=(
            InboundFile(
                ref="f1",
                name=f"{NAME_WORD}.txt",
                content=f"Certificate of welding. Code {FILE_WORD}.".encode(),
            ),
        ),
    )
    await app.runner.run_until_idle()
    (export,) = await alice.tap("export:json")
    with zipfile.ZipFile(io.BytesIO(export.attachment.content)) as zf:
        assert WORD in zf.read("passport.json").decode()  # all there for the person
        (file,) = [n for n in zf.namelist() if n.startswith("files/")]
        assert FILE_WORD.encode() in zf.read(file) and NAME_WORD in file
    return app, alice


def _files_holding(root, needles: list[str]) -> list[str]:
    return [
        f"{p}: {n}"
        for p in root.rglob("*")
        if p.is_file()
        for n in needles
        if n.encode() in p.read_bytes()
    ]


async def test_pg_dump_holds_no_word_of_theirs_before_or_after_forget(make_app, pg_url, tmp_path):
    app, alice = await _alice_with_words(make_app, database_url=pg_url)
    words = [WORD, FILE_WORD, NAME_WORD]
    dump = pg_dump(pg_url)
    assert b"utp1:" in dump  # sealed values are there...
    assert [w for w in words if w.encode() in dump] == []  # ...and nothing readable
    assert _files_holding(tmp_path / "data", words) == []  # the blob store neither
    async with app.engine.connect() as conn:
        wrapped = (await conn.execute(text("SELECT wrapped FROM person_keys"))).scalar_one()

    done = await alice.say("/forget")
    assert "forget:yes" in alice.choices()
    done = await alice.tap("forget:yes")
    assert done[0].text == texts.FORGET_DONE
    dump = pg_dump(pg_url)
    assert [w for w in [*words, wrapped] if w.encode() in dump] == []
    assert b"utp1:" not in dump
    assert not [p for p in (tmp_path / "data" / "blobs").rglob("*") if p.is_file()]


def _immutable(path) -> bool:
    """Make a folder whose files cannot be removed, even by root (chattr +i), if we can."""
    if os.geteuid() != 0:
        path.chmod(0o500)
        return True
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0


def _mutable(path) -> None:
    if os.geteuid() != 0:
        path.chmod(0o700)
    else:
        subprocess.run(["chattr", "-i", str(path)], check=True)


async def test_a_file_that_cannot_be_removed_is_told_logged_and_retried(
    make_app, tmp_path, caplog
):
    app, alice = await _alice_with_words(make_app)
    blobs = tmp_path / "data" / "blobs"
    (folder,) = [p for p in blobs.iterdir() if p.is_dir()]
    (stuck,) = [p for p in folder.iterdir() if p.is_dir()]
    if not _immutable(stuck):
        pytest.skip("no way to make a folder undeletable here (root without chattr)")
    try:
        await alice.say("/forget")
        with caplog.at_level(logging.WARNING):
            reply = await alice.tap("forget:yes")
        assert reply[0].text == texts.FORGET_PARTIAL
        assert "Everything is deleted" not in reply[0].text
        logged = caplog.text
        assert folder.name in logged and WORD not in logged and NAME_WORD not in logged
        async with app.services.uow() as uow:
            assert await uow.people.find_person(alice.address) is None
        counts = await app.jobs.counts()
        assert counts.get("queued") == 1
    finally:
        _mutable(stuck)
    await app.runner.run_until_idle()
    assert not folder.exists()
    assert (await app.jobs.counts()).get("done") == 1


async def test_live_database_files_are_owner_only_whatever_the_umask(make_app, tmp_path):
    old = os.umask(0)
    try:
        app, _ = await _alice_with_words(make_app)
        data = tmp_path / "data"
        live = [data / "utp.sqlite3", data / "utp.sqlite3-wal", data / "utp.sqlite3-shm"]
        assert all(p.exists() for p in live)
        for path in [data, *data.rglob("*")]:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    finally:
        os.umask(old)
