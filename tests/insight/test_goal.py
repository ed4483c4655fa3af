"""/goal: occupations matched from everyday words; overlap computed from ESCO relations."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import pytest

from insight.occupations import ALIASES, match_occupation, match_occupations, occupation_by_uri
from passport.goal import EssentialSkill, goal_gap, render_goal

ESCO = Path(__file__).resolve().parents[3] / "shared" / "esco"
RELATIONS = ESCO / "v1.1.1" / "occupationSkillRelations.csv"
SKILLS_120 = ESCO / "v1.2.0" / "skills_en_v1.2.0_reconstructed.csv"


@lru_cache(maxsize=1)
def esco_essential() -> dict[str, set[str]]:
    """occupation URI -> essential skill URIs present in v1.2.0, read from the raw CSVs."""
    with SKILLS_120.open(newline="", encoding="utf-8") as fh:
        v120 = {r["conceptUri"] for r in csv.DictReader(fh)}
    out: dict[str, set[str]] = {}
    with RELATIONS.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["relationType"] == "essential" and r["skillUri"] in v120:
                out.setdefault(r["occupationUri"], set()).add(r["skillUri"])
    return out


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("nurse", "nurse responsible for general care"),
        ("software developer", "software developer"),
        ("I want to be a vet", "general veterinarian"),
        ("graphic designer", "graphic designer"),
        ("I'd like to become a data scientist", "data scientist"),
        ("softwear developr", "software developer"),
        ("Electricians", "electrician"),
        ("my goal is to be a chef!", "chef"),
    ],
)
def test_everyday_words_match_an_esco_occupation(text: str, label: str) -> None:
    match = match_occupation(text)
    assert match is not None and match.label == label
    assert match.uri.startswith("http://data.europa.eu/esco/occupation/")
    assert match.essential


def test_nonsense_matches_nothing_and_aliases_exist() -> None:
    assert match_occupation("qwxz zzkv") is None
    assert match_occupation("   ") is None
    for target in set(ALIASES.values()):
        assert match_occupations(target)[0].label == target


@pytest.mark.skipif(not RELATIONS.exists(), reason="ESCO CSVs not beside the repo")
@pytest.mark.parametrize(
    "text", ["software developer", "nurse", "graphic designer", "electrician", "accountant"]
)
def test_essential_skills_come_from_esco_relations(text: str) -> None:
    match = match_occupation(text)
    assert match is not None and not match.via
    assert {s.uri for s in match.essential} == esco_essential()[match.uri]


@pytest.mark.skipif(not RELATIONS.exists(), reason="ESCO CSVs not beside the repo")
def test_goal_overlap_on_a_few_occupations() -> None:
    dev = match_occupation("software developer")
    nurse = match_occupation("nurse")
    assert dev is not None and nurse is not None
    dev_uris = esco_essential()[dev.uri]
    nurse_uris = esco_essential()[nurse.uri]
    # A person with evidence for three developer skills and one skill both jobs share, if any.
    evidence = set(sorted(dev_uris)[:3]) | {"http://data.europa.eu/esco/skill/not-in-esco"}
    view = goal_gap(dev, dev.essential, evidence)
    assert {s.uri for s in view.have} == set(sorted(dev_uris)[:3])
    assert view.total == len(dev_uris)
    assert 2 <= len(view.grow) <= 3 and not {s.uri for s in view.grow} & evidence
    nurse_view = goal_gap(nurse, nurse.essential, evidence)
    assert {s.uri for s in nurse_view.have} == evidence & nurse_uris
    text = render_goal(view)
    assert "Goal: software developer" in text and f"3 of its {len(dev_uris)}" in text
    assert all(s.label in text for s in view.grow)


def test_grow_next_prefers_reusable_skills() -> None:
    skills = [
        EssentialSkill("u1", "operate a lathe", "S8", "occupation-specific"),
        EssentialSkill("u2", "work in teams", "T4", "transversal"),
        EssentialSkill("u3", "use a spreadsheet", "S5", "cross-sector"),
        EssentialSkill("u4", "lathe safety", "K07", "sector-specific"),
        EssentialSkill("u5", "think critically", "T2", "transversal"),
    ]
    view = goal_gap("machinist", skills, {"u5"})
    assert [s.label for s in view.have] == ["think critically"]
    assert [s.label for s in view.grow] == ["work in teams", "use a spreadsheet", "lathe safety"]
    plain = goal_gap("machinist", [("u1", "operate a lathe"), ("u2", "x")], set())
    assert plain.total == 2 and len(plain.grow) == 2


def test_render_goal_when_nothing_yet_and_when_done() -> None:
    skills = [EssentialSkill("u1", "listen actively", "T4", "transversal")]
    start = render_goal(goal_gap("counsellor", skills, set()))
    assert "none of them yet" in start and "listen actively" in start
    done = render_goal(goal_gap("counsellor", skills, {"u1"}))
    assert "every key skill" in done


def test_occupation_by_uri_round_trips() -> None:
    match = match_occupation("graphic designer")
    assert match is not None
    again = occupation_by_uri(match.uri)
    assert again is not None and again.label == match.label and again.essential == match.essential
