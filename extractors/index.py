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
import re
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from extractors.embed import Embedder, default_embedder
from extractors.esco import SKILLS_FILE, EscoSkill, EscoTaxonomy, load_taxonomy

logger = logging.getLogger(__name__)

INDEX_VERSION = 1  # bump when the cached matrices change meaning
W_WHOLE, W_WINDOW, W_DESC, W_LEX = 1.0, 1.0, 0.5, 0.3
WINDOW_SIZES = (2, 3, 4)
PRUNE = 1200  # candidates that get the (costly) window-vs-alternative-label pass
_WORD = re.compile(r"[\w][\w+#.'’-]*")
_LEX_TOKEN = re.compile(r"[a-z0-9+#]+")


def default_cache_dir() -> Path:
    """`UTP_CACHE_DIR`, else the per-user cache folder."""
    env = os.environ.get("UTP_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("utp"))


def lex_tokens(text: str) -> tuple[str, ...]:
    """Lower-case word tokens used for verbatim label matching."""
    return tuple(_LEX_TOKEN.findall(text.casefold()))


def windows(text: str) -> list[str]:
    """Every 2-4 word window of `text` (or its single word), deduplicated, in order."""
    words = _WORD.findall(text)
    if len(words) <= 1:
        return words
    out = [" ".join(words[i : i + k]) for k in WINDOW_SIZES for i in range(len(words) - k + 1)]
    return list(dict.fromkeys(out))


@dataclass(frozen=True, slots=True)
class _Matrices:
    labels: np.ndarray  # (n, d) preferred labels
    alts: np.ndarray  # (m, d) alternative labels, grouped by skill
    descs: np.ndarray  # (n, d) "label. description"
    alt_owner: np.ndarray  # (m,) skill row of each alternative label


class EscoIndex:
    """Scores every ESCO skill for a text; ranks; shared by both extractors."""

    def __init__(
        self,
        taxonomy: EscoTaxonomy | None = None,
        embedder: Embedder | None = None,
        cache_dir: Path | None = None,
        progress: bool = True,
    ) -> None:
        self.taxonomy = taxonomy or load_taxonomy()
        self.embedder = embedder or default_embedder()
        self.cache_dir = cache_dir or default_cache_dir()
        self.skills: tuple[EscoSkill, ...] = self.taxonomy.skills
        self._m = self._load_or_build(progress)
        owner = self._m.alt_owner
        self._has_alts = np.unique(owner)
        self._alt_start = np.searchsorted(owner, self._has_alts)
        self._alt_ranges = {
            int(s): (int(a), int(b))
            for s, a, b in zip(
                self._has_alts,
                self._alt_start,
                np.append(self._alt_start[1:], len(owner)),
                strict=True,
            )
        }
        self._phrases: dict[tuple[str, ...], list[int]] = {}
        for row, skill in enumerate(self.skills):
            for label in (skill.label, *skill.alt_labels):
                key = lex_tokens(label)
                if key and row not in self._phrases.setdefault(key, []):
                    self._phrases[key].append(row)
        self._max_phrase = max(len(k) for k in self._phrases)

    # -- building and caching -------------------------------------------------------------
    def _cache_path(self) -> Path:
        digest = hashlib.sha256(SKILLS_FILE.read_bytes()).hexdigest()[:12]
        return self.cache_dir / f"esco_index_v{INDEX_VERSION}_{self.embedder.name}_{digest}.npz"

    def _load_or_build(self, progress: bool) -> _Matrices:
        path = self._cache_path()
        if path.exists():
            try:
                with np.load(path) as data:
                    return _Matrices(
                        labels=data["labels"].astype(np.float32),
                        alts=data["alts"].astype(np.float32),
                        descs=data["descs"].astype(np.float32),
                        alt_owner=data["alt_owner"],
                    )
            except (OSError, KeyError, ValueError):
                logger.warning("ESCO index cache at %s is unreadable; rebuilding", path)
        matrices = self._build(progress)
        self._save(path, matrices)
        return matrices

    def _build(self, progress: bool) -> _Matrices:
        texts = [s.label for s in self.skills]
        owner = []
        for row, skill in enumerate(self.skills):
            texts.extend(skill.alt_labels)
            owner.extend([row] * len(skill.alt_labels))
        texts.extend(f"{s.label}. {s.description}" for s in self.skills)
        vectors = self._embed_with_progress(texts, progress)
        n, m = len(self.skills), len(owner)
        return _Matrices(
            labels=vectors[:n],
            alts=vectors[n : n + m],
            descs=vectors[n + m :],
            alt_owner=np.asarray(owner, dtype=np.int32),
        )

    def _embed_with_progress(self, texts: list[str], progress: bool) -> np.ndarray:
        chunk = 4096
        bar = None
        if progress:
            try:
                from tqdm import tqdm

                bar = tqdm(
                    total=len(texts),
                    desc="Indexing ESCO skills (first run only)",
                    unit="text",
                    file=sys.stderr,
                )
            except ImportError:
                print("Indexing ESCO skills (first run only)...", file=sys.stderr)
        parts = []
        for start in range(0, len(texts), chunk):
            parts.append(self.embedder.embed(texts[start : start + chunk]))
            if bar is not None:
                bar.update(len(parts[-1]))
        if bar is not None:
            bar.close()
        return np.concatenate(parts).astype(np.float32)

    @staticmethod
    def _save(path: Path, m: _Matrices) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
            with os.fdopen(fd, "wb") as fh:
                np.savez(
                    fh,
                    labels=m.labels.astype(np.float16),
                    alts=m.alts.astype(np.float16),
                    descs=m.descs.astype(np.float16),
                    alt_owner=m.alt_owner,
                )
            os.replace(tmp, path)  # atomic: two processes may build at once
        except OSError:
            logger.warning("could not cache the ESCO index in %s", path.parent, exc_info=True)

    # -- scoring ---------------------------------------------------------------------------
    def lexical_hits(self, text: str) -> dict[int, float]:
        """Skill rows whose label occurs verbatim in `text`: 1.0 multi-word, 0.7 one word."""
        words = lex_tokens(text)
        hits: dict[int, float] = {}
        for size in range(1, min(self._max_phrase, len(words)) + 1):
            value = 1.0 if size > 1 else 0.7
            for i in range(len(words) - size + 1):
                for row in self._phrases.get(words[i : i + size], ()):
                    hits[row] = max(hits.get(row, 0.0), value)
        return hits

    def _segment_max(self, sims: np.ndarray) -> np.ndarray:
        out = np.full(len(self.skills), -1.0, dtype=np.float32)
        out[self._has_alts] = np.maximum.reduceat(sims, self._alt_start)
        return out

    def scores(self, text: str) -> np.ndarray:
        """The fused score of every skill for `text` (higher is better; about 0..2.7)."""
        m = self._m
        wins = windows(text)
        vectors = self.embedder.embed([text, *wins])
        q, w = vectors[0], vectors[1:] if wins else vectors[:1]
        whole = np.maximum(m.labels @ q, self._segment_max(m.alts @ q))
        win = (w @ m.labels.T).max(axis=0)
        fused = W_WHOLE * whole + W_DESC * (m.descs @ q) + W_WINDOW * win
        lex = self.lexical_hits(text)
        candidates = set(np.argpartition(-fused, PRUNE)[:PRUNE].tolist()) | set(lex)
        rows, owners = [], []
        for c in candidates:
            span = self._alt_ranges.get(c)
            if span:
                rows.append(np.arange(*span))
                owners.append(np.full(span[1] - span[0], c))
        if rows:
            idx, own = np.concatenate(rows), np.concatenate(owners)
            alt_win = (w @ m.alts[idx].T).max(axis=0)
            best = np.full(len(self.skills), -1.0, dtype=np.float32)
            np.maximum.at(best, own, alt_win)
            fused += W_WINDOW * np.maximum(best - win, 0.0)
        for row, value in lex.items():
            fused[row] += W_LEX * value
        return fused

    def rank(self, text: str, k: int) -> list[tuple[EscoSkill, float]]:
        """The `k` best skills for `text` with their fused scores, best first."""
        if k <= 0 or not text.strip():
            return []
        s = self.scores(text)
        k = min(k, len(s))
        top = np.argpartition(-s, k - 1)[:k]
        top = top[np.lexsort((top, -s[top]))]  # stable: score, then row
        return [(self.skills[i], float(s[i])) for i in top]


_shared: dict[str, EscoIndex] = {}
_shared_lock = threading.Lock()


def shared_index(cache_dir: Path | None = None, progress: bool = True) -> EscoIndex:
    """One index per cache directory per process (loading it takes about a second)."""
    key = str(cache_dir or default_cache_dir())
    with _shared_lock:
        if key not in _shared:
            _shared[key] = EscoIndex(cache_dir=cache_dir, progress=progress)
        return _shared[key]
