"""`utp export --person PERSON --format FORMAT --out DIR`: a person's export, for operators."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commands.common import find_person, run, settings_or_exit
from passport.errors import BadInput, StorageUnavailable

# The keys of handlers.privacy.FORMATS, spelled out so `utp --help` loads no handlers
# (tests/core/test_startup.py keeps the two equal).
FORMAT_NAMES = ("clr", "json", "jsonresume", "key", "ob3")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `utp export`."""
    parser = subparsers.add_parser("export", help="write a person's passport export to a folder")
    parser.add_argument(
        "--person",
        required=True,
        help="platform:user, e.g. console:alice, telegram:1001, slack:T123:U456 "
        "(exact; refused with the candidates when it fits several people)",
    )
    parser.add_argument("--format", default="json", choices=FORMAT_NAMES)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument(
        "--no-quotes", action="store_true", help="leave the person's own words out of credentials"
    )
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Write the export and print the paths."""
    return run(_export(args))


async def _export(args: argparse.Namespace) -> int:
    from bot.bootstrap import bootstrap
    from storage.private_files import private_dir, write_private

    settings = settings_or_exit()
    app = await bootstrap(settings)
    try:
        try:
            # Busy or raced (another export making the key): the whole export is tried again.
            files = await app.services.faults.run(lambda: _build(app, args))
        except StorageUnavailable as exc:
            print(f"utp: the database is not available ({exc.kind}); try again", file=sys.stderr)
            return 1
        if files is None:
            return 1
        private_dir(args.out)
        for attachment in files:
            # 0600 from the first byte: exports hold every note, and `key` the private key.
            path = write_private(args.out / Path(attachment.filename).name, attachment.content)
            print(path)
    finally:
        await app.close()
    return 0


async def _build(app, args: argparse.Namespace) -> list | None:
    from handlers.privacy import build_export

    async with app.services.uow() as uow:
        person = await find_person(uow, args.person)
        if person is None:
            return None
        try:
            files = await build_export(
                app.services,
                uow,
                person.id,
                args.format,
                app.clock.now(),
                include_quotes=not args.no_quotes,
            )
        except BadInput as exc:
            print(f"utp: {exc.reason}", file=sys.stderr)
            return None
        await uow.commit()  # a signing key made on first export is kept
    return files
