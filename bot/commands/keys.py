"""`utp keys rotate`: re-wrap every person's data key under a new UTP_SECRET_KEY.

The data (entries, quotes, files) is not re-encrypted: only each person's data key is opened
with the old secret and wrapped again with the new one, together with what else the secret
seals (people's signing keys, Slack tokens), in one transaction: it all moves, or nothing does.

How the two secrets are given (never on the command line, where `ps` would show them):
- `UTP_OLD_SECRET_KEY` = the secret in use until now, `UTP_SECRET_KEY` = the new one; then
  restart every process with the new `UTP_SECRET_KEY`.
- Embedded default (no `UTP_SECRET_KEY`, the secret lives in `<data dir>/secret.key`): with no
  variables set, a new secret is made and replaces the file once the database has committed.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.commands.common import run, settings_or_exit

if TYPE_CHECKING:
    from bot.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `utp keys`."""
    parser = subparsers.add_parser(
        "keys",
        help="re-wrap every person's data key under a new UTP_SECRET_KEY",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=("rotate",))
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Rotate."""
    return run(_rotate())


def _secrets(settings: Settings) -> tuple[str, str, Path | None]:
    """(old, new, secret file to replace afterwards or None)."""
    old_env = os.environ.get("UTP_OLD_SECRET_KEY", "")
    if old_env:
        if not settings.utp_secret_key:
            raise SystemExit("utp: set UTP_SECRET_KEY to the new secret (and keep the old one)")
        if settings.utp_secret_key == old_env:
            raise SystemExit("utp: the new UTP_SECRET_KEY is the same as UTP_OLD_SECRET_KEY")
        return old_env, settings.utp_secret_key, None
    if settings.utp_secret_key or settings.database_url:
        raise SystemExit(
            "utp: give the secret in use as UTP_OLD_SECRET_KEY and the new one as UTP_SECRET_KEY"
        )
    path = settings.utp_data_dir / "secret.key"
    if not path.exists():
        raise SystemExit(f"utp: no secret to rotate ({path} does not exist)")
    return path.read_text().strip(), secrets.token_urlsafe(32), path


async def _rotate() -> int:
    from storage.engine import make_engine, make_sessionmaker, normalize_database_url
    from storage.migrate import upgrade
    from storage.private_files import write_private
    from storage.sealing import Sealer, SealingError, install_sealer, rewrap_all

    settings = settings_or_exit()
    old, new, secret_file = _secrets(settings)
    engine = make_engine(normalize_database_url(settings.database_url, settings.utp_data_dir))
    sealer = install_sealer(engine, Sealer(new, previous=[old]))
    staged = None
    try:
        await upgrade(engine)  # a database from before sealing is sealed first
        if secret_file is not None:
            # The new secret is on disk before the database commits, so a crash in between
            # never leaves keys wrapped under a secret nobody has.
            staged = write_private(secret_file.with_name("secret.key.new"), new.encode())
        async with make_sessionmaker(engine)() as session, session.begin():
            rewrapped, current = await rewrap_all(session, sealer)
            signing = await _reseal_signing_keys(session, old, new)
            slack = await session.run_sync(_reseal_slack_tokens, old, new)
    except SealingError as exc:
        if staged is not None:
            staged.unlink(missing_ok=True)
        print(f"utp: nothing changed: {exc}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    if staged is not None and secret_file is not None:
        os.replace(staged, secret_file)
    print(f"data keys re-wrapped: {rewrapped} (already under the new secret: {current})")
    print(f"signing keys re-sealed: {signing}")
    print(f"slack tokens re-sealed: {slack}")
    print(f"new key-encryption key id: {sealer.kek_id}")
    if secret_file is not None:
        print(f"the new secret is in {secret_file}")
    else:
        print("restart every UTP process with the new UTP_SECRET_KEY")
    return 0


async def _reseal_signing_keys(session: Any, old: str, new: str) -> int:
    from sqlalchemy import select, update

    from ler.errors import KeyUnsealError
    from ler.keys import open_key, seal_key
    from storage.models import PersonRow

    rows = (
        await session.execute(
            select(PersonRow.id, PersonRow.signing_key).where(PersonRow.signing_key.is_not(None))
        )
    ).all()
    done = 0
    for person_id, token in rows:
        try:
            key = open_key(token, old)
        except KeyUnsealError:
            open_key(token, new)  # already moved (raises if it opens with neither)
            continue
        await session.execute(
            update(PersonRow)
            .where(PersonRow.id == person_id)
            .values(signing_key=seal_key(key, new))
        )
        done += 1
    return done


def _reseal_slack_tokens(session: Any, old: str, new: str) -> int:
    from sqlalchemy import MetaData, Table, inspect, select, update

    from bot.channels.slack_install import TOKEN_FIELDS, TokenSealer
    from storage.slack_models import BOTS, INSTALLATIONS

    opener, sealer = TokenSealer(old), TokenSealer(new)
    conn = session.connection()
    names = set(inspect(conn).get_table_names())
    done = 0
    for name in (INSTALLATIONS, BOTS):
        if name not in names:
            continue
        table = Table(name, MetaData(), autoload_with=conn)
        fields = [f for f in TOKEN_FIELDS if f in table.c]
        for row in conn.execute(select(table.c.id, *(table.c[f] for f in fields))).all():
            values = {f: sealer.seal(opener.open(v)) for f, v in zip(fields, row[1:], strict=True)}
            conn.execute(update(table).where(table.c.id == row[0]).values(**values))
            done += sum(1 for v in row[1:] if v)
    return done
