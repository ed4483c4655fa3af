"""Storage faults against the real thing: `utp chat` as a subprocess on a real SQLite file while
another process holds the write lock, the disk fills up, or the data dir turns read-only; and
bad bytes on stdin. The policy (passport.faults): wait out locks, say "one moment" once; keep
what cannot be stored yet and store it when the fault clears; never a traceback."""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.core.faults import (
    ROOT,
    Live,
    PgCluster,
    can_mount,
    entries,
    hold_write_lock,
    opened,
    run_chat,
    sh,
    utp_env,
)

ONBOARD = ["hi", "1", "1", "2"]
ACKS = ("I'll look at what it shows", "I added that to the same note", "It counts for week")
# How long another process holds the lock; UTP_TEST_LOCK_SECONDS=20 shows the case.
LOCK_SECONDS = float(os.environ.get("UTP_TEST_LOCK_SECONDS", "6"))


@pytest.fixture
def dirs(tmp_path: Path, cache_dir: Path) -> tuple[Path, Path]:
    return tmp_path / "data", cache_dir


def settle(chat: Live) -> None:
    """Wait until the chat has done the slow work of earlier lines (it answers /help after)."""
    chat.send("/help")
    chat.wait_for("Here's what I can do")


def test_a_write_lock_held_by_another_process_is_waited_out(dirs):
    data, cache = dirs
    env = utp_env(data, cache)
    run_chat(env, ONBOARD)
    db = data / "utp.sqlite3"

    # Mid-session: the person types while a backup holds the lock; the job runner then records
    # the extraction job while the lock is held again.
    chat = Live(["chat", "--as", "alice"], env)
    try:
        chat.send("I mended the fence with my neighbour on Saturday.")
        chat.wait_for(*ACKS)
        settle(chat)
        holder = hold_write_lock(db, LOCK_SECONDS)
        started = time.monotonic()
        chat.send("I also planned the food for the street party and kept the budget.")
        chat.wait_for("One moment")
        chat.wait_for(*ACKS, timeout=LOCK_SECONDS + 60)
        waited = time.monotonic() - started
        holder.wait(timeout=60)
        assert waited >= LOCK_SECONDS - 1.5, waited  # stored only once the lock was free
        print(f"lock held {LOCK_SECONDS:.0f} s by another process; stored after {waited:.1f} s")
        assert chat.finish() == 0, chat.stderr
    finally:
        chat.stop()
    assert chat.stdout.count("One moment") == 1, chat.stdout
    assert "Traceback" not in chat.stderr, chat.stderr

    # At start-up: the scheduler tick (resume_expired) meets the lock before anything else.
    holder = hold_write_lock(db, LOCK_SECONDS)
    out = run_chat(env, ["Then I taught two kids to play chess at the library."])
    holder.wait(timeout=60)
    assert any(ack in out for ack in ACKS), out
    texts = entries(db)
    assert any("mended the fence" in t for t in texts)
    assert any("street party" in t for t in texts)
    assert any("chess" in t for t in texts)


def test_a_lock_held_past_the_wait_keeps_the_line_until_it_is_stored(dirs):
    data, cache = dirs
    env = utp_env(data, cache, UTP_BUSY_WAIT_S="1.5")
    run_chat(env, ONBOARD)
    db = data / "utp.sqlite3"
    chat = Live(["chat", "--as", "alice"], env)
    try:
        chat.send("I mended the fence with my neighbour on Saturday.")
        chat.wait_for(*ACKS)
        settle(chat)
        holder = hold_write_lock(db, LOCK_SECONDS)
        chat.send("I also planned the food for the street party.")
        chat.wait_for("Not saved yet: my database is busy")
        assert not any("street party" in t for t in entries(db))
        chat.wait_for(*ACKS, timeout=LOCK_SECONDS + 60)
        holder.wait(timeout=60)
        assert chat.finish() == 0, chat.stderr
    finally:
        chat.stop()
    assert "Traceback" not in chat.stderr, chat.stderr
    assert any("street party" in t for t in entries(db))


def test_invalid_utf8_on_stdin_is_replaced_and_every_line_is_kept(dirs):
    data, cache = dirs
    env = utp_env(data, cache)
    run_chat(env, ONBOARD)
    chat = Live(["chat", "--as", "alice"], env)
    try:
        chat.send(b"I fixed the caf\xe9 printer \xff\xfe today.")
        chat.wait_for(*ACKS)
        chat.send("And then I walked the neighbour's dog.")
        chat.wait_for(*ACKS)
        assert chat.finish() == 0, chat.stderr
    finally:
        chat.stop()
    assert "Traceback" not in chat.stderr, chat.stderr
    texts = entries(data / "utp.sqlite3")
    assert any("caf\ufffd printer \ufffd\ufffd today" in t for t in texts), texts
    assert any("walked the neighbour's dog" in t for t in texts), texts


@pytest.fixture
def mounts():
    """Mount points made by a test, undone afterwards (skips when this user cannot mount)."""
    reason = can_mount()
    if reason:
        pytest.skip(reason)
    made: list[Path] = []
    yield made
    for point in reversed(made):
        subprocess.run(["umount", "-l", str(point)], capture_output=True, timeout=60)


def fill(path: Path) -> None:
    """Write zeros to `path` until the file system says it is full (it may be full already:
    the database's own files can take the last free pages, and then even the open fails)."""
    try:
        with open(path, "wb") as fh:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
    except OSError as exc:
        assert exc.errno == errno.ENOSPC, exc


def test_a_full_disk_keeps_the_line_and_stores_it_once_space_is_back(tmp_path, cache_dir, mounts):
    data = tmp_path / "data"
    data.mkdir()
    sh("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(data))
    mounts.append(data)
    env = utp_env(data, cache_dir)
    run_chat(env, ONBOARD)
    db = data / "utp.sqlite3"

    chat = Live(["chat", "--as", "alice"], env)
    try:
        chat.send("I mended the fence with my neighbour on Saturday.")
        chat.wait_for(*ACKS)
        settle(chat)
        fill(data / "filler")
        chat.send("I repaired my bike and fixed my sister's too.")
        chat.wait_for("Not saved yet: the disk is full")
        time.sleep(1)
        assert chat.proc.poll() is None  # still up, still holding the line
        assert not any(ack in line for ack in ACKS for line in chat.out[-3:])
        (data / "filler").unlink()
        chat.wait_for(*ACKS, timeout=60)
        assert chat.finish() == 0, chat.stderr
    finally:
        chat.stop()
    assert "Traceback" not in chat.stderr, chat.stderr
    assert any("repaired my bike" in t for t in entries(db))

    # A restart on a disk that is still full: no traceback, the line waits, then it is stored.
    fill(data / "filler")
    chat = Live(["chat", "--as", "alice"], env)
    try:
        chat.send("Then I baked bread for the food bank.")
        chat.wait_for(
            "disk is full", "waiting for the database (full)", "(io)", "write to the disk"
        )
        time.sleep(1)
        assert chat.proc.poll() is None
        (data / "filler").unlink()
        chat.wait_for(*ACKS, timeout=60)
        assert chat.finish() == 0, chat.stderr
    finally:
        chat.stop()
    assert "Traceback" not in chat.stderr, chat.stderr
    assert any("baked bread" in t for t in entries(db))


def remount_read_only(path: Path, mounts: list[Path]) -> None:
    sh("mount", "--bind", str(path), str(path))
    mounts.append(path)
    sh("mount", "-o", "remount,ro,bind", str(path))


def test_a_read_only_data_dir_waits_with_one_line_then_goes_on(dirs, mounts):
    data, cache = dirs
    env = utp_env(data, cache)
    run_chat(env, ONBOARD)
    remount_read_only(data, mounts)
    chat = Live(["chat", "--as", "alice"], env)
    try:
        chat.send("I mended the fence with my neighbour on Saturday.")
        chat.wait_for("readonly", "read-only", "can't write to my storage", timeout=120)
        time.sleep(1)
        assert chat.proc.poll() is None
        sh("umount", "-l", str(data))
        mounts.remove(data)
        chat.wait_for(*ACKS, timeout=60)
        assert chat.finish() == 0, chat.stderr
    finally:
        chat.stop()
    assert "Traceback" not in chat.stderr, chat.stderr
    assert len(chat.stderr.splitlines()) < 20, chat.stderr
    assert any("mended the fence" in t for t in entries(data / "utp.sqlite3"))


def test_a_read_only_blob_dir_keeps_the_file_and_the_next_line(dirs, mounts, tmp_path):
    data, cache = dirs
    env = utp_env(data, cache)
    run_chat(env, ONBOARD)
    blobs = data / "blobs"
    blobs.mkdir(exist_ok=True)
    remount_read_only(blobs, mounts)
    cert = tmp_path / "certificate.txt"
    cert.write_text("Certificate: first aid course, completed with the Red Cross.")
    chat = Live(["chat", "--as", "alice"], env)
    try:
        chat.send(f"/file {cert}")
        chat.send("Also, I mended the fence with my neighbour on Saturday.")
        chat.wait_for("Not saved yet: I can't write to my storage")
        time.sleep(1)
        assert chat.proc.poll() is None
        sh("umount", "-l", str(blobs))
        mounts.remove(blobs)
        chat.wait_for('Got your file "certificate.txt"', timeout=60)
        chat.wait_for(*ACKS, timeout=60)
        assert chat.finish() == 0, chat.stderr
    finally:
        chat.stop()
    assert "Traceback" not in chat.stderr, chat.stderr
    assert any("mended the fence" in t for t in entries(data / "utp.sqlite3"))
    assert [p for p in blobs.rglob("*") if p.is_file()]


@pytest.fixture
def pg_cluster():
    """A throwaway PostgreSQL cluster, created stopped."""
    try:
        cluster = PgCluster()
    except (FileNotFoundError, subprocess.CalledProcessError, KeyError, LookupError) as exc:
        pytest.skip(f"cannot make a throwaway PostgreSQL cluster here: {exc}")
    yield cluster
    cluster.remove()


def test_worker_started_while_postgresql_is_down_waits_then_runs(dirs, pg_cluster):
    data, cache = dirs
    env = utp_env(data, cache, DATABASE_URL=pg_cluster.url)
    worker = Live(["worker"], env)
    try:
        worker.wait_for("waiting for the database (unreachable)", stream="err")
        time.sleep(1)
        assert worker.proc.poll() is None
        pg_cluster.start()
        worker.wait_for("UTP running", stream="err", timeout=90)
        worker.proc.send_signal(signal.SIGTERM)
        assert worker.proc.wait(timeout=60) == 0, worker.stderr
    finally:
        worker.stop()
    assert "Traceback" not in worker.stderr, worker.stderr
    assert worker.stderr.count("waiting for the database") == 1, worker.stderr


def test_chat_on_postgresql_waits_for_it_and_keeps_a_line_typed_while_it_is_away(dirs, pg_cluster):
    data, cache = dirs
    env = utp_env(data, cache, DATABASE_URL=pg_cluster.url)
    chat = Live(["chat", "--as", "alice"], env)
    try:
        for line in [*ONBOARD, "I mended the fence with my neighbour on Saturday."]:
            chat.send(line)
        chat.wait_for("waiting for the database (unreachable)", stream="err")
        pg_cluster.start()
        chat.wait_for("All set!", timeout=90)
        chat.wait_for(*ACKS, timeout=60)
        settle(chat)
        pg_cluster.stop()
        chat.send("I also planned the food for the street party.")
        chat.wait_for("Not saved yet: I can't reach my database", timeout=60)
        time.sleep(1)
        assert chat.proc.poll() is None
        pg_cluster.start()
        chat.wait_for(*ACKS, timeout=90)
        assert chat.finish() == 0, chat.stderr
    finally:
        chat.stop()
    assert "Traceback" not in chat.stderr, chat.stderr
    texts = asyncio.run(pg_entries(pg_cluster.url))
    assert any("mended the fence" in t for t in texts), texts
    assert any("street party" in t for t in texts), texts


async def pg_entries(url: str) -> list[str]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        texts = [r["text"] for r in await conn.fetch("SELECT text FROM entries ORDER BY id")]
        keys = await conn.fetch("SELECT key_id, kek_id, wrapped FROM person_keys")
        return opened(texts, [tuple(k) for k in keys])
    finally:
        await conn.close()


def test_first_exports_at_once_under_a_held_lock_make_one_key(dirs, tmp_path):
    """`utp export` ob3, clr and key started together while a backup holds the write lock:
    each waits (no StorageBusy traceback) and all three are signed with one key."""
    import re
    import sqlite3
    import sys

    data, cache = dirs
    env = utp_env(data, cache)
    out = run_chat(
        env,
        [
            *ONBOARD,
            "I organised a fundraising event for our school and managed the budget.",
            "1",
        ],
    )
    assert "Kept:" in out, out
    db = data / "utp.sqlite3"
    holder = hold_write_lock(db, 5)
    exports = {
        fmt: subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "export",
                "--person",
                "console:alice",
                "--format",
                fmt,
                "--out",
                str(tmp_path / fmt),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        for fmt in ("ob3", "clr", "key")
    }
    results = {fmt: proc.communicate(timeout=240) for fmt, proc in exports.items()}
    holder.wait(timeout=60)
    for fmt, proc in exports.items():
        assert proc.returncode == 0, (fmt, results[fmt][1])
        assert "Traceback" not in results[fmt][1], results[fmt][1]
    dids: set[str] = set()
    for fmt in exports:
        for path in (tmp_path / fmt).rglob("*"):
            if path.is_file():
                dids |= set(re.findall(rb"did:key:z[1-9A-HJ-NP-Za-km-z]+", path.read_bytes()))
    conn = sqlite3.connect(db)
    try:
        (sealed,) = conn.execute("SELECT signing_key FROM persons").fetchone()
    finally:
        conn.close()
    assert {d.decode() for d in dids} == {sealed.split(".")[1]}
