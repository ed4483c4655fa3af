"""`utp team --workspace TEAM_ID [--json]`: a workspace's team skill map, for operators.

Shows exactly what the workspace's admins see on App Home (the published map, with every
privacy rule of `storage.team` applied): counts per ESCO skill, never a person.
"""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `utp team`."""
    parser = subparsers.add_parser("team", help="show a Slack workspace's team skill map")
    parser.add_argument(
        "--workspace",
        required=True,
        help="the Slack team id (T123), or ENTERPRISE:TEAM on Enterprise Grid",
    )
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.add_argument("--now", default=None, help=argparse.SUPPRESS)
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Print the team map."""
    from bot.commands.common import run

    return run(_team(args))


async def _team(args: argparse.Namespace) -> int:
    from bot.bootstrap import bootstrap
    from bot.commands.common import parse_now, settings_or_exit
    from handlers.team import team_view

    settings = settings_or_exit()
    app = await bootstrap(settings, clock=parse_now(args.now))
    try:
        workspace = args.workspace
        if ":" not in workspace:
            async with app.services.uow() as uow:
                known = await uow.team.workspaces_like(workspace)
            if len(known) > 1:
                print(
                    f"utp: {workspace} is in several enterprises; say one of: " + ", ".join(known),
                    file=sys.stderr,
                )
                return 2
            workspace = known[0] if known else f":{workspace}"
        view = await team_view(app.services, workspace)
    finally:
        await app.close()
    if args.json:
        print(json.dumps(view.to_json(), indent=2, ensure_ascii=False))
        return 0
    print(f"Team skill map for {workspace}")
    if not view.shown:
        print("  nothing to show (fewer than 5 sharing, or waiting for enough change)")
    else:
        print(f"  {view.members} members share (published {view.iso_week})")
        for pillar, skills in view.by_pillar():
            print(f"  {pillar}:")
            for skill in skills:
                grew = f"  (+{skill.grew} in 30 days)" if skill.grew else ""
                print(f"    {skill.members:>4}  {skill.label}{grew}")
    if view.participation is not None:
        p = view.participation
        print(f"  answered this week ({p.iso_week}): {p.percent}%")
    return 0
