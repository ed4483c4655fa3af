"""`utp verify FILE`: words, a final level line, exit 0 / 2 / 1."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bot.commands import verify
from ler.export import export_passport
from ler.keys import PersonKey
from tests.ler.conftest import EXAMPLES, make_snapshot

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")


def _run(path: Path, *extra: str) -> int:
    parser = argparse.ArgumentParser(prog="utp")
    verify.register(parser.add_subparsers())
    args = parser.parse_args(["verify", str(path), *extra])
    return args.func(args)


def _last_line(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_own_badge_is_verified(tmp_path: Path, person_key: PersonKey, capsys) -> None:
    from datetime import UTC, datetime

    files = export_passport(make_snapshot(), "ob3", person_key, now=datetime.now(UTC))
    png = tmp_path / "badge.png"
    png.write_bytes(next(f.content for f in files if f.filename.endswith(".png")))
    assert _run(png) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == "verified"
    assert "manage budgets" in out or "work in teams" in out


@pytest.mark.parametrize(
    ("name", "code", "level"),
    [
        ("ob3/simple-jwt.png", 2, "signature-valid-issuer-unchecked"),
        ("ob3/velocity.jwt", 2, "unverifiable-offline"),
        ("ob3/simple-err-proof-value.json", 1, "invalid"),
        ("clr2/simple.json", 2, "signature-valid-issuer-unchecked"),
    ],
)
def test_examples(name: str, code: int, level: str, capsys) -> None:
    assert _run(EXAMPLES / name) == code
    assert _last_line(capsys) == level


def test_unsafe_svg_and_plain_files_are_invalid(tmp_path: Path, capsys) -> None:
    svg = tmp_path / "evil.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>')
    assert _run(svg) == 1
    assert _last_line(capsys) == "invalid"
    txt = tmp_path / "notes.txt"
    txt.write_text("hello")
    assert _run(txt) == 1
    assert _last_line(capsys) == "invalid"
    assert _run(tmp_path / "missing.json") == 1


def test_json_output(capsys) -> None:
    import json

    assert _run(EXAMPLES / "ob3/simple.json", "--json") == 2
    doc = json.loads(capsys.readouterr().out)
    assert doc["level"] == "signature-valid-issuer-unchecked"
    assert doc["achievements"][0]["name"] == "Teamwork"
