"""Verbatim label matching from the hashed label table, against a plain dict reference."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from extractors.esco import EscoSkill, load_taxonomy
from extractors.phrases import PhraseTable, lex_tokens

ROOT = Path(__file__).resolve().parents[2]


def reference_table(skills: tuple[EscoSkill, ...]) -> dict[tuple[str, ...], list[int]]:
    """Skill rows by label tokens as a plain dict (the obvious way)."""
    phrases: dict[tuple[str, ...], list[int]] = {}
    for row, skill in enumerate(skills):
        for label in (skill.label, *skill.alt_labels):
            key = lex_tokens(label)
            if key and row not in phrases.setdefault(key, []):
                phrases[key].append(row)
    return phrases


def reference_hits(phrases: dict[tuple[str, ...], list[int]], text: str) -> dict[int, float]:
    """The same matching with the plain dict."""
    longest = max(len(k) for k in phrases)
    words = lex_tokens(text)
    hits: dict[int, float] = {}
    for size in range(1, min(longest, len(words)) + 1):
        for i in range(len(words) - size + 1):
            for row in phrases.get(words[i : i + size], ()):
                hits[row] = max(hits.get(row, 0.0), 1.0 if size > 1 else 0.7)
    return hits


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> PhraseTable:
    cache = tmp_path_factory.mktemp("phrases") / "table.npy"
    return PhraseTable.load_or_build(load_taxonomy().skills, cache)


def test_matches_the_dict_reference_on_real_texts(table: PhraseTable) -> None:
    skills = load_taxonomy().skills
    lines = (ROOT / "bench" / "reflective_set.jsonl").read_text().splitlines()
    texts = [json.loads(line)["text"] for line in lines[:60] if line.strip()]
    texts += [
        "I wrote a Python script and some SQL, then spoke German with a customer.",
        "manage time, manage time and manage a team",
        "C++ and C# on .NET",
        "",
    ]
    # the labels themselves, with text around them
    texts += [
        f"today I did {s.alt_labels[0] if s.alt_labels else s.label} again" for s in skills[::97]
    ]
    phrases = reference_table(skills)
    for text in texts:
        assert list(table.hits(text).items()) == list(reference_hits(phrases, text).items())


def test_the_cached_table_is_read_back(table: PhraseTable, tmp_path: Path) -> None:
    skills = load_taxonomy().skills
    cache = tmp_path / "t.npy"
    built = PhraseTable.load_or_build(skills, cache)
    assert cache.exists()
    cache_bytes = cache.read_bytes()
    again = PhraseTable.load_or_build(skills, cache)
    assert cache.read_bytes() == cache_bytes
    assert again.max_tokens == built.max_tokens == table.max_tokens
    assert again.hits("project management in Excel") == built.hits("project management in Excel")
    cache.write_bytes(b"not numpy")
    assert PhraseTable.load_or_build(skills, cache).hits("Python") == built.hits("Python")


def test_a_hash_hit_is_checked_against_the_real_labels() -> None:
    skills = load_taxonomy().skills[:50]
    table = PhraseTable.build(skills)
    # Point every entry at the wrong skill, as a hash collision would.
    forged = table.copy()
    forged[:, 1] = (forged[:, 1] + 1) % len(skills)
    label = skills[0].label
    assert 0 in PhraseTable(skills, table).hits(label)
    assert 0 not in PhraseTable(skills, forged).hits(label)
    assert PhraseTable(skills, np.zeros((0, 3), dtype=np.uint64)).hits(label) == {}
