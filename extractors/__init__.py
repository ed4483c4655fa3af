"""Talent-signal extraction: the ESCO taxonomy, the offline extractor and the LLM extractor.

from extractors import build_extractor
extractor = build_extractor(openai_api_key=None, openai_base_url=None, model=None,
                            cache_dir=None)
result = await extractor.extract("I led the stand-up and fixed the CI pipeline.")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from extractors.esco import EscoSkill, EscoTaxonomy, load_taxonomy
from extractors.factory import build_extractor, retrieve_candidates
from extractors.offline import OfflineExtractor

if TYPE_CHECKING:
    from extractors.llm import OpenAIExtractor

__all__ = [
    "EscoSkill",
    "EscoTaxonomy",
    "OfflineExtractor",
    "OpenAIExtractor",
    "build_extractor",
    "load_taxonomy",
    "retrieve_candidates",
]


def __getattr__(name: str) -> Any:
    # The LLM extractor imports `openai` (slow); load it only when asked for.
    if name == "OpenAIExtractor":
        from extractors.llm import OpenAIExtractor

        return OpenAIExtractor
    raise AttributeError(name)
