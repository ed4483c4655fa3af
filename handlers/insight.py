"""Insight in the chat: the digest ("what are my strengths?"), a new question, and /goal."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

from handlers import texts
from handlers.context import Services, Turn, say
from handlers.reply import Maker
from handlers.reply import later as later_part
from passport.digest import has_news, personal_next_step, render_digest
from passport.goal import GoalView, goal_gap
from passport.jobs import Digest
from passport.messages import Attachment, Choice, Outbound
from passport.model import Person
from passport.profile import Profile
from passport.prompts import choose_prompt, evidence_by_category, get_prompt
from passport.timeutil import iso_week, zone

STRENGTHS_INTENT = re.compile(
    r"\b(what\s+(are|r)\s+my\s+(strengths|skills|talents|strong\s+points)|"
    r"what\s+am\s+i\s+(good|great|best)\s+at|what\s+(are\s+)?my\s+superpowers?|"
    r"(show|see|view)\s+(me\s+)?my\s+(passport|strengths|skills|progress|digest)|"
    r"my\s+strengths|my\s+skills\??$|^strengths\??$|how\s+am\s+i\s+doing|my\s+progress|"
    r"what\s+have\s+i\s+(learned|grown))\b",
    re.IGNORECASE,
)
ANOTHER_INTENT = re.compile(
    r"^(a\s+)?(different|another|other|new)\s+(one|question|prompt)\b|^skip\s+this\s+question",
    re.IGNORECASE,
)


def wants_digest(text: str) -> bool:
    """True for "what are my strengths?" and its many phrasings."""
    return len(text) <= 120 and bool(STRENGTHS_INTENT.search(text))


def wants_another(text: str) -> bool:
    """True for "different one" / "another question"."""
    return len(text) <= 60 and bool(ANOTHER_INTENT.search(text.strip()))


async def digest_messages(
    services: Services,
    uow,
    person: Person,
    now: datetime,
    *,
    scheduled: bool = False,
    narrate: bool = True,
    later: dict[str, Maker] | None = None,
) -> list[Outbound] | None:
    """The digest text (and chart); None when `scheduled` and nothing is new since last time.

    With `later`, the chart is a placeholder whose maker is left there, drawn after the commit;
    without it, the chart is drawn here. Moving "since last time" on is the caller's write.
    """
    profile = await uow.insight.profile(person.id, now=now, since=person.last_digest_at)
    return await digest_from_profile(
        services,
        person,
        profile,
        now,
        scheduled=scheduled,
        narrate=narrate,
        later=later,
        step=await digest_step(uow, person, now),
    )


async def digest_step(uow, person: Person, now: datetime):
    """The personal next step the digest ends with (reads only)."""
    return personal_next_step(
        await _goal_view(uow, person),
        evidence_by_category(await uow.nudge_history.prompt_evidence(person.id)),
        now,
    )


async def digest_from_profile(
    services: Services,
    person: Person,
    profile: Profile,
    now: datetime,
    *,
    scheduled: bool = False,
    narrate: bool = True,
    later: dict[str, Maker] | None = None,
    step=None,
) -> list[Outbound] | None:
    """`digest_messages` from a profile (and next step) already read: no database, so call it
    outside any transaction."""
    if scheduled and not has_news(profile):
        return None
    narrative = None
    if narrate and services.narrator is not None and profile.all_signals:
        narrative = await services.narrator(profile)
    text = render_digest(
        profile, now=now, narrative=narrative, tz=zone(person.schedule.timezone), step=step
    )
    out = [Outbound(text=text)]
    if profile.all_signals:
        if later is not None:
            key = f"chart:{person.id}:{now.isoformat()}"
            later[key] = lambda: chart_part(profile, now)
            out.append(later_part(key))
        else:
            chart = await chart_part(profile, now)
            if chart is not None:
                out.append(chart)
    return out


async def _goal_view(uow, person: Person) -> GoalView | None:
    """How far the person is from the job they named with /goal, if they named one."""
    uri = (person.state.get("goal") or {}).get("uri")
    if not uri:
        return None
    from insight.occupations import occupation_by_uri

    occupation = occupation_by_uri(uri)
    if occupation is None:
        return None
    return goal_gap(occupation, occupation.essential, await uow.insight.evidence_uris(person.id))


async def chart_part(profile: Profile, now: datetime) -> Outbound | None:
    """The skills chart as a reply part (drawn in a thread: matplotlib is CPU work)."""
    from insight.chart import render_chart

    chart = await asyncio.to_thread(render_chart, profile, now=now)
    if not chart:
        return None
    return Outbound(attachment=Attachment("utp-skills.png", chart, "image/png", kind="image"))


async def chart_from_key(services: Services, key: str) -> Outbound | None:
    """Draw a chart placeholder again from its key (`chart:<person>:<time>`) after a crash."""
    _, person_id, at = key.split(":", 2)
    now = datetime.fromisoformat(at)
    async with services.uow() as uow:
        profile = await uow.insight.profile(int(person_id), now=now, since=None)
    return await chart_part(profile, now)


async def digest(turn: Turn) -> list[Outbound]:
    """The passport at a glance; with an LLM the warm narrative is written in a job."""
    if turn.services.narrator is not None:
        await turn.uow.jobs.enqueue(Digest(turn.person.id), turn.now)
        return [say(texts.DIGEST_COMING)]
    out = await digest_messages(turn.services, turn.uow, turn.person, turn.now, later=turn.makers)
    await turn.uow.people.update_person(turn.person.id, last_digest_at=turn.now)
    return out or []


async def another_prompt(turn: Turn) -> list[Outbound]:
    """A different question than the current one."""
    current = (turn.person.state.get("prompt") or {}).get("id")
    recent = await turn.uow.nudge_history.recent_prompt_ids(turn.person.id)
    evidence = await turn.uow.nudge_history.prompt_evidence(turn.person.id)
    prompt = choose_prompt(
        recent,
        evidence_by_category(evidence),
        seed=f"{turn.person.id}:{turn.now.isoformat()}",
        exclude=[current] if current else [],
    )
    week = (turn.person.state.get("prompt") or {}).get("week") or iso_week(
        turn.now, turn.person.schedule.timezone
    )
    # The new question is the open one now: a reply no longer joins an earlier note.
    await turn.save_state(prompt={"id": prompt.id, "week": week}, followup=None)
    return [
        say(
            texts.ANOTHER_PROMPT.format(prompt=prompt.text),
            Choice(texts.ANOTHER_BUTTON, "another"),
        )
    ]


def current_prompt_text(turn: Turn) -> str | None:
    """The question the person is currently answering, if any."""
    prompt = get_prompt((turn.person.state.get("prompt") or {}).get("id"))
    return prompt.text if prompt else None
