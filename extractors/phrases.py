"""Verbatim label matching: which ESCO skills have a label written word for word in a text.

Every preferred and alternative label is a token sequence (lower-case words); a text matches a
skill when one of its runs of consecutive tokens equals one of the skill's labels. The table of
about 100,000 label sequences would take a third of a second to build as a Python dict at every
start, so it is kept as two sorted arrays keyed by a 64-bit hash of the sequence, built once
into the cache directory and loaded in milliseconds. A text's runs are hashed with the same
rolling hash (numpy, all runs of one length at once), looked up by binary search, and every hit
is checked against the skill's real labels, so a hash collision can never make a false match.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from extractors.esco import EscoSkill

logger = logging.getLogger(__name__)

TABLE_VERSION = 1  # bump when the hash or the table layout changes
_LEX_TOKEN = re.compile(r"[a-z0-9+#]+")
_MULT = 0x9E3779B97F4A7C15  # odd 64-bit multiplier of the rolling hash
_MASK = (1 << 64) - 1


def lex_tokens(text: str) -> tuple[str, ...]:
    """Lower-case word tokens used for verbatim label matching."""
    return tuple(_LEX_TOKEN.findall(text.casefold()))


def _token_hash(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")


def _sequence_hash(tokens: Sequence[str]) -> int:
    value = 0
    for token in tokens:
        value = (value * _MULT + _token_hash(token)) & _MASK
    return value


class PhraseTable:
    """Skill rows by the token sequences of their labels (preferred and alternative)."""

    def __init__(self, skills: Sequence[EscoSkill], table: np.ndarray) -> None:
        # table: (k, 3) uint64 rows of (sequence hash, skill row, tokens), sorted.
        self._skills = skills
        self._hashes = np.ascontiguousarray(table[:, 0])
        self._rows = table[:, 1].astype(np.int64)
        self.max_tokens = int(table[:, 2].max()) if len(table) else 0
        self._labels: dict[int, frozenset[tuple[str, ...]]] = {}

    @staticmethod
    def build(skills: Sequence[EscoSkill]) -> np.ndarray:
        """The sorted (hash, row, tokens) table for `skills`."""
        seen: set[tuple[int, tuple[str, ...]]] = set()
        entries = []
        for row, skill in enumerate(skills):
            for label in (skill.label, *skill.alt_labels):
                key = lex_tokens(label)
                if key and (row, key) not in seen:
                    seen.add((row, key))
                    entries.append((_sequence_hash(key), row, len(key)))
        table = np.array(entries, dtype=np.uint64).reshape(-1, 3)
        return table[np.lexsort((table[:, 1], table[:, 0]))]

    @classmethod
    def load_or_build(cls, skills: Sequence[EscoSkill], cache: Path) -> PhraseTable:
        """The table from `cache` when it is there and readable, else built (and saved)."""
        try:
            table = np.load(cache)
            if table.ndim == 2 and table.shape[1] == 3 and table.dtype == np.uint64:
                return cls(skills, table)
        except (OSError, ValueError):
            pass
        table = cls.build(skills)
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=cache.parent, suffix=".npy.tmp")
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, table)
            os.replace(tmp, cache)  # atomic: two processes may build at once
        except OSError:
            logger.warning("could not cache the label table in %s", cache.parent, exc_info=True)
        return cls(skills, table)

    @staticmethod
    def cache_name(skills_digest: str) -> str:
        """The cache file name for a taxonomy (its digest) and this table version."""
        rule = hashlib.sha256(_LEX_TOKEN.pattern.encode()).hexdigest()[:6]
        return f"esco_phrases_v{TABLE_VERSION}_{rule}_{skills_digest}.npy"

    def _label_keys(self, row: int) -> frozenset[tuple[str, ...]]:
        keys = self._labels.get(row)
        if keys is None:
            skill = self._skills[row]
            keys = frozenset(lex_tokens(label) for label in (skill.label, *skill.alt_labels))
            self._labels[row] = keys
        return keys

    def hits(self, text: str) -> dict[int, float]:
        """Skill rows whose label occurs verbatim in `text`: 1.0 multi-word, 0.7 one word."""
        words = lex_tokens(text)
        hits: dict[int, float] = {}
        if not words or not self.max_tokens:
            return hits
        tokens = np.fromiter((_token_hash(w) for w in words), dtype=np.uint64, count=len(words))
        runs = tokens.copy()  # hashes of the runs of `size` tokens starting at each position
        mult = np.uint64(_MULT)
        for size in range(1, min(self.max_tokens, len(words)) + 1):
            if size > 1:
                runs = runs[:-1] * mult + tokens[size - 1 :]  # wraps modulo 2**64
            lo = np.searchsorted(self._hashes, runs, side="left")
            hi = np.searchsorted(self._hashes, runs, side="right")
            value = 1.0 if size > 1 else 0.7
            for start in np.flatnonzero(hi > lo):
                key = words[start : start + size]
                for row in self._rows[lo[start] : hi[start]]:
                    row = int(row)
                    if key in self._label_keys(row):
                        hits[row] = max(hits.get(row, 0.0), value)
        return hits
