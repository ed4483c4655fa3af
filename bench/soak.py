"""Soak: mixed traffic against PostgreSQL while `web` and `worker` processes are SIGKILLed.

Two `utp web` and two `utp worker` processes share a throwaway PostgreSQL database. This script
plays Telegram (webhook updates, redelivered on anything but 2xx, like Telegram), Slack (signed
events, retried with `X-Slack-Retry-Num` when the 200 does not come within 3 s, like Slack) and
people at terminals (`utp chat` sessions), and serves the fake Bot API and Web API the bot
answers through. Every ~20 s it SIGKILLs a random process and starts it again. At the end it
waits for the outbox to drain and prints what was sent, stored, answered, duplicated and lost,
the Slack / Telegram ack latencies, and the capture throughput. Then a capture burst measures
messages/s with four `web` processes and the CPU they spend per captured message.

    python bench/soak.py [--minutes 3] [--rate 40] [--burst 4000] [--pg ADMIN_DSN]
    python bench/soak.py --phases burst [--code ../base-checkout]   # the capture burst alone

`--code DIR` runs the `web`/`worker` processes from another checkout (the fakes and this script
stay), so a before/after pair can be measured back to back on the same machine.

Loaded machines: compare figures within one run (the burst's rate and CPU per message are
measured in the same run as everything else); the script prints the load average it saw.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CODE = ROOT  # where the web / worker processes run from (`--code`)
PROFILE_DIR: Path | None = None  # cProfile output of each web process (`--profile`)

from aiohttp import ClientError, ClientSession, ClientTimeout  # noqa: E402
from slack_sdk.signature import SignatureVerifier  # noqa: E402

from bench.pgwire import backend_cpu, cpu_seconds, create_pg, drop_pg  # noqa: E402
from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

TG_TOKEN = "123:SOAK"
TG_SECRET = "soak_webhook_secret"
SLACK_TOKEN = "xoxb-soak"
SLACK_SECRET = "soak-signing-secret"
TEAM = "TSOAK"
NOTE = "I organised the team meeting, wrote the minutes and fixed the build ({token})."
ACKS = ("Got it", "Saved", "Kept.")


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass
class Proc:
    """One `utp web` or `utp worker` process, restartable."""

    kind: str
    env: dict[str, str]
    log: Path
    port: int | None = None
    proc: asyncio.subprocess.Process | None = None
    ready: bool = False
    kills: int = 0
    cpu: float = 0.0  # CPU of earlier (killed) lives

    async def start(self) -> None:
        argv = (
            ["web", "--host", "127.0.0.1", "--port", str(self.port)] if self.port else ["worker"]
        )
        env = dict(self.env)
        if self.port:
            env["TELEGRAM_WEBHOOK_URL"] = f"http://127.0.0.1:{self.port}/telegram/webhook"
        run = ["-m", "bot.cli"]
        if PROFILE_DIR is not None and self.port:  # cProfile each web process (`--profile`)
            out = PROFILE_DIR / f"web-{self.port}-{self.kills}.prof"
            run = [str(ROOT / "bench" / "cpuprofile.py"), str(out), *run]
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, *run, *argv, cwd=CODE, env=env, stdout=log, stderr=log
            )
        self.ready = False

    async def wait_ready(self, session: ClientSession, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.returncode is not None:
                raise RuntimeError(f"{self.kind} exited: see {self.log}")
            if not self.port:
                await asyncio.sleep(3)  # a worker has no health check: give it its start-up
                self.ready = True
                return
            try:
                async with session.get(f"http://127.0.0.1:{self.port}/healthz") as r:
                    if r.status == 200:
                        self.ready = True
                        return
            except OSError:
                pass
            await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.kind} on {self.port} never became healthy: see {self.log}")

    def cpu_now(self) -> float:
        return self.cpu + (cpu_seconds(self.proc.pid) if self.proc else 0.0)

    async def kill(self) -> None:
        assert self.proc is not None
        self.cpu += cpu_seconds(self.proc.pid)
        self.ready = False
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()
        self.kills += 1

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.cpu += cpu_seconds(self.proc.pid)
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 300 if PROFILE_DIR else 20)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


@dataclass
class Sent:
    """What this script sent, and what the platforms saw of it."""

    tokens: dict[str, str] = field(default_factory=dict)  # token -> channel
    keys: dict[str, str] = field(default_factory=dict)  # token -> message key (platforms)
    per_chat: Counter = field(default_factory=Counter)  # chat -> notes sent there
    ack_latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    retries: Counter = field(default_factory=Counter)
    terminal_answers: int = 0
    terminal_lines: int = 0


class Soak:
    """The whole run: processes, fakes, traffic, kills, the report."""

    def __init__(self, args: argparse.Namespace, db_url: str, tmp: Path) -> None:
        self.args = args
        self.db_url = db_url
        self.tmp = tmp
        self.sent = Sent()
        self.tg = FakeTelegram(TG_TOKEN)
        self.slack = FakeSlackAPI()
        self.procs: list[Proc] = []
        self.ids = itertools.count(1)
        self.update_ids = itertools.count(10_000_000)
        self.message_ids = itertools.count(1)
        self.session: ClientSession | None = None
        self.tg_users = [800_000 + i for i in range(args.telegram_people)]
        self.slack_users = [f"USOAK{i:03d}" for i in range(args.slack_people)]

    # -- set-up ----------------------------------------------------------------------------

    def env(self, name: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "SLACK_", "OPENAI_", "DATABASE_URL", "UTP_"))
        }
        data = self.tmp / name
        data.mkdir(parents=True, exist_ok=True)
        env.update(
            DATABASE_URL=self.db_url,
            UTP_DATA_DIR=str(data),
            UTP_CACHE_DIR=str(self.args.cache_dir),
            UTP_SECRET_KEY="soak-secret",
            UTP_OUTBOX_LEASE_SECONDS=str(self.args.lease),
            TELEGRAM_BOT_TOKEN=TG_TOKEN,
            TELEGRAM_API_BASE_URL=self.tg.base_url,
            TELEGRAM_FILE_BASE_URL=self.tg.file_url,
            TELEGRAM_WEBHOOK_SECRET=TG_SECRET,
            SLACK_BOT_TOKEN=SLACK_TOKEN,
            SLACK_SIGNING_SECRET=SLACK_SECRET,
            SLACK_API_URL=self.slack.api_url,
            PYTHONPATH=str(CODE),
        )
        return env

    async def start_fakes(self) -> None:
        await self.tg.start()
        self.slack.add_team(TEAM, SLACK_TOKEN)
        for user in self.slack_users:
            self.slack.add_user(user, tz="Europe/Berlin", name=user)
        await self.slack.start()
        self.tg.webhook_url = None  # this script pushes updates itself (in parallel)

    async def start_procs(self, webs: int, workers: int) -> None:
        for i in range(webs):
            self.procs.append(
                Proc("web", self.env(f"web{i}"), self.tmp / f"web{i}.log", port=free_port())
            )
        for i in range(workers):
            self.procs.append(Proc("worker", self.env(f"worker{i}"), self.tmp / f"worker{i}.log"))
        for p in self.procs:
            await p.start()
        assert self.session is not None
        await asyncio.gather(*(p.wait_ready(self.session) for p in self.procs))

    def webs(self) -> list[Proc]:
        return [p for p in self.procs if p.kind == "web" and p.ready]

    # -- playing the platforms ---------------------------------------------------------------

    async def post_telegram(self, update: dict[str, Any]) -> None:
        """Push one update until a web process answers 2xx (Telegram's redelivery)."""
        assert self.session is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
        while True:
            webs = self.webs()
            if not webs:
                await asyncio.sleep(0.2)
                continue
            web = random.choice(webs)
            start = time.monotonic()
            try:
                async with self.session.post(
                    f"http://127.0.0.1:{web.port}/telegram/webhook", json=update, headers=headers
                ) as r:
                    if 200 <= r.status < 300:
                        self.sent.ack_latency["telegram"].append(time.monotonic() - start)
                        return
            except (OSError, TimeoutError, ClientError):
                pass
            self.sent.retries["telegram"] += 1
            await asyncio.sleep(0.2)

    def tg_message(self, user: int, text: str) -> tuple[dict[str, Any], int]:
        message_id = next(self.message_ids)
        chat = {"id": user, "type": "private"}
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "from": {"id": user, "is_bot": False, "first_name": "Soak"},
            "chat": chat,
            "text": text,
        }
        return {"update_id": next(self.update_ids), "message": message}, message_id

    def tg_press(self, user: int, data: str) -> dict[str, Any]:
        return {
            "update_id": next(self.update_ids),
            "callback_query": {
                "id": f"q{next(self.ids)}",
                "from": {"id": user, "is_bot": False, "first_name": "Soak"},
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "chat": {"id": user, "type": "private"},
                    "from": {"id": 999_000, "is_bot": True, "first_name": "UTP"},
                    "text": "...",
                },
            },
        }

    async def post_slack(self, body: str, content_type: str, event_id: str | None) -> float:
        """Post one signed request until a 200 comes within 3 s (Slack's retries); returns the
        time the answered attempt took."""
        assert self.session is not None
        attempt = 0
        while True:
            webs = self.webs()
            if not webs:
                await asyncio.sleep(0.2)
                continue
            web = random.choice(webs)
            ts = str(int(time.time()))
            signature = SignatureVerifier(SLACK_SECRET).generate_signature(timestamp=ts, body=body)
            headers = {
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature,
            }
            if attempt:
                headers["X-Slack-Retry-Num"] = str(attempt)
                headers["X-Slack-Retry-Reason"] = "http_timeout"
            start = time.monotonic()
            try:
                async with self.session.post(
                    f"http://127.0.0.1:{web.port}/slack/events",
                    data=body.encode(),
                    headers=headers,
                    timeout=ClientTimeout(total=3),
                ) as r:
                    if r.status == 200:
                        took = time.monotonic() - start
                        self.sent.ack_latency["slack"].append(took)
                        return took
            except (OSError, TimeoutError, ClientError):
                pass
            attempt += 1
            self.sent.retries["slack"] += 1
            await asyncio.sleep(0.2)

    def message_event(self, user: str, text: str) -> tuple[dict[str, Any], str]:
        """A signed-to-be DM `message` event envelope and its ts."""
        ts = f"1764500000.{next(self.ids):06d}"
        event = {
            "type": "message",
            "channel": f"D{user}",
            "channel_type": "im",
            "user": user,
            "text": text,
            "team": TEAM,
            "ts": ts,
        }
        envelope = {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "AUTP",
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:12]}",
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
        }
        return envelope, ts

    async def slack_message(self, user: str, text: str) -> str:
        envelope, ts = self.message_event(user, text)
        await self.post_slack(json.dumps(envelope), "application/json", envelope["event_id"])
        return ts

    async def slack_tap(self, user: str, value: str) -> None:
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "soak"},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "AUTP",
            "trigger_id": f"trig{next(self.ids)}",
            "container": {"type": "message", "message_ts": "1.1", "channel_id": f"D{user}"},
            "channel": {"id": f"D{user}", "name": "directmessage"},
            "message": {"ts": "1.1", "text": "..."},
            "actions": [
                {
                    "type": "button",
                    "action_id": "utp:choice:0",
                    "block_id": "b",
                    "value": value,
                    "action_ts": f"1764500001.{next(self.ids):06d}",
                }
            ],
        }
        body = urlencode({"payload": json.dumps(payload)})
        await self.post_slack(body, "application/x-www-form-urlencoded", None)

    # -- people --------------------------------------------------------------------------------

    async def onboard(self) -> None:
        async def telegram(user: int) -> None:
            await self.post_telegram(self.tg_message(user, "/start")[0])
            for data in ("consent:yes", "slot:6:18", "tz:Europe/Berlin"):
                await self.post_telegram(self.tg_press(user, data))

        async def slack(user: str) -> None:
            await self.slack_message(user, "hi")
            for value in ("consent:yes", "slot:6:18"):
                await self.slack_tap(user, value)

        await asyncio.gather(
            *(telegram(u) for u in self.tg_users), *(slack(u) for u in self.slack_users)
        )

    async def note(self, channel: str) -> None:
        n = next(self.ids)
        token = f"soak-{channel}-{n}"
        text = NOTE.format(token=token)
        self.sent.tokens[token] = channel
        if channel == "telegram":
            user = random.choice(self.tg_users)
            update, message_id = self.tg_message(user, text)
            self.sent.keys[token] = f"telegram::{user}:{message_id}"
            self.sent.per_chat[str(user)] += 1
            await self.post_telegram(update)
        else:
            user = random.choice(self.slack_users)
            ts = await self.slack_message(user, text)
            self.sent.keys[token] = f"slack::{TEAM}:D{user}:{ts}"
            self.sent.per_chat[f"D{user}"] += 1

    async def terminal(self, session_no: int, notes: int) -> None:
        """One `utp chat` session: onboarding (first time) and a few notes, piped in."""
        user = f"term{session_no % self.args.terminal_people}"
        lines = ["hi", "1", "1", "2"] if session_no < self.args.terminal_people else []
        tokens = []
        for _ in range(notes):
            token = f"soak-terminal-{next(self.ids)}"
            tokens.append(token)
            lines.append(NOTE.format(token=token))
        env = self.env(f"chat-{user}")
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "chat",
            "--as",
            user,
            cwd=CODE,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        out, _ = await proc.communicate(("\n".join(lines) + "\n").encode())
        for token in tokens:
            self.sent.tokens[token] = "terminal"
        self.sent.terminal_lines += len(tokens)
        self.sent.terminal_answers += sum(
            line.removeprefix("utp> ").startswith(ACKS) for line in out.decode().splitlines()
        )

    # -- the run -------------------------------------------------------------------------------

    async def killer(self, stop: asyncio.Event) -> None:
        assert self.session is not None
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), self.args.kill_every)
                return
            except TimeoutError:
                pass
            victim = random.choice([p for p in self.procs if p.ready] or self.procs)
            await victim.kill()
            print(f"  SIGKILL {victim.kind} {victim.port or ''} (pid {victim.proc.pid})")
            await victim.start()
            await victim.wait_ready(self.session)

    async def traffic(self, seconds: float) -> None:
        stop = asyncio.Event()
        killer = asyncio.create_task(self.killer(stop))
        tasks: set[asyncio.Task] = set()
        start = time.monotonic()
        session_no = 0
        next_terminal = start
        interval = 1 / self.args.rate
        while time.monotonic() - start < seconds:
            channel = "telegram" if random.random() < 0.6 else "slack"
            task = asyncio.create_task(self.note(channel))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            if time.monotonic() >= next_terminal:
                t = asyncio.create_task(self.terminal(session_no, 3))
                tasks.add(t)
                t.add_done_callback(tasks.discard)
                session_no += 1
                next_terminal += self.args.terminal_every
            await asyncio.sleep(interval)
        stop.set()
        await killer
        if tasks:
            await asyncio.gather(*tasks)

    async def db(self, sql: str, *args: Any) -> list[Any]:
        import asyncpg

        conn = await asyncpg.connect(self.db_url.replace("+asyncpg", ""))
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    async def drain(self, timeout: float = 180) -> int:
        deadline = time.monotonic() + timeout
        pending = -1
        while time.monotonic() < deadline:
            rows = await self.db("SELECT count(*) FROM outbox WHERE status = 'pending'")
            pending = rows[0][0]
            if pending == 0:
                return 0
            await asyncio.sleep(1)
        return pending

    async def report(self, seconds: float) -> None:
        # Entry texts are sealed at rest: count stored notes by their message key instead.
        rows = await self.db(
            "SELECT message_key, count(*) FROM entries WHERE message_key IS NOT NULL "
            "GROUP BY message_key"
        )
        by_key = {key: n for key, n in rows}
        stored: Counter = Counter()
        for token, key in self.sent.keys.items():
            if key in by_key:
                stored[token] = by_key[key]
        terminal = await self.db(
            "SELECT count(*) FROM entries e JOIN identities i ON i.person_id = e.person_id "
            "WHERE i.platform = 'console' AND i.user_id LIKE 'term%'"
        )
        terminal_stored = terminal[0][0]
        for n, token in enumerate(t for t, c in self.sent.tokens.items() if c == "terminal"):
            if n < terminal_stored:
                stored[token] = 1
        sent = self.sent.tokens
        lost = [t for t in sent if t not in stored]
        duplicated = sum(n - 1 for n in stored.values() if n > 1) + max(
            0, terminal_stored - self.sent.terminal_lines
        )
        replies = await self.db(
            "SELECT answers, reply, bool_and(status = 'sent') AS sent, count(*) AS parts "
            "FROM outbox WHERE answers IS NOT NULL GROUP BY answers, reply"
        )
        answered: dict[str, list[bool]] = defaultdict(list)
        for answers, _, all_sent, _ in replies:
            answered[answers].append(all_sent)
        platform_keys = {t: key_hash(k) for t, k in self.sent.keys.items()}
        answered_once = sum(1 for h in platform_keys.values() if answered.get(h) == [True])
        unanswered = sum(1 for h in platform_keys.values() if not any(answered.get(h, [])))
        twice = sum(1 for h in platform_keys.values() if len(answered.get(h, [])) > 1)
        statuses = await self.db("SELECT status, count(*) FROM outbox GROUP BY status")
        # What the platforms saw: acknowledgements per chat against notes sent there.
        seen: Counter = Counter()
        for s in self.tg.sent:
            if s.text.startswith(ACKS):
                seen[s.chat_id] += 1
        for call in self.slack.called("chat.postMessage"):
            if str(call.args.get("text", "")).startswith(ACKS):
                seen[str(call.args.get("channel"))] += 1
        extra = sum(max(0, seen[c] - n) for c, n in self.sent.per_chat.items())
        sends = {
            "telegram": sum(
                s.method in {"sendMessage", "sendPhoto", "sendDocument", "editMessageText"}
                for s in self.tg.sent
            ),
            "slack": len(self.slack.called("chat.postMessage"))
            + len(self.slack.called("chat.update")),
        }
        parts = dict(
            await self.db(
                "SELECT platform, count(*) FROM outbox WHERE status = 'sent' GROUP BY platform"
            )
        )
        missing = sum(max(0, n - seen[c]) for c, n in self.sent.per_chat.items())
        by_channel = Counter(sent.values())
        print("\n== soak ==")
        print(
            f"run {seconds:.0f} s, kills {sum(p.kills for p in self.procs)}, "
            f"load average {os.getloadavg()[0]:.1f} (2 cores shared)"
        )
        print(f"messages sent:      {len(sent)}  ({dict(by_channel)})")
        print(f"stored:             {len(stored)} distinct, {duplicated} duplicate entries")
        print(f"lost:               {len(lost)}" + (f"  e.g. {lost[:3]}" if lost else ""))
        print(
            f"answered (outbox):  {answered_once} of {len(platform_keys)} platform messages "
            f"exactly once; {unanswered} unanswered; {twice} answered twice"
        )
        print(
            f"answered (seen by the fake platforms): {sum(self.sent.per_chat.values()) - missing}"
            f" of {sum(self.sent.per_chat.values())}; {extra} repeated sends"
        )
        print(f"answered (terminal): {self.sent.terminal_answers} of {self.sent.terminal_lines}")
        print(f"outbox parts:       {dict((s, n) for s, n in statuses)}")
        for platform, n in sends.items():
            print(
                f"  {platform}: {n} platform sends for {parts.get(platform, 0)} parts marked sent"
            )
        print(
            f"capture throughput: {len(stored) / seconds:.1f} msg/s offered at "
            f"{self.args.rate}/s (+ terminal sessions)"
        )
        for name, values in self.sent.ack_latency.items():
            if values:
                values = sorted(values)
                p99 = values[int(len(values) * 0.99) - 1] if len(values) > 1 else values[0]
                print(
                    f"{name} ack: n={len(values)} p50 {statistics.median(values) * 1000:.0f} ms"
                    f" p99 {p99 * 1000:.0f} ms max {values[-1] * 1000:.0f} ms; "
                    f"over 1 s: {sum(v > 1 for v in values)}; retried {self.sent.retries[name]}"
                )

    async def burst(self, messages: int, concurrency: int) -> None:
        """Capture rate: `messages` Telegram notes pushed in parallel to the web processes."""
        webs = [p for p in self.procs if p.kind == "web"]
        before = {id(p): p.cpu_now() for p in webs}
        pg_before = await backend_cpu(self.db_url)
        rows = await self.db("SELECT count(*) FROM entries")
        entries_before = rows[0][0]
        queue: asyncio.Queue = asyncio.Queue()
        for n in range(messages):
            user = self.tg_users[n % len(self.tg_users)]
            queue.put_nowait(self.tg_message(user, f"burst note {n}: I fixed the build.")[0])

        async def pusher() -> None:
            while not queue.empty():
                await self.post_telegram(queue.get_nowait())

        start = time.monotonic()
        await asyncio.gather(*(pusher() for _ in range(concurrency)))
        elapsed = time.monotonic() - start
        await self.drain(60)  # the replies too: their marks are part of each message's cost
        rows = await self.db("SELECT count(*) FROM entries")
        captured = rows[0][0] - entries_before
        cpu = sum(p.cpu_now() - before[id(p)] for p in webs)
        pg_cpu = await backend_cpu(self.db_url) - pg_before
        print(f"\n== capture burst: {len(webs)} web procs, PostgreSQL, {concurrency} in flight")
        print(
            f"captured {captured} of {messages} in {elapsed:.1f} s: "
            f"{captured / elapsed:.0f} msg/s (each committed before its 200)"
        )
        print(
            f"web CPU: {cpu:.1f} s, {cpu / max(captured, 1) * 1000:.2f} ms per captured message "
            f"(+ PostgreSQL {pg_cpu / max(captured, 1) * 1000:.2f} ms; "
            f"load average {os.getloadavg()[0]:.1f})"
        )

    async def set_webs(self, count: int) -> None:
        """Run exactly `count` web processes and no workers (the burst measures capture)."""
        assert self.session is not None
        for p in [p for p in self.procs if p.kind == "worker"]:
            await p.stop()
        self.procs = [p for p in self.procs if p.kind == "web"]
        while len(self.procs) > count:
            await self.procs.pop().stop()
        while len(self.procs) < count:
            i = len(self.procs)
            p = Proc("web", self.env(f"web{i}"), self.tmp / f"web{i}.log", port=free_port())
            await p.start()
            await p.wait_ready(self.session)
            self.procs.append(p)

    async def run(self) -> None:
        phases = set(self.args.phases.split(","))
        async with ClientSession(timeout=ClientTimeout(total=30)) as session:
            self.session = session
            await self.start_fakes()
            try:
                await self.start_procs(webs=2, workers=2)
                print(
                    f"onboarding {len(self.tg_users)} Telegram and "
                    f"{len(self.slack_users)} Slack people"
                )
                await self.onboard()
                await self.drain(120)
                if "soak" in phases:
                    await self.soak()
                if self.args.burst and "burst" in phases:
                    for count in map(int, self.args.burst_webs.split(",")):
                        await self.set_webs(count)
                        await self.burst(self.args.burst, self.args.concurrency)
            finally:
                for p in self.procs:
                    await p.stop()
                await self.slack.stop()
                await self.tg.close()

    async def soak(self) -> None:
        """Mixed traffic with SIGKILLs, then the drain and the report."""
        seconds = self.args.minutes * 60
        print(
            f"traffic for {seconds:.0f} s at {self.args.rate} msg/s, "
            f"a SIGKILL every {self.args.kill_every} s"
        )
        start = time.monotonic()
        await self.traffic(seconds)
        elapsed = time.monotonic() - start
        print("draining the outbox")
        left = await self.drain()
        if left:
            print(f"outbox still has {left} pending parts after the drain timeout")
        await self.report(elapsed)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--rate", type=float, default=20.0, help="notes per second")
    parser.add_argument("--kill-every", type=float, default=20.0)
    parser.add_argument("--telegram-people", type=int, default=20)
    parser.add_argument("--slack-people", type=int, default=12)
    parser.add_argument("--terminal-people", type=int, default=3)
    parser.add_argument("--terminal-every", type=float, default=15.0, help="seconds")
    parser.add_argument("--lease", type=float, default=5.0, help="outbox lease, seconds")
    parser.add_argument("--burst", type=int, default=4000, help="0: no capture burst")
    parser.add_argument("--burst-webs", default="4", help="web processes per burst, e.g. 1,4")
    parser.add_argument("--phases", default="soak,burst", help="which phases to run")
    parser.add_argument("--code", type=Path, help="run the processes from another checkout")
    parser.add_argument("--profile", type=Path, help="write each web process's cProfile here")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--cache-dir", type=Path, default=Path.home() / ".cache" / "utp")
    args = parser.parse_args()
    global CODE, PROFILE_DIR
    if args.code:
        CODE = args.code.resolve()
    if args.profile:
        PROFILE_DIR = args.profile.resolve()
        PROFILE_DIR.mkdir(parents=True, exist_ok=True)
    db = await create_pg(args.pg, "utp_soak")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            await Soak(args, db, Path(tmp)).run()
    finally:
        await drop_pg(args.pg, db)


if __name__ == "__main__":
    asyncio.run(main())
