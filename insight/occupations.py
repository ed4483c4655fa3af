"""ESCO occupations and their essential skills, with a forgiving matcher for what people type.

"nurse", "I want to be a vet", "software developr": the matcher strips the lead-in, fixes small
typos against the label vocabulary, knows a few everyday words ESCO files under longer names, and
scores preferred and alternative labels by word overlap. Data: `insight/data/occupations.json.gz`,
built by `insight/build_data.py` from ESCO (see `insight/data/NOTICE`).
"""

from __future__ import annotations

import difflib
import gzip
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from passport.goal import EssentialSkill

DATA = Path(__file__).parent / "data" / "occupations.json.gz"
MIN_SCORE = 0.45

# Everyday words for occupations ESCO names differently (targets are ESCO preferred labels).
ALIASES = {
    "nurse": "nurse responsible for general care",
    "vet": "general veterinarian",
    "veterinarian": "general veterinarian",
    "doctor": "general practitioner",
    "gp": "general practitioner",
    "teacher": "secondary school teacher",
    "developer": "software developer",
    "coder": "software developer",
    "dev": "software developer",
    "designer": "graphic designer",
    "engineer": "mechanical engineer",
    "mechanic": "vehicle technician",
    "car mechanic": "vehicle technician",
    "cop": "police officer",
    "police": "police officer",
    "programmer": "software developer",
    "pilot": "airline transport pilot",
    "ux designer": "user interface designer",
    "game developer": "digital games developer",
    "games developer": "digital games developer",
}

_LEADINS = re.compile(
    r"^(?:i\s*(?:'d|would|want|wanna|hope|plan|dream|am\s+going)?\s*(?:like|love|want)?\s*"
    r"(?:to\s+)?(?:be(?:come)?|work(?:\s+as)?|get\s+a\s+job\s+as)\s+)?"
    r"(?:(?:my\s+)?(?:goal|dream|plan)\s+(?:is|job\s+is)\s+(?:to\s+)?(?:be(?:come)?\s+)?)?"
    r"(?:an?\s+|the\s+)?",
)
_WORD = re.compile(r"[a-z0-9+#]+")
_STOP = {"a", "an", "the", "of", "and", "in", "for", "to", "as", "some", "kind", "sort", "job"}


@dataclass(frozen=True, slots=True)
class OccupationMatch:
    """An ESCO occupation matched to what a person wrote, with its essential skills."""

    uri: str
    label: str
    matched_label: str
    score: float
    essential: tuple[EssentialSkill, ...]
    via: str = ""  # "" when ESCO relates the skills directly, else where they were borrowed from


@dataclass(frozen=True, slots=True)
class _Data:
    occupations: tuple[tuple[str, str, tuple[str, ...], tuple[int, ...], str], ...]
    skills: tuple[EssentialSkill, ...]
    labels: tuple[tuple[str, int, bool], ...]  # (normalised label, occupation row, preferred)
    by_token: dict[str, tuple[int, ...]]  # token -> rows of `labels`
    exact: dict[str, int]  # normalised label -> occupation row (preferred labels win)
    vocabulary: tuple[str, ...]


def _tokens(text: str) -> list[str]:
    out = []
    for t in _WORD.findall(text.lower()):
        if t in _STOP:
            continue
        # A light stem so "nurses" meets "nurse" and "designers" meets "designer".
        out.append(t[:-1] if len(t) > 4 and t.endswith("s") and not t.endswith("ss") else t)
    return out


def normalise(text: str) -> str:
    """Lower case, the lead-in ("I want to be a") removed, words joined by single spaces."""
    text = " ".join(text.lower().replace("’", "'").split()).strip(" .!?")
    text = _LEADINS.sub("", text, count=1)
    return " ".join(_WORD.findall(text))


@lru_cache(maxsize=1)
def _data() -> _Data:
    raw = json.loads(gzip.decompress(DATA.read_bytes()))
    sp, op = raw["skill_prefix"], raw["occupation_prefix"]
    skills = tuple(EssentialSkill(sp + i, lab, g, r) for i, lab, g, r in raw["skills"])
    occs = tuple(
        (op + i, lab, tuple(alts), tuple(ids), via)
        for i, lab, alts, ids, via in raw["occupations"]
    )
    labels: list[tuple[str, int, bool]] = []
    exact: dict[str, int] = {}
    for row, (_uri, label, alts, _ids, _via) in enumerate(occs):
        for text, preferred in [(label, True)] + [(a, False) for a in alts]:
            norm = " ".join(_WORD.findall(text.lower()))
            labels.append((norm, row, preferred))
            if preferred or norm not in exact:  # a preferred label beats another's alt label
                exact[norm] = row
    by_token: dict[str, list[int]] = {}
    for i, (norm, _row, _pref) in enumerate(labels):
        for t in set(_tokens(norm)):
            by_token.setdefault(t, []).append(i)
    return _Data(
        occupations=occs,
        skills=skills,
        labels=tuple(labels),
        by_token={t: tuple(v) for t, v in by_token.items()},
        exact=exact,
        vocabulary=tuple(sorted(by_token)),
    )


def _match(row: int, matched: str, score: float) -> OccupationMatch:
    data = _data()
    uri, label, _alts, ids, via = data.occupations[row]
    return OccupationMatch(
        uri=uri,
        label=label,
        matched_label=matched,
        score=round(score, 3),
        essential=tuple(data.skills[i] for i in ids),
        via=via,
    )


def _fix_tokens(tokens: list[str]) -> list[str]:
    data = _data()
    fixed = []
    for t in tokens:
        if t in data.by_token or len(t) < 4:
            fixed.append(t)
            continue
        close = difflib.get_close_matches(t, data.vocabulary, n=1, cutoff=0.8)
        fixed.append(close[0] if close else t)
    return fixed


def match_occupations(text: str, limit: int = 3) -> list[OccupationMatch]:
    """The best ESCO occupations for what a person wrote, best first (empty when none fits)."""
    data = _data()
    query = normalise(text)
    if not query:
        return []
    alias = ALIASES.get(query)
    if alias is not None and alias in data.exact:
        return [_match(data.exact[alias], alias, 1.0)]
    if query in data.exact:
        return [_match(data.exact[query], query, 1.0)]
    tokens = _fix_tokens(_tokens(query))
    fixed = " ".join(tokens)
    alias = ALIASES.get(fixed)
    if alias is not None and alias in data.exact:
        return [_match(data.exact[alias], alias, 0.95)]
    if fixed in data.exact:
        return [_match(data.exact[fixed], fixed, 0.95)]
    if not tokens:
        return []
    qset = set(tokens)
    candidates = {i for t in qset for i in data.by_token.get(t, ())}
    best: dict[int, tuple[float, str]] = {}
    for i in candidates:
        norm, row, preferred = data.labels[i]
        lset = set(_tokens(norm))
        common = len(qset & lset)
        coverage, precision = common / len(qset), common / max(1, len(lset))
        ratio = difflib.SequenceMatcher(None, fixed, norm).ratio()
        score = 0.55 * coverage + 0.3 * precision + 0.15 * ratio + (0.02 if preferred else 0.0)
        if score > best.get(row, (0.0, ""))[0]:
            best[row] = (score, norm)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], data.occupations[kv[0]][1]))
    return [_match(row, norm, s) for row, (s, norm) in ranked[:limit] if s >= MIN_SCORE]


def match_occupation(text: str) -> OccupationMatch | None:
    """The one ESCO occupation that best fits `text`, or None."""
    found = match_occupations(text, limit=1)
    return found[0] if found else None


def occupation_by_uri(uri: str) -> OccupationMatch | None:
    """An occupation by its ESCO URI (for a goal saved earlier)."""
    data = _data()
    for row, occ in enumerate(data.occupations):
        if occ[0] == uri:
            return _match(row, occ[1], 1.0)
    return None


def skill_labels() -> tuple[str, ...]:
    """Labels of every ESCO skill in the occupation data (to spot skills named in prose)."""
    return tuple(s.label for s in _data().skills)
