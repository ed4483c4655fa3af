"""Extraction output as signal rows: shared by the extract job and the file evidence job.

(Its own module so that `handlers.evidence` and `handlers.jobs` do not import each other.)
"""

from __future__ import annotations

from typing import Any

from passport.signals import ExtractionResult

MAX_EXTRACT_CHARS = 8_000


def result_to_rows(result: ExtractionResult, source: str = "reflection") -> list[dict[str, Any]]:
    """Extraction output as signal columns."""
    rows = [
        dict(
            kind="skill",
            label=s.label,
            esco_uri=s.uri,
            group_code=s.group,
            evidence=s.evidence,
            confidence=s.confidence,
            source=source,
        )
        for s in result.skills
    ]
    for kind, items in (
        ("strength", result.strengths),
        ("interest", result.interests),
        ("growth", result.growth),
    ):
        rows += [
            dict(
                kind=kind,
                label=p.label,
                evidence=p.evidence,
                confidence=p.confidence,
                source=source,
            )
            for p in items
        ]
    return rows
