"""`utp db upgrade` and `utp db status`: the schema and the job queue, for operators."""

from __future__ import annotations

import argparse

from bot.commands.common import run, settings_or_exit


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `utp db`."""
    parser = subparsers.add_parser("db", help="database schema and job queue")
    parser.add_argument("action", choices=("upgrade", "status"))
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run the chosen action."""
    return run(_upgrade() if args.action == "upgrade" else _status())


async def _upgrade() -> int:
    from storage.engine import make_engine, normalize_database_url
    from storage.migrate import upgrade
    from storage.sealing import Sealer, install_sealer

    settings = settings_or_exit()
    engine = make_engine(normalize_database_url(settings.database_url, settings.utp_data_dir))
    install_sealer(engine, Sealer(settings.secret_key()))  # 0004 seals existing rows
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    print("database is up to date")
    return 0


async def _status() -> int:
    from bot.bootstrap import bootstrap

    settings = settings_or_exit()
    app = await bootstrap(settings)
    try:
        counts = await app.jobs.counts()
        print("jobs: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"))
        for job_id, kind, error in await app.jobs.parked():
            print(f"parked job {job_id} ({kind}): {error}")
    finally:
        await app.close()
    return 0
