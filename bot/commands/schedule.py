"""`utp schedule --person PERSON [--json]`: a person's rhythm settings and next nudge time."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.commands.common import find_person, parse_now, run, settings_or_exit
from passport.model import WEEKDAYS
from passport.prompts import get_prompt


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `utp schedule`."""
    parser = subparsers.add_parser("schedule", help="show a person's schedule and next nudge")
    parser.add_argument(
        "--person",
        required=True,
        help="platform:user, e.g. console:alice, telegram:1001, slack:T123:U456",
    )
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.add_argument("--now", default=None, help=argparse.SUPPRESS)
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Print the schedule."""
    return run(_schedule(args))


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def _schedule(args: argparse.Namespace) -> int:
    from bot.bootstrap import bootstrap
    from passport.schedule import describe_local
    from storage.nudge_store import SqlAlchemyNudgeStore

    settings = settings_or_exit()
    app = await bootstrap(settings, clock=parse_now(args.now))
    try:
        async with app.services.uow() as uow:
            person = await find_person(uow, args.person)
        if person is None:
            return 1
        recent = await SqlAlchemyNudgeStore(app.sessionmaker).recent(person.id, limit=4)
    finally:
        await app.close()
    s = person.schedule
    prompt = person.state.get("prompt") or {}
    info = {
        "person": args.person,
        "active": person.active,
        "onboarded": person.onboarded,
        "weekday": WEEKDAYS[s.weekday],
        "hour": s.hour,
        "timezone": s.timezone,
        "paused": s.paused,
        "paused_until": _iso(s.paused_until),
        "skip_week": s.skip_week,
        "reminders": s.reminders,
        "digest": s.digest,
        "next_nudge_at": _iso(s.next_nudge_at),
        "next_nudge_local": describe_local(s.next_nudge_at, s.timezone),
        "last_digest_at": _iso(person.last_digest_at),
        "current_prompt": {"id": prompt.get("id"), "week": prompt.get("week")} if prompt else None,
        "recent_nudges": [
            {
                "week": n.iso_week,
                "prompt_id": n.prompt_id,
                "status": n.status,
                "sent_at": _iso(n.sent_at),
                "remind_at": _iso(n.remind_at),
                "reminded_at": _iso(n.reminded_at),
                "answered_at": _iso(n.answered_at),
            }
            for n in recent
        ],
    }
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    state = (
        "inactive (blocked the bot)"
        if not person.active
        else (
            f"paused until {describe_local(s.paused_until, s.timezone)}"
            if s.paused and s.paused_until
            else "paused until /resume"
            if s.paused
            else "active"
        )
    )
    print(f"{args.person}: every {WEEKDAYS[s.weekday]} at {s.hour:02d}:00 ({s.timezone}), {state}")
    print(f"  next nudge: {info['next_nudge_local']}  [{info['next_nudge_at'] or '—'} UTC]")
    print(
        f"  reminders: {'on' if s.reminders else 'off'}; digest: {s.digest}"
        + (f"; skipping {s.skip_week}" if s.skip_week else "")
    )
    current = get_prompt(prompt.get("id"))
    if current:
        print(f"  open question ({prompt.get('week')}): {current.text}")
    for n in info["recent_nudges"]:
        flags = [f for f in ("reminded", "answered") if n[f"{f}_at"]]
        print(
            f"  {n['week']}: {n['prompt_id']} {n['status']}"
            + (f" ({', '.join(flags)})" if flags else "")
        )
    return 0
