"""Roles behind an action: ESCO occupations (with their skills) and everyday roles.

ESCO v1.2.0 occupations and their essential / optional skills (v1.1.1 relations) ship in
`extractors/data/esco_roles.json.gz` (built by `extractors/build_data.py`). An action phrase
("stock shelves", "tutor students") is compared with every occupation's preferred and
alternative labels; the nearest occupations' skills become candidates. The label vectors are
built on first use (about a second) and cached in the cache directory like the skill index.

Everyday roles ESCO has no job for (student, volunteer, carer, hobbyist, club member, team
member at work) come from `extractors/data/everyday_roles.tsv`, inferred from cue words.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from extractors.embed import Embedder, embed_with_progress
from extractors.esco import EscoTaxonomy

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"
ROLES_FILE = DATA_DIR / "esco_roles.json.gz"
EVERYDAY_ROLES_FILE = DATA_DIR / "everyday_roles.tsv"
CACHE_VERSION = 2
OCCUPATION_ALTS = 4  # alternative labels per occupation compared with an action


@dataclass(frozen=True, slots=True)
class Occupation:
    """One ESCO occupation with its skills as rows of the taxonomy."""

    label: str
    essential: frozenset[int]
    optional: frozenset[int]


@dataclass(frozen=True, slots=True)
class EverydayRole:
    """A role ESCO has no occupation for, its cue words and its skills (taxonomy rows)."""

    name: str
    cues: frozenset[str]
    skills: tuple[int, ...]


def read_table(path: Path) -> list[list[str]]:
    """The rows of a tab-separated data file, without comments and blank lines."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rows.append(line.split("\t"))
    return rows


def load_everyday_roles(taxonomy: EscoTaxonomy) -> list[EverydayRole]:
    """The everyday roles table, with skills resolved to taxonomy rows."""
    row_of = {s.uri: i for i, s in enumerate(taxonomy.skills)}
    roles = []
    for name, cues, skills in read_table(EVERYDAY_ROLES_FILE):
        rows = []
        for label in skills.split(";"):
            skill = taxonomy.by_preferred_label(label.strip())
            if skill is not None:
                rows.append(row_of[skill.uri])
        roles.append(EverydayRole(name, frozenset(cues.split("|")), tuple(rows)))
    return roles


class OccupationIndex:
    """ESCO occupations, their skills, and label vectors for inferring them from an action."""

    def __init__(self, embedder: Embedder, cache_dir: Path, progress: bool = False) -> None:
        with gzip.open(ROLES_FILE, "rb") as fh:
            data = json.loads(fh.read().decode("utf-8"))
        self.occupations: tuple[Occupation, ...] = tuple(
            Occupation(label, frozenset(ess), frozenset(opt))
            for label, _alts, ess, opt in data["occupations"]
        )
        self.digital: frozenset[int] = frozenset(data["digital"])
        self.skill_count: int = data["skills"]
        texts: list[str] = []
        owner: list[int] = []
        for row, (label, alts, _e, _o) in enumerate(data["occupations"]):
            for text in (label, *[a for a in alts.split("\n") if a][:OCCUPATION_ALTS]):
                texts.append(text)
                owner.append(row)
        self._owner = np.asarray(owner, dtype=np.int32)
        self._starts = np.searchsorted(self._owner, np.arange(len(self.occupations)))
        self._vectors_t = np.ascontiguousarray(
            self._load_or_build(embedder, texts, cache_dir, progress).T
        )

    @staticmethod
    def _load_or_build(
        embedder: Embedder, texts: list[str], cache_dir: Path, progress: bool
    ) -> np.ndarray:
        digest = hashlib.sha256(ROLES_FILE.read_bytes()).hexdigest()[:12]
        path = cache_dir / f"esco_roles_v{CACHE_VERSION}_{embedder.name}_{digest}.npy"
        if path.exists():
            try:
                vectors = np.load(path).astype(np.float32)
                if vectors.shape == (len(texts), embedder.dim):
                    return vectors
            except (OSError, ValueError):
                logger.warning("occupation cache at %s is unreadable; rebuilding", path)
        vectors = embed_with_progress(embedder, texts, progress)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npy.tmp")
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, vectors.astype(np.float16))
            os.replace(tmp, path)
        except OSError:
            logger.warning("could not cache occupation vectors in %s", path.parent, exc_info=True)
        return vectors

    def nearest(self, vectors: np.ndarray, k: int = 3) -> list[list[tuple[int, float]]]:
        """For each query vector, the `k` nearest occupations (row, cosine), best first."""
        if not len(vectors):
            return []
        sims = vectors @ self._vectors_t
        out = []
        for row in sims:
            best = np.maximum.reduceat(row, self._starts)  # labels are grouped by occupation
            top = np.argpartition(-best, k)[:k]
            top = top[np.argsort(-best[top], kind="stable")]
            out.append([(int(i), float(best[i])) for i in top])
        return out
