"""Operators name people exactly: an ambiguous key is refused with the candidates, a key is
never a pattern, and a name typed after `utp chat --as` never becomes a path."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.bootstrap import bootstrap
from bot.cli import main as utp_main
from passport.messages import Address
from tests.fakes.extractor import FakeExtractor
from tests.privacy.test_at_rest import chat


@pytest.fixture
def two_teams(make_settings, monkeypatch, tmp_path):
    """Two people whose Slack user id is U1, in teams T1 and T2 (and a Telegram U1)."""
    settings = make_settings()

    async def seed() -> None:
        app = await bootstrap(settings, extractor=FakeExtractor())
        try:
            async with app.services.uow() as uow:
                for team, name in (("T1", "Ann of T1"), ("T2", "Bob of T2")):
                    address = Address("slack", "U1", f"D{team}", f":{team}")
                    person = await uow.people.create_person(address, name, app.clock.now())
                    await uow.entries.add_entry(person.id, f"{name} wrote this", app.clock.now())
                await uow.commit()
        finally:
            await app.close()

    asyncio.run(seed())
    monkeypatch.setenv("UTP_DATA_DIR", str(settings.utp_data_dir))
    monkeypatch.setenv("UTP_CACHE_DIR", str(settings.utp_cache_dir))
    monkeypatch.setenv("UTP_SECRET_KEY", "test-secret-key")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return tmp_path / "out"


def test_a_user_id_in_two_teams_is_refused_with_the_candidates(two_teams, capsys):
    assert utp_main(["export", "--person", "slack:U1", "--out", str(two_teams)]) == 1
    err = capsys.readouterr().err
    assert "slack::T1:U1" in err and "slack::T2:U1" in err
    assert not two_teams.exists()


@pytest.mark.parametrize(
    "key", ["slack::U1", "slack:%:U1", "slack:2:U1", "slack:_1:U1", "slack:%"]
)
def test_a_key_is_never_a_pattern(two_teams, key, capsys):
    assert utp_main(["export", "--person", key, "--out", str(two_teams)]) == 1
    assert "no person" in capsys.readouterr().err
    assert not two_teams.exists()


@pytest.mark.parametrize(("key", "who"), [("slack:T2:U1", "Bob"), ("slack::T1:U1", "Ann")])
def test_the_exact_team_finds_the_one_person(two_teams, key, who, capsys):
    assert utp_main(["export", "--person", key, "--out", str(two_teams)]) == 0
    (path,) = two_teams.iterdir()
    assert (
        json.loads(path.read_text())["entries"][0]["text"]
        == f"{who} of T{1 if who == 'Ann' else 2} wrote this"
    )


def test_names_typed_after_as_never_become_paths(tmp_path, cache_dir):
    data = tmp_path / "place" / "data"
    lines = ["hi", "1", "1", "2", "I fixed a bike.", "/export json"]
    outputs = {}
    for user in ("b", "m/../b", "../../escaped"):
        out = chat(data, cache_dir, lines + [f"I am {user}"], user=user)
        (saved,) = [line for line in out.splitlines() if "(saved" in line]
        outputs[user] = Path(saved.split(": ", 1)[1].rstrip(")"))
    folders = {p.parent for p in outputs.values()}
    assert len(folders) == 3  # three people, three folders: nobody overwrote anybody
    for path in outputs.values():
        assert path.parent.parent == data / "exports" and path.exists()
    everything = [p.relative_to(tmp_path) for p in tmp_path.rglob("*")]
    assert not [p for p in everything if "escaped" in str(p)]
    assert all(p.parts[:2] == ("place", "data") for p in everything if len(p.parts) > 1)
