"""A deterministic extractor for handler tests (the real ones are tested in tests/extractors)."""

from __future__ import annotations

import asyncio

from passport.errors import ExtractionError
from passport.signals import ExtractionResult, PlainSignal, SkillHit

RULES = {
    "photo": ("http://data.europa.eu/esco/skill/fake-photo", "take photographs", "S1"),
    "listing": ("http://data.europa.eu/esco/skill/fake-copy", "write copy", "S1"),
    "team": ("http://data.europa.eu/esco/skill/fake-team", "work in teams", "T4"),
    "python": (
        "http://data.europa.eu/esco/skill/fake-python",
        "Python (computer programming)",
        "K06",
    ),
}


class FakeExtractor:
    """Finds a skill for each keyword in RULES; can be told to fail or to be slow."""

    name = "fake"

    def __init__(self, *, fail: bool = False, delay: float = 0.0) -> None:
        self.fail = fail
        self.delay = delay
        self.calls: list[str] = []

    async def extract(self, text: str, *, rank: int = 0) -> ExtractionResult:
        """Keyword matching with verbatim evidence."""
        self.calls.append(text)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise ExtractionError("extractor is down")
        skills = []
        lowered = text.lower()
        for word, (uri, label, group) in RULES.items():
            at = lowered.find(word)
            if at >= 0:
                start = lowered.rfind(".", 0, at) + 1
                end = lowered.find(".", at)
                evidence = text[start : end if end >= 0 else len(text)].strip()
                skills.append(SkillHit(uri, label, group, evidence, 0.8))
        strengths = ()
        if "finally" in lowered:
            at = lowered.find("finally")
            strengths = (PlainSignal("persistence", text[at : at + 40].strip(), 0.6),)
        return ExtractionResult(skills=tuple(skills), strengths=strengths, extractor=self.name)
