"""Sentence embeddings from a model whose weights ship inside a PyPI package (no download).

The default is WordLlama (`wordllama`, numpy only, weights bundled in the wheel). Its own loader
looks for the bundled tokenizer in the wrong folder and would then try the network, so we point
it at the package folder and forbid downloads.
"""

from __future__ import annotations

import logging
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
    """WordLlama l2_supercat (256 dimensions) from the weights bundled in the `wordllama` wheel."""

    def __init__(self, dim: int = 256) -> None:
        try:
            import wordllama
            from wordllama import WordLlama
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise ExtractionError("the 'wordllama' package is not installed") from exc
        package_dir = Path(wordllama.__file__).parent
        try:
            self._model = WordLlama.load(
                config="l2_supercat",
                dim=256,
                trunc_dim=dim if dim < 256 else None,
                cache_dir=package_dir,
                disable_download=True,
            )
        except (FileNotFoundError, ValueError) as exc:
            raise ExtractionError("WordLlama weights are missing from the package") from exc
        self.dim = dim
        self.name = f"wordllama-l2_supercat-{dim}"
        # The Rust tokenizer is not documented as safe to share across threads.
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        """Average-pooled, normalised token embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self._model.embed(list(texts), norm=True, batch_size=256)
        return np.ascontiguousarray(out, dtype=np.float32)

    def token_vectors(self, text: str) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """Token vectors and character spans; their mean, normalised, is `embed([text])[0]`."""
        with self._lock:
            enc = self._model.tokenizer.encode(text, add_special_tokens=False)
        ids = np.clip(np.asarray(enc.ids, dtype=np.int64), 0, self._model.embedding.shape[0] - 1)
        return self._model.embedding[ids], list(enc.offsets)


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
