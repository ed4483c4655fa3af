"""The ESCO v1.2 skills taxonomy shipped in the package: lookup by URI, label and top group.

The data file is built by `extractors/build_data.py`; ESCO is © European Union (see
`extractors/data/NOTICE`). `load_taxonomy()` reads it once per process.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
SKILLS_FILE = DATA_DIR / "esco_skills.json.gz"

_lock = threading.Lock()
_taxonomy: EscoTaxonomy | None = None


@dataclass(frozen=True, slots=True)
class EscoSkill:
    """One ESCO skill or knowledge concept."""

    uri: str
    label: str
    alt_labels: tuple[str, ...]
    description: str
    skill_type: str  # "skill/competence", "knowledge" or ""
    reuse_level: str  # "transversal", "cross-sector", "sector-specific", "occupation-specific", ""
    group: str  # nearest top-group code, e.g. "S1", "T2", "K06", "L1"
    group_label: str
    groups: tuple[str, ...] = ()  # every top-group code the skill sits under, nearest first


def _norm(label: str) -> str:
    return " ".join(label.casefold().split())


class EscoTaxonomy:
    """All ESCO skills with indexes by URI, by label (preferred or alternative) and by group."""

    def __init__(self, skills: list[EscoSkill], group_labels: dict[str, str]) -> None:
        self.skills: tuple[EscoSkill, ...] = tuple(skills)
        self.group_labels = dict(group_labels)
        self._by_uri = {s.uri: s for s in self.skills}
        self._by_pref: dict[str, EscoSkill] = {}
        for skill in self.skills:
            self._by_pref.setdefault(_norm(skill.label), skill)

    # The alternative labels (about 86,000) and the groups are indexed on first use: most
    # processes never ask, and building them is a tenth of a second of every start.
    @cached_property
    def _by_alt(self) -> dict[str, EscoSkill]:
        by_alt: dict[str, EscoSkill] = {}
        for skill in self.skills:
            for alt in skill.alt_labels:
                by_alt.setdefault(_norm(alt), skill)
        return by_alt

    @cached_property
    def _by_group(self) -> dict[str, list[EscoSkill]]:
        by_group: dict[str, list[EscoSkill]] = {}
        for skill in self.skills:
            for code in skill.groups:
                by_group.setdefault(code, []).append(skill)
        return by_group

    def __len__(self) -> int:
        return len(self.skills)

    def __iter__(self) -> Iterator[EscoSkill]:
        return iter(self.skills)

    def __contains__(self, uri: object) -> bool:
        return uri in self._by_uri

    def get(self, uri: str) -> EscoSkill | None:
        """The skill with this URI, or None."""
        return self._by_uri.get(uri)

    def by_label(self, label: str) -> EscoSkill | None:
        """The skill whose preferred (first) or alternative label matches, case-insensitively."""
        key = _norm(label)
        return self._by_pref.get(key) or self._by_alt.get(key)

    def by_preferred_label(self, label: str) -> EscoSkill | None:
        """The skill whose preferred label matches, case-insensitively."""
        return self._by_pref.get(_norm(label))

    def in_group(self, code: str) -> list[EscoSkill]:
        """Every skill under the top group `code` (e.g. "S1", "T2", "K06", "L1")."""
        return list(self._by_group.get(code, ()))

    def top_group_label(self, code: str) -> str:
        """The English name of a top group, or "" if the code is unknown."""
        return self.group_labels.get(code, "")


def _read(path: Path) -> EscoTaxonomy:
    with gzip.open(path, "rb") as fh:
        data = json.loads(fh.read().decode("utf-8"))
    prefix = data["uri_prefix"]
    types, reuse, groups = data["types"], data["reuse"], data["groups"]
    skills = []
    for sid, label, alts, desc, typ, reu, codes in data["skills"]:
        group_codes = tuple(c for c in codes.split("|") if c)
        group = group_codes[0] if group_codes else ""
        skills.append(
            EscoSkill(
                uri=prefix + sid,
                label=label,
                alt_labels=tuple(alts.split("\n")) if alts else (),
                description=desc,
                skill_type=types.get(typ, ""),
                reuse_level=reuse.get(reu, ""),
                group=group,
                group_label=groups.get(group, ""),
                groups=group_codes,
            )
        )
    return EscoTaxonomy(skills, groups)


def load_taxonomy() -> EscoTaxonomy:
    """The shipped ESCO taxonomy, read once per process (thread-safe)."""
    global _taxonomy
    if _taxonomy is None:
        with _lock:
            if _taxonomy is None:
                _taxonomy = _read(SKILLS_FILE)
    return _taxonomy
