"""Start-up time of `utp` commands, side by side with a bare `python -c pass`.

    python bench/startup.py            # 7 runs each, medians
    python bench/startup.py --runs 15

Targets (issue 14): `utp --help` <= 0.3 s, `utp verify FILE` <= 1 s, and the first words of
`utp chat` <= 1 s with a warm cache (the offline model and the ESCO data already on disk; a known
person, so the first words are the one-line hello). The machine may be loaded: compare each
figure with the `python -c pass` anchor measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CREDENTIAL = ROOT / "tests" / "ler" / "examples" / "ob3" / "simple.json"
TARGETS = {"python -c pass": None, "utp --help": 0.3, "utp verify FILE": 1.0}
CHAT_TARGET = 1.0


def _timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    return time.perf_counter() - start


def _first_words(env: dict[str, str]) -> float:
    """Seconds from start until `utp chat` prints its first byte (stdin left open)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "chat", "--as", "bench"],
        env=env,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None and proc.stdin is not None
    proc.stdout.read(1)
    took = time.perf_counter() - start
    proc.stdin.close()
    proc.stdout.read()
    proc.wait(timeout=120)
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="utp-startup-"))
    env = {**os.environ, "UTP_DATA_DIR": str(data)}
    for name in ("DATABASE_URL", "OPENAI_API_KEY", "TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN"):
        env.pop(name, None)
    py = sys.executable
    commands = {
        "python -c pass": [py, "-c", "pass"],
        "utp --help": [py, "-m", "bot.cli", "--help"],
        "utp verify FILE": [py, "-m", "bot.cli", "verify", str(CREDENTIAL)],
    }
    # Warm the caches once: the database is made and migrated, the person is met.
    _first_words(env)
    for argv in commands.values():
        _timed(argv, env)
    results: dict[str, list[float]] = {name: [] for name in [*commands, "utp chat: first words"]}
    for _ in range(max(1, args.runs)):  # interleaved, so load changes hit every command alike
        for name, argv in commands.items():
            results[name].append(_timed(argv, env))
        results["utp chat: first words"].append(_first_words(env))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    anchor = statistics.median(results["python -c pass"])
    print(f"{args.runs} runs each, medians; load average {load:.1f} on {os.cpu_count()} cores")
    print(f"{'command':<24}{'median s':>10}{'x pass':>9}{'target s':>10}")
    for name, times in results.items():
        median = statistics.median(times)
        target = TARGETS.get(name, CHAT_TARGET)
        shown = f"{target:.1f}" if target else "-"
        print(f"{name:<24}{median:>10.3f}{median / anchor:>9.1f}{shown:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
