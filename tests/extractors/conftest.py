"""Shared fixtures for extractor tests: one ESCO index per session, built in a temp cache."""

from __future__ import annotations

from pathlib import Path

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
