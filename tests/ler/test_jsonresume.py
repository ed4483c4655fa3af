"""JSON Resume export: schema-valid, confirmed signals only, quotes in or out."""

from __future__ import annotations

import json

import pytest

from ler.errors import NothingToExport
from ler.export import export_passport
from ler.resources import schema_errors
from passport.errors import BadInput
from tests.ler.conftest import ESCO_BUDGET, ESCO_TEAM, NOW, make_snapshot


def _resume(**kw: object) -> dict:
    (file,) = export_passport(make_snapshot(), "jsonresume", None, now=NOW, **kw)
    assert file.mime == "application/json" and file.filename.endswith(".json")
    return json.loads(file.content)


def test_resume_is_valid_and_lists_confirmed_skills_with_esco_uris() -> None:
    resume = _resume()
    assert schema_errors("jsonresume", resume) == []
    skills = {s["name"]: s for s in resume["skills"]}
    assert set(skills) == {"manage budgets", "work in teams"}  # not rejected, not suggested
    assert skills["manage budgets"]["escoUri"] == ESCO_BUDGET
    assert skills["work in teams"]["escoUri"] == ESCO_TEAM
    assert skills["manage budgets"]["evidence"] == ["rebuilt the team budget", "cut costs by 10%"]
    assert resume["basics"]["name"] == "Ada Example"
    assert "steady under pressure" in resume["basics"]["summary"]
    assert [p["startDate"] for p in resume["projects"]] == ["2026-11-15", "2026-11-22"]
    text = json.dumps(resume)
    assert "lie convincingly" not in text and "public speaking" not in text


def test_without_quotes_no_words_of_the_person_leave() -> None:
    resume = _resume(include_quotes=False)
    assert schema_errors("jsonresume", resume) == []
    text = json.dumps(resume)
    for words in ("rebuilt the team budget", "cut costs", "colleagues", "retro"):
        assert words not in text
    assert all("evidence" not in s for s in resume["skills"])


def test_nothing_confirmed_is_a_clear_bad_input() -> None:
    with pytest.raises(NothingToExport) as info:
        export_passport(make_snapshot(confirmed=False), "jsonresume", None, now=NOW)
    assert isinstance(info.value, BadInput)
    assert info.value.reason.startswith("Nothing confirmed yet")


def test_unknown_format_is_bad_input() -> None:
    with pytest.raises(BadInput):
        export_passport(make_snapshot(), "pdf", None, now=NOW)
