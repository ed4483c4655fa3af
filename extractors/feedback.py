"""What people answered, applied to an extractor's output: the one place feedback changes it.

Two rules, both on the list of skills an extractor returned (`ExtractionResult.skills`):

1. **A person's "not me" holds for a similar action.** A skill they rejected is dropped when
   the new evidence reads as a similar action: the same normalised verb ("gave a talk" and
   "presented" are both *present*) or the same thing acted on (the object's head noun). It may
   come back for a clearly different action: every action read from the new quote has another
   verb and another object than every quote they rejected it for. When either quote cannot be
   read as the writer's own action, the "not me" holds (when unsure, respect the no).

2. **Skills people keep rejecting sink, for everyone.** From the global counts (never text,
   never who) a Beta-smoothed keep rate, `(kept + 2) / (kept + rejected + 4)`, is read once a
   skill has at least `MIN_ANSWERS` answers, so that one person cannot sink a skill for
   everyone. A rate below one half scales the skill's confidence down in proportion (it is
   shown later, after better skills); a rate below `SILENT_RATE` means it is not noticed at all.
   Skills kept at least half of the time are left as the extractor scored them.

The counts and the quotes are passed in: extractors never read storage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from extractors.actions import read_actions
from passport.feedback import SkillTally
from passport.signals import ExtractionResult, SkillHit

MIN_ANSWERS = 10  # answers (kept + rejected) before the counts speak for a skill
PRIOR_KEPT = 2.0  # Beta(2, 2): four imagined answers at an even keep rate
PRIOR_REJECTED = 2.0
NEUTRAL_RATE = 0.5  # at or above this smoothed keep rate a skill is left alone
SILENT_RATE = 0.2  # below this a skill is not noticed


@dataclass(frozen=True, slots=True)
class ActionKey:
    """An action reduced to what "similar" compares: its verb lemma and its object's head."""

    verb: str
    head: str  # the object's last content lemma ("football team" -> "team"), or ""


@dataclass(frozen=True, slots=True)
class Adjusted:
    """The extractor's output after feedback, and the rejected skills it lets back in."""

    result: ExtractionResult
    reconsidered: frozenset[str]  # skills the person rejected, now for a clearly different action


def action_keys(quote: str) -> frozenset[ActionKey]:
    """The writer's own actions in a quote, as (verb, object head) pairs."""
    return frozenset(
        ActionKey(a.verb, a.obj_lemmas[-1] if a.obj_lemmas else "")
        for a in read_actions(quote)
        if a.own and a.verb
    )


def similar_action(quote: str, rejected_quotes: Iterable[str]) -> bool:
    """True when `quote` is a similar action to any of the rejected quotes (see rule 1)."""
    new = action_keys(quote)
    if not new:
        return True
    for rejected in rejected_quotes:
        old = action_keys(rejected)
        if not old:
            return True
        for a in new:
            for b in old:
                if a.verb == b.verb or (a.head and a.head == b.head):
                    return True
    return False


def keep_rate(tally: SkillTally | None) -> float | None:
    """The Beta-smoothed keep rate of a skill, or None before `MIN_ANSWERS` answers."""
    if tally is None or tally.answers < MIN_ANSWERS:
        return None
    return (tally.kept + PRIOR_KEPT) / (tally.answers + PRIOR_KEPT + PRIOR_REJECTED)


def prior_weight(tally: SkillTally | None) -> float:
    """What the counts do to a skill's confidence: 1 (left alone) down to 0 (not noticed)."""
    rate = keep_rate(tally)
    if rate is None or rate >= NEUTRAL_RATE:
        return 1.0
    if rate < SILENT_RATE:
        return 0.0
    return rate / NEUTRAL_RATE


def apply_feedback(
    result: ExtractionResult,
    tallies: Mapping[str, SkillTally],
    rejected: Mapping[str, Sequence[str]],
) -> Adjusted:
    """Drop skills the person rejected for a similar action and sink skills people reject.

    `tallies` are the global counts by skill URI; `rejected` the person's own quotes for the
    skills they said "not me" to, by URI. Untouched skills keep the extractor's order.
    """
    skills: list[SkillHit] = []
    reconsidered: set[str] = set()
    sank = False
    for hit in result.skills:
        quotes = rejected.get(hit.uri)
        if quotes:
            if similar_action(hit.evidence, quotes):
                continue
            reconsidered.add(hit.uri)
        weight = prior_weight(tallies.get(hit.uri))
        if weight <= 0.0:
            continue
        if weight < 1.0:
            hit = replace(hit, confidence=round(hit.confidence * weight, 3))
            sank = True
        skills.append(hit)
    if sank:  # a sunk skill moves behind better ones (stable: others keep their order)
        skills.sort(key=lambda s: -s.confidence)
    return Adjusted(replace(result, skills=tuple(skills)), frozenset(reconsidered))
