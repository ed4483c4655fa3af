"""A text prepared for scoring: its whole-text vector and its 2-4 word windows.

With an embedder whose text vector is the mean of token vectors (WordLlama), a window's vector
is a sum over a token range, so every window similarity comes from prefix sums of one
token-by-skill product: about three times less arithmetic than embedding each window.
Other embedders embed each window as its own string.
"""

from __future__ import annotations

import re

import numpy as np

from extractors.embed import Embedder

WINDOW_SIZES = (2, 3, 4)
_WORD = re.compile(r"[\w][\w+#.'’-]*")


def windows(text: str) -> list[str]:
    """Every 2-4 word window of `text` (or its single word), deduplicated, in order."""
    words = _WORD.findall(text)
    if len(words) <= 1:
        return words
    out = [" ".join(words[i : i + k]) for k in WINDOW_SIZES for i in range(len(words) - k + 1)]
    return list(dict.fromkeys(out))


def _word_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]


def _window_spans(n_words: int) -> list[tuple[int, int]]:
    """(first word, last word + 1) of every window, the same windows as `windows`."""
    if n_words == 1:
        return [(0, 1)]
    return [(i, i + k) for k in WINDOW_SIZES for i in range(n_words - k + 1)]


class Query:
    """One text, ready to be compared with any (dim x skills) matrix."""

    def __init__(self, text: str, embedder: Embedder) -> None:
        self.text = text
        token_vectors = getattr(embedder, "token_vectors", None)
        if token_vectors is None:
            wins = windows(text)
            self._vectors = embedder.embed([text, *wins])
            self.whole_vector = self._vectors[0]
            self._tokens = None
            return
        tokens, offsets = token_vectors(text)
        self._tokens = np.asarray(tokens, dtype=np.float32)
        zero = np.zeros((1, self._tokens.shape[1]), dtype=np.float32)
        self._token_prefix = np.concatenate([zero, np.cumsum(self._tokens, axis=0)])
        total = self._token_prefix[-1]
        norm = float(np.linalg.norm(total))
        self.whole_vector = total / norm if norm else total
        # Token range of each word (tokens overlapping it), then of each window.
        ranges = []
        for start, end in _word_spans(text):
            hit = [i for i, (a, b) in enumerate(offsets) if a < end and b > start]
            if hit:
                ranges.append((hit[0], hit[-1] + 1))
        spans = _window_spans(len(ranges))
        self._starts = np.array([ranges[a][0] for a, _ in spans], dtype=np.int64)
        self._ends = np.array([ranges[b - 1][1] for _, b in spans], dtype=np.int64)
        lengths = np.linalg.norm(
            self._token_prefix[self._ends] - self._token_prefix[self._starts], axis=1
        )
        self._window_norms = np.maximum(lengths, 1e-9)[:, None]

    @property
    def rows(self) -> int:
        """How many vector rows this query multiplies (for batching)."""
        return len(self._tokens) if self._tokens is not None else len(self._vectors)

    def matrix(self) -> np.ndarray:
        """The rows to multiply by a (dim x skills) matrix."""
        return self._tokens if self._tokens is not None else self._vectors

    def reduce(self, product: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(whole-text similarity, best window similarity) from `matrix() @ skills`."""
        if self._tokens is None:
            whole = product[0]
            return whole, (product[1:].max(axis=0) if len(product) > 1 else whole)
        zero = np.zeros((1, product.shape[1]), dtype=np.float32)
        prefix = np.concatenate([zero, np.cumsum(product, axis=0)])
        norm = float(np.linalg.norm(self._token_prefix[-1]))
        whole = prefix[-1] / norm if norm else prefix[-1]
        if not len(self._starts):
            return whole, whole
        sims = (prefix[self._ends] - prefix[self._starts]) / self._window_norms
        return whole, sims.max(axis=0)
