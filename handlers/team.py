"""The team skill map for people: sharing on / off, and the map named from ESCO.

`storage.team` applies the privacy rules and hands back counts per ESCO URI; here the counts
get ESCO's own labels and pillars (never a label a member typed) and become a `TeamView` for
App Home, `utp team` and the weekly team post.
"""

from __future__ import annotations

from typing import Any

from handlers import texts
from handlers.context import Services, Turn, say
from passport.messages import Outbound
from passport.team import Participation, TeamCounts, TeamSkill, TeamView

ON_WORDS = {"on", "yes", "join", "share", "start"}
OFF_WORDS = {"off", "no", "leave", "stop"}
POST_ITEMS = 5


async def team_command(turn: Turn, arg: str) -> list[Outbound]:
    """`/team on`, `/team off`, or `/team` (what the member shares now)."""
    workspace = turn.inbound.address.workspace
    if turn.inbound.address.platform != "slack" or not workspace:
        return [say(texts.TEAM_SLACK_ONLY)]
    word = arg.strip().lower()
    if word in ON_WORDS or word in OFF_WORDS:
        on = word in ON_WORDS
        await turn.uow.team.set_sharing(turn.person.id, workspace, on, turn.now)
        return [say(texts.TEAM_ON if on else texts.TEAM_OFF)]
    sharing = await turn.uow.team.sharing(turn.person.id)
    on = sharing is not None and sharing.sharing
    return [say(texts.TEAM_STATUS_ON if on else texts.TEAM_STATUS_OFF)]


def pillar_of(skill: Any) -> str:
    """An ESCO skill's pillar: language, digital, transversal, or field (the rest)."""
    groups = tuple(skill.groups) or (skill.group,)
    if any(g.startswith("L") for g in groups):
        return "language"
    if any(g in {"S5", "K06"} for g in groups):
        return "digital"
    if skill.reuse_level == "transversal" or any(g.startswith("T") for g in groups):
        return "transversal"
    return "field"


def name_counts(
    workspace: str, counts: TeamCounts | None, participation: Participation | None
) -> TeamView:
    """Counts named from the shipped ESCO taxonomy; URIs it does not know are left out."""
    if counts is None:
        return TeamView(workspace, participation=participation)
    from extractors.esco import load_taxonomy

    taxonomy = load_taxonomy()
    skills = []
    for count in counts.skills:
        skill = taxonomy.get(count.uri)
        if skill is not None:
            skills.append(TeamSkill(skill.label, pillar_of(skill), count.members, count.grew))
    return TeamView(
        workspace,
        members=counts.members,
        skills=tuple(skills),
        iso_week=counts.iso_week,
        built_at=counts.built_at,
        participation=participation,
        shown=True,
    )


async def team_view(services: Services, workspace: str) -> TeamView:
    """What a workspace may see now (a new publication is stored when the rules allow)."""
    now = services.clock.now()
    async with services.uow() as uow:
        counts = await uow.team.map(workspace, now)
        participation = await uow.team.participation(workspace, now)
        await uow.commit()
    return name_counts(workspace, counts, participation)


def post_text(view: TeamView) -> str:
    """The weekly team post's words: what grew and what is most shared, no names."""
    lines = [texts.TEAM_POST_INTRO.format(members=view.members)]
    grew = view.grew()[:POST_ITEMS]
    if grew:
        lines.append(
            texts.TEAM_POST_GREW.format(items=", ".join(f"{s.label} (+{s.grew})" for s in grew))
        )
    top = view.skills[:POST_ITEMS]
    if top:
        lines.append(
            texts.TEAM_POST_TOP.format(items=", ".join(f"{s.label} ({s.members})" for s in top))
        )
    if view.participation is not None:
        lines.append(texts.TEAM_POST_ANSWERED.format(percent=view.participation.percent))
    lines.append(texts.TEAM_POST_JOIN)
    return "\n".join(lines)
