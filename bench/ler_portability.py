"""Portability timings: export (JSON Resume, OB 3.0, CLR) and offline verification.

Run: `python -m bench.ler_portability [SKILLS]` (default 20 confirmed skills). Prints figures;
bounded to a few seconds on a laptop core.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from ler.export import export_passport
from ler.keys import new_person_key, open_key, seal_key
from ler.verify import inspect_credential
from passport.model import Entry, PassportSnapshot, Person, Signal
from passport.signals import SignalKind, SignalStatus

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def snapshot(skills: int) -> PassportSnapshot:
    """A passport with `skills` confirmed ESCO skills, two quotes each."""
    person = Person(id=1, display_name="Bench Person", created_at=NOW - timedelta(days=90))
    entries, signals = [], []
    for i in range(skills):
        at = NOW - timedelta(days=skills - i)
        entries.append(
            Entry(id=i + 1, person_id=1, text=f"Week {i}: I did thing {i}.", created_at=at)
        )
        for j in range(2):
            signals.append(
                Signal(
                    id=2 * i + j + 1,
                    person_id=1,
                    kind=SignalKind.SKILL,
                    label=f"skill number {i}",
                    evidence=f"I did thing {i} ({j})",
                    confidence=0.8,
                    status=SignalStatus.CONFIRMED,
                    created_at=at,
                    esco_uri=f"http://data.europa.eu/esco/skill/bench-{i}",
                    group="S1",
                    entry_id=i + 1,
                )
            )
    return PassportSnapshot(person, (), tuple(entries), (), tuple(signals))


def timed(label: str, fn, repeat: int = 3) -> object:
    """Run `fn` `repeat` times, print the median wall time, return the last result."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    print(f"{label:<44} {statistics.median(times) * 1000:9.1f} ms")
    return result


def main() -> None:
    """Print the figures."""
    skills = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    snap, key = snapshot(skills), new_person_key()
    print(f"passport with {skills} confirmed skills")
    token = timed("seal_key (scrypt n=2^14)", lambda: seal_key(key, "bench-secret"))
    timed("open_key", lambda: open_key(str(token), "bench-secret"))
    timed("export jsonresume", lambda: export_passport(snap, "jsonresume", key, now=NOW))
    ob3 = timed(
        "export ob3 (JWT + baked PNG per skill)",
        lambda: export_passport(snap, "ob3", key, now=NOW),
    )
    clr = timed(
        "export clr (eddsa-rdfc-2022, members signed)",
        lambda: export_passport(snap, "clr", key, now=NOW),
        repeat=1,
    )
    png = next(f for f in ob3 if f.filename.endswith(".png"))  # type: ignore[union-attr]
    timed("verify one baked PNG (VC-JWT)", lambda: inspect_credential(png.content, now=NOW), 5)
    (clr_file,) = clr  # type: ignore[misc]
    report = timed(
        "verify the CLR (all proofs)", lambda: inspect_credential(clr_file.content, now=NOW), 1
    )
    print(f"CLR size {len(clr_file.content) / 1024:.1f} kB, level {report.level}")  # type: ignore[union-attr]


if __name__ == "__main__":
    main()
