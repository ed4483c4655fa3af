"""Fit the offline extractor's notice model on the reflective DEV split (never the test third).

    python bench/extraction_calibrate.py            # fit, print, write extractors/data/...
    python bench/extraction_calibrate.py --dry-run  # fit and print only
    python bench/extraction_calibrate.py --recall   # where the dev set's core skills get lost

Every candidate the mirror (`extractors/mirror.py`) proposes for a dev entry becomes one
training row: its features, and whether the skill is in the entry's core groups or acceptable
list (a right skill) or not (a wrong one). A logistic model is fit by Newton's method (numpy
only) with an L2 pull towards the reviewed hand-set weights (`extractors/data/notice_prior.json`);
the cut is the one with the best F0.5 (precision weighted twice) of dev precision and core
recall@5 among those that keep at least 90 % of the no-skill entries silent. The coefficients,
the cut and how they were fit are written to `extractors/data/notice_model.json` (package data).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.reflective_eval import reliability  # noqa: E402
from extractors.actions import read_actions  # noqa: E402
from extractors.mirror import FEATURES, MODEL_FILE, NoticeModel  # noqa: E402
from extractors.offline import OfflineExtractor  # noqa: E402
from extractors.text import MAX_TEXT_CHARS, is_question  # noqa: E402

SET_PATH = ROOT / "bench" / "reflective_set.jsonl"
L2 = 8.0
PRIOR_FILE = ROOT / "extractors" / "data" / "notice_prior.json"


def dev_entries(path: Path) -> list[dict]:
    """The dev split only: the test third is never read here."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            if entry.get("split") == "dev":
                out.append(entry)
    return out


def gold(entry: dict) -> tuple[list[set[str]], set[str]]:
    core = [{s["uri"] for s in group} for group in entry.get("core", [])]
    return core, {s["uri"] for s in entry.get("acceptable", [])}


def rows(
    ex: OfflineExtractor, entries: list[dict], cands: list[list]
) -> list[tuple[int, int, str, list[float]]]:
    """(entry number, label, skill URI, features) for every candidate of every dev entry."""
    out = []
    for n, (entry, entry_cands) in enumerate(zip(entries, cands, strict=True)):
        core, acceptable = gold(entry)
        good = set().union(acceptable, *core)
        for cand in entry_cands:
            uri = ex.index.skills[cand.row].uri
            feats = [cand.feats[k] for k in FEATURES]
            out.append((n, int(uri in good), uri, feats))
    return out


def fit(
    x: np.ndarray, y: np.ndarray, prior: np.ndarray, l2: float = L2, steps: int = 30
) -> np.ndarray:
    """Logistic regression by Newton's method with a Gaussian prior centred on the reviewed
    hand-set weights (`prior`): where the dev split says little (a rare feature), the weight
    stays near what the design says; the bias (last column of ones) is not penalised."""
    x1 = np.hstack([x, np.ones((len(x), 1))])
    w = prior.copy()
    penalty = np.full(x1.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(x1 @ w, -30, 30)))
        grad = x1.T @ (p - y) + penalty * (w - prior)
        hess = (x1.T * (p * (1 - p))) @ x1 + np.diag(penalty + 1e-6)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w


def candidate_sets(ex: OfflineExtractor, entries: list[dict]) -> list[list]:
    """Every dev entry's candidates with their features (read once; re-scored per model)."""
    out = []
    for entry in entries:
        text = entry["text"][:MAX_TEXT_CHARS]
        actions = [a for a in read_actions(text) if not is_question(a.clause, text, a.start)]
        out.append(ex.mirror.candidates(actions, text))
    return out


def simulate(
    ex: OfflineExtractor, entries: list[dict], model: NoticeModel, cands: list[list]
) -> tuple[float, float, float, list[tuple[float, bool]]]:
    """(precision, core recall@5, silence, (confidence, right) pairs) on `entries`, through
    the mirror's own final decision (`Mirror.select`) with `model`."""
    tp = noticed = 0
    recall, with_core, silent, without = 0.0, 0, 0, 0
    pairs = []
    for entry, entry_cands in zip(entries, cands, strict=True):
        for cand in entry_cands:
            cand.probability = model.probability(cand.feats)
        chosen = ex.mirror.select(entry_cands, model.cut)
        core, acceptable = gold(entry)
        good = set().union(acceptable, *core)
        uris = [ex.index.skills[c.row].uri for c in chosen]
        noticed += len(uris)
        tp += sum(u in good for u in uris)
        pairs += [(c.probability, ex.index.skills[c.row].uri in good) for c in chosen]
        if core:
            with_core += 1
            top = set(uris[:5])
            found = sum(1 for g in core if g & top)
            stand = len({u for u in top if u in acceptable and not any(u in g for g in core)})
            need = min(len(core), 5)
            recall += min(need, found + min(stand, len(core) - found)) / need
        else:
            without += 1
            silent += not uris
    return (
        tp / noticed if noticed else 0.0,
        recall / with_core if with_core else 0.0,
        silent / without if without else 1.0,
        pairs,
    )


def recall_ceiling(ex: OfflineExtractor, entries: list[dict]) -> None:
    """How many core groups are among the candidates at all, and the missed ones per entry."""
    groups = reached = 0
    for entry in entries:
        text = entry["text"]
        actions = [a for a in read_actions(text) if not is_question(a.clause, text, a.start)]
        uris = {ex.index.skills[c.row].uri for c in ex.mirror.candidates(actions, text)}
        for group in entry.get("core", []):
            groups += 1
            if {s["uri"] for s in group} & uris:
                reached += 1
            else:
                own = [f"{a.why}:{a.phrase}" for a in actions]
                labels = " / ".join(s["label"] for s in group)
                print(f"  MISSED {entry['id']}: {labels}   actions={own}")
    print(f"core groups among the candidates: {reached}/{groups}")


def main(argv: list[str] | None = None) -> int:
    """Fit and write the model."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", type=Path, default=SET_PATH)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--recall", action="store_true", help="print the candidate ceiling")
    parser.add_argument("--l2", type=float, default=L2)
    args = parser.parse_args(argv)
    entries = dev_entries(args.set)
    ex = OfflineExtractor()
    if args.recall:
        recall_ceiling(ex, entries)
        return 0
    cands = candidate_sets(ex, entries)
    data = rows(ex, entries, cands)
    x = np.array([r[3] for r in data], dtype=np.float64)
    y = np.array([r[1] for r in data], dtype=np.float64)
    hand = json.loads(PRIOR_FILE.read_text(encoding="utf-8"))
    prior = np.array([hand["weights"].get(k, 0.0) for k in FEATURES] + [hand["bias"]])
    w = fit(x, y, prior, args.l2)
    weights = {k: round(float(v), 4) for k, v in zip(FEATURES, w[:-1], strict=True)}
    bias = round(float(w[-1]), 4)
    print(f"dev entries {len(entries)}, candidate rows {len(data)}, right {int(y.sum())}")
    for k, v in weights.items():
        print(f"  {k:14} {v:+.3f}")
    print(f"  {'bias':14} {bias:+.3f}")
    best = None
    for cut in [round(0.15 + 0.05 * i, 2) for i in range(14)]:
        model = NoticeModel(weights, bias, cut, "dev")
        precision, recall, silence, _ = simulate(ex, entries, model, cands)
        print(f"  cut {cut:.2f}: precision {precision:.3f} recall@5 {recall:.3f} "
              f"silence {silence:.3f}")  # fmt: skip
        # F0.5: precision counts twice as much as recall ("fewer, right skills beat many").
        den = 0.25 * precision + recall
        f_half = 1.25 * precision * recall / den if den else 0.0
        if silence >= 0.9 and (best is None or f_half > best[1]):
            best = (cut, f_half)
    cut = best[0] if best is not None else 0.5
    model = NoticeModel(weights, bias, cut, "dev")
    precision, recall, silence, pairs = simulate(ex, entries, model, cands)
    print(f"chosen cut {cut:.2f}: precision {precision:.3f} recall@5 {recall:.3f}")
    print("reliability on dev (noticed skills by probability)")
    for row in reliability(pairs):
        share = "  -  " if row["precision"] is None else f"{100 * row['precision']:5.1f}"
        print(
            f"  {row['from']:.1f}-{row['to']:.1f}: {row['count']:>5} noticed, precision {share} %"
        )
    if args.dry_run:
        return 0
    about = (
        "Logistic model deciding which activity-first candidates the offline extractor notices "
        "(extractors/mirror.py). Fit by python bench/extraction_calibrate.py: one row per "
        "candidate of every DEV-split entry of bench/reflective_set.jsonl (label: the skill is "
        f"core or acceptable for the entry), Newton's method with a Gaussian prior (L2 {args.l2}) "
        "centred on the reviewed hand-set weights in extractors/data/notice_prior.json; "
        "cut = best dev F0.5 of precision and core recall@5 with >= 90 % of no-skill entries "
        "silent. The test third was not read."
    )
    out = {
        "about": about,
        "fitted_on": f"dev split, {len(entries)} entries, {len(data)} candidate rows, "
        f"{datetime.now(UTC).date().isoformat()}",
        "dev_figures": {"precision": round(precision, 3), "recall5": round(recall, 3)},
        "bias": bias,
        "cut": cut,
        "weights": weights,
    }
    MODEL_FILE.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
