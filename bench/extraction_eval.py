"""Extraction quality: ESCO ranking benchmark (RP@5, RP@10, MRR) and a reflective-reply set.

    python bench/extraction_eval.py                 # both, offline extractor
    python bench/extraction_eval.py --tune          # see bench/extraction_calibrate.py
    python bench/extraction_eval.py --extractor llm # own set through the LLM extractor (needs key)
    python bench/extraction_eval.py --model hybrid  # WordLlama + all-MiniLM-L6-v2

Ranking protocol: `shared/skillbench/README.md` (validation splits; gold v1.1 labels mapped to
v1.2 skills by preferred label, else an unambiguous alternative label; unmapped ones stay misses).
Own set: the dev split of `bench/reflective_set.jsonl` (core groups and acceptable skills; the
full figures per kind are `bench/reflective_eval.py`). The job-ad ranking uses the index's
ranking over all ESCO skills (`EscoIndex.rank`), unchanged by the activity-first layer, which
decides what is noticed in reflections.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors import build_extractor  # noqa: E402
from extractors.esco import load_taxonomy  # noqa: E402
from extractors.offline import OfflineExtractor  # noqa: E402

NO_GOLD = {"LABEL NOT PRESENT", "UNDERSPECIFIED"}


def load_skillbench(path: Path) -> tuple[list[tuple[str, set[str]]], int]:
    """Queries (sentence, gold URIs) and the number of gold labels not mapped to ESCO v1.2."""
    tx = load_taxonomy()
    grouped: dict[str, set[str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["label"] not in NO_GOLD:
                grouped.setdefault(row["sentence"], set()).add(row["label"])
    queries, unmapped = [], 0
    for sentence, labels in grouped.items():
        gold = set()
        for label in labels:
            skill = tx.by_preferred_label(label) or tx.by_label(label)
            if skill is None:
                unmapped += 1
                gold.add("unmapped:" + label)
            else:
                gold.add(skill.uri)
        queries.append((sentence, gold))
    return queries, unmapped


def ranking_metrics(extractor: OfflineExtractor, queries: list[tuple[str, set[str]]]) -> dict:
    """RP@5, RP@10 and MRR (x100) of the offline ranking over all ESCO skills."""
    rp5 = rp10 = mrr = 0.0
    for sentence, gold in queries:
        ranked = [s.uri for s, _ in extractor.index.rank(sentence, 100)]
        rp5 += len(set(ranked[:5]) & gold) / min(5, len(gold))
        rp10 += len(set(ranked[:10]) & gold) / min(10, len(gold))
        mrr += next((1 / (i + 1) for i, uri in enumerate(ranked) if uri in gold), 0.0)
    n = len(queries)
    return {"RP@5": 100 * rp5 / n, "RP@10": 100 * rp10 / n, "MRR": 100 * mrr / n, "queries": n}


def load_own(path: Path) -> list[dict]:
    """The reflective-reply set's dev split (the frozen test third is scored only by
    `bench/reflective_eval.py --split test`)."""
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [e for e in entries if e.get("split", "dev") == "dev"]


def own_metrics(results: list[tuple[dict, list[str]]]) -> dict:
    """Micro precision and recall over the own set, plus false positives on no-skill entries."""
    tp = predicted = hit_slots = slots = empty_fp = 0
    for entry, uris in results:
        accepted = [{s["uri"] for s in slot} for slot in entry.get("core", [])]
        fine = {s["uri"] for s in entry.get("acceptable", [])}
        predicted += len(uris)
        tp += sum(1 for u in uris if u in fine or any(u in a for a in accepted))
        slots += len(accepted)
        hit_slots += sum(1 for a in accepted if a & set(uris))
        if not accepted:
            empty_fp += len(uris)
    return {
        "precision": 100 * tp / predicted if predicted else 0.0,
        "recall": 100 * hit_slots / slots if slots else 0.0,
        "predicted": predicted,
        "no_skill_false_positives": empty_fp,
    }


async def run_own(extractor, entries: list[dict]) -> tuple[list[tuple[dict, list[str]]], dict]:
    """Extract every entry; return (entry, predicted URIs) pairs and summed token usage."""
    out, tokens = [], {"prompt": 0, "completion": 0, "total": 0, "calls": 0}
    for entry in entries:
        result = await extractor.extract(entry["text"])
        out.append((entry, [s.uri for s in result.skills]))
        if result.tokens:
            tokens["calls"] += 1
            for key in ("prompt", "completion", "total"):
                tokens[key] += int(result.tokens.get(key, 0))
    return out, tokens


def main(argv: list[str] | None = None) -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skillbench", type=Path, default=ROOT.parent / "shared" / "skillbench")
    parser.add_argument("--own", type=Path, default=ROOT / "bench" / "reflective_set.jsonl")
    parser.add_argument("--extractor", choices=("offline", "llm"), default="offline")
    parser.add_argument("--model", choices=("wordllama", "hybrid"), default="wordllama")
    parser.add_argument("--tune", action="store_true", help="sweep the offline threshold")
    parser.add_argument("--verbose", action="store_true", help="print each own-set entry")
    args = parser.parse_args(argv)
    offline = OfflineExtractor(model=args.model)
    start = time.perf_counter()
    offline.index  # noqa: B018 - load before timing anything else
    print(f"index ready in {time.perf_counter() - start:.1f}s")

    if args.extractor == "offline" and not args.tune:
        for name in ("tech", "house"):
            path = args.skillbench / f"{name}_validation_annotations.csv"
            if not path.exists():
                print(f"{name.upper()}: {path} not found, skipped")
                continue
            queries, unmapped = load_skillbench(path)
            m = ranking_metrics(offline, queries)
            print(
                f"{name.upper():5} validation: RP@5 {m['RP@5']:.1f}  RP@10 {m['RP@10']:.1f}  "
                f"MRR {m['MRR']:.1f}  ({m['queries']} queries, {unmapped} gold labels unmapped)"
            )

    entries = load_own(args.own)
    if args.tune:
        print("the notice cut is fit by python bench/extraction_calibrate.py (dev split)")
        return 0
    if args.extractor == "llm":
        extractor = build_extractor(
            openai_api_key=os.environ.get("OPENAI_API_KEY"),
            openai_base_url=os.environ.get("OPENAI_BASE_URL"),
            model=os.environ.get("UTP_LLM_MODEL"),
            cache_dir=None,
            force="llm",
            offline_model=args.model,
        )
    else:
        extractor = offline
    res, tokens = asyncio.run(run_own(extractor, entries))
    m = own_metrics(res)
    print(
        f"own set ({len(entries)} replies, {args.extractor}): precision {m['precision']:.1f}  "
        f"recall {m['recall']:.1f}  predicted {m['predicted']}  "
        f"false positives on no-skill replies {m['no_skill_false_positives']}"
    )
    if tokens["calls"]:
        print(
            f"LLM tokens per entry: {tokens['total'] / tokens['calls']:.0f} "
            f"(prompt {tokens['prompt'] / tokens['calls']:.0f}, "
            f"completion {tokens['completion'] / tokens['calls']:.0f})"
        )
    if args.verbose:
        tx = load_taxonomy()
        for entry, uris in res:
            print(f"- {entry['id']}: {[tx.get(u).label for u in uris]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
