"""Sentence embeddings from a model whose weights ship inside a PyPI package (no download).

The default is WordLlama (`wordllama`, numpy only, weights and tokenizer bundled in the wheel).
Both are read from the package folder directly: WordLlama's own loader looks for the bundled
tokenizer in the wrong folder and would then try the network.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import math
import sys
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from passport.errors import ExtractionError

logger = logging.getLogger(__name__)


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """One normalised row per text."""
        ...


class WordLlamaEmbedder:
    """WordLlama l2_supercat (256 dimensions) from the weights bundled in the `wordllama` wheel.

    The weights and tokenizer are read straight from the package folder, without importing
    `wordllama` itself: its import pulls in requests and pydantic (about 0.2 s) and configures
    the root logger. The float16 token table is memory-mapped, so a process holds only the rows
    it has used (and processes share them); rows are widened to float32 as they are read,
    which gives exactly the vectors of `WordLlama.embed`.
    """

    def __init__(self, dim: int = 256) -> None:
        spec = importlib.util.find_spec("wordllama")
        if spec is None or spec.origin is None:  # pragma: no cover - a declared dependency
            raise ExtractionError("the 'wordllama' package is not installed")
        package_dir = Path(spec.origin).parent
        weights = package_dir / "weights" / "l2_supercat_256.safetensors"
        tokenizer = package_dir / "tokenizers" / "l2_supercat_tokenizer_config.json"
        try:
            table = _safetensors_matrix(weights, "embedding.weight")
        except (OSError, ValueError, KeyError) as exc:
            raise ExtractionError("WordLlama weights are missing from the package") from exc
        if not tokenizer.is_file():
            raise ExtractionError("the WordLlama tokenizer is missing from the package")
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        # As WordLlamaInference: pad batches to their longest text, never truncate.
        self.tokenizer.enable_padding()
        self.tokenizer.no_truncation()
        self.embedding = table[:, :dim] if dim < table.shape[1] else table
        self.dim = dim
        self.name = f"wordllama-l2_supercat-{dim}"
        # The Rust tokenizer is not documented as safe to share across threads.
        self._lock = threading.Lock()

    def _rows(self, ids: np.ndarray) -> np.ndarray:
        np.clip(ids, 0, self.embedding.shape[0] - 1, out=ids)
        return self.embedding[ids].astype(np.float32)

    def embed(self, texts: list[str], batch_size: int = 256) -> np.ndarray:
        """Average-pooled, normalised token embeddings, one row per text."""
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            with self._lock:
                encoded = self.tokenizer.encode_batch(
                    list(texts[start : start + batch_size]), add_special_tokens=False
                )
            ids = np.array([e.ids for e in encoded], dtype=np.int32)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.float32)
            # The same operations, in the same order, as WordLlamaInference.embed(norm=True).
            count = np.maximum(mask.sum(axis=1, keepdims=True), 1.0).astype(np.float32)
            pooled = np.sum(self._rows(ids) * mask[..., np.newaxis], axis=1, dtype=np.float32)
            pooled /= count
            pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
            out[start : start + len(pooled)] = pooled
        return out

    def token_vectors(self, text: str) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """Token vectors and character spans; their mean, normalised, is `embed([text])[0]`."""
        with self._lock:
            enc = self.tokenizer.encode(text, add_special_tokens=False)
        return self._rows(np.asarray(enc.ids, dtype=np.int64)), list(enc.offsets)


_SAFETENSORS_DTYPES = {"F16": np.float16, "F32": np.float32}


def _safetensors_matrix(path: Path, key: str) -> np.ndarray:
    """One tensor of a .safetensors file, memory-mapped read-only (no copy).

    The format: an 8-byte little-endian header length, a JSON header giving each tensor's
    dtype, shape and byte range, then the raw data.
    """
    with path.open("rb") as fh:
        size = int.from_bytes(fh.read(8), "little")
        header = json.loads(fh.read(size))
    entry = header[key]
    dtype = np.dtype(_SAFETENSORS_DTYPES[entry["dtype"]]).newbyteorder("<")
    begin, end = entry["data_offsets"]
    shape = tuple(entry["shape"])
    if end - begin != dtype.itemsize * math.prod(shape):
        raise ValueError(f"{path}: {key} has {end - begin} bytes for shape {shape}")
    table = np.memmap(path, dtype=dtype, mode="r", offset=8 + size + begin, shape=shape)
    return table.view(np.ndarray)  # np.memmap's own indexing is slower


class TokenEmbedder(Embedder, Protocol):
    """An embedder whose text vector is the mean of its token vectors (so windows are cheap)."""

    def token_vectors(self, text: str) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """Token vectors (not normalised) and each token's character span in `text`."""
        ...


_default: Embedder | None = None
_default_lock = threading.Lock()


def default_embedder() -> Embedder:
    """The process-wide default embedder (loaded once)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = WordLlamaEmbedder()
    return _default


def embed_with_progress(
    embedder: Embedder, texts: list[str], progress: bool, chunk: int = 4096
) -> np.ndarray:
    """Embed many texts in chunks, with a progress bar on stderr (first-run index builds)."""
    bar = None
    if progress:
        try:
            from tqdm import tqdm

            bar = tqdm(
                total=len(texts),
                desc=f"Indexing ESCO skills with {embedder.name} (first run only)",
                unit="text",
                file=sys.stderr,
            )
        except ImportError:
            print("Indexing ESCO skills (first run only)...", file=sys.stderr)
    out = np.empty((len(texts), embedder.dim), dtype=np.float32)  # filled in place: one copy
    for start in range(0, len(texts), chunk):
        part = embedder.embed(texts[start : start + chunk])
        out[start : start + len(part)] = part
        if bar is not None:
            bar.update(len(part))
    if bar is not None:
        bar.close()
    return out
