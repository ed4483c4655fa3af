"""The App Home tab: a member's passport at a glance, their buttons, and workspace defaults.

Admins (Slack's `is_admin` / `is_owner`) also see the workspace default schedule and prompt
categories; they set defaults only and never see anyone's entries. Defaults are kept as one JSON
value per workspace in the durable channel state.

The team skill map (see `storage.team` for its privacy rules) shows to admins and to members
who share; every member with a passport gets the button to share or stop sharing, and admins
pick a channel for the weekly team post.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.channels.slack_blocks import button, escape
from handlers.context import Services
from handlers.home import HomeSummary
from passport.messages import Choice, Outbound
from passport.model import WEEKDAYS
from passport.prompts import CATEGORIES
from passport.team import PILLAR_LABELS, TeamView
from storage.team_topics import TEAM_DEFAULTS_KEY as DEFAULTS_KEY  # the scheduler reads it too

HOME_PREFIX = "utp:home:"
ADMIN_PREFIX = "utp:admin:"
ADMIN_HOURS = tuple(range(6, 23))

# Words on the Home tab (the conversation's own words live in handlers/texts.py).
TITLE = "Your talent passport"
INTRO = (
    "I'm UTP, a tiny weekly journal. Once a week I ask one short question in our DM; from "
    "your answers I notice your skills and build a passport that is yours to see, export "
    "or delete."
)
START = "Start my passport"
STATS = "*Weeks reflected:* {weeks}    *Notes:* {entries}"
NEXT = "*Next question:* {when}"
PAUSED = "*Weekly questions are paused.*"
STRENGTHS = "*Strengths:* {items}"
RECENT = "*Recent skills:* {items}"
NOTHING = "Nothing kept yet. Tap Keep on skills I notice in your notes, and they show here."
SHOW = "Show my passport"
SETTINGS = "Settings"
PAUSE = "Pause questions"
RESUME = "Resume questions"
EXPORT = "Export"
ADMIN_TITLE = "Workspace defaults (admins)"
ADMIN_NOTE = (
    "New members are offered this day and time first. Preferred question topics are "
    "kept for your workspace. Admins never see anyone's notes."
)
ADMIN_DAY = "Default day"
ADMIN_HOUR = "Default time"
ADMIN_TOPICS = "Prompt topics"
TEAM_DEFAULT = "Team default: {day} {hour:02d}:00"
TEAM_PREFIX = "utp:team:"
TEAM_TITLE = "Team skill map"
TEAM_YOU_SHARE = "You share your kept skills with your team map, as counts only."
TEAM_YOU_DONT = (
    "Share your kept skills with your team map? It shows counts only, never your words or "
    "your name. You can stop any time."
)
TEAM_SHARE = "Share with my team"
TEAM_UNSHARE = "Stop sharing"
TEAM_NOT_YET = (
    "Nothing to show yet. The map shows once 5 or more people share, with skills that 3 or "
    "more of them kept. After people join or leave it waits for a few changes, so no one can "
    "be picked out."
)
TEAM_SHARING = "*{members} people share.* Counts are people who kept each skill."
TEAM_PILLAR = "*{pillar}:* {items}"
TEAM_GREW = "*Grew in the last 30 days:* {items}"
TEAM_ANSWERED = "*Weekly question ({week}):* {percent}% of those sharing answered."
TEAM_POST_TITLE = "Weekly team post (admins)"
TEAM_POST_NOTE = (
    "Pick a channel, and once a week I post the map's highlights there, with a chart. No "
    "names. No post while the map is too small."
)
TEAM_POST_PICK = "Pick a channel"
TEAM_POST_ON = "Posting weekly in <#{channel}>."
TEAM_POST_STOP = "Stop the weekly post"


@dataclass(frozen=True, slots=True)
class TeamHome:
    """The team part of a Home tab: the member's choice, the map (if they may see it), and,
    for admins, the weekly post's channel."""

    can_share: bool = False  # has a passport
    sharing: bool = False
    view: TeamView | None = None
    post_channel: str | None = None


@dataclass(frozen=True, slots=True)
class WorkspaceDefaults:
    """An admin's defaults for their workspace."""

    weekday: int | None = None
    hour: int | None = None
    categories: tuple[str, ...] = field(default=())

    def to_json(self) -> str:
        """As stored."""
        return json.dumps(
            {"weekday": self.weekday, "hour": self.hour, "categories": list(self.categories)}
        )

    @classmethod
    def from_json(cls, raw: str | None) -> WorkspaceDefaults:
        """From the stored value (empty defaults when unset or damaged)."""
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            data = {}
        cats = tuple(c for c in data.get("categories") or () if c in CATEGORIES)
        return cls(data.get("weekday"), data.get("hour"), cats)


async def workspace_defaults(services: Services, workspace: str) -> WorkspaceDefaults:
    """The defaults an admin set for a Slack workspace (`enterprise:team`)."""
    async with services.uow() as uow:
        raw = await uow.channel_state.get_channel_state(DEFAULTS_KEY.format(workspace=workspace))
    return WorkspaceDefaults.from_json(raw)


async def save_defaults(services: Services, workspace: str, defaults: WorkspaceDefaults) -> None:
    """Store a workspace's defaults."""
    async with services.uow() as uow:
        await uow.channel_state.set_channel_state(
            DEFAULTS_KEY.format(workspace=workspace), defaults.to_json(), services.clock.now()
        )
        await uow.commit()


def with_team_default(messages: list[Outbound], defaults: WorkspaceDefaults) -> list[Outbound]:
    """Offer the workspace's default slot first wherever the quick slot picks are shown."""
    if defaults.weekday is None or defaults.hour is None:
        return messages
    data = f"slot:{defaults.weekday}:{defaults.hour}"
    label = TEAM_DEFAULT.format(day=WEEKDAYS[defaults.weekday], hour=defaults.hour)
    out = []
    for message in messages:
        if any(c.data.startswith("slot:") for c in message.choices):
            rest = tuple(c for c in message.choices if c.data != data)
            message = Outbound(
                text=message.text,
                choices=(Choice(label, data), *rest),
                attachment=message.attachment,
                replace_previous=message.replace_previous,
                meta=message.meta,
            )
        out.append(message)
    return out


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label}, "value": value}


def _items(labels: tuple[str, ...]) -> str:
    return ", ".join(escape(label) for label in labels)


def member_blocks(summary: HomeSummary | None) -> list[dict[str, Any]]:
    """The member's part: intro and opt-in, or their passport at a glance with buttons."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": TITLE}},
    ]
    if summary is None or not summary.opted_in:
        blocks += [
            _section(escape(INTRO)),
            {
                "type": "actions",
                "elements": [button(START, "optin", f"{HOME_PREFIX}optin", style="primary")],
            },
        ]
        return blocks
    blocks.append(_section(STATS.format(weeks=summary.weeks_reflected, entries=summary.entries)))
    if summary.paused:
        blocks.append(_section(PAUSED))
    elif summary.next_nudge:
        blocks.append(_section(NEXT.format(when=escape(summary.next_nudge))))
    if summary.strengths:
        blocks.append(_section(STRENGTHS.format(items=_items(summary.strengths))))
    if summary.recent_skills:
        blocks.append(_section(RECENT.format(items=_items(summary.recent_skills))))
    if not summary.strengths and not summary.recent_skills:
        blocks.append(_section(escape(NOTHING)))
    toggle = (
        button(RESUME, "resume", f"{HOME_PREFIX}resume", style="primary")
        if summary.paused
        else button(PAUSE, "pause", f"{HOME_PREFIX}pause")
    )
    blocks.append(
        {
            "type": "actions",
            "elements": [
                button(SHOW, "digest", f"{HOME_PREFIX}digest", style="primary"),
                button(SETTINGS, "settings", f"{HOME_PREFIX}settings"),
                toggle,
                button(EXPORT, "export", f"{HOME_PREFIX}export"),
            ],
        }
    )
    return blocks


def _team_map_blocks(view: TeamView) -> list[dict[str, Any]]:
    if not view.shown:
        blocks = [_section(escape(TEAM_NOT_YET))]
    else:
        blocks = [_section(TEAM_SHARING.format(members=view.members))]
        for pillar, skills in view.by_pillar():
            items = ", ".join(f"{escape(s.label)} ({s.members})" for s in skills)
            blocks.append(_section(TEAM_PILLAR.format(pillar=PILLAR_LABELS[pillar], items=items)))
        grew = view.grew()
        if grew:
            items = ", ".join(f"{escape(s.label)} (+{s.grew})" for s in grew)
            blocks.append(_section(TEAM_GREW.format(items=items)))
    if view.participation is not None:
        blocks.append(
            _section(
                TEAM_ANSWERED.format(
                    week=view.participation.iso_week, percent=view.participation.percent
                )
            )
        )
    return blocks


def team_blocks(team: TeamHome, is_admin: bool) -> list[dict[str, Any]]:
    """The team map (admins and sharing members), the share button, the admin's post channel."""
    if not team.can_share and not is_admin:
        return []
    blocks: list[dict[str, Any]] = [
        {"type": "divider"},
        {"type": "header", "text": {"type": "plain_text", "text": TEAM_TITLE}},
    ]
    if team.can_share:
        blocks.append(_section(escape(TEAM_YOU_SHARE if team.sharing else TEAM_YOU_DONT)))
        toggle = (
            button(TEAM_UNSHARE, "teamoff", f"{HOME_PREFIX}team")
            if team.sharing
            else button(TEAM_SHARE, "teamon", f"{HOME_PREFIX}team", style="primary")
        )
        blocks.append({"type": "actions", "elements": [toggle]})
    if team.view is not None and (is_admin or team.sharing):
        blocks += _team_map_blocks(team.view)
    if is_admin:
        select: dict[str, Any] = {
            "type": "conversations_select",
            "action_id": f"{TEAM_PREFIX}channel",
            "placeholder": {"type": "plain_text", "text": TEAM_POST_PICK},
            "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        }
        elements: list[dict[str, Any]] = [select]
        note = escape(TEAM_POST_NOTE)
        if team.post_channel:
            select["initial_conversation"] = team.post_channel
            elements.append(button(TEAM_POST_STOP, "stop", f"{TEAM_PREFIX}stop"))
            note += "\n" + TEAM_POST_ON.format(channel=escape(team.post_channel))
        blocks += [
            {"type": "header", "text": {"type": "plain_text", "text": TEAM_POST_TITLE}},
            _section(note),
            {"type": "actions", "elements": elements},
        ]
    return blocks


def admin_blocks(defaults: WorkspaceDefaults) -> list[dict[str, Any]]:
    """Workspace defaults for admins: day, time and prompt topics (saved as they change)."""
    days = [_option(name, str(i)) for i, name in enumerate(WEEKDAYS)]
    hours = [_option(f"{h:02d}:00", str(h)) for h in ADMIN_HOURS]
    topics = [_option(c.title(), c) for c in CATEGORIES]
    day_select: dict[str, Any] = {
        "type": "static_select",
        "action_id": f"{ADMIN_PREFIX}day",
        "placeholder": {"type": "plain_text", "text": ADMIN_DAY},
        "options": days,
    }
    hour_select: dict[str, Any] = {
        "type": "static_select",
        "action_id": f"{ADMIN_PREFIX}hour",
        "placeholder": {"type": "plain_text", "text": ADMIN_HOUR},
        "options": hours,
    }
    topic_select: dict[str, Any] = {
        "type": "multi_static_select",
        "action_id": f"{ADMIN_PREFIX}categories",
        "placeholder": {"type": "plain_text", "text": ADMIN_TOPICS},
        "options": topics,
    }
    if defaults.weekday is not None:
        day_select["initial_option"] = days[defaults.weekday]
    if defaults.hour in ADMIN_HOURS:
        hour_select["initial_option"] = hours[ADMIN_HOURS.index(defaults.hour)]
    if defaults.categories:
        topic_select["initial_options"] = [o for o in topics if o["value"] in defaults.categories]
    return [
        {"type": "divider"},
        {"type": "header", "text": {"type": "plain_text", "text": ADMIN_TITLE}},
        _section(escape(ADMIN_NOTE)),
        {"type": "actions", "elements": [day_select, hour_select]},
        {"type": "actions", "elements": [topic_select]},
    ]


def home_view(
    summary: HomeSummary | None,
    defaults: WorkspaceDefaults,
    is_admin: bool,
    team: TeamHome | None = None,
) -> dict[str, Any]:
    """The whole Home tab view for `views.publish`."""
    blocks = member_blocks(summary)
    if team is not None:
        blocks += team_blocks(team, is_admin)
    if is_admin:
        blocks += admin_blocks(defaults)
    return {"type": "home", "blocks": blocks}


def admin_change(defaults: WorkspaceDefaults, action: dict[str, Any]) -> WorkspaceDefaults:
    """Apply one admin select to the defaults."""
    what = action.get("action_id", "")[len(ADMIN_PREFIX) :]
    if what == "day":
        value = int((action.get("selected_option") or {}).get("value", "6")) % 7
        return WorkspaceDefaults(
            value, defaults.hour if defaults.hour is not None else 18, defaults.categories
        )
    if what == "hour":
        value = int((action.get("selected_option") or {}).get("value", "18")) % 24
        return WorkspaceDefaults(
            defaults.weekday if defaults.weekday is not None else 6, value, defaults.categories
        )
    if what == "categories":
        chosen = tuple(
            o.get("value")
            for o in action.get("selected_options") or ()
            if o.get("value") in CATEGORIES
        )
        return WorkspaceDefaults(defaults.weekday, defaults.hour, chosen)
    return defaults


def home_action_text(value: str, summary: HomeSummary | None) -> str:
    """What a Home button says to the conversation (opt-in starts or resumes)."""
    if value == "optin":
        if summary is not None and summary.opted_in and summary.paused:
            return "/resume"
        return "hi"
    return {
        "pause": "/pause",
        "resume": "/resume",
        "settings": "/settings",
        "digest": "/digest",
        "export": "/export",
        "teamon": "/team on",
        "teamoff": "/team off",
    }.get(value, "/help")
