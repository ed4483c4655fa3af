"""Render the skills chart for one realistic person after 1, 4, 12 and 52 weeks, and time it.

    python bench/charts.py                 # PNGs in <tmp>/utp-charts, one per history length
    python bench/charts.py --out charts/   # somewhere else

The person: Maya, a student who works weekend shifts at a café, studies data science, tutors
younger pupils, and speaks English and Spanish. About one or two notes a week; two to four skills
noticed per note; new kinds of skills turn up as the weeks go by; she keeps most of the older
ones, and a Python course badge is verified in month five. Labels and ESCO groups are real ESCO
ones, some deliberately long. Open every PNG and look at it: that is the point of this script.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from insight.chart import chart_alt_text, render_chart  # noqa: E402
from passport.model import Entry, Signal  # noqa: E402
from passport.profile import build_profile, inputs_from_records  # noqa: E402
from passport.signals import SignalKind, SignalStatus  # noqa: E402

NOW = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)
URI = "http://data.europa.eu/esco/skill/bench-"

# (label, ESCO group, weight, first week it can appear)
POOL = [
    ("work in teams", "T4", 6, 0),
    ("communicate with customers", "S1", 5, 0),
    ("prepare hot drinks", "S3", 4, 0),
    ("solve problems", "T2", 3, 0),
    ("manage time", "T3", 3, 1),
    ("operate cash register", "S4", 2, 1),
    ("instruct others", "T4", 3, 2),
    ("English", "L1", 2, 2),
    ("Python (computer programming)", "K06", 4, 3),
    ("use spreadsheets software", "S5", 2, 4),
    ("cope with stress", "T3", 2, 5),
    ("Spanish", "L1", 1, 6),
    ("statistics", "K05", 3, 8),
    ("tutor students", "S1", 2, 9),
    ("create digital content", "T1", 1, 12),
    ("address an audience", "T4", 1, 16),
    ("adapt to change", "T3", 1, 20),
    ("critically evaluate information and its sources", "T2", 1, 24),
    ("manage a team", "S4", 1, 30),
    ("apply statistical analysis techniques in a social research context", "S2", 1, 36),
]
NOTES = [
    "Saturday shift at the café: the machine broke and we kept the queue moving together.",
    "I helped a Year 8 pupil with fractions and drew it as pizza slices until it clicked.",
    "Finished the data project for class; the Python script cleans the survey in seconds.",
    "Trained the new barista on the till and the milk steamer before the lunch rush.",
]


def person(weeks: int, seed: int = 7) -> tuple[list[Signal], list[Entry]]:
    """Maya's notes and the skills noticed in them, over `weeks` weeks ending now."""
    rng = random.Random(seed)
    signals: list[Signal] = []
    entries: list[Entry] = []
    start = NOW - timedelta(weeks=weeks)
    sid = eid = 0
    for w in range(weeks):
        for n in range(rng.choice((1, 1, 2))):
            at = start + timedelta(weeks=w, days=rng.randint(0, 5), hours=9 + 4 * n)
            at = min(at, NOW - timedelta(hours=1))
            eid += 1
            year, wk, _ = at.isocalendar()
            entries.append(
                Entry(eid, 1, rng.choice(NOTES), at, iso_week=f"{year}-W{wk:02d}", prompt_id=None)
            )
            # Week numbers count from Maya's start, so a one-week person still has a few skills.
            open_ = [p for p in POOL if p[3] <= w + (weeks - w) // 6]
            k = min(len(open_), rng.randint(2, 4))
            picked = set()
            while len(picked) < k:
                picked.add(rng.choices(range(len(open_)), [p[2] for p in open_])[0])
            for i in sorted(picked):
                label, group, _weight, _first = open_[i]
                sid += 1
                age = (NOW - at).days
                kept = age > 10 and rng.random() < 0.75
                verified = label.startswith("Python") and age < 7 * (weeks - 20) and weeks > 20
                signals.append(
                    Signal(
                        id=sid,
                        person_id=1,
                        kind=SignalKind.SKILL,
                        label=label,
                        evidence=f"{NOTES[eid % len(NOTES)][:60]}",
                        confidence=0.7,
                        status=SignalStatus.CONFIRMED if kept else SignalStatus.SUGGESTED,
                        created_at=at,
                        esco_uri=URI + label.replace(" ", "-")[:40],
                        group=group,
                        entry_id=eid,
                        verification="verified" if verified else None,
                    )
                )
    return signals, entries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "utp-charts")
    parser.add_argument("--runs", type=int, default=5, help="timed renders per history length")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"{'history':>8}  {'skills':>6}  {'notes':>5}  {'p50 ms':>7}  file")
    for weeks in (1, 4, 12, 52):
        signals, entries = person(weeks)
        inputs = inputs_from_records(signals, entries, now=NOW)
        profile = build_profile(inputs, now=NOW)
        times = []
        png = None
        for _ in range(max(1, args.runs)):
            t0 = time.perf_counter()
            png = render_chart(profile, now=NOW)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        path = args.out / f"chart-{weeks:02d}-weeks.png"
        if png is None:
            print(f"{weeks:>5} wk  {len(profile.skills):>6}  {len(entries):>5}  {'-':>7}  (none)")
            continue
        path.write_bytes(png)
        p50 = times[len(times) // 2]
        print(f"{weeks:>5} wk  {len(profile.skills):>6}  {len(entries):>5}  {p50:7.0f}  {path}")
        print(f"          {chart_alt_text(profile)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
