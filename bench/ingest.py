"""Capture-path throughput: messages/s through handler → store entry + job + reply (outbox).

Extraction is excluded (its jobs are left queued). Runs on SQLite (embedded default) and on the
local PostgreSQL, one asyncio task, and prints for each: messages/s, the CPU this process spent
per captured message (process CPU, not wall time: the figure that survives a busy machine), on
PostgreSQL the CPU its server backend spent too, and the database round trips per message.

    python bench/ingest.py [--messages 3000] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
    python bench/ingest.py --compare-with ../other-checkout [--rounds 3]
    python bench/ingest.py --compare-sealing [--rounds 3]

`--compare-with DIR` runs this same bench against the code of another checkout (e.g. the base
commit in a temporary worktree) and this one, alternating rounds in fresh processes, and prints a
before/after table of medians: ratios measured in one run hold on a noisy machine.

`--compare-sealing` measures what sealing at rest costs on this path: each round runs with the
person's words sealed (as UTP runs) and with a no-op sealer (for this comparison only).

Round trips are counted by a loopback proxy in front of PostgreSQL (a separate, shorter pass:
the proxy's own CPU never enters the CPU figures).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve()
# `--code DIR` (used by --compare-with) measures another checkout's code with this script.
ROOT = Path(os.environ.get("UTP_BENCH_CODE") or HERE.parents[1]).resolve()
sys.path.insert(0, str(ROOT))

_spec = importlib.util.spec_from_file_location("utp_bench_pgwire", HERE.parent / "pgwire.py")
assert _spec is not None and _spec.loader is not None
pgwire = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pgwire)

from bot.bootstrap import bootstrap  # noqa: E402
from bot.settings import Settings  # noqa: E402
from passport.messages import Address, Inbound  # noqa: E402
from passport.signals import ExtractionResult  # noqa: E402

TEXT = "Today I helped my team fix the build and wrote the release notes."


class NoExtractor:
    """Extraction is not part of the capture path."""

    name = "none"

    async def extract(self, text: str, *, rank: int = 0) -> ExtractionResult:
        return ExtractionResult()


async def measure(
    database_url: str | None,
    messages: int,
    people: int,
    *,
    sealing: bool = True,
    backend_url: str | None = None,
) -> dict[str, float]:
    """Capture `messages` notes from `people` onboarded people; rate and CPU per message."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            utp_data_dir=Path(tmp),
            utp_cache_dir=Path(tmp) / "cache",
            database_url=database_url,
            utp_secret_key="bench",
        )
        app = await bootstrap(settings, extractor=NoExtractor())
        if not sealing:
            from storage.sealing import NullSealer, install_sealer

            install_sealer(app.engine, NullSealer())
        try:
            handle = app.conversation.handle
            addresses = [Address("console", f"user{i}", f"user{i}") for i in range(people)]
            for address in addresses:  # onboard everyone first (not measured)
                for step in (
                    dict(text="hi"),
                    dict(action="consent:yes"),
                    dict(action="slot:6:18"),
                    dict(action="tz:Europe/Berlin"),
                ):
                    await handle(Inbound(address=address, message_id=uuid.uuid4().hex, **step))
            for n in range(min(people, 20)):  # warm-up: statement caches, key caches
                await handle(Inbound(address=addresses[n], message_id=f"w{n}", text=TEXT))
            pg_before = await pgwire.backend_cpu(backend_url) if backend_url else 0.0
            cpu_before = time.process_time()
            start = time.perf_counter()
            for n in range(messages):
                address = addresses[n % people]
                replies = await handle(Inbound(address=address, message_id=f"m{n}", text=TEXT))
                assert replies
            elapsed = time.perf_counter() - start
            cpu = time.process_time() - cpu_before
            pg_cpu = (await pgwire.backend_cpu(backend_url) - pg_before) if backend_url else 0.0
        finally:
            await app.close()
    return {
        "rate": messages / elapsed,
        "cpu_ms": 1000 * cpu / messages,
        "pg_cpu_ms": 1000 * pg_cpu / messages,
    }


async def run_one(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """Every figure for this checkout: {"SQLite": {...}, "PostgreSQL": {...}}."""
    results: dict[str, dict[str, float]] = {}
    if args.db in ("sqlite", "both"):
        results["SQLite"] = await measure(None, args.messages, args.people)
    if args.db in ("pg", "both"):
        url = await pgwire.create_pg(args.pg)
        try:
            results["PostgreSQL"] = await measure(url, args.messages, args.people, backend_url=url)
        finally:
            await pgwire.drop_pg(args.pg, url)
        if args.round_trip_messages:
            results["PostgreSQL"]["round_trips"] = await count_round_trips(
                args.pg, args.round_trip_messages, args.people
            )
    return results


async def count_round_trips(admin: str, messages: int, people: int) -> float:
    """Round trips per message: the proxy's count across the measured loop only."""
    url = await pgwire.create_pg(admin)
    proxy = pgwire.RoundTripProxy()
    await proxy.start()
    marks: list[int] = []
    real = pgwire.backend_cpu

    async def mark(_url: str) -> float:  # `measure` calls this right before and after its loop
        marks.append(proxy.round_trips)
        return 0.0

    pgwire.backend_cpu = mark
    try:
        await measure(proxy.url(url), messages, people, backend_url=url)
    finally:
        pgwire.backend_cpu = real
        await proxy.stop()
        await pgwire.drop_pg(admin, url)
    return (marks[1] - marks[0]) / messages


def show(results: dict[str, dict[str, float]]) -> None:
    for name, r in results.items():
        line = f"{name:10}  {r['rate']:7.0f} messages/s   CPU {r['cpu_ms']:6.2f} ms/message"
        if name == "PostgreSQL":
            line += f" (+ server {r['pg_cpu_ms']:.2f} ms)"
            if "round_trips" in r:
                line += f"   {r['round_trips']:.1f} round trips/message"
        print(line)


async def compare_with(args: argparse.Namespace) -> None:
    """This checkout and another one, alternating in fresh processes; medians side by side."""
    other = Path(args.compare_with).resolve()
    trees = {"before": other, "after": ROOT}
    runs: dict[str, list[dict[str, dict[str, float]]]] = {k: [] for k in trees}
    for _ in range(args.rounds):
        for label, tree in trees.items():
            argv = [sys.executable, str(HERE), "--json", "--db", args.db]
            argv += ["--messages", str(args.messages), "--people", str(args.people)]
            argv += ["--pg", args.pg, "--round-trip-messages", str(args.round_trip_messages)]
            env = {**os.environ, "UTP_BENCH_CODE": str(tree), "PYTHONPATH": str(tree)}
            out = subprocess.run(argv, env=env, check=True, capture_output=True, text=True)
            runs[label].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"before: {other}\nafter:  {ROOT}\n{args.rounds} rounds each, medians, alternating")
    print(f"{'':11}{'':8}{'msg/s':>8}{'CPU ms/msg':>12}{'server ms':>11}{'round trips':>13}")
    for db in runs["after"][0]:
        for label in trees:
            cells = [r[db] for r in runs[label]]

            def med(key: str, cells: list[dict[str, float]] = cells) -> float:
                return statistics.median(c.get(key, float("nan")) for c in cells)

            server = f"{med('pg_cpu_ms'):11.2f}" if db == "PostgreSQL" else f"{'':11}"
            trips = f"{med('round_trips'):13.1f}" if db == "PostgreSQL" else ""
            print(f"{db:11}{label:8}{med('rate'):8.0f}{med('cpu_ms'):12.2f}{server}{trips}")
        b = statistics.median(r[db]["cpu_ms"] for r in runs["before"])
        a = statistics.median(r[db]["cpu_ms"] for r in runs["after"])
        print(f"{db:11}CPU per message after/before: {a / b:.2f}")


async def compare_sealing(args: argparse.Namespace) -> None:
    """Sealed vs not sealed, alternating rounds on each database; medians and the ratio."""
    for name in ("SQLite", "PostgreSQL"):
        rates: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(args.rounds):
            for sealing in (True, False):
                url = await pgwire.create_pg(args.pg) if name == "PostgreSQL" else None
                try:
                    result = await measure(url, args.messages, args.people, sealing=sealing)
                    rates[sealing].append(result["rate"])
                finally:
                    if url:
                        await pgwire.drop_pg(args.pg, url)
        sealed, plain = statistics.median(rates[True]), statistics.median(rates[False])
        print(
            f"{name:10}  sealed {sealed:7.0f} msgs/s   not sealed {plain:7.0f} msgs/s   "
            f"cost {100 * (1 - sealed / plain):5.1f} %   (rounds: "
            + ", ".join(f"{a:.0f}/{b:.0f}" for a, b in zip(rates[True], rates[False], strict=True))
            + ")"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--db", choices=("sqlite", "pg", "both"), default="both")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--round-trip-messages", type=int, default=200, help="0: not counted")
    parser.add_argument("--compare-with", metavar="DIR", help="another checkout to compare")
    parser.add_argument("--compare-sealing", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="one JSON line (for --compare-with)")
    args = parser.parse_args()
    if args.compare_with:
        await compare_with(args)
    elif args.compare_sealing:
        await compare_sealing(args)
    else:
        results = await run_one(args)
        print(json.dumps(results)) if args.json else show(results)


if __name__ == "__main__":
    asyncio.run(main())
