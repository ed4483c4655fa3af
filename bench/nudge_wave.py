"""One weekly nudge wave for many people through a rate-limited fake channel.

Everyone's weekly slot (their own weekday and hour, in one of 24 time zones) came due within the
last hour, so the whole population is due at once: the worst burst a wave can be. Workers run
the real scheduler tick and the real job runner against PostgreSQL (or SQLite), as separate
processes; a fake platform on 127.0.0.1 with one token bucket for every worker stands for a
platform's per-bot limit. Printed:

- scheduler CPU per nudge (the tick runs in its own thread, measured with `time.thread_time`),
- whole-process CPU per nudge (scheduler + jobs + delivery),
- wave time against the limit-bound ideal (people / rate), as a percentage,
- duplicates and missed people, counted at the channel and in the database;

and again with two workers where one is SIGKILLed mid-wave and restarted.

    python bench/nudge_wave.py [--people 100000] [--rate 150] [--concurrency 8] [--sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select  # noqa: E402

from bot.bootstrap import App, bootstrap  # noqa: E402
from bot.channels.base import Channel  # noqa: E402
from bot.scheduler import Scheduler  # noqa: E402
from bot.settings import Settings  # noqa: E402
from passport.clock import SystemClock  # noqa: E402
from passport.signals import ExtractionResult  # noqa: E402
from storage.engine import make_engine, make_sessionmaker  # noqa: E402
from storage.models import IdentityRow, NudgeRow, PersonRow  # noqa: E402

ZONES = (
    "Pacific/Auckland",
    "Australia/Sydney",
    "Asia/Tokyo",
    "Asia/Shanghai",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Dubai",
    "Europe/Moscow",
    "Africa/Nairobi",
    "Europe/Berlin",
    "Europe/London",
    "Atlantic/Azores",
    "America/Sao_Paulo",
    "America/St_Johns",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Pacific/Honolulu",
    "Asia/Singapore",
    "Africa/Lagos",
    "Asia/Tehran",
    "Europe/Istanbul",
    "America/Mexico_City",
)
LEASE = timedelta(seconds=5)


class NoExtractor:
    """Extraction plays no part in a nudge wave."""

    name = "none"

    async def extract(self, text: str, *, rank: int = 0) -> ExtractionResult:
        return ExtractionResult()


class PlatformServer:
    """A fake platform API on 127.0.0.1 with one limit for every worker (like a bot token's).

    Each request is a line with the person's user id. Within the limit the message is taken
    (counted) and the answer is "ok"; over it, nothing is taken and the answer is "wait S", like
    Telegram's 429 `retry_after`, which the client honours before trying again (as PTB's rate
    limiter does). Workers are separate processes, so a SIGKILLed worker loses exactly what a
    real one would.
    """

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.capacity = burst
        self.tokens = burst
        self.stamp = time.monotonic()
        self.sent: Counter[str] = Counter()
        self.refused = 0
        self.last = 0.0

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    def _take(self) -> float:
        """0 when a message may go now, else the seconds until one may."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                wait = self._take()
                if wait:
                    self.refused += 1
                    writer.write(f"wait {wait:.6f}\n".encode())
                else:
                    self.sent[line.decode().strip()] += 1
                    self.last = time.monotonic()
                    writer.write(b"ok\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        self.server.close()


class LoopbackChannel(Channel):
    """The workers' side: weekly questions go to the fake platform over persistent sockets."""

    platform = "bench"

    def __init__(self, port: int, connections: int) -> None:
        self.port = port
        self.connections = connections
        self.pool: asyncio.Queue | None = None

    async def send(self, address, messages) -> None:
        if self.pool is None:
            self.pool = asyncio.Queue()
            for _ in range(self.connections):
                self.pool.put_nowait(await asyncio.open_connection("127.0.0.1", self.port))
        if not any(m.text.startswith("Your weekly question") for m in messages):
            return
        reader, writer = await self.pool.get()
        try:
            while True:
                writer.write(f"{address.user_id}\n".encode())
                await writer.drain()
                answer = (await reader.readline()).decode().split()
                if answer and answer[0] == "ok":
                    return
                await asyncio.sleep(float(answer[1]) if len(answer) > 1 else 0.01)
        finally:
            self.pool.put_nowait((reader, writer))


async def make_database(args: argparse.Namespace, tmp: Path) -> tuple[str | None, str | None]:
    """(DATABASE_URL, name of a throwaway PostgreSQL database to drop) for this run."""
    if args.sqlite:
        return None, None
    import asyncpg

    name = f"utp_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(args.pg)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return f"{args.pg.rsplit('/', 1)[0]}/{name}", name


async def drop_database(args: argparse.Namespace, name: str | None) -> None:
    if name is None:
        return
    import asyncpg

    conn = await asyncpg.connect(args.pg)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


async def populate(app: App, people: int, now: datetime) -> None:
    """People whose slot (own weekday and hour, local) fell within the last hour."""
    from zoneinfo import ZoneInfo

    rows, idents = [], []
    for i in range(people):
        tz = ZONES[i % len(ZONES)]
        local = now.astimezone(ZoneInfo(tz))
        slot = local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
        rows.append(
            dict(
                id=i + 1,
                display_name="",
                created_at=now,
                consented=True,
                active=True,
                onboarded=True,
                state={},
                weekday=local.weekday(),
                hour=local.hour,
                timezone=tz,
                paused=False,
                reminders=True,
                digest="off",
                next_nudge_at=slot,
            )
        )
        idents.append(
            dict(
                person_id=i + 1,
                platform="bench",
                workspace="",
                user_id=str(i + 1),
                chat_id=str(i + 1),
                last_seen_at=now,
            )
        )
    async with app.sessionmaker() as session, session.begin():
        for start in range(0, people, 5000):
            await session.execute(insert(PersonRow), rows[start : start + 5000])
            await session.execute(insert(IdentityRow), idents[start : start + 5000])
        if session.bind.dialect.name == "postgresql":
            from sqlalchemy import text

            await session.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('persons', 'id'), (SELECT max(id) FROM "
                    "persons))"
                )
            )


class Worker:
    """A `utp worker` process: the scheduler ticking in its own thread, and the job runner."""

    def __init__(self, settings: Settings, port: int, name: str, concurrency: int) -> None:
        self.settings = settings
        self.port = port
        self.name = name
        self.concurrency = concurrency
        self.sched_cpu = 0.0
        self.nudged = 0
        self.halt = threading.Event()

    async def run(self) -> dict[str, float]:
        import signal

        app = await bootstrap(
            self.settings, clock=SystemClock(), extractor=NoExtractor(), migrate=False
        )
        app.add_channel(LoopbackChannel(self.port, self.concurrency))
        app.jobs.lease = LEASE
        app.runner.concurrency = self.concurrency
        app.runner.poll_seconds = 0.05
        app.runner.worker = self.name
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        url = app.engine.url.render_as_string(hide_password=False)
        thread = threading.Thread(target=lambda: asyncio.run(self._ticks(url, app)), daemon=True)
        cpu0 = time.process_time()
        thread.start()
        await app.runner.run_forever(stop)
        self.halt.set()
        await asyncio.to_thread(thread.join)
        await app.close()
        return {
            "cpu": time.process_time() - cpu0,
            "sched_cpu": self.sched_cpu,
            "nudged": self.nudged,
        }

    async def _ticks(self, url: str, app: App) -> None:
        engine = make_engine(url)
        scheduler = Scheduler(
            make_sessionmaker(engine), SystemClock(), app.services.limits, batch=500
        )
        try:
            while not self.halt.is_set():
                before = time.thread_time()
                report = await scheduler.tick()
                self.sched_cpu += time.thread_time() - before
                self.nudged += report.nudged
                await asyncio.sleep(0.25)
        finally:
            await engine.dispose()


def spawn(
    args: argparse.Namespace, url: str | None, data_dir: str, port: int, name: str
) -> subprocess.Popen:
    """Start a worker process."""
    command = [
        sys.executable,
        __file__,
        "--worker",
        "--name",
        name,
        "--port",
        str(port),
        "--data-dir",
        data_dir,
        "--concurrency",
        str(args.concurrency),
    ]
    if url:
        command += ["--database-url", url]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def bench_settings(url: str | None, data_dir: str) -> Settings:
    # Quiet hours off: everyone's own hour is theirs, wherever it falls.
    return Settings(
        utp_data_dir=Path(data_dir),
        utp_cache_dir=Path(data_dir) / "cache",
        database_url=url,
        utp_secret_key="bench",
        utp_quiet_start=0,
        utp_quiet_end=0,
    )


async def wave(args: argparse.Namespace, *, kill: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        url, dbname = await make_database(args, Path(tmp))
        try:
            settings = bench_settings(url, tmp)
            setup = await bootstrap(settings, extractor=NoExtractor())
            await populate(setup, args.people, datetime.now(UTC))
            await setup.close()
            platform = PlatformServer(args.rate, burst=max(args.rate / 20, 1))
            port = await platform.start()
            t0 = time.monotonic()
            workers = [spawn(args, url, tmp, port, "w1")]
            if kill:
                workers.append(spawn(args, url, tmp, port, "w2"))
            killed = None
            deadline = t0 + args.people / args.rate * 3 + 120
            while len(platform.sent) < args.people and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
                if kill and killed is None and len(platform.sent) >= args.people // 2:
                    killed = workers[0]
                    killed.kill()  # SIGKILL: no clean-up of any kind
                    await asyncio.to_thread(killed.wait)
                    await asyncio.sleep(1.0)
                    workers.append(spawn(args, url, tmp, port, "w1-restarted"))
            wall = platform.last - t0
            # Keep going past a lease, so a re-sent orphaned job would be counted.
            await asyncio.sleep(LEASE.total_seconds() + 2)
            stats = []
            for worker in workers:
                if worker is killed:
                    continue
                worker.terminate()
                out, _ = await asyncio.to_thread(worker.communicate)
                stats.append(json.loads(out.strip().splitlines()[-1]))
            await platform.stop()
            check = await bootstrap(settings, extractor=NoExtractor(), migrate=False)
            async with check.sessionmaker() as session:
                rows = int(await session.scalar(select(func.count()).select_from(NudgeRow)))
                sent_rows = int(
                    await session.scalar(
                        select(func.count()).select_from(NudgeRow).where(NudgeRow.status == "sent")
                    )
                )
            await check.close()
        finally:
            await drop_database(args, dbname)
    ideal = args.people / args.rate
    survivors = sum(s["nudged"] for s in stats) or 1
    return {
        "people": args.people,
        "rate": args.rate,
        "sched_cpu_us": sum(s["sched_cpu"] for s in stats) / survivors * 1e6,
        "cpu_us": sum(s["cpu"] for s in stats) / args.people * 1e6,
        "wall": wall,
        "ideal": ideal,
        "of_limit": 100 * ideal / wall if wall else 0.0,
        "duplicates": sum(n - 1 for n in platform.sent.values() if n > 1),
        "missed": args.people - len(platform.sent),
        "refused": platform.refused,
        "nudge_rows": rows,
        "sent_rows": sent_rows,
        "killed": killed is not None,
    }


def show(title: str, r: dict[str, float]) -> None:
    print(f"{title}: {int(r['people'])} people at {r['rate']:.0f}/s")
    if not r["killed"]:
        print(
            f"  scheduler CPU per nudge: {r['sched_cpu_us']:.0f} µs "
            f"(worker process incl. jobs and delivery: {r['cpu_us']:.0f} µs; "
            "PostgreSQL's own CPU not included)"
        )
    print(
        f"  wave time {r['wall']:.1f} s vs limit-bound ideal {r['ideal']:.1f} s "
        f"= {r['of_limit']:.1f} % of the limit"
    )
    print(
        f"  duplicates {int(r['duplicates'])}, missed {int(r['missed'])} "
        f"(nudge rows {int(r['nudge_rows'])}, marked sent {int(r['sent_rows'])})"
    )


async def _deliver_to(self, address, messages) -> None:
    """The proposed `ChannelDelivery.deliver_to` (send to an address looked up in bulk)."""
    from passport.errors import TransientDeliveryError

    channel = self.channels.get(address.platform)
    if channel is None:
        raise TransientDeliveryError(f"no {address.platform} channel here", retry_after=60)
    await channel.send(address, messages)


async def worker_main(args: argparse.Namespace) -> None:
    if args.deliver_to:
        from bot.delivery import ChannelDelivery

        if not hasattr(ChannelDelivery, "deliver_to"):
            ChannelDelivery.deliver_to = _deliver_to  # type: ignore[attr-defined]
    worker = Worker(
        bench_settings(args.database_url, args.data_dir), args.port, args.name, args.concurrency
    )
    print(json.dumps(await worker.run()), flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=150.0, help="platform limit, sends/s")
    parser.add_argument("--concurrency", type=int, default=8, help="jobs in flight per worker")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sqlite", action="store_true", help="the embedded default instead")
    parser.add_argument("--only", choices=("plain", "kill"), default=None)
    parser.add_argument(
        "--deliver-to",
        action="store_true",
        help="measure with the proposed ChannelDelivery.deliver_to (bulk address "
        "lookup) when bot/delivery.py does not have it yet",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--name", default="w1", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", default="", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        await worker_main(args)
        return
    from bot.delivery import ChannelDelivery

    bulk = args.deliver_to or hasattr(ChannelDelivery, "deliver_to")
    print(
        f"database: {'SQLite' if args.sqlite else 'PostgreSQL'}; zones: {len(ZONES)}; "
        f"{args.concurrency} jobs in flight per worker; addresses "
        f"{'in bulk (deliver_to)' if bulk else 'one lookup per person (deliver)'}"
    )
    if args.only in (None, "plain"):
        show("one worker", await wave(args, kill=False))
    if args.only in (None, "kill"):
        show("two workers, one SIGKILLed mid-wave and restarted", await wave(args, kill=True))


if __name__ == "__main__":
    asyncio.run(main())
