"""The digest: one phone screen of plain text about what a person's passport shows.

Strongest signals named in plain words with the ESCO label beside them, each marked as kept,
verified or only suggested, with one short quote and date (a quote is never shown twice); what is
new since the last digest, what is growing, how many weeks they reflected this term, and one next
step tied to this person (a gap toward their /goal, or a kind of question they have not answered
yet). Plain text (channels escape it), never Markdown, never more than `MAX_CHARS`. Words are
short and kind: no lost streaks.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo

from passport.goal import GoalView
from passport.plainwords import plain_name
from passport.profile import Profile, SignalAggregate, strength_score
from passport.signals import SignalKind, SignalStatus

MAX_CHARS = 900
QUOTE_CHARS = 70
MAX_STRONG = 3
MAX_LISTED = 3

HEADER = "Your passport so far"
EMPTY_TEXT = (
    "Your passport is just starting, and that is fine.\n\n"
    "Next step: answer this week's question. Two or three lines is plenty. "
    "I will keep the good parts for you."
)
NEXT_STEPS = {
    "review": "Next step: look at your suggested skills and keep the ones that feel true.",
    "strength": "Next step: this week, notice one more time you used {label}.",
    "goal": "Next step: try /goal and name a job you like. I will show how your skills fit.",
    "hard": "Next step: write about one hard thing this week, and how you got through it.",
    "back": "Next step: write a few lines this week. Small notes count too.",
}
GOAL_STEP = (
    "Next step: you want to be a {job}. A key skill to grow is {skill}. "
    "Try it this week, then tell me how it went."
)
SUGGESTED_HINT = "Suggested means I spotted it and you have not kept it yet."
# A kind of question the person has not answered yet: what to try, in their words.
CATEGORY_STEPS = {
    "helping": "Next step: tell me about a time you helped someone. It shows skills too.",
    "setbacks": "Next step: write about one thing that went wrong, and what you did next.",
    "projects": "Next step: tell me about something you made or fixed, big or small.",
    "learning": "Next step: write about one new thing you learned, and how.",
    "proud": "Next step: name one small thing you are proud of this week.",
    "work": "Next step: tell me about a task at work or school you did well.",
    "passions": "Next step: tell me what you lose track of time doing.",
    "growth": "Next step: write about one thing you can do now that you could not before.",
    "curiosity": "Next step: tell me about something new you tried lately.",
}


def digest_is_empty(profile: Profile) -> bool:
    """True when there is nothing to show yet: no signals at all."""
    return not profile.all_signals


def has_news(profile: Profile) -> bool:
    """True when something changed since the last digest (the scheduled digest skips otherwise)."""
    if profile.since_last_digest is None:
        return not digest_is_empty(profile)
    return bool(profile.new) or any(s.new_count > 0 for s in profile.all_signals)


def short_quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """The person's words, cut at a word boundary with an ellipsis when too long."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    cut = words[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.-")
    return cut + "…"


def _day(at: datetime, now: datetime, tz: tzinfo | None) -> str:
    if tz is not None:
        at, now = at.astimezone(tz), now.astimezone(tz)
    text = f"{at.day} {at.strftime('%b')}"
    return text if at.year == now.year else f"{text} {at.year}"


def _nice(label: str) -> str:
    return label[:1].upper() + label[1:]


def display_name(agg: SignalAggregate) -> str:
    """A plain name first, the ESCO label beside it: "Teamwork (ESCO: work in teams)"."""
    if agg.kind is not SignalKind.SKILL or not agg.esco_uri:
        return _nice(agg.label)
    plain = plain_name(agg.label, agg.group)
    if not plain or plain.lower() == agg.label.lower():
        return _nice(agg.label)
    return f"{plain} (ESCO: {agg.label})"


def _strong_line(
    agg: SignalAggregate, now: datetime, tz: tzinfo | None, quote: bool, shown: set[str]
) -> str:
    notes: list[str] = []
    if agg.verification == "verified":
        notes.append("verified")
    elif agg.status is SignalStatus.CONFIRMED:
        notes.append("you kept it")
    else:
        notes.append("suggested")
    if agg.evidence_count > 1:
        notes.append(f"seen {agg.evidence_count} times")
    head = f"- {display_name(agg)}: {', '.join(notes)}."
    said = short_quote(agg.latest_evidence) if agg.latest_evidence else ""
    key = " ".join(said.lower().split())
    if not quote or not said or key in shown:
        return head
    shown.add(key)  # the same words under two skills read as a mistake: each quote once
    return f'{head}\n  "{said}" ({_day(agg.latest_evidence_at, now, tz)})'


def strongest(profile: Profile, n: int = MAX_STRONG) -> tuple[SignalAggregate, ...]:
    """The strongest skills and strengths, mixed, best first."""
    pool = profile.skills + profile.strengths
    return tuple(sorted(pool, key=lambda a: (-strength_score(a), a.key))[:n])


def next_step(profile: Profile, now: datetime) -> str:
    """One suggested next step, picked from what the profile shows (varies week to week)."""
    options: list[str] = []
    if profile.suggested_count >= 3 and profile.suggested_count > profile.confirmed_count:
        options.append(NEXT_STEPS["review"])
    thin = [s for s in profile.strengths if s.evidence_count == 1]
    if thin:
        options.append(NEXT_STEPS["strength"].format(label=thin[0].label))
    if profile.skills:
        options.append(NEXT_STEPS["goal"])
    if profile.term_weeks_reflected < profile.term_length // 2:
        options.append(NEXT_STEPS["back"])
    if not profile.growth:
        options.append(NEXT_STEPS["hard"])
    if not options:
        options.append(NEXT_STEPS["hard"])
    return options[now.isocalendar()[1] % len(options)]


def personal_next_step(
    goal: GoalView | None,
    evidence_by_category: Mapping[str, int] | None,
    now: datetime,
) -> str | None:
    """A next step tied to this person: the first skill to grow toward their /goal, else a kind
    of question they have not answered yet (no evidence in that category); None otherwise."""
    if goal is not None and goal.grow:
        return GOAL_STEP.format(job=goal.occupation, skill=goal.grow[0].label)
    if evidence_by_category:
        gaps = [c for c in CATEGORY_STEPS if evidence_by_category.get(c, 0) == 0]
        if gaps:
            return CATEGORY_STEPS[gaps[now.isocalendar()[1] % len(gaps)]]
    return None


def _labels(aggs: tuple[SignalAggregate, ...], n: int) -> str:
    names = [a.label for a in aggs[:n]]
    more = len(aggs) - len(names)
    text = ", ".join(names)
    return f"{text} and {more} more" if more > 0 else text


def _weeks_line(profile: Profile, now: datetime) -> str:
    got, of = profile.term_weeks_reflected, profile.term_length
    first = profile.weeks.first_entry_at
    if first is not None:
        # A newcomer is counted from their first week, never against weeks before they came.
        of = max(1, min(of, (now - first).days // 7 + 1))
    if got == 0:
        return "Welcome back. Every week you write is a step."
    if of == 1:
        return "This is your first week of reflection. Welcome!"
    cheer = " Great rhythm!" if got * 4 >= of * 3 else ""
    return f"You reflected in {got} of the last {of} weeks.{cheer}"


def _compose(
    profile: Profile,
    now: datetime,
    tz: tzinfo | None,
    narrative: str | None,
    n_strong: int,
    n_listed: int,
    quotes: bool,
    step: str | None = None,
) -> str:
    parts: list[str] = [HEADER]
    if narrative:
        parts.append(narrative.strip())
    top = strongest(profile, n_strong)
    if top:
        shown: set[str] = set()
        lines = [_strong_line(a, now, tz, quotes, shown) for a in top]
        if any(a.status is SignalStatus.SUGGESTED and a.verification != "verified" for a in top):
            lines.append(SUGGESTED_HINT)
        parts.append("What shows up most\n" + "\n".join(lines))
    news: list[str] = []
    if profile.new and n_listed:
        news.append(f"New since last time: {_labels(profile.new, n_listed)}.")
    if profile.growing and n_listed:
        news.append(f"Growing: {_labels(profile.growing, n_listed)}.")
    if profile.interests and n_listed:
        news.append(f"You care about: {_labels(profile.interests, min(2, n_listed))}.")
    news.append(_weeks_line(profile, now))
    parts.append("\n".join(news))
    parts.append(step or next_step(profile, now))
    return "\n\n".join(parts)


def render_digest(
    profile: Profile,
    *,
    now: datetime,
    narrative: str | None = None,
    tz: tzinfo | None = None,
    step: str | None = None,
) -> str:
    """The digest for `profile`: plain text, at most MAX_CHARS; `narrative` goes on top and
    `step` (see `personal_next_step`) replaces the generic next step."""
    if digest_is_empty(profile):
        return EMPTY_TEXT
    # Shrink step by step until it fits one phone screen: fewer names, fewer quotes, no narrative.
    attempts = [
        (narrative, MAX_STRONG, MAX_LISTED, True),
        (narrative, MAX_STRONG, 2, True),
        (narrative, 2, 2, True),
        (None, MAX_STRONG, MAX_LISTED, True),
        (None, 2, 2, True),
        (None, MAX_STRONG, 2, False),
        (None, 2, 0, False),
    ]
    text = ""
    for narr, n_strong, n_listed, quotes in attempts:
        text = _compose(profile, now, tz, narr, n_strong, n_listed, quotes, step)
        if len(text) <= MAX_CHARS:
            return text
    return short_quote(text, MAX_CHARS)
