"""Slack acks under load: how long the real slack-bolt app in `utp web` takes to answer 200.

Slack wants the HTTP 200 for every event and slash command within 3 s and retries otherwise;
UTP aims at 1 s. This bench starts `utp web` and `utp worker` on a throwaway PostgreSQL database
against the fake Slack Web API, onboards members who each write a few notes (so `/passport
digest` has a chart to draw), then, with `--load` busy processes running beside it (load >= 4 on
top of whatever the machine does), sends signed `/passport digest` commands and DM message
events, `--in-flight` at a time, and prints p50 / p95 / max of the time to the 200 for each kind.

    python bench/slack_ack.py [--requests 200] [--load 4] [--in-flight 4] [--code DIR]

`--code DIR` runs the processes from another checkout, for a before/after pair in one sitting.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp import ClientSession, ClientTimeout  # noqa: E402

from bench import soak  # noqa: E402
from bench.pgwire import create_pg, drop_pg  # noqa: E402

BUSY = "while True:\n    sum(range(10000))\n"


async def busy(count: int) -> list[asyncio.subprocess.Process]:
    """`count` processes that only burn CPU (the background load)."""
    return [await asyncio.create_subprocess_exec(sys.executable, "-c", BUSY) for _ in range(count)]


def summary(name: str, values: list[float]) -> str:
    values = sorted(values)
    p95 = values[max(0, int(len(values) * 0.95) - 1)]
    return (
        f"{name:8} n={len(values):4}  p50 {statistics.median(values) * 1000:6.0f} ms  "
        f"p95 {p95 * 1000:6.0f} ms  max {values[-1] * 1000:6.0f} ms  "
        f"over 1 s: {sum(v > 1 for v in values)}"
    )


async def measure(run: soak.Soak, requests: int, in_flight: int) -> dict[str, list[float]]:
    """Send `requests` (alternating digest commands and DM notes); ack latency by kind."""
    latencies: dict[str, list[float]] = {"command": [], "event": []}
    queue = list(range(requests))

    async def one(n: int) -> None:
        user = run.slack_users[n % len(run.slack_users)]
        if n % 2:
            body = urlencode(
                {
                    "token": "legacy",
                    "team_id": soak.TEAM,
                    "team_domain": "soak",
                    "channel_id": "C1",
                    "user_id": user,
                    "command": "/passport",
                    "text": "digest",
                    "api_app_id": "AUTP",
                    "trigger_id": f"trig{next(run.ids)}",
                    "response_url": "https://hooks.slack.invalid/x",
                }
            )
            took = await run.post_slack(body, "application/x-www-form-urlencoded", None)
            latencies["command"].append(took)
        else:
            envelope, _ = run.message_event(user, soak.NOTE.format(token=f"ack-{n}"))
            took = await run.post_slack(
                json.dumps(envelope), "application/json", envelope["event_id"]
            )
            latencies["event"].append(took)

    async def worker() -> None:
        while queue:
            await one(queue.pop())

    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return latencies


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--load", type=int, default=4, help="busy processes beside the bot")
    parser.add_argument("--in-flight", type=int, default=4)
    parser.add_argument("--people", type=int, default=8)
    parser.add_argument("--notes", type=int, default=4, help="notes each member writes first")
    parser.add_argument("--webs", type=int, default=1)
    parser.add_argument("--code", type=Path, help="run the processes from another checkout")
    parser.add_argument("--profile", type=Path, help="write the web process's CPU profile here")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--cache-dir", type=Path, default=Path.home() / ".cache" / "utp")
    args = parser.parse_args()
    if args.code:
        soak.CODE = args.code.resolve()
    if args.profile:
        soak.PROFILE_DIR = args.profile.resolve()
        soak.PROFILE_DIR.mkdir(parents=True, exist_ok=True)
    options = argparse.Namespace(
        telegram_people=0, slack_people=args.people, cache_dir=args.cache_dir, lease=5.0
    )
    db = await create_pg(args.pg, "utp_ack")
    burners: list[asyncio.subprocess.Process] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run = soak.Soak(options, db, Path(tmp))
            async with ClientSession(timeout=ClientTimeout(total=30)) as session:
                run.session = session
                await run.start_fakes()
                try:
                    await run.start_procs(webs=args.webs, workers=1)
                    await run.onboard()
                    notes = [run.note("slack") for _ in range(args.people * args.notes)]
                    await asyncio.gather(*notes)
                    await run.drain(120)
                    await asyncio.sleep(5)  # the worker extracts the notes (charts need them)
                    burners = await busy(args.load)
                    await asyncio.sleep(3)
                    run.sent.ack_latency["slack"] = []
                    start = time.monotonic()
                    latencies = await measure(run, args.requests, args.in_flight)
                    elapsed = time.monotonic() - start
                    load = os.getloadavg()[0]
                finally:
                    for p in burners:
                        p.kill()
                        await p.wait()
                    for p in run.procs:
                        await p.stop()
                    await run.slack.stop()
                    await run.tg.close()
    finally:
        await drop_pg(args.pg, db)
    print(
        f"Slack acks: {args.requests} requests in {elapsed:.0f} s, {args.in_flight} in flight, "
        f"{args.webs} web + 1 worker, {args.load} busy processes; load average {load:.1f} "
        f"on {os.cpu_count()} cores; code: {soak.CODE}"
    )
    for kind, values in latencies.items():
        if values:
            print(summary(kind, values))
    print(f"retried by 'Slack' (no 200 within 3 s): {run.sent.retries['slack']}")


if __name__ == "__main__":
    asyncio.run(main())
