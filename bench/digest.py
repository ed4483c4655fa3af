"""Digest and chart speed for people with 5 weeks, 1 year and 5 years of weekly entries.

    python bench/digest.py                # default: 40 digest runs, 15 chart runs per person
    python bench/digest.py --runs 100
    python bench/digest.py --compare-sealing   # digest p50 with sealed vs plain evidence

Builds a temporary SQLite database with the lead's storage models: three measured people (≈3
signals per weekly entry, a vocabulary of 60 signal keys, some confirmed, some rejected, some
verified) beside 40 other people with a year each, so the tables are not trivially small. Digest =
`load_profile_inputs` (SQL) + `build_profile` + `render_digest`, no LLM. Chart = `render_chart`
on the built profile (and, separately, with the query in front). Prints p50 and p90 in ms.
Targets: digest ≤ 100 ms p50, flat across history sizes; chart ≤ 300 ms p50.

`--compare-sealing` builds the same data twice, once sealed with each person's data key (as UTP
stores it) and once in plain text (as before sealing), and times the digest on both, alternating.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from insight.chart import render_chart  # noqa: E402
from passport.digest import render_digest  # noqa: E402
from passport.profile import build_profile  # noqa: E402
from storage.engine import make_engine, make_sessionmaker  # noqa: E402
from storage.insight_queries import load_profile_inputs  # noqa: E402
from storage.models import Base, EntryRow, PersonRow, SignalRow  # noqa: E402
from storage.sealing import Sealer, create_vault, install_sealer  # noqa: E402

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
GROUPS = ["T4", "T2", "T3", "S1", "S2", "S4", "S5", "K05", "K06", "L1"]
PEOPLE = {"5 weeks": 5, "1 year": 52, "5 years": 260}
OTHERS, OTHER_WEEKS = 40, 52


def _vocabulary() -> list[tuple[str, str, str | None, str | None]]:
    """(kind, label, uri, group): 48 skills, 6 strengths, 3 interests, 3 growth moments."""
    words = [
        "plan",
        "explain",
        "fix",
        "lead",
        "listen",
        "draw",
        "code",
        "count",
        "sell",
        "write",
        "teach",
        "build",
    ]
    things = ["projects", "ideas", "machines", "budgets"]
    vocab: list[tuple[str, str, str | None, str | None]] = []
    for i, (w, t) in enumerate((w, t) for w in words for t in things):
        uri = f"http://data.europa.eu/esco/skill/bench-{i:03d}"
        vocab.append(("skill", f"{w} {t}", uri, GROUPS[i % len(GROUPS)]))
    vocab += [
        ("strength", s, None, None)
        for s in ("patience", "curiosity", "courage", "humour", "grit", "kindness")
    ]
    vocab += [("interest", s, None, None) for s in ("space", "music", "climate")]
    vocab += [("growth", s, None, None) for s in ("asked for help", "tried again", "spoke up")]
    return vocab


def _person_rows(pid: int, weeks: int, rng: random.Random) -> tuple[list, list]:
    vocab = _vocabulary()
    entries, signals = [], []
    for w in range(weeks):
        at = NOW - timedelta(weeks=weeks - 1 - w, hours=rng.randint(1, 60))
        y, wk, _ = at.isocalendar()
        eid = pid * 10_000 + w
        text = f"This week I worked on the club website and helped Sam with the plan ({w})."
        entries.append(
            EntryRow(
                id=eid,
                person_id=pid,
                text=text,
                created_at=at,
                updated_at=at,
                iso_week=f"{y}-W{wk:02d}",
            )
        )
        for _ in range(3):
            kind, label, uri, group = rng.choice(vocab)
            roll = rng.random()
            status = "confirmed" if roll < 0.3 else "rejected" if roll < 0.33 else "suggested"
            signals.append(
                SignalRow(
                    person_id=pid,
                    kind=kind,
                    key=uri or f"{kind}:{label}",
                    label=label,
                    esco_uri=uri,
                    group_code=group,
                    evidence=f"I {label} at the club in week {w}",
                    confidence=0.7,
                    status=status,
                    source="reflection",
                    verification="verified" if roll > 0.98 else None,
                    entry_id=eid,
                    created_at=at,
                )
            )
    return entries, signals


async def _seed(sessionmaker, *, sealed: bool = False) -> dict[str, int]:
    rng = random.Random(7)
    ids: dict[str, int] = {}
    async with sessionmaker() as session:
        people = list(PEOPLE.items()) + [(f"other {i}", OTHER_WEEKS) for i in range(OTHERS)]
        for pid, (name, weeks) in enumerate(people, start=1):
            session.add(PersonRow(id=pid, created_at=NOW - timedelta(weeks=weeks)))
            await session.flush()
            entries, signals = _person_rows(pid, weeks, rng)
            if sealed:
                vault = await create_vault(session, pid)
                for row in entries:
                    row.text = vault.seal(row.text)
                for row in signals:
                    row.evidence = vault.seal(row.evidence)
            session.add_all(entries)
            await session.flush()
            session.add_all(signals)
            if name in PEOPLE:
                ids[name] = pid
        await session.commit()
    return ids


def _ms(samples: list[float]) -> str:
    qs = statistics.quantiles(samples, n=10)
    return f"p50 {statistics.median(samples) * 1000:7.2f} ms   p90 {qs[8] * 1000:7.2f} ms"


async def main(runs: int, chart_runs: int) -> None:
    """Seed, warm up, measure, print."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}")
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        sessionmaker = make_sessionmaker(engine)
        ids = await _seed(sessionmaker)
        since = NOW - timedelta(days=7)

        async def digest(pid: int):
            async with sessionmaker() as session:
                inputs = await load_profile_inputs(session, pid, now=NOW, since_last_digest=since)
            profile = build_profile(inputs, now=NOW)
            return profile, render_digest(profile, now=NOW)

        for pid in ids.values():  # warm-up: imports, statement caches, matplotlib fonts
            profile, _ = await digest(pid)
            render_chart(profile, now=NOW)
        print(
            f"digest & chart, SQLite, {runs} / {chart_runs} runs each "
            f"({OTHERS} other people with {OTHER_WEEKS} weeks in the same tables)"
        )
        for name, pid in ids.items():
            times, chart_times, both = [], [], []
            for _ in range(runs):
                t0 = time.perf_counter()
                profile, text = await digest(pid)
                times.append(time.perf_counter() - t0)
            for _ in range(chart_runs):
                t0 = time.perf_counter()
                png = render_chart(profile, now=NOW)
                chart_times.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                profile2, _ = await digest(pid)
                render_chart(profile2, now=NOW)
                both.append(time.perf_counter() - t0)
            n_signals = sum(a.evidence_count for a in profile.all_signals)
            print(
                f"{name:8} ({PEOPLE[name]:3} weeks, {n_signals:4} signals kept, "
                f"{len(text)} chars, png {len(png or b'') // 1024} KiB)"
            )
            print(f"   digest (query+build+render): {_ms(times)}")
            print(f"   chart (render only):         {_ms(chart_times)}")
            print(f"   digest + chart:              {_ms(both)}")
        await engine.dispose()


async def compare_sealing(runs: int, rounds: int = 5) -> None:
    """Digest p50 on sealed and on plain data, alternating blocks of `runs`."""
    with tempfile.TemporaryDirectory() as tmp:
        made = {}
        for sealed in (True, False):
            engine = make_engine(f"sqlite+aiosqlite:///{Path(tmp) / f'bench-{sealed}.sqlite3'}")
            if sealed:
                install_sealer(engine, Sealer("bench"))
            async with engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)
            sessionmaker = make_sessionmaker(engine)
            made[sealed] = (engine, sessionmaker, await _seed(sessionmaker, sealed=sealed))
        since = NOW - timedelta(days=7)

        async def digest(sessionmaker, pid: int) -> str:
            async with sessionmaker() as session:
                inputs = await load_profile_inputs(session, pid, now=NOW, since_last_digest=since)
            return render_digest(build_profile(inputs, now=NOW), now=NOW)

        print(f"digest p50 (query+build+render), SQLite, {rounds} x {runs} runs each, alternating")
        for name in PEOPLE:
            times: dict[bool, list[float]] = {True: [], False: []}
            texts = {}
            for sealed in (True, False):  # warm-up (and the data key unwrapped once)
                _, sm, ids = made[sealed]
                texts[sealed] = await digest(sm, ids[name])
            assert texts[True] == texts[False], "sealed and plain digests differ"
            for _ in range(rounds):
                for sealed in (True, False):
                    _, sm, ids = made[sealed]
                    for _ in range(runs):
                        t0 = time.perf_counter()
                        await digest(sm, ids[name])
                        times[sealed].append(time.perf_counter() - t0)
            s, p = statistics.median(times[True]), statistics.median(times[False])
            print(
                f"{name:8}  sealed {s * 1000:6.2f} ms   plain {p * 1000:6.2f} ms   "
                f"cost {100 * (s / p - 1):5.1f} %"
            )
        for engine, _, _ in made.values():
            await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--chart-runs", type=int, default=15)
    parser.add_argument("--compare-sealing", action="store_true")
    args = parser.parse_args()
    if args.compare_sealing:
        asyncio.run(compare_sealing(args.runs))
    else:
        asyncio.run(main(args.runs, args.chart_runs))
