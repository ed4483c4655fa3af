"""Building the team skill map for a 5,000-member workspace with a year of kept signals.

A throwaway PostgreSQL database gets the real schema (migrations), then a bulk-inserted (COPY)
fixture: MEMBERS people in the measured workspace (SHARE of them sharing) plus a second
workspace as noise, each with a year of weekly signals (about 2 kept, 2 suggested and 0.5
rejected skills a week, skills drawn Zipf-like from real ESCO URIs, so popular skills are shared
by many and rare ones by few). Printed: the row counts, then p50 / p95 over RUNS of

- `build_counts`: the live map (thresholds applied) — the target is <= 200 ms p50; it reads
  the trigger-kept per-workspace counts plus the pairs first kept in the last 30 days;
- `member_digests`: the per-member change check a publication runs (at most hourly, weekly);
- a view of the published map (what App Home and `utp team` pay on a normal look).

    python bench/team.py [--members 5000] [--runs 30] [--keep]

Needs the PostgreSQL on 127.0.0.1:5432 (user postgres), or UTP_TEST_PG as an admin DSN.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402

from storage.engine import make_engine, make_sessionmaker  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.team import (  # noqa: E402
    RECOUNT_SQL,
    build_counts,
    member_digests,
    published_counts,
)

ADMIN_DSN = os.environ.get("UTP_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
WORKSPACE, NOISE = ":TBENCH", ":TNOISE"


def _migration():
    """Migration 0005_team as a module (its backfill statements)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "storage/migrations/versions/0005_team.py"
    spec = importlib.util.spec_from_file_location("migration_0005_team", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _uris(count: int) -> list[tuple[str, str, str]]:
    """(uri, label, group) of real ESCO skills."""
    from extractors.esco import load_taxonomy

    skills = [s for s in load_taxonomy() if s.group][: count * 4]
    random.Random(7).shuffle(skills)
    return [(s.uri, s.label, s.group) for s in skills[:count]]


def _signals(person_id: int, rng: random.Random, skills: list, weights: list) -> list[tuple]:
    """A year of one member's skill signals: kept, suggested and rejected."""
    rows = []
    for week in range(52):
        at = NOW - timedelta(weeks=52 - week, hours=rng.randrange(0, 160))
        for status, n in (("confirmed", 2), ("suggested", 2), ("rejected", rng.randrange(2))):
            for uri, label, group in rng.choices(skills, weights, k=n):
                rows.append(
                    (
                        person_id,
                        "skill",
                        uri,
                        label,
                        uri,
                        group,
                        "a quote",
                        0.8,
                        status,
                        "reflection",
                        at,
                    )
                )
    return rows


async def fill(dsn: str, members: int, share: float) -> dict[str, int]:
    """Bulk-insert persons, team members and signals (COPY); then ANALYZE."""
    rng = random.Random(42)
    skills = _uris(1500)
    weights = [1 / (i + 1) ** 1.1 for i in range(len(skills))]
    conn = await asyncpg.connect(dsn)
    try:
        # COPY with triggers off (row triggers would cost minutes here), then build the pairs
        # and counts the way migration 0005_team backfills them; checked against a recount.
        await conn.execute("SET session_replication_role = replica")
        noise = members // 5
        total = members + noise
        await conn.copy_records_to_table(
            "persons",
            records=[
                (
                    i,
                    "",
                    NOW - timedelta(days=400),
                    True,
                    True,
                    True,
                    "{}",
                    6,
                    18,
                    "UTC",
                    False,
                    True,
                    "off",
                )
                for i in range(1, total + 1)
            ],
            columns=[
                "id",
                "display_name",
                "created_at",
                "consented",
                "active",
                "onboarded",
                "state",
                "weekday",
                "hour",
                "timezone",
                "paused",
                "reminders",
                "digest",
            ],
        )
        await conn.copy_records_to_table(
            "team_members",
            records=[
                (i, WORKSPACE if i <= members else NOISE, rng.random() < share, NOW)
                for i in range(1, total + 1)
            ],
            columns=["person_id", "workspace", "sharing", "changed_at"],
        )
        columns = [
            "person_id",
            "kind",
            "key",
            "label",
            "esco_uri",
            "group_code",
            "evidence",
            "confidence",
            "status",
            "source",
            "created_at",
        ]
        batch: list[tuple] = []
        for pid in range(1, total + 1):
            batch += _signals(pid, rng, skills, weights)
            if len(batch) > 200_000:
                await conn.copy_records_to_table("signals", records=batch, columns=columns)
                batch = []
        if batch:
            await conn.copy_records_to_table("signals", records=batch, columns=columns)
        migration = _migration()
        await conn.execute(migration.BACKFILL)
        await conn.execute(migration.COUNTS_BACKFILL)
        await conn.execute("SET session_replication_role = DEFAULT")
        await conn.execute("VACUUM ANALYZE")
        counts = {}
        for table in ("persons", "team_members", "signals"):
            counts[table] = await conn.fetchval(f"SELECT count(*) FROM {table}")  # noqa: S608
        for table in ("team_skill_pairs", "team_skill_counts"):
            counts[table] = await conn.fetchval(f"SELECT count(*) FROM {table}")  # noqa: S608
        counts["kept_signals"] = await conn.fetchval(
            "SELECT count(*) FROM signals WHERE status = 'confirmed'"
        )
        counts["sharing_in_workspace"] = await conn.fetchval(
            "SELECT count(*) FROM team_members WHERE workspace = $1 AND sharing", WORKSPACE
        )
        return counts
    finally:
        await conn.close()


async def timed(label: str, runs: int, work) -> float:
    """Run `work` `runs` times (after one warm-up); print p50 / p95; return p50 in ms."""
    await work()
    laps = []
    for _ in range(runs):
        start = time.perf_counter()
        await work()
        laps.append((time.perf_counter() - start) * 1000)
    laps.sort()
    p50 = statistics.median(laps)
    p95 = laps[min(len(laps) - 1, int(round(0.95 * (len(laps) - 1))))]
    print(f"{label:<34} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   ({runs} runs)")
    return p50


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--share", type=float, default=0.9)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = parser.parse_args()

    name = f"utp_bench_team_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    dsn = f"{ADMIN_DSN.rsplit('/', 1)[0]}/{name}"
    engine = make_engine(dsn.replace("postgresql://", "postgresql+asyncpg://", 1))
    try:
        await upgrade(engine)
        started = time.perf_counter()
        counts = await fill(dsn, args.members, args.share)
        print(
            f"fixture in {time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        )
        print(
            f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())} "
            f"on {os.cpu_count()} cores"
        )
        sessionmaker = make_sessionmaker(engine)

        async def build() -> None:
            async with sessionmaker() as session:
                result = await build_counts(session, WORKSPACE, NOW)
                assert result is not None and result.skills

        async def digests() -> None:
            async with sessionmaker() as session:
                found = await member_digests(session, WORKSPACE, "salt")
                assert len(found) == counts["sharing_in_workspace"]

        async def view() -> None:
            async with sessionmaker() as session, session.begin():
                assert await published_counts(session, WORKSPACE, NOW) is not None

        async with sessionmaker() as session:
            shown = await build_counts(session, WORKSPACE, NOW)
            recount = dict(
                (await session.execute(RECOUNT_SQL, {"workspace": WORKSPACE, "yes": True})).all()
            )
        assert shown is not None
        assert {s.uri: s.members for s in shown.skills} == {
            uri: n for uri, n in recount.items() if n >= 3
        }, "trigger-kept counts differ from a recount"
        print(
            f"map: {shown.members:,} sharing, {len(shown.skills)} skills with >= 3 holders, "
            f"{sum(1 for s in shown.skills if s.grew)} grew in 30 days"
        )
        p50 = await timed("build the map (build_counts)", args.runs, build)
        await timed("change check (member_digests)", max(5, args.runs // 3), digests)
        await timed("view the published map", args.runs, view)
        print(f"target: build <= 200 ms p50 -> {'met' if p50 <= 200 else 'NOT met'}")
    finally:
        await engine.dispose()
        if not args.keep:
            admin = await asyncpg.connect(ADMIN_DSN)
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
