"""The coach in the terminal, as a person meets it: `utp chat` driven line by line as a subprocess.

The driver reads what the chat prints before it types the next line, so a transcript follows
whatever the real offline extractor noticed (Keep buttons first, or the question at once).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from handlers import commands, texts
from passport.followup import GENERAL, TOPICS
from passport.prompts import first_prompt

ROOT = Path(__file__).resolve().parents[2]
START = "2026-12-06T18:00:00+01:00"  # a Sunday evening in Berlin
LATER = "2026-12-06T20:30:00+01:00"  # two and a half hours on: past the join window
TEMPLATES = {q for _name, _cues, qs in TOPICS for q in qs} | set(GENERAL)
HELP_LAST = commands.help_text("console").splitlines()[-1]


def _env(data: Path, cache: Path, tz: str) -> dict[str, str]:
    env = {**os.environ, "UTP_DATA_DIR": str(data), "UTP_CACHE_DIR": str(cache), "TZ": tz}
    for name in ("DATABASE_URL", "OPENAI_API_KEY", "TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN"):
        env.pop(name, None)
    return env


class Chat:
    """`utp chat` in a subprocess: type a line, read what it printed."""

    def __init__(self, data: Path, cache: Path, *, now: str, tz: str = "Europe/Berlin") -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "chat", "--as", "alice", "--now", now],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            cwd=ROOT,
            env=_env(data, cache, tz),
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def until(self, done: Callable[[str], bool], timeout: float = 180) -> list[str]:
        """Lines up to and including the first one for which `done` is true."""
        got: list[str] = []
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"timed out; so far: {self.seen[-15:]}") from None
            if line is None:
                raise AssertionError(f"chat ended early: {self.seen[-15:]}")
            got.append(line)
            self.seen.append(line)
            if done(line):
                return got

    def type(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def close(self) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        rest = []
        while (line := self.lines.get(timeout=180)) is not None:
            rest.append(line)
        self.seen += rest
        assert self.proc.wait(timeout=60) == 0, self.proc.stderr.read() if self.proc.stderr else ""
        return "\n".join(rest)

    # -- a person's moves --------------------------------------------------------------------

    def onboard(self) -> None:
        self.until(lambda line: "2. Not now" in line)
        self.type("1")
        self.until(lambda line: texts.SLOT_OTHER in line)
        self.type("1")
        self.until(lambda line: texts.ZONE_TYPE in line)
        self.type("1")
        self.until(lambda line: first_prompt().text[-20:] in line)

    def write(self, text: str) -> list[str]:
        """Type a note or an answer; return the follow-up questions it led to (zero or one)."""
        self.type(text)
        # The reply, then the extraction's one message: a question, Keep buttons or "nothing".
        got = self.until(
            lambda line: (
                line.startswith("utp> ")
                and (line.endswith("?") or texts.NOTICED_NOTHING in line)
                and not line.startswith("utp> Done.")
            )
        )
        end = got[-1]
        if "passport?" in end:  # Keep buttons: the question waits until they are answered
            self.until(lambda line: texts.NOT_ME in line)
            self.type("1")
            self.type("/help")  # its answer marks the end of what "Keep" brought
            got = self.until(lambda line: HELP_LAST in line)
        return [line[5:] for line in got if line.startswith("utp> ") and line[5:] in TEMPLATES]


def export_entries(data: Path, cache: Path, out: Path) -> list[str]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "export",
            "--person",
            "console:alice",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(data, cache, "Europe/Berlin"),
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(Path(done.stdout.split()[0]).read_text())
    return [e["text"] for e in document["entries"]]


@pytest.fixture
def dirs(tmp_path: Path, cache_dir: Path) -> tuple[Path, Path]:
    return tmp_path / "data", cache_dir


def test_chat_greets_first_and_offers_this_machines_zone(dirs):
    data, cache = dirs
    chat = Chat(data, cache, now=START, tz="Asia/Tokyo")
    first = chat.until(lambda line: "2. Not now" in line)
    assert first[0].startswith("utp> Hi alice! I'm UTP")  # nothing was typed yet
    chat.type("1")
    chat.until(lambda line: texts.SLOT_OTHER in line)
    chat.type("1")
    zones = chat.until(lambda line: texts.ZONE_TYPE in line)
    assert zones[1].strip() == "1. Asia/Tokyo", zones
    chat.type("1")
    done = chat.until(lambda line: first_prompt().text[-20:] in line)
    assert any("(Asia/Tokyo)" in line for line in done)
    chat.close()
    # Back later, the question still open: a one-line hello that repeats it.
    again = Chat(data, cache, now=START, tz="Asia/Tokyo").close()
    assert again.splitlines() == [
        "utp> " + texts.HELLO_QUESTION.format(name="alice", prompt=first_prompt().text)
    ]


def test_no_question_twice_and_a_new_story_stays_a_new_note(dirs, tmp_path):
    data, cache = dirs
    chat = Chat(data, cache, now=START)
    chat.onboard()
    note_a = (
        "This week I fixed the brakes on my bike and built a small shelf for my room. "
        "It was hard but I finished it."
    )
    answer_a = "I watched a video first and asked my dad to hold the wood while I measured."
    story_b = "I taught my little sister to play chess, and she beat me once already."
    answer_b = "She asked lots of questions about how the knight moves, so I drew it on paper."
    note_c = "On Friday I helped at the food bank and packed boxes with two new friends."
    asked: list[str] = []
    asked += chat.write(note_a)
    assert asked, chat.seen[-10:]  # a fresh note always gets a question
    asked += chat.write(answer_a)  # soon after, while the question is open: joins note A
    asked += chat.write("new note: " + story_b)
    asked += chat.write(answer_b)
    chat.type("that's a new story")  # ...the answer was a story of its own after all
    chat.until(lambda line: texts.NEW_NOTE_SPLIT in line)
    chat.type("/help")  # let the quiet second look at both notes finish printing
    chat.until(lambda line: HELP_LAST in line)
    asked += chat.write(note_c)
    chat.close()

    assert len(asked) >= 3, asked
    assert len(asked) == len(set(asked)), f"a question came twice: {asked}"

    # Later the same evening, past the join window: a reply is a new note, not part of C.
    later = Chat(data, cache, now=LATER)
    hello = later.until(lambda line: line.startswith("utp> Hi again, alice!"))
    assert len(hello) == 1
    late = "The café on the corner finally reopened and I tried their lemon cake."
    asked += later.write(late)
    later.close()
    assert len(asked) == len(set(asked)), f"a question came twice: {asked}"

    entries = export_entries(data, cache, tmp_path / "out")
    joined = [e for e in entries if note_a in e]
    assert len(joined) == 1 and answer_a in joined[0]  # the answer joined its note
    assert story_b in entries  # "new note:" split it off, marker gone
    assert answer_b in entries  # "that's a new story" made the answer its own note
    assert not any(note_c in e and late in e for e in entries)
    assert late in entries
