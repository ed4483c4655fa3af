"""Capture-path throughput: messages/s through handler → store entry + job → reply.

Extraction is excluded (its jobs are left queued). Runs on SQLite (embedded default) and on the
local PostgreSQL, one asyncio task (one core), and prints both rates and their ratio.

    python bench/ingest.py [--messages 3000] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
    python bench/ingest.py --compare-sealing [--rounds 3]

`--compare-sealing` measures what sealing at rest costs on this path: each round runs SQLite and
PostgreSQL with the person's words sealed (as UTP runs) and with a no-op sealer (for this
comparison only), alternating, and prints the medians and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bootstrap import bootstrap  # noqa: E402
from bot.settings import Settings  # noqa: E402
from passport.messages import Address, Inbound  # noqa: E402
from passport.signals import ExtractionResult  # noqa: E402
from storage.sealing import NullSealer, install_sealer  # noqa: E402


class NoExtractor:
    """Extraction is not part of the capture path."""

    name = "none"

    async def extract(self, text: str, *, rank: int = 0) -> ExtractionResult:
        return ExtractionResult()


async def measure(
    database_url: str | None, messages: int, people: int, *, sealing: bool = True
) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            utp_data_dir=Path(tmp),
            utp_cache_dir=Path(tmp) / "cache",
            database_url=database_url,
            utp_secret_key="bench",
        )
        app = await bootstrap(settings, extractor=NoExtractor())
        if not sealing:
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
            text = "Today I helped my team fix the build and wrote the release notes."
            start = time.perf_counter()
            for n in range(messages):
                address = addresses[n % people]
                replies = await handle(Inbound(address=address, message_id=f"m{n}", text=text))
                assert replies
            elapsed = time.perf_counter() - start
        finally:
            await app.close()
    return messages / elapsed


async def create_pg(admin: str) -> str:
    import asyncpg

    name = f"utp_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return admin.rsplit("/", 1)[0] + "/" + name


async def drop_pg(admin: str, url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin)
    await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--compare-sealing", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.compare_sealing:
        await compare_sealing(args)
        return
    sqlite_rate = await measure(None, args.messages, args.people)
    print(f"SQLite:     {sqlite_rate:8.0f} messages/s  (target >= 1000)")
    pg_url = await create_pg(args.pg)
    try:
        pg_rate = await measure(pg_url, args.messages, args.people)
    finally:
        await drop_pg(args.pg, pg_url)
    print(f"PostgreSQL: {pg_rate:8.0f} messages/s")
    print(f"ratio PostgreSQL / SQLite: {pg_rate / sqlite_rate:.2f}")


async def compare_sealing(args: argparse.Namespace) -> None:
    """Sealed vs not sealed, alternating rounds on each database; medians and the ratio."""
    import statistics

    for name in ("SQLite", "PostgreSQL"):
        rates: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(args.rounds):
            for sealing in (True, False):
                url = await create_pg(args.pg) if name == "PostgreSQL" else None
                try:
                    rates[sealing].append(
                        await measure(url, args.messages, args.people, sealing=sealing)
                    )
                finally:
                    if url:
                        await drop_pg(args.pg, url)
        sealed, plain = statistics.median(rates[True]), statistics.median(rates[False])
        print(
            f"{name:10}  sealed {sealed:7.0f} msgs/s   not sealed {plain:7.0f} msgs/s   "
            f"cost {100 * (1 - sealed / plain):5.1f} %   (rounds: "
            + ", ".join(f"{a:.0f}/{b:.0f}" for a, b in zip(rates[True], rates[False], strict=True))
            + ")"
        )


if __name__ == "__main__":
    asyncio.run(main())
