"""A short warm narrative for the digest, written by an LLM from the structured profile only.

The model sees facts (labels, counts, short verbatim quotes), never the journal. What it writes
is checked before anyone reads it: every quoted string must appear verbatim in the person's
evidence, every skill it names must be in the profile, every number must be one of the facts,
and the text must be short and plain. Any failure returns None and the template is used.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from functools import lru_cache
from typing import Any

import openai

from insight.occupations import skill_labels
from passport.digest import short_quote, strongest
from passport.profile import Profile

logger = logging.getLogger(__name__)

MAX_NARRATIVE_CHARS = 360
MAX_NGRAM = 6

SYSTEM_PROMPT = (
    "You write a short, warm note to a person about their weekly reflection journal. "
    "Use ONLY the facts in the JSON you get. Do not add facts, skills, jobs, numbers or events. "
    "If you quote the person, copy a quote from the facts exactly, inside double quotes. "
    "Name only skills listed in the facts. Use plain words a 12-year-old knows and short "
    "sentences. Two or three sentences, at most 300 characters. No lists, no Markdown, no "
    "emoji, no questions, no advice. "
    'Answer as JSON: {"text": "...", "skills_mentioned": ["..."]}'
)

_QUOTE = re.compile(r"[\"“”]([^\"“”]{2,}?)[\"“”]")
_NUMBER = re.compile(r"\b\d+\b")
_WORDS = re.compile(r"[a-z0-9+#']+")


def profile_facts(profile: Profile) -> dict[str, Any]:
    """The structured facts the model may use (and nothing else)."""
    return {
        "strongest": [
            {
                "name": a.label,
                "kind": str(a.kind),
                "times_seen": a.evidence_count,
                "person_said_yes": str(a.status) == "confirmed",
                "verified": a.verification == "verified",
                "quote": short_quote(a.latest_evidence),
            }
            for a in strongest(profile)
        ],
        "new_since_last_time": [a.label for a in profile.new[:3]],
        "growing": [a.label for a in profile.growing[:3]],
        "interests": [a.label for a in profile.interests[:2]],
        "weeks_reflected_this_term": profile.term_weeks_reflected,
        "weeks_in_term": profile.term_length,
    }


def _norm(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower().replace("’", "'")))


@lru_cache(maxsize=1)
def _esco_labels() -> frozenset[str]:
    """ESCO skill labels that are safe to spot in prose: several words, or a proper name."""
    out = set()
    for label in skill_labels():
        if len(label.split()) > 1 or any(c.isupper() or c.isdigit() for c in label):
            out.add(_norm(label))
    return frozenset(out)


def _ngrams(text: str) -> set[str]:
    words = _norm(text).split()
    return {
        " ".join(words[i : i + n])
        for n in range(1, MAX_NGRAM + 1)
        for i in range(len(words) - n + 1)
    }


def validate_narrative(text: str, skills_mentioned: list[str], profile: Profile) -> str | None:
    """Why `text` cannot be shown (a short reason), or None when it passes every check."""
    if not text or len(text) > MAX_NARRATIVE_CHARS:
        return "length"
    if any(mark in text for mark in ("**", "`", "#", "\n\n", "http")):
        return "markup"
    evidence = [" ".join(e.split()) for e in profile.evidence_texts()]
    for quote in _QUOTE.findall(text):
        q = " ".join(quote.split()).rstrip("…").rstrip(".").strip()
        if q and not any(q in e for e in evidence):
            return "invented quote"
    known = {_norm(a.label) for a in profile.all_signals}
    if any(_norm(s) not in known for s in skills_mentioned):
        return "unknown skill listed"
    unknown = (_ngrams(_QUOTE.sub(" ", text)) & _esco_labels()) - known
    if unknown:
        return "unknown skill named"
    facts = profile_facts(profile)
    numbers = {str(n) for n in _numbers(facts)}
    if any(n not in numbers for n in _NUMBER.findall(_QUOTE.sub(" ", text))):
        return "invented number"
    return None


def _numbers(value: Any) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


def _parse(content: str) -> tuple[str, list[str]]:
    try:
        data = json.loads(content)
    except json.JSONDecodeError:
        return content.strip(), []
    if not isinstance(data, dict):
        raise ValueError("not an object")
    text = data.get("text")
    skills = data.get("skills_mentioned") or []
    if not isinstance(text, str) or not isinstance(skills, list):
        raise ValueError("wrong shape")
    return text.strip(), [str(s) for s in skills]


async def write_narrative(
    profile: Profile, *, client: openai.AsyncOpenAI, model: str, timeout: float
) -> str | None:
    """A validated two-or-three sentence narrative, or None (then the template is used)."""
    if not profile.all_signals:
        return None
    facts = json.dumps(profile_facts(profile), ensure_ascii=False)
    try:
        response = await asyncio.wait_for(
            client.chat.completions.create(
                model=model,
                messages=[
                    {"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": facts},
                ],
                response_format={"type": "json_object"},
                temperature=0.4,
                max_tokens=300,
                timeout=timeout,
            ),
            timeout=timeout + 1,
        )
        content = response.choices[0].message.content or ""
        text, skills = _parse(content)
    except (openai.OpenAIError, TimeoutError, ValueError, IndexError, AttributeError) as exc:
        logger.info("narrative unavailable: %s", type(exc).__name__)
        return None
    text = " ".join(text.split())
    reason = validate_narrative(text, skills, profile)
    if reason is not None:
        logger.info("narrative rejected: %s", reason)
        return None
    return text
