"""The offline extractor: ESCO skills by embedding + lexical match, no API key, no download.

Each clause of the entry is scored against every ESCO skill (see `extractors.index`); skills
above a threshold tuned on reflective replies are kept with the clause as verbatim evidence.
Clauses that are questions, or that hold nothing but fillers ("busy week, nothing much"), are
skipped. Strengths, interests and growth moments come from a small cue lexicon.
"""

from __future__ import annotations

import asyncio
import math
import threading
from pathlib import Path

import numpy as np

from extractors.actions import read_actions
from extractors.esco import EscoSkill
from extractors.index import EscoIndex, shared_index
from extractors.lexicon import plain_signals
from extractors.mirror import Mirror
from extractors.text import (
    MAX_TEXT_CHARS,
    Clause,
    clauses,
    content_words,
    is_question,
    looks_english,
)
from passport.signals import ExtractionResult, RankedSkill, SkillHit

# Tuned on bench/reflective_set.jsonl (see bench/extraction_eval.py --tune), per model.
THRESHOLDS = {"wordllama": 1.70, "hybrid": 2.08}
DEFAULT_THRESHOLD = THRESHOLDS["wordllama"]
NON_ENGLISH_MARGIN = 0.10  # be stricter where the embeddings are weak...
NON_ENGLISH_LEXICAL_SLACK = 0.25  # ...except for labels written verbatim ("Python", "SQL")
RELATIVE_CUT = 0.12  # within a clause, keep only skills close to its best one
PER_CLAUSE = 2
MAX_SKILLS = 8
CONFIDENCE_SCALE = 0.08
NOTE_NOT_ENGLISH = "text does not look like English: offline extraction is best effort"
NOTE_TRUNCATED = "text was long: only the first part was read"


def _confidence(score: float, threshold: float) -> float:
    """Map a fused score to 0..1, with the threshold at 0.5."""
    return round(1.0 / (1.0 + math.exp(-(score - threshold) / CONFIDENCE_SCALE)), 3)


class OfflineExtractor:
    """Finds ESCO skills on this machine alone (implements `passport.signals.Extractor`)."""

    name = "offline"

    def __init__(
        self,
        *,
        cache_dir: Path | None = None,
        index: EscoIndex | None = None,
        threshold: float | None = None,
        max_skills: int = MAX_SKILLS,
        model: str = "wordllama",
    ) -> None:
        self._cache_dir = cache_dir
        self._index = index
        self._mirror: Mirror | None = None
        self._lock = threading.Lock()
        self.model = model
        if threshold is None:
            hybrid = index.reranker is not None if index is not None else model == "hybrid"
            threshold = THRESHOLDS["hybrid" if hybrid else "wordllama"]
        self.threshold = threshold
        self.max_skills = max_skills

    @property
    def index(self) -> EscoIndex:
        """The ESCO index, loaded on first use (about a second from the disk cache)."""
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = shared_index(self._cache_dir, model=self.model)
        return self._index

    @property
    def mirror(self) -> Mirror:
        """The activity-first skill noticer over the index."""
        if self._mirror is None:
            index = self.index
            with self._lock:
                if self._mirror is None:
                    self._mirror = Mirror(index)
        return self._mirror

    async def extract(self, text: str, *, rank: int = 0) -> ExtractionResult:
        """Extract signals without blocking the event loop (the work runs in a thread)."""
        return await asyncio.to_thread(self.extract_sync, text, rank=rank)

    def extract_sync(self, text: str, *, rank: int = 0) -> ExtractionResult:
        """Extract signals from `text`; with `rank` > 0 also rank the best `rank` skills."""
        notes: list[str] = []
        if len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS]
            notes.append(NOTE_TRUNCATED)
        english = looks_english(text)
        if not english:
            notes.append(NOTE_NOT_ENGLISH)
        parts = [c for c in clauses(text) if self._worth_reading(c, text)]
        skills = self._noticed(text) if english else self._skills(parts, english)
        plain = plain_signals(parts) if english else {"strength": [], "interest": [], "growth": []}
        ranking = None
        if rank > 0:
            ranking = tuple(
                RankedSkill(uri=s.uri, label=s.label, score=round(score, 4))
                for s, score in self.index.rank(text, rank)
            )
        return ExtractionResult(
            skills=tuple(skills),
            strengths=tuple(plain["strength"]),
            interests=tuple(plain["interest"]),
            growth=tuple(plain["growth"]),
            extractor=self.name,
            tokens={},
            notes=tuple(notes),
            ranking=ranking,
        )

    def _noticed(self, text: str) -> list[SkillHit]:
        """Activity first: the writer's own actions, then skills for what they did."""
        actions = [a for a in read_actions(text) if not is_question(a.clause, text, a.start)]
        out = []
        for cand in self.mirror.notice(actions, text):
            skill = self.index.skills[cand.row]
            out.append(
                SkillHit(
                    uri=skill.uri,
                    label=skill.label,
                    group=skill.group,
                    evidence=cand.action.clause,
                    confidence=round(cand.probability, 3),
                )
            )
        return out[: self.max_skills]

    @staticmethod
    def _worth_reading(clause: Clause, text: str) -> bool:
        """Skip questions back to the bot and clauses made only of fillers."""
        if is_question(clause.text, text, clause.start):
            return False
        return len(content_words(clause.text)) >= 1

    def _skills(self, parts: list[Clause], english: bool) -> list[SkillHit]:
        threshold = self.threshold
        best: dict[str, tuple[float, SkillHit]] = {}
        all_scores = self.index.scores_many([c.text for c in parts])
        for clause, scores in zip(parts, all_scores, strict=True):
            for skill, score in self._clause_hits(clause.text, scores, english):
                hit = SkillHit(
                    uri=skill.uri,
                    label=skill.label,
                    group=skill.group,
                    evidence=clause.text,
                    confidence=_confidence(score, threshold),
                )
                if skill.uri not in best or score > best[skill.uri][0]:
                    best[skill.uri] = (score, hit)
        ordered = sorted(best.values(), key=lambda pair: (-pair[0], pair[1].uri))
        return [hit for _, hit in ordered[: self.max_skills]]

    def _clause_hits(
        self, clause: str, scores: np.ndarray, english: bool
    ) -> list[tuple[EscoSkill, float]]:
        head = np.argpartition(-scores, PER_CLAUSE)[:PER_CLAUSE]
        top = head[np.lexsort((head, -scores[head]))]
        if not len(top):
            return []
        floor = float(scores[top[0]]) - RELATIVE_CUT
        if english:
            keep = [i for i in top if scores[i] >= max(self.threshold, floor)]
        else:
            verbatim = self.index.lexical_hits(clause)
            keep = [
                i
                for i in top
                if scores[i] >= max(self.threshold + NON_ENGLISH_MARGIN, floor)
                or (i in verbatim and scores[i] >= self.threshold - NON_ENGLISH_LEXICAL_SLACK)
            ]
        return [(self.index.skills[i], float(scores[i])) for i in keep]

    def clause_scores(self, text: str) -> list[tuple[str, list[tuple[EscoSkill, float]]]]:
        """Every readable clause with its top 5 skills and scores (for tuning and debugging)."""
        out = []
        for clause in clauses(text):
            if not self._worth_reading(clause, text):
                continue
            out.append((clause.text, self.index.rank(clause.text, 5)))
        return out

    def activity_candidates(self, text: str, k: int) -> list[EscoSkill]:
        """Up to `k` ESCO skills for the LLM path, activity first: the mirror's candidates for
        the writer's own actions (best first), then the index's best skills per action phrase;
        an entry with no own action falls back to `retrieve_candidates`."""
        if k <= 0:
            return []
        text = text[:MAX_TEXT_CHARS]
        actions = [a for a in read_actions(text) if not is_question(a.clause, text, a.start)]
        cands = self.mirror.candidates(actions, text)
        if not cands:
            return self.retrieve_candidates(text, k)
        out: dict[str, EscoSkill] = {}
        for cand in sorted(cands, key=lambda c: (-c.probability, c.row)):
            if len(out) >= k:
                break
            skill = self.index.skills[cand.row]
            out.setdefault(skill.uri, skill)
        return list(out.values())

    def retrieve_candidates(self, text: str, k: int) -> list[EscoSkill]:
        """Up to `k` ESCO skills likely meant in `text`: best per clause, then whole text."""
        if k <= 0:
            return []
        per_clause = [
            [s for s, _ in self.index.rank(c.text, 6)]
            for c in clauses(text[:MAX_TEXT_CHARS])
            if self._worth_reading(c, text)
        ]
        whole = [s for s, _ in self.index.rank(text[:MAX_TEXT_CHARS], k)]
        out: dict[str, EscoSkill] = {}
        for depth in range(6):
            for ranked in per_clause:
                if depth < len(ranked) and len(out) < k:
                    out.setdefault(ranked[depth].uri, ranked[depth])
        for skill in whole:
            if len(out) >= k:
                break
            out.setdefault(skill.uri, skill)
        return list(out.values())
