"""Fan-out through the real Telegram channel: one message to each of N chats, against the fake.

The fake Bot API runs in its own process and enforces a global rate limit (a token bucket,
scaled up from Telegram's ~30 msg/s so the run stays short) by answering 429 with
`retry_after`. The channel sends through PTB's `AIORateLimiter` set just under that limit
(`--margin`); a send that still fails transiently is retried after `retry_after`, as the
durable `send` job would.

    /work/venv/bin/python bench/telegram_fanout.py [--chats 10000] [--limit 300]

Prints the achieved rate as a fraction of the limit, and messages lost and duplicated. The
bucket lets one second's worth through at once, so over T seconds at most limit * (T + 1)
messages can pass: `fraction_of_allowed` compares with that stricter ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.channels.telegram import TelegramChannel, make_bot  # noqa: E402
from passport.clock import SystemClock  # noqa: E402
from passport.errors import TransientDeliveryError  # noqa: E402
from passport.messages import Address, Outbound  # noqa: E402

TOKEN = "123:ABC"


async def start_fake(limit: float) -> tuple[asyncio.subprocess.Process, int, int]:
    """The fake Bot API in its own process (so it does not share a core with the sender)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.telegram_api",
        str(limit),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    ports = json.loads(await proc.stdout.readline())
    return proc, ports["port"], ports["stats_port"]


async def fan_out(chats: int, limit: float, concurrency: int, margin: float) -> dict[str, float]:
    """Send one message per chat; returns the figures."""
    proc, port, stats_port = await start_fake(limit)
    bot = make_bot(
        TOKEN,
        f"http://127.0.0.1:{port}/bot",
        f"http://127.0.0.1:{port}/file/bot",
        overall_rate=limit * margin,
        pool_size=concurrency,
        max_retries=5,
    )
    channel = TelegramChannel(bot, uow=None, clock=SystemClock())  # no migrations here
    gate = asyncio.Semaphore(concurrency)
    retried = 0

    async def one(chat: int) -> None:
        nonlocal retried
        address = Address("telegram", str(chat), str(chat))
        message = Outbound(text=f"Your weekly question, chat {chat}: what did you learn?")
        async with gate:
            while True:
                try:
                    await channel.send(address, [message])
                    return
                except TransientDeliveryError as exc:  # what the durable send job would do
                    retried += 1
                    await asyncio.sleep(exc.retry_after or 1)

    try:
        await channel.send(Address("telegram", "1", "1"), [Outbound(text="warm-up")])
        await asyncio.sleep(1.2)  # let the fake's bucket refill after the warm-up
        started = time.perf_counter()
        await asyncio.gather(*(one(chat) for chat in range(1_000_000, 1_000_000 + chats)))
        elapsed = time.perf_counter() - started
        stats = json.loads(urlopen(f"http://127.0.0.1:{stats_port}/_stats").read())
    finally:
        await channel.stop()
        proc.terminate()
        await proc.wait()
    per_chat = stats["per_chat"]
    wanted = [str(chat) for chat in range(1_000_000, 1_000_000 + chats)]
    lost = sum(1 for chat in wanted if per_chat.get(chat, 0) == 0)
    duplicated = sum(per_chat.get(chat, 0) - 1 for chat in wanted if per_chat.get(chat, 0) > 1)
    rate = chats / elapsed
    return {
        "chats": chats,
        "limit_per_s": limit,
        "client_limit_per_s": limit * margin,
        "seconds": round(elapsed, 2),
        "achieved_per_s": round(rate, 1),
        "fraction_of_limit": round(rate / limit, 3),
        "fraction_of_allowed": round(chats / (limit * (elapsed + 1)), 3),
        "lost": lost,
        "duplicated": duplicated,
        "answered_429": stats["rate_limited"],
        "job_retries": retried,
    }


def main() -> None:
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--limit", type=float, default=300.0, help="the fake's global msg/s")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--margin",
        type=float,
        default=0.98,
        help="the channel's limiter runs at this fraction of the limit, so "
        "network jitter does not turn into 429 pauses",
    )
    args = parser.parse_args()
    figures = asyncio.run(fan_out(args.chats, args.limit, args.concurrency, args.margin))
    for key, value in figures.items():
        print(f"{key:>18}: {value}")


if __name__ == "__main__":
    main()
