"""ESCO labels by their first word's verb, and every skill's label content words.

Used by the mirror to find labels that start with the action's verb and share its object
("stock shelves"), and to tell whether a label's words come from the action or only from its
context. Built once (about 3 s) and cached in the skill index's cache directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from extractors.esco import SKILLS_FILE, EscoSkill
from extractors.words import WORDS_FILE, tokens, words_table

LABEL_CACHE_VERSION = 1
_LABEL_STOP = frozenset(
    """a an the and or of for to in on with at by from into as its their your own other
    others all any new according using use""".split()
)


@dataclass(frozen=True, slots=True)
class _LabelEntry:
    row: int
    objects: frozenset[str]


class LabelIndex:
    """Skills' labels indexed by leading verb, with their content words."""

    def __init__(self, skills: tuple[EscoSkill, ...], cache_dir: Path) -> None:
        self.skills = skills
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._by_verb: dict[str, list[_LabelEntry]] | None = None
        self._label_words: list[frozenset[str]] | None = None

    def get(self) -> tuple[dict[str, list[_LabelEntry]], list[frozenset[str]]]:
        """Labels by their first word's verb lemma, and every skill's label content words
        (built once, about 3 s, then cached in the index's cache directory)."""
        if self._by_verb is None or self._label_words is None:
            with self._lock:
                if self._by_verb is None:
                    raw = self._read_label_cache()
                    if raw is None:
                        raw = self._build_label_index()
                        self._write_label_cache(raw)
                    by_verb_raw, words_raw = raw
                    self._label_words = [frozenset(w) for w in words_raw]
                    self._by_verb = {
                        verb: [_LabelEntry(row, frozenset(objs)) for row, objs in entries]
                        for verb, entries in by_verb_raw.items()
                    }
        assert self._by_verb is not None and self._label_words is not None
        return self._by_verb, self._label_words

    def _label_cache_path(self) -> Path:
        digest = hashlib.sha256(SKILLS_FILE.read_bytes() + WORDS_FILE.read_bytes()).hexdigest()
        return self.cache_dir / f"esco_label_words_v{LABEL_CACHE_VERSION}_{digest[:12]}.json"

    def _read_label_cache(self) -> tuple[dict, list] | None:
        path = self._label_cache_path()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if len(data["words"]) == len(self.skills):
                return data["by_verb"], data["words"]
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def _write_label_cache(self, raw: tuple[dict, list]) -> None:
        path = self._label_cache_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".json.tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"by_verb": raw[0], "words": raw[1]}, fh, separators=(",", ":"))
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only cache folder: rebuilt next time

    def _build_label_index(self) -> tuple[dict[str, list], list[list[str]]]:
        table = words_table()
        by_verb: dict[str, list] = {}
        label_words: list[list[str]] = []
        for row, skill in enumerate(self.skills):
            allw: set[str] = set()
            for label in (skill.label, *skill.alt_labels[:6]):
                ws = [t.text for t in tokens(label)]
                if not ws:
                    continue
                content = [table.lemma(w) for w in ws[1:] if w not in _LABEL_STOP]
                allw.update(content)
                first = ws[0]
                verb = table.verb_lemma(first)
                if verb and first == verb:
                    by_verb.setdefault(verb, []).append([row, sorted(set(content))])
                allw.add(table.lemma(first))
            label_words.append(sorted(allw - _LABEL_STOP))
        return by_verb, label_words
