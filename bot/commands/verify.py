"""`utp verify FILE`: check a credential (JWT, JSON, baked PNG/SVG, CLR) offline and explain it.

Prints the explanation in plain words and ends with the level on its own line. Exit status:
0 verified, 2 signature-valid-issuer-unchecked or unverifiable-offline, 1 invalid (or no
credential in the file, or a file UTP refuses to open).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from passport.errors import FileRejected

_READ_LIMIT = 25_000_000


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `utp verify FILE`."""
    parser = subparsers.add_parser(
        "verify", help="check a badge or credential file offline (JWT, JSON, PNG, SVG, CLR)"
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="the credential file")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run)


def _say(lines: list[str], level: str, as_json: bool, report: dict | None) -> None:
    if as_json:
        print(json.dumps(report or {"level": level, "explanation": lines}, indent=2))
        return
    for line in lines:
        print(line)
    print(level)


def run(args: argparse.Namespace) -> int:
    """Check the file and print the result; exit 0 / 2 / 1 as documented above."""
    from ler.verify import inspect_credential

    path: Path = args.file
    as_json = bool(getattr(args, "json", False))
    try:
        with path.open("rb") as fh:
            data = fh.read(_READ_LIMIT + 1)
    except OSError as exc:
        print(f"Cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        _say([f"Cannot read {path.name}."], "invalid", as_json, None)
        return 1
    try:
        report = inspect_credential(data, path.name)
    except FileRejected as exc:
        _say([exc.reason], "invalid", as_json, None)
        return 1
    if report is None:
        _say([f"{path.name} holds no credential UTP recognises."], "invalid", as_json, None)
        return 1
    lines = []
    if report.name or report.issuer_name or report.issuer_id:
        who = report.issuer_name or report.issuer_id or "an unnamed issuer"
        lines.append(f"{report.name or 'A credential'} ({report.format}), issued by {who}.")
    for ach in report.achievements[:10]:
        aligned = ", ".join(url for url, _, _ in ach.alignments if url)
        lines.append(f"  achievement: {ach.name}" + (f" -> {aligned}" if aligned else ""))
    lines.extend(report.explanation)
    _say(lines, report.level, as_json, report.to_dict() | {"credential": None})
    return report.exit_code
