"""`utp extract` end to end as a subprocess (offline extractor, no network)."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _command() -> list[str]:
    # The full `utp` CLI imports every subcommand; fall back to the module on its own while
    # a sibling subcommand is still missing.
    try:
        importlib.import_module("bot.cli").build_parser()
    except ImportError:
        return [sys.executable, "-m", "bot.commands.extract"]
    return [sys.executable, "-m", "bot.cli", "extract"]


def _run(args: list[str], stdin: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "UTP_LLM"))}
    env.update(UTP_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [*_command(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_jsonl_stream_in_order_with_bad_lines(index_cache_dir: Path) -> None:
    lines = [
        json.dumps({"id": "a", "text": "I wrote a Python script that scrapes timetables."}),
        "this is not json",
        "",
        json.dumps({"id": 7, "text": 42}),
        json.dumps(["no", "object"]),
        json.dumps({"id": "b", "text": "Busy week, nothing much."}),
        json.dumps({"id": "c", "text": "Diese Woche habe ich die Datenbank migriert."}),
    ]
    proc = _run(["--jsonl", "--rank", "3"], "\n".join(lines) + "\n", index_cache_dir)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", None, 7, None, "b", "c"]
    assert "Python (computer programming)" in [s["label"] for s in out[0]["skills"]]
    assert len(out[0]["ranking"]) == 3
    assert all("error" in o for o in out[1:4])
    assert out[4]["skills"] == [] and out[4]["extractor"] == "offline"
    assert out[5]["notes"]


def test_single_text_prints_result_json(index_cache_dir: Path) -> None:
    proc = _run(
        ["--extractor", "offline", "I gave first aid to a child at camp."], "", index_cache_dir
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert set(result) >= {"skills", "strengths", "interests", "growth", "extractor", "tokens"}
    assert "provide first aid" in [s["label"] for s in result["skills"]]


def test_forcing_llm_without_key_is_a_usage_error(index_cache_dir: Path) -> None:
    proc = _run(["--extractor", "llm", "hello"], "", index_cache_dir)
    assert proc.returncode == 2
    assert "OPENAI_API_KEY" in proc.stderr
