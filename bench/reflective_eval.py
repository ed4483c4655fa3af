"""Score an extractor on the reflective set (`bench/reflective_set.jsonl`), overall and per kind.

    python bench/reflective_eval.py                       # dev split, offline extractor
    python bench/reflective_eval.py --split test          # the frozen third (never with --show)
    python bench/reflective_eval.py --model hybrid --show # per-entry noticed vs gold (dev only)
    python bench/reflective_eval.py --extractor llm       # OPENAI_API_KEY / OPENAI_BASE_URL

Only the extractor's public API is used: what `extract(text).skills` returns is what the person
is shown ("noticed"). Annotation rules and the meaning of core / acceptable:
`bench/REFLECTIVE_GUIDE.md`.

- precision: noticed skills in core or acceptable of their entry / all noticed (micro);
- core recall@5 (lenient): per entry with core groups, core groups found by the top five noticed
  skills (by confidence), one noticed acceptable skill standing in for one missed group, over
  min(groups, 5); mean over entries;
- hit rate: entries with core groups where at least one group is noticed;
- silence: entries without core groups that get no skill;
- unrelated: entries with at least one wrong noticed skill;
- activity but no skill: entries with core groups that get nothing;
- reliability: noticed skills bucketed by confidence, with the precision observed in each bucket.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

try:
    from bench.reflective_build import KINDS, frozen_digest, label_lookup, split_of, validate
except ImportError:  # run as a script: bench/ itself is on sys.path
    from reflective_build import KINDS, frozen_digest, label_lookup, split_of, validate

ROOT = Path(__file__).resolve().parents[1]
SET_PATH = ROOT / "bench" / "reflective_set.jsonl"
DIGEST_PATH = ROOT / "bench" / "reflective_test.sha256"
# `bench/reflective_holdout.jsonl` is a whole set nobody tunes on: its entries say split "holdout"
# instead of the id-derived dev/test split, and it is scored with --split all.
HOLDOUT = "holdout"

TARGETS = {"precision": 0.70, "recall5": 0.60, "silence": 0.90, "unrelated": 0.10, "empty": 0.10}
BUCKETS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


@dataclass(frozen=True, slots=True)
class Noticed:
    """One skill the extractor showed: its URI and confidence."""

    uri: str
    confidence: float


@dataclass(frozen=True, slots=True)
class EntryScore:
    """What one entry contributes to the figures."""

    kind: str
    has_core: bool
    noticed: int
    correct: int
    recall5: float | None  # None for entries without core groups
    hit: bool
    wrong: int
    ms: float
    length: str = ""


def gold_sets(entry: dict) -> tuple[list[set[str]], set[str]]:
    """Core groups as URI sets, and the acceptable URIs."""
    core = [{s["uri"] for s in group} for group in entry.get("core", [])]
    return core, {s["uri"] for s in entry.get("acceptable", [])}


def score_entry(entry: dict, noticed: Sequence[Noticed], ms: float = 0.0) -> EntryScore:
    """Score one entry's noticed skills against its gold."""
    core, acceptable = gold_sets(entry)
    core_all = set().union(*core) if core else set()
    uris = list(dict.fromkeys(n.uri for n in noticed))  # a skill shown twice counts once
    correct = sum(1 for u in uris if u in core_all or u in acceptable)
    recall5 = None
    if core:
        ranked = sorted(noticed, key=lambda n: -n.confidence)  # stable: ties keep their order
        top5 = list(dict.fromkeys(n.uri for n in ranked))[:5]
        found = sum(1 for g in core if g & set(top5))
        stand_ins = len({u for u in top5 if u in acceptable and u not in core_all})
        need = min(len(core), 5)
        recall5 = min(need, found + min(stand_ins, len(core) - found)) / need
    return EntryScore(
        kind=entry["kind"],
        has_core=bool(core),
        noticed=len(uris),
        correct=correct,
        recall5=recall5,
        hit=any(g & set(uris) for g in core),
        wrong=len(uris) - correct,
        ms=ms,
        length=entry.get("length", ""),
    )


def _share(num: int | float, den: int) -> float | None:
    return num / den if den else None


def aggregate(scores: Iterable[EntryScore]) -> dict:
    """The figures over a group of entries (None where the group has no such entries)."""
    scores = list(scores)
    with_core = [s for s in scores if s.has_core]
    without = [s for s in scores if not s.has_core]
    noticed = sum(s.noticed for s in scores)
    return {
        "entries": len(scores),
        "with_core": len(with_core),
        "no_skill": len(without),
        "noticed": noticed,
        "precision": _share(sum(s.correct for s in scores), noticed),
        "recall5": _share(sum(s.recall5 or 0.0 for s in with_core), len(with_core)),
        "hit_rate": _share(sum(s.hit for s in with_core), len(with_core)),
        "silence": _share(sum(s.noticed == 0 for s in without), len(without)),
        "unrelated": _share(sum(s.wrong > 0 for s in scores), len(scores)),
        "empty": _share(sum(s.noticed == 0 for s in with_core), len(with_core)),
        "p50_ms": statistics.median(s.ms for s in scores) if scores else None,
    }


def reliability(pairs: Iterable[tuple[float, bool]]) -> list[dict]:
    """(confidence, correct) pairs bucketed by confidence: count and observed precision."""
    rows = []
    pairs = list(pairs)
    for i, (lo, hi) in enumerate(zip(BUCKETS, BUCKETS[1:], strict=False)):
        last = i == len(BUCKETS) - 2
        inside = [ok for c, ok in pairs if lo <= c < hi or (last and c >= hi)]
        rows.append(
            {
                "from": lo,
                "to": hi,
                "count": len(inside),
                "precision": _share(sum(inside), len(inside)),
            }
        )
    return rows


def load_set(path: Path = SET_PATH) -> list[dict]:
    """Every entry of the built set."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def digest_status(entries: list[dict]) -> tuple[str, str]:
    """(digest of the test part as it is now, the frozen digest on file)."""
    frozen = DIGEST_PATH.read_text().strip() if DIGEST_PATH.exists() else ""
    return frozen_digest(entries), frozen


def build(args: argparse.Namespace):  # noqa: ANN201 - any Extractor
    """The extractor asked for, through the public factory."""
    from extractors import build_extractor

    if args.extractor == "llm":
        return build_extractor(
            openai_api_key=os.environ.get("OPENAI_API_KEY"),
            openai_base_url=os.environ.get("OPENAI_BASE_URL"),
            model=os.environ.get("UTP_LLM_MODEL"),
            cache_dir=None,
            force="llm",
            offline_model=args.model,
        )
    return build_extractor(
        openai_api_key=None,
        openai_base_url=None,
        model=None,
        cache_dir=None,
        force="offline",
        offline_model=args.model,
    )


async def run(extractor, entries: list[dict]) -> list[tuple[dict, list, float]]:  # noqa: ANN001
    """Extract every entry; (entry, skills shown, milliseconds)."""
    out = []
    for entry in entries:
        start = time.perf_counter()
        result = await extractor.extract(entry["text"])
        out.append((entry, list(result.skills), (time.perf_counter() - start) * 1000))
    return out


def _fmt(value: float | None, pct: bool = True) -> str:
    if value is None:
        return "  -  "
    return f"{100 * value:5.1f}" if pct else f"{value:5.1f}"


def print_report(overall: dict, per_kind: dict[str, dict], curve: list[dict], header: str) -> None:
    """The figures as tables, with the targets beside them."""
    print(header)
    print(
        f"  precision        {_fmt(overall['precision'])} %  (target >= 70)\n"
        f"  core recall@5    {_fmt(overall['recall5'])} %  (target >= 60, lenient)\n"
        f"  entry hit rate   {_fmt(overall['hit_rate'])} %\n"
        f"  no-skill silence {_fmt(overall['silence'])} %  (target >= 90)\n"
        f"  unrelated        {_fmt(overall['unrelated'])} %  (target <= 10: entries with a "
        f"wrong skill)\n"
        f"  activity, no skill {_fmt(overall['empty'])} % (target <= 10)\n"
        f"  noticed skills   {overall['noticed']} over {overall['entries']} entries; "
        f"p50 {_fmt(overall['p50_ms'], pct=False)} ms per entry"
    )
    cols = ("n", "prec", "R@5", "hit", "silent", "unrel", "empty", "p50ms")
    print("\n  per kind" + " " * 14 + "".join(f"{c:>7}" for c in cols))
    guide = sorted(k for k in per_kind if k in KINDS)
    others = sorted(k for k in per_kind if k not in KINDS and not k.startswith("("))
    for kind in guide + sorted(k for k in per_kind if k.startswith("(")) + others:
        m = per_kind[kind]
        cells = (
            [f"{m['entries']:>7}"]
            + [
                f"{_fmt(m[k]):>7}"
                for k in ("precision", "recall5", "hit_rate", "silence", "unrelated", "empty")
            ]
            + [f"{_fmt(m['p50_ms'], pct=False):>7}"]
        )
        print(f"  {kind:<22}" + "".join(cells))
    print("\n  reliability (noticed skills by confidence)")
    for row in curve:
        print(
            f"    {row['from']:.1f}-{row['to']:.1f}: {row['count']:>5} noticed, "
            f"precision {_fmt(row['precision'])} %"
        )


def main(argv: list[str] | None = None) -> int:
    """Score and print."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", type=Path, default=SET_PATH)
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--extractor", choices=("offline", "llm"), default="offline")
    parser.add_argument("--model", choices=("wordllama", "hybrid"), default="wordllama")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--show", action="store_true", help="per-entry noticed vs gold (dev)")
    parser.add_argument("--limit", type=int, default=0, help="score only the first N entries")
    args = parser.parse_args(argv)
    if args.show and args.split != "dev":
        print(
            "refused: --show reads the entries, and the test third is frozen: never read it "
            "while tuning. Use --show with --split dev.",
            file=sys.stderr,
        )
        return 2

    entries = load_set(args.set)
    sys.path.insert(0, str(ROOT))
    checked = [
        dict(e, split=split_of(str(e.get("id", "")))) if e.get("split") == HOLDOUT else e
        for e in entries
    ]
    problems = validate(checked, label_lookup())
    if problems:
        print("the set breaks the guide's rules; fix the part and rebuild:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    digest_ok = None
    if args.split in ("test", "all") and any(e.get("split") != HOLDOUT for e in entries):
        now, frozen = digest_status(entries)
        digest_ok = now == frozen
        if not digest_ok:
            bar = "!" * 72
            print(
                f"{bar}\n!! THE TEST PART DIFFERS FROM bench/reflective_test.sha256: someone\n"
                f"!! edited the frozen third; these figures are not comparable.\n{bar}",
                file=sys.stderr,
            )
    chosen = [e for e in entries if args.split == "all" or e["split"] == args.split]
    if args.limit:
        chosen = chosen[: args.limit]

    extractor = build(args)
    start = time.perf_counter()
    asyncio.run(extractor.extract("warm up"))
    warm_s = time.perf_counter() - start
    results = asyncio.run(run(extractor, chosen))

    scores, pairs = [], []
    for entry, skills, ms in results:
        noticed = [Noticed(s.uri, float(s.confidence)) for s in skills]
        scores.append(score_entry(entry, noticed, ms))
        core, acceptable = gold_sets(entry)
        good = set().union(acceptable, *core)
        pairs += [(n.confidence, n.uri in good) for n in noticed]
    overall = aggregate(scores)
    per_kind = {
        kind: aggregate(s for s in scores if s.kind == kind) for kind in {s.kind for s in scores}
    }
    # The guide's kinds together, and the 36 replies written before the guide.
    per_kind["(guide kinds)"] = aggregate(s for s in scores if s.kind in KINDS)
    per_kind["(legacy kinds)"] = aggregate(s for s in scores if s.kind not in KINDS)
    for length in ("short", "long"):
        per_kind[f"({length}, guide kinds)"] = aggregate(
            s for s in scores if s.kind in KINDS and s.length == length
        )
    curve = reliability(pairs)
    if args.json:
        report = {
            "split": args.split,
            "extractor": args.extractor,
            "model": args.model,
            "test_digest_ok": digest_ok,
            "overall": overall,
            "per_kind": per_kind,
            "reliability": curve,
            "targets": TARGETS,
        }
        print(json.dumps(report, indent=2))
    else:
        print_report(
            overall,
            per_kind,
            curve,
            f"reflective set, split {args.split} ({len(chosen)} entries), extractor "
            f"{args.extractor}/{args.model}; first call {warm_s:.1f}s",
        )
    if args.show:
        for (entry, skills, _), score in zip(results, scores, strict=True):
            core, acceptable = gold_sets(entry)
            good = set().union(acceptable, *core)
            print(
                f"\n- {entry['id']} [{entry['kind']}] R@5 {_fmt(score.recall5)}: {entry['text']}"
            )
            for s in skills:
                mark = "+" if s.uri in good else "x"
                print(f"    {mark} {s.confidence:.2f} {s.label}  <- {s.evidence!r}")
            for group in entry.get("core", []):
                found = (
                    "found" if {s["uri"] for s in group} & {s.uri for s in skills} else "MISSED"
                )
                print(f"    core {found}: " + " / ".join(s["label"] for s in group))
            if entry.get("acceptable"):
                print("    acceptable: " + "; ".join(s["label"] for s in entry["acceptable"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
