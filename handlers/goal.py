"""/goal: a job the person names, matched to ESCO, with the essential skills they already show."""

from __future__ import annotations

from handlers import texts
from handlers.context import Turn, say
from passport.goal import goal_gap, render_goal
from passport.messages import Outbound


async def goal(turn: Turn, text: str) -> list[Outbound]:
    """Match the words to an ESCO occupation and show have / grow next."""
    from insight.occupations import match_occupation

    occupation = match_occupation(text[:200])
    if occupation is None:
        await turn.save_state(awaiting="goal")
        return [say(texts.GOAL_UNKNOWN.format(text=text[:60]))]
    evidence = await turn.uow.insight.evidence_uris(turn.person.id)
    view = goal_gap(occupation, occupation.essential, evidence)
    await turn.save_state(goal={"uri": occupation.uri, "label": occupation.label})
    return [say(render_goal(view))]
