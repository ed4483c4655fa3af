"""A second embedding model over ESCO preferred labels, added to the main index's scores.

Used by the hybrid offline mode: all-MiniLM-L6-v2 compares the whole text with every preferred
label. The label matrix is built once (a few minutes on two cores, with a progress bar) and
cached in the cache directory as float16.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from extractors.embed import Embedder, embed_with_progress
from extractors.esco import SKILLS_FILE, EscoTaxonomy

logger = logging.getLogger(__name__)


class LabelReranker:
    """Similarity of texts to every ESCO preferred label under a second model."""

    def __init__(
        self, embedder: Embedder, taxonomy: EscoTaxonomy, cache_dir: Path, progress: bool = True
    ) -> None:
        self.embedder = embedder
        digest = hashlib.sha256(SKILLS_FILE.read_bytes()).hexdigest()[:12]
        path = cache_dir / f"esco_labels_{embedder.name}_{digest}.npy"
        labels = None
        if path.exists():
            try:
                labels = np.load(path).astype(np.float32)
            except (OSError, ValueError):
                logger.warning("label cache at %s is unreadable; rebuilding", path)
        if labels is None or labels.shape != (len(taxonomy), embedder.dim):
            texts = [s.label for s in taxonomy.skills]
            labels = embed_with_progress(embedder, texts, progress, chunk=512)
            self._save(path, labels)
        self._labels_t = np.ascontiguousarray(labels.T)

    @staticmethod
    def _save(path: Path, labels: np.ndarray) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npy.tmp")
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, labels.astype(np.float16))
            os.replace(tmp, path)
        except OSError:
            logger.warning("could not cache the label matrix in %s", path.parent, exc_info=True)

    def scores(self, texts: list[str]) -> np.ndarray:
        """(texts x skills) cosine similarities."""
        return self.embedder.embed(list(texts)) @ self._labels_t
