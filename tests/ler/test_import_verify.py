"""Round trip export -> bake -> import -> verify, and every hostile or broken input."""

from __future__ import annotations

import io
import json
import struct
import zlib

import pytest
from PIL import Image

from ler.bake import bake_png, bake_svg
from ler.errors import UnsafeFile
from ler.export import export_passport
from ler.jwt import parse, sign_eddsa
from ler.keys import PersonKey, new_person_key
from ler.multibase import b64url_encode
from ler.verify import inspect_credential
from passport.errors import FileRejected
from tests.ler.conftest import ESCO_BUDGET, EXAMPLES, NOW, make_snapshot

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")


def _ob3(key: PersonKey) -> dict[str, bytes]:
    return {f.filename: f.content for f in export_passport(make_snapshot(), "ob3", key, now=NOW)}


def test_exported_png_imports_as_verified_with_esco_alignment(person_key: PersonKey) -> None:
    report = inspect_credential(_ob3(person_key)["badge-manage-budgets.png"], "b.png", now=NOW)
    assert report is not None
    assert report.level == "verified", report.explanation
    assert report.exit_code == 0
    assert report.format == "ob3-jwt" and report.container == "png"
    assert report.issuer_id == person_key.did
    (ach,) = report.achievements
    assert ach.name == "manage budgets"
    assert ach.alignments[0][0] == ESCO_BUDGET
    assert ach.alignments[0][2].startswith("ESCO")
    stored = json.loads(json.dumps(report.to_dict()))
    assert stored["level"] == "verified" and stored["achievements"][0]["name"] == "manage budgets"


def test_exported_jwt_file_imports_as_verified(person_key: PersonKey) -> None:
    report = inspect_credential(_ob3(person_key)["badge-work-in-teams.jwt"], "x.jwt", now=NOW)
    assert report is not None and report.level == "verified"


def test_jwt_rebaked_into_svg_imports(person_key: PersonKey) -> None:
    token = _ob3(person_key)["badge-work-in-teams.jwt"].decode()
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'
    report = inspect_credential(bake_svg(svg, token, jwt=True).encode(), "b.svg", now=NOW)
    assert report is not None and report.level == "verified" and report.container == "svg"


def _tamper(token: str, change: dict) -> str:
    header, payload, sig = token.split(".")
    doc = dict(parse(token).payload)
    doc.update(change)
    body = b64url_encode(json.dumps(doc).encode())
    return f"{header}.{body}.{sig}"


def test_tampered_jwt_is_invalid(person_key: PersonKey) -> None:
    token = _ob3(person_key)["badge-work-in-teams.jwt"].decode()
    bad = _tamper(token, {"name": "work in teams (expert, certified)"})
    report = inspect_credential(bad.encode(), "t.jwt", now=NOW)
    assert report is not None and report.level == "invalid" and report.exit_code == 1
    assert any("changed or forged" in line for line in report.explanation)


def test_tampered_baked_png_is_invalid(person_key: PersonKey) -> None:
    token = _ob3(person_key)["badge-work-in-teams.jwt"].decode()
    png = bake_png(_ob3(person_key)["badge-work-in-teams.png"], _tamper(token, {"x": 1}))
    report = inspect_credential(png, "t.png", now=NOW)
    assert report is not None and report.level == "invalid"


def test_signed_by_another_key_is_not_verified(person_key: PersonKey) -> None:
    token = _ob3(person_key)["badge-work-in-teams.jwt"].decode()
    claims = parse(token).payload
    forged = sign_eddsa(claims, new_person_key())  # valid signature, but not the issuer's key
    report = inspect_credential(forged.encode(), "f.jwt", now=NOW)
    assert report is not None and report.level == "invalid"  # a did:key issuer is checkable
    header, body, _sig = token.split(".")
    other = new_person_key().sign(f"{header}.{body}".encode())
    swapped = f"{header}.{body}.{b64url_encode(other)}"
    report = inspect_credential(swapped.encode(), "s.jwt", now=NOW)
    assert report is not None and report.level == "invalid"


def test_expired_by_jwt_claim_is_invalid(person_key: PersonKey) -> None:
    token = _ob3(person_key)["badge-work-in-teams.jwt"].decode()
    claims = parse(token).payload | {"exp": int(NOW.timestamp()) - 10}
    report = inspect_credential(sign_eddsa(claims, person_key).encode(), now=NOW)
    assert report is not None and report.level == "invalid"


def test_malformed_json_credential_is_invalid() -> None:
    text = (EXAMPLES / "ob3/simple.json").read_text()[:-40]
    report = inspect_credential(text.encode(), "broken.json")
    assert report is not None and report.level == "invalid"
    assert "not valid JSON" in report.explanation[0]


def test_ordinary_files_hold_no_credential() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, format="PNG")
    assert inspect_credential(buf.getvalue(), "photo.png") is None
    assert inspect_credential(b"\xff\xd8\xff\xe0 jpeg-ish", "photo.jpg") is None
    assert inspect_credential(b'{"name": "package", "version": "1"}', "package.json") is None
    assert inspect_credential(b"just some notes", "notes.txt") is None
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="3"/></svg>'
    assert inspect_credential(svg, "logo.svg") is None


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
        b'<a x:href="javascript:alert(1)"><rect/></a></svg>',
    ],
)
def test_svg_with_a_script_is_refused(svg: bytes) -> None:
    with pytest.raises(UnsafeFile) as info:
        inspect_credential(svg, "evil.svg")
    assert isinstance(info.value, FileRejected)
    assert "script" in info.value.reason


def test_svg_badge_with_a_script_is_refused_too() -> None:
    good = (EXAMPLES / "ob3/simple-json.svg").read_bytes()
    evil = good.replace(b"</svg>", b"<script>steal()</script></svg>")
    with pytest.raises(UnsafeFile):
        inspect_credential(evil, "badge.svg")


def test_svg_with_entity_expansion_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg">'
        b"<text>&b;</text></svg>"
    )
    with pytest.raises(UnsafeFile):
        inspect_credential(bomb, "bomb.svg")


def _chunk(kind: bytes, body: bytes, length: int | None = None) -> bytes:
    size = len(body) if length is None else length
    return struct.pack(">I", size) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_png_declaring_two_gigabytes_is_refused_without_allocating() -> None:
    ihdr = _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    liar = _chunk(b"iTXt", b"openbadgecredential\0\0\0\0\0{}", length=2_000_000_000)
    with pytest.raises(UnsafeFile) as info:
        inspect_credential(b"\x89PNG\r\n\x1a\n" + ihdr + liar, "huge.png")
    assert "declares more data" in info.value.reason


def test_png_declaring_a_giant_canvas_is_refused() -> None:
    ihdr = _chunk(b"IHDR", struct.pack(">IIBBBBB", 50_000, 50_000, 8, 6, 0, 0, 0))
    with pytest.raises(UnsafeFile):
        inspect_credential(b"\x89PNG\r\n\x1a\n" + ihdr + _chunk(b"IEND", b""), "wide.png")


def test_compressed_itxt_bomb_is_refused() -> None:
    ihdr = _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    bomb = zlib.compress(b"{" + b" " * 5_000_000 + b"}", 9)
    itxt = _chunk(b"iTXt", b"openbadgecredential\0\1\0\0\0" + bomb)
    png = b"\x89PNG\r\n\x1a\n" + ihdr + itxt + _chunk(b"IEND", b"")
    with pytest.raises(UnsafeFile):
        inspect_credential(png, "bomb.png")


def test_png_with_garbage_in_the_badge_chunk_is_invalid() -> None:
    ihdr = _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    itxt = _chunk(b"iTXt", b"openbadgecredential\0\0\0\0\0not a credential")
    report = inspect_credential(b"\x89PNG\r\n\x1a\n" + ihdr + itxt + _chunk(b"IEND", b""))
    assert report is not None and report.level == "invalid"


def test_unsigned_jwt_is_invalid(person_key: PersonKey) -> None:
    token = _ob3(person_key)["badge-work-in-teams.jwt"].decode()
    _h, body, _s = token.split(".")
    none_header = b64url_encode(b'{"alg":"none"}')
    report = inspect_credential(f"{none_header}.{body}.".encode(), "n.jwt", now=NOW)
    assert report is not None and report.level == "invalid"


def test_ob2_hosted_assertion_is_unverifiable_offline() -> None:
    assertion = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://example.org/assertions/1",
        "recipient": {"type": "email", "hashed": False, "identity": "a@example.org"},
        "issuedOn": "2024-01-01T00:00:00Z",
        "verification": {"type": "hosted"},
        "badge": {
            "type": "BadgeClass",
            "id": "https://example.org/badges/1",
            "name": "First aid",
            "description": "Can give first aid.",
            "issuer": {"type": "Profile", "id": "https://example.org", "name": "Red Org"},
            "alignment": [
                {
                    "targetName": "first aid",
                    "targetUrl": "http://data.europa.eu/esco/x",
                    "targetFramework": "ESCO",
                }
            ],
        },
    }
    report = inspect_credential(json.dumps(assertion).encode(), "ob2.json", now=NOW)
    assert report is not None
    assert report.format == "ob2" and report.level == "unverifiable-offline"
    assert report.issuer_name == "Red Org"
    assert report.achievements[0].alignments[0][0] == "http://data.europa.eu/esco/x"
    del assertion["recipient"]
    report = inspect_credential(json.dumps(assertion).encode(), "ob2.json", now=NOW)
    assert report is not None and report.level == "invalid"


def test_esco_uris_of_an_imported_badge(person_key: PersonKey) -> None:
    report = inspect_credential(_ob3(person_key)["badge-manage-budgets.png"], now=NOW)
    assert report is not None and report.esco_uris() == (ESCO_BUDGET,)


def test_ob2_baked_png_with_a_hosted_url_is_unverifiable_offline() -> None:
    ihdr = _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    itxt = _chunk(b"iTXt", b"openbadges\0\0\0\0\0https://example.org/assertions/1")
    report = inspect_credential(b"\x89PNG\r\n\x1a\n" + ihdr + itxt + _chunk(b"IEND", b""))
    assert report is not None
    assert report.format == "ob2" and report.level == "unverifiable-offline"
    assert report.achievements == ()


def test_vc_json_under_an_old_openbadges_context_is_not_taken_for_ob2() -> None:
    doc = json.loads((EXAMPLES / "ob3/simple.json").read_text())
    doc["@context"][1] = "https://imsglobal.github.io/openbadges-specification/context.json"
    report = inspect_credential(json.dumps(doc).encode(), now=NOW)
    assert report is not None and report.format == "ob3-json" and report.level == "invalid"


def test_json_ld_that_cannot_be_processed_is_a_clear_result() -> None:
    doc = json.loads((EXAMPLES / "ob3/simple.json").read_text())
    doc["@context"].append({"name": {"@id": 5}})  # a term definition JSON-LD rejects
    report = inspect_credential(json.dumps(doc).encode(), now=NOW)
    assert report is not None and report.level == "invalid"


def test_unbundled_context_is_unverifiable_offline() -> None:
    doc = json.loads((EXAMPLES / "ob3/simple.json").read_text())
    doc["@context"].append("https://example.org/private-context.json")
    report = inspect_credential(json.dumps(doc).encode(), now=NOW)
    assert report is not None and report.level == "unverifiable-offline"
    assert any("does not ship" in line for line in report.explanation)


def test_poison_graph_is_not_canonicalized() -> None:
    doc = json.loads((EXAMPLES / "ob3/simple.json").read_text())
    doc["evidence"] = [{"type": ["Evidence"], "narrative": str(i)} for i in range(600)]
    report = inspect_credential(json.dumps(doc).encode(), now=NOW)
    assert report is not None and report.level == "unverifiable-offline"
