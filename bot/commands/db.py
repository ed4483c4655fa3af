"""`utp db upgrade`, `status` and `replay-parked`: the schema, the job queue and the outbox.

`replay-parked` is for after a fix: parked jobs and parked outbox replies run again, and parked
Telegram updates are handled once more (their replies are sent).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.commands.common import run, settings_or_exit

if TYPE_CHECKING:
    from passport.feedback import SkillTally

PARKED_PREFIX = "telegram:parked:"  # as bot.channels.telegram_updates (not imported: no PTB here)
MOST_REJECTED = 10


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `utp db`."""
    parser = subparsers.add_parser("db", help="database schema, job queue and parked work")
    parser.add_argument("action", choices=("upgrade", "status", "replay-parked"))
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run the chosen action."""
    if args.action == "replay-parked":
        return run(_replay_parked())
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
        async with app.services.uow() as uow:
            outbox = await uow.outbox.counts()
            updates = await uow.channel_state.channel_states(PARKED_PREFIX)
            rejected = await uow.skill_feedback.most_rejected(MOST_REJECTED)
        print("replies: " + (", ".join(f"{k} {v}" for k, v in sorted(outbox.items())) or "none"))
        print(f"parked telegram updates: {len(updates)}")
        print("\n".join(most_rejected_lines(rejected)))
    finally:
        await app.close()
    return 0


def most_rejected_lines(tallies: Sequence[SkillTally]) -> list[str]:
    """The most rejected skills as lines: counts, then the ESCO label (or the URI)."""
    if not tallies:
        return ["most rejected skills: none yet"]
    from extractors.esco import load_taxonomy

    taxonomy = load_taxonomy()
    lines = [f"most rejected skills (top {MOST_REJECTED}): rejected / kept / noticed"]
    for t in tallies:
        skill = taxonomy.get(t.key)
        lines.append(
            f"  {t.rejected:>6} {t.kept:>6} {t.noticed:>7}  {skill.label if skill else t.key}"
        )
    return lines


async def _replay_parked() -> int:
    from bot.bootstrap import bootstrap

    settings = settings_or_exit()
    app = await bootstrap(settings)
    try:
        now = app.clock.now()
        jobs = await app.jobs.requeue_parked(now)
        async with app.services.uow() as uow:
            replies = await uow.outbox.requeue_parked(now)
            await uow.commit()
        replayed = still = 0
        if settings.telegram_bot_token:
            from bot.channels.telegram import build_telegram_channel

            channel = build_telegram_channel(app.channel_deps, settings)
            app.add_channel(channel)
            channel.updates.handler = app.conversation.handle
            replayed, still = await channel.updates.replay_parked()
        else:
            async with app.services.uow() as uow:
                still = len(await uow.channel_state.channel_states(PARKED_PREFIX))
        print(f"requeued {jobs} parked job(s) and {replies} parked reply part(s)")
        print(f"replayed {replayed} parked telegram update(s); {still} still parked")
    finally:
        await app.close()
    return 0 if not still else 1
