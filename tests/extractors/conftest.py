"""Shared fixtures for extractor tests: one ESCO index per session, built in a temp cache."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

from extractors.index import EscoIndex
from extractors.offline import OfflineExtractor


@pytest.fixture(scope="session")
def index_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory holding the built ESCO index (built once, about 5 s)."""
    path = tmp_path_factory.mktemp("utp-cache")
    EscoIndex(cache_dir=path, progress=False)
    return path


@pytest.fixture(scope="session")
def esco_index(index_cache_dir: Path) -> EscoIndex:
    """The ESCO index loaded from the session cache."""
    return EscoIndex(cache_dir=index_cache_dir, progress=False)


@pytest.fixture()
def offline(esco_index: EscoIndex) -> OfflineExtractor:
    """An offline extractor on the shared index."""
    return OfflineExtractor(index=esco_index)


class HashEmbedder:
    """A fast deterministic stand-in embedder: 16 dimensions picked by a hash of the text."""

    name = "hash-16"
    dim = 16
    _table = np.random.default_rng(7).standard_normal((4096, 16)).astype(np.float32)
    _table /= np.linalg.norm(_table, axis=1, keepdims=True)

    def embed(self, texts: list[str]) -> np.ndarray:
        """One normalised pseudo-random row per text."""
        rows = [zlib.crc32(text.encode()) % len(self._table) for text in texts]
        return self._table[np.asarray(rows, dtype=np.int64)]
