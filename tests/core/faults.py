"""Helpers for the storage-fault tests: a live `utp` subprocess, a lock holder, mounts."""

from __future__ import annotations

import os
import queue
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def utp_env(data_dir: Path, cache_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of an offline `utp` on `data_dir` (SQLite unless DATABASE_URL given)."""
    env = {**os.environ, "UTP_DATA_DIR": str(data_dir), "UTP_CACHE_DIR": str(cache_dir)}
    for name in ("DATABASE_URL", "OPENAI_API_KEY", "TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN"):
        env.pop(name, None)
    env["UTP_SECRET_KEY"] = SECRET
    env.update(extra)
    return env


def run_chat(env: dict[str, str], lines: list[str], user: str = "alice") -> str:
    """`utp chat` with piped lines to the end; returns stdout (asserts a clean exit)."""
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
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


class Live:
    """A `utp` command running as a subprocess; its output is read as it comes."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=env,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._lines: queue.Queue[tuple[str, str]] = queue.Queue()
        for name, stream in (("out", self.proc.stdout), ("err", self.proc.stderr)):
            threading.Thread(target=self._pump, args=(name, stream), daemon=True).start()

    def _pump(self, name: str, stream) -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace")
            (self.out if name == "out" else self.err).append(line)
            self._lines.put((name, line))

    def send(self, data: str | bytes) -> None:
        """Type a line (bytes are sent as they are)."""
        raw = data if isinstance(data, bytes) else data.encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(raw if raw.endswith(b"\n") else raw + b"\n")
        self.proc.stdin.flush()

    def wait_for(self, *texts: str, timeout: float = 120, stream: str = "any") -> str:
        """Block until a new line containing one of `texts` shows up (stdout, stderr or either)."""
        deadline = time.monotonic() + timeout
        text = " | ".join(texts)
        while time.monotonic() < deadline:
            try:
                name, line = self._lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None and self._lines.empty():
                    break
                continue
            if stream in ("any", name) and any(t in line for t in texts):
                return line
        raise AssertionError(
            f"no {text!r} within {timeout}s\nstdout:\n{''.join(self.out)}\n"
            f"stderr:\n{''.join(self.err)}"
        )

    def finish(self, timeout: float = 180) -> int:
        """Close stdin (end of input) and wait for the exit status."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(timeout=timeout)

    def stop(self) -> None:
        """Kill it if it still runs."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)


LOCK_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
print("released", flush=True)
"""


def hold_write_lock(db: Path, seconds: float) -> subprocess.Popen:
    """Another process takes SQLite's write lock (BEGIN IMMEDIATE) for `seconds`."""
    proc = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(db), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


SECRET = "fault-test-secret"


def opened(texts: list[str], keys: list[tuple[str, str, str]]) -> list[str]:
    """Entry texts as stored (sealed) opened with the people's data keys and the test secret."""
    from storage.sealing import Sealer

    sealer = Sealer(SECRET)
    for key_id, kek_id, wrapped in keys:
        sealer.unwrap(key_id, kek_id, wrapped)
    return [sealer.open(t) or "" for t in texts]


def entries(db: Path) -> list[str]:
    """Every stored entry text (read straight from the SQLite file, then opened)."""
    conn = sqlite3.connect(db, timeout=30)
    try:
        texts = [row[0] for row in conn.execute("SELECT text FROM entries ORDER BY id")]
        keys = conn.execute("SELECT key_id, kek_id, wrapped FROM person_keys").fetchall()
        return opened(texts, keys)
    finally:
        conn.close()


def can_mount() -> str | None:
    """None when this process may mount (root with mount); else why not."""
    if os.geteuid() != 0:
        return "mounting needs root (CI runs as root)"
    if shutil.which("mount") is None or shutil.which("umount") is None:
        return "mount/umount are not installed"
    import tempfile

    probe = tempfile.mkdtemp(prefix="utp-mount-probe-")
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if done.returncode != 0:
            return f"this machine does not allow mounting: {done.stderr.strip()[:200]}"
        subprocess.run(["umount", probe], capture_output=True, timeout=30)
    finally:
        os.rmdir(probe)
    return None


def sh(*args: str) -> None:
    """Run a command, failing loudly."""
    subprocess.run(args, check=True, capture_output=True, timeout=60)


class PgCluster:
    """A throwaway PostgreSQL cluster on a free port, stopped and started with pg_ctl."""

    def __init__(self) -> None:
        import glob
        import socket
        import tempfile

        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        self.pg_ctl = bins[-1] if bins else shutil.which("pg_ctl")
        if not self.pg_ctl:
            raise FileNotFoundError("no pg_ctl")
        self.bin = Path(self.pg_ctl).parent
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: run the cluster as the postgres user
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.dir = Path(tempfile.mkdtemp(prefix="utp-pg-"))
        if self.as_user:
            shutil.chown(self.dir, "postgres", "postgres")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.dir / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run(
            self.pg_ctl,
            "-D",
            str(self.dir / "data"),
            "-l",
            str(self.dir / "log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def stop(self) -> None:
        self._run(self.pg_ctl, "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        subprocess.run(
            [*self.as_user, self.pg_ctl, "-D", str(self.dir / "data"), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.dir, ignore_errors=True)
