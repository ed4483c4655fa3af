"""`utp tick [--now TIME]`: one scheduler pass, everything due sent through the channels, exit.

For operators catching up after downtime, and for tests: `--now 2026-12-06T18:00:00+01:00`
runs the pass as if it were that instant (the clock is injected everywhere).
"""

from __future__ import annotations

import argparse
import json

from bot.commands.common import parse_now, run, settings_or_exit


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `utp tick`."""
    parser = subparsers.add_parser(
        "tick", help="run one scheduler pass (nudges, reminders, digests), send what is due, exit"
    )
    parser.add_argument(
        "--now",
        default=None,
        help="act as if it were this instant, e.g. 2026-12-06T18:00:00+01:00",
    )
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Tick once and run the jobs it made."""
    return run(_tick(args))


async def _tick(args: argparse.Namespace) -> int:
    from bot.bootstrap import bootstrap
    from bot.process import configured_channels
    from bot.scheduler import run_tick

    settings = settings_or_exit()
    app = await bootstrap(settings, clock=parse_now(args.now))
    try:
        configured_channels(app, settings)
        report = await run_tick(app)
        ran = await app.runner.run_until_idle()
        now = app.clock.now()
        waiting = await app.jobs.pending()
        parked = len(await app.jobs.parked())
    finally:
        await app.close()
    outcome = {
        "now": now.isoformat(),
        "nudges": report.nudged,
        "reminders": report.reminders,
        "digests": report.digests,
        "team_posts": report.team_posts,
        "moved_on": report.advanced,
        "deferred": report.deferred,
        "resumed": report.resumed,
        "jobs_run": ran,
        "jobs_waiting": waiting,
        "jobs_parked": parked,
    }
    if args.json:
        print(json.dumps(outcome, indent=2))
    else:
        print(
            f"tick at {outcome['now']}: {report.nudged} nudges, {report.reminders} reminders, "
            f"{report.digests} digests queued; {ran} jobs run, {waiting} waiting"
            + (" (terminal people see theirs when `utp chat` next starts)" if waiting else "")
            + (f", {parked} parked" if parked else "")
        )
    return 0
