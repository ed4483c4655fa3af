"""Plain-word strengths, interests and growth moments from a small curated list of cues.

Conservative on purpose: a cue must start the phrase ("I enjoy ...", "I learned ..."), negated
cues are skipped, and the evidence is always the verbatim clause the cue sits in.
"""

from __future__ import annotations

import re

from extractors.text import Clause
from passport.signals import PlainSignal

_I = r"(?:i|i'm|i am|i've|i have|i was|i've been|i feel|i felt|i)"
_NEG = re.compile(r"\b(?:not|never|n't|no longer|hardly)\b", re.IGNORECASE)
_OBJECT = r"(?P<obj>[^.,;!?]{3,80})"

# (kind, compiled pattern, label prefix). The label is the prefix plus the captured object.
_CUES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE), prefix)
    for kind, pattern, prefix in (
        ("strength", rf"\b(?:i'm|i am) (?:really |quite |pretty )?good at {_OBJECT}", "good at "),
        (
            "strength",
            rf"\b(?:i'm|i am) (?:really |quite )?(?:great|strong|skilled) at {_OBJECT}",
            "good at ",
        ),
        ("strength", rf"\bmy (?:biggest |main |greatest )?strength is {_OBJECT}", ""),
        (
            "strength",
            rf"\b(?:people|they|everyone|my (?:manager|boss|team|teacher|mentor)) "
            rf"(?:say|said|told me|tell me|thinks?|thought) (?:that )?(?:i'm|i am|i was) "
            rf"(?:really |very )?(?:good at )?{_OBJECT}",
            "",
        ),
        ("strength", rf"\b(?:i'm|i am) (?:proud of|proud that) {_OBJECT}", "proud of "),
        ("strength", rf"\b(?:i )?(?:managed to|succeeded in|pulled off) {_OBJECT}", "managed to "),
        (
            "interest",
            rf"\b{_I} (?:really )?(?:love|enjoy|enjoyed|loved|like) "
            rf"(?P<obj2>(?:to |doing |working |learning |building )?[^.,;!?]{{3,80}})",
            "",
        ),
        (
            "interest",
            rf"\b(?:i'm|i am|i've been|i got|i'm getting|i have been) (?:really |very |so )?"
            rf"(?:interested in|curious about|fascinated by|passionate about|into|hooked on) "
            rf"{_OBJECT}",
            "",
        ),
        (
            "interest",
            rf"\bi(?:'d| would) (?:really )?(?:like|love) to (?:learn|explore|try|study) "
            rf"{_OBJECT}",
            "",
        ),
        ("interest", rf"\bi want to (?:learn|explore|get into|study|try) {_OBJECT}", ""),
        (
            "growth",
            rf"\b{_I} (?:learned|learnt|realised|realized|discovered|figured out) "
            rf"{_OBJECT}",
            "learned ",
        ),
        (
            "growth",
            rf"\b(?:i )?(?:got|am getting|'m getting|became) (?:a lot |much )?better at "
            rf"{_OBJECT}",
            "got better at ",
        ),
        (
            "growth",
            rf"\b(?:i )?(?:struggled with|had a hard time with|failed|messed up|"
            rf"made a mistake (?:with|in|on)?) {_OBJECT}",
            "setback: ",
        ),
        (
            "growth",
            rf"\bnext time,? i(?:'ll| will| would| should| want to)? {_OBJECT}",
            "next time: ",
        ),
        (
            "growth",
            rf"\b(?:i )?(?:stepped out of my comfort zone|pushed myself) {_OBJECT}?",
            "stretched myself",
        ),
    )
)
MAX_LABEL = 80


def _label(prefix: str, obj: str | None) -> str:
    obj = " ".join((obj or "").split()).strip(" '\"")
    label = (prefix + obj).strip() if obj else prefix.strip(": ")
    return label[:MAX_LABEL].rstrip()


def plain_signals(clauses: list[Clause]) -> dict[str, list[PlainSignal]]:
    """Strengths, interests and growth moments found in `clauses`, one per clause and kind."""
    found: dict[str, list[PlainSignal]] = {"strength": [], "interest": [], "growth": []}
    for clause in clauses:
        seen: set[str] = set()
        for kind, pattern, prefix in _CUES:
            if kind in seen:
                continue
            match = pattern.search(clause.text)
            if not match:
                continue
            if _NEG.search(clause.text[max(0, match.start() - 12) : match.start() + 25]):
                continue
            obj = match.groupdict().get("obj") or match.groupdict().get("obj2")
            label = _label(prefix, obj)
            if len(label) < 3:
                continue
            found[kind].append(PlainSignal(label=label, evidence=clause.text, confidence=0.6))
            seen.add(kind)
    return found
