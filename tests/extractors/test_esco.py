"""The shipped ESCO taxonomy and its lookup API."""

from __future__ import annotations

import dataclasses

import pytest

from extractors.esco import EscoSkill, load_taxonomy

PYTHON = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"


def test_taxonomy_has_every_v12_skill_once() -> None:
    tx = load_taxonomy()
    assert len(tx) == 13939
    assert len({s.uri for s in tx}) == 13939
    assert load_taxonomy() is tx


def test_lookup_by_uri_label_and_group() -> None:
    tx = load_taxonomy()
    skill = tx.by_label("python (COMPUTER programming)")
    assert skill is not None and skill.uri == PYTHON
    assert PYTHON in tx and tx.get(PYTHON) == skill
    assert skill.skill_type == "knowledge"
    assert skill.group.startswith("K") and skill.group_label
    assert tx.get("http://data.europa.eu/esco/skill/not-a-skill") is None
    assert "http://data.europa.eu/esco/skill/not-a-skill" not in tx


def test_alternative_label_lookup_is_case_insensitive() -> None:
    tx = load_taxonomy()
    skill = tx.by_label("lead a team")
    assert skill is not None
    alt = skill.alt_labels[0]
    assert tx.by_label(alt.upper()) is not None


def test_groups_and_labels() -> None:
    tx = load_taxonomy()
    assert tx.top_group_label("T2") == "thinking skills and competences"
    assert tx.top_group_label("S1") == "communication, collaboration and creativity"
    assert tx.top_group_label("nope") == ""
    t2 = tx.in_group("T2")
    assert t2 and all("T2" in s.groups for s in t2)
    codes = {s.group for s in tx}
    assert {"S1", "S8", "T1", "T6", "L1", "K06"} <= codes


def test_skills_are_frozen() -> None:
    skill = next(iter(load_taxonomy()))
    assert isinstance(skill, EscoSkill)
    with pytest.raises(dataclasses.FrozenInstanceError):
        skill.label = "x"  # type: ignore[misc]
