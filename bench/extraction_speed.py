"""Offline extractor speed and memory: cold start, per-entry latency on one thread, peak RSS.

    python bench/extraction_speed.py [--repeat 5]

Cold start is measured in a fresh process (import + load taxonomy + load the cached index +
first extraction), after making sure the index cache exists. Latency runs every reply of
`bench/reflective_set.jsonl` plus longer three-reply entries, on one BLAS thread. Also prints
the LLM prompt size per entry (system prompt + candidates + schema + text), counted with the
bundled Llama-2 tokenizer as a stand-in for the model's own (an over-estimate for GPT-4o).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # "on one thread": set before numpy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLD = """
import resource, sys, time
t0 = time.perf_counter()
from extractors.offline import OfflineExtractor
ex = OfflineExtractor(model=sys.argv[1])
ex.index
t1 = time.perf_counter()
ex.extract_sync("I led the weekly stand-up and fixed the CI pipeline.")
t2 = time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{t1 - t0:.3f} {t2 - t0:.3f} {rss:.0f}")
"""


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def cold_start(runs: int, model: str) -> None:
    """Fresh-process cold start from the disk cache."""
    from extractors.offline import OfflineExtractor

    OfflineExtractor(model=model).index  # noqa: B018 - make sure the cache exists first
    rows = []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", COLD, model],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=True,
        )
        wall = time.perf_counter() - start
        ready, first, rss = (float(x) for x in out.stdout.split())
        rows.append((ready, first, wall, rss))
    best = min(rows)
    print(
        f"cold start from cache (best of {runs}): import+load {best[0]:.2f}s, "
        f"first result {best[1]:.2f}s, process wall incl. interpreter {best[2]:.2f}s, "
        f"peak RSS {best[3]:.0f} MB"
    )


def latency(repeat: int, model: str) -> None:
    """p50/p95 per entry, one thread."""
    from extractors.offline import OfflineExtractor

    entries = [
        json.loads(line)["text"]
        for line in (ROOT / "bench" / "reflective_set.jsonl").read_text().splitlines()
    ]
    longer = [" ".join(entries[i : i + 3]) for i in range(0, len(entries) - 2, 3)]
    ex = OfflineExtractor(model=model)
    ex.extract_sync("warm up")
    for name, texts in (("single replies", entries), ("three-reply entries", longer)):
        times = []
        for _ in range(repeat):
            for text in texts:
                start = time.perf_counter()
                ex.extract_sync(text)
                times.append((time.perf_counter() - start) * 1000)
        words = sum(len(t.split()) for t in texts) / len(texts)
        print(
            f"latency, {name} (~{words:.0f} words, n={len(times)}): "
            f"p50 {percentile(times, 50):.1f} ms, p95 {percentile(times, 95):.1f} ms"
        )
    times = []
    for text in entries:
        start = time.perf_counter()
        ex.index.rank(text, 10)
        times.append((time.perf_counter() - start) * 1000)
    print(f"rank K=10 over all ESCO: p50 {percentile(times, 50):.1f} ms")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {rss:.0f} MB")


def llm_prompt_size() -> None:
    """Prompt tokens per entry for the LLM path (estimate, see the module docstring)."""
    from extractors.llm import CANDIDATES, MAX_COMPLETION_TOKENS
    from extractors.llm_schema import SYSTEM_PROMPT, candidates_message, response_format
    from extractors.offline import OfflineExtractor

    ex = OfflineExtractor()
    tokenizer = ex.index.embedder._model.tokenizer  # type: ignore[attr-defined]
    schema = json.dumps(response_format())
    sizes = []
    for line in (ROOT / "bench" / "reflective_set.jsonl").read_text().splitlines():
        text = json.loads(line)["text"]
        prompt = "\n".join(
            [SYSTEM_PROMPT, candidates_message(ex.retrieve_candidates(text, CANDIDATES)), text]
        )
        sizes.append(len(tokenizer.encode(prompt).ids) + len(tokenizer.encode(schema).ids) + 12)
    print(
        f"LLM prompt per entry (Llama-2 tokenizer, {CANDIDATES} candidates): "
        f"mean {sum(sizes) / len(sizes):.0f}, max {max(sizes)} tokens; "
        f"completion capped at {MAX_COMPLETION_TOKENS}"
    )


def main(argv: list[str] | None = None) -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--model", choices=("wordllama", "hybrid"), default="wordllama")
    args = parser.parse_args(argv)
    print(f"offline model: {args.model}")
    cold_start(args.cold_runs, args.model)
    latency(args.repeat, args.model)
    llm_prompt_size()
    return 0


if __name__ == "__main__":
    sys.exit(main())
