"""A forged issuer: the payload claims did:key X, the signature is by key Y (named in the header
or the proof). A did:key is its own public key, so this is checkable offline: `invalid`, in
`utp verify` and when a person sends the badge in."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bot.commands import verify
from ler.dataintegrity import add_proof
from ler.export import export_passport
from ler.jwt import parse, sign_eddsa
from ler.keys import PersonKey, new_person_key
from ler.verify import inspect_credential
from passport.messages import InboundFile
from tests.core.helpers import Person
from tests.ler.conftest import NOW, make_snapshot

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")


def _forged_jwt(issuer: PersonKey) -> str:
    files = export_passport(make_snapshot(), "ob3", issuer, now=NOW)
    token = next(f.content for f in files if f.filename.endswith(".jwt")).decode()
    claims = parse(token).payload
    thief = new_person_key()
    forged = sign_eddsa(claims, thief)
    header = parse(forged).header
    assert header["kid"].startswith(thief.did) and claims["iss"] == issuer.did
    return forged


def _forged_clr(issuer: PersonKey) -> dict:
    (clr,) = [f for f in export_passport(make_snapshot(), "clr", issuer, now=NOW)]
    doc = json.loads(clr.content)
    thief = new_person_key()
    unsigned = {k: v for k, v in doc.items() if k != "proof"}
    return add_proof(unsigned, thief.sign, thief.key_id, created=NOW)


def test_a_jwt_signed_by_another_did_key_is_invalid(person_key: PersonKey) -> None:
    report = inspect_credential(_forged_jwt(person_key).encode(), "f.jwt", now=NOW)
    assert report is not None
    assert report.level == "invalid" and report.exit_code == 1
    assert any("forged" in line for line in report.explanation)


def test_an_embedded_proof_by_another_did_key_is_invalid(person_key: PersonKey) -> None:
    report = inspect_credential(json.dumps(_forged_clr(person_key)).encode(), "c.json", now=NOW)
    assert report is not None and report.level == "invalid", report.explanation


def test_utp_verify_says_invalid(tmp_path: Path, person_key: PersonKey, capsys) -> None:
    path = tmp_path / "forged.jwt"
    path.write_text(_forged_jwt(person_key))
    parser = argparse.ArgumentParser(prog="utp")
    verify.register(parser.add_subparsers())
    args = parser.parse_args(["verify", str(path)])
    assert args.func(args) == 1
    assert capsys.readouterr().out.strip().splitlines()[-1] == "invalid"


async def test_imported_as_invalid(make_app, person_key: PersonKey) -> None:
    app = await make_app()
    alice = Person(app)
    await alice.onboard()
    forged = _forged_jwt(person_key).encode()
    await alice.say("", files=(InboundFile(ref="b", name="badge.jwt", content=forged),))
    await app.runner.run_until_idle()
    async with app.services.uow() as uow:
        person = await uow.people.find_person(alice.address)
        (artifact,) = await uow.artifacts.artifacts(person.id)
        signals = await uow.signals.signals(person.id)
    assert artifact.credential["level"] == "invalid"
    assert signals and {s.verification for s in signals} == {"invalid"}
