"""The LLM extractor: activity-first ESCO candidates, then one structured-output call.

The candidates are the offline mirror's (`OfflineExtractor.activity_candidates`: skills for
the writer's own actions, not all of ESCO); the model picks among them and quotes verbatim.

Works with OpenAI or any OpenAI-compatible server (`base_url`). The person's text goes alone in
its own user message; the model may only pick from the candidates it was shown, and every quote
is checked against the text (`extractors.llm_schema`). Timeouts and retries are explicit (the
`openai` client retries 429, 5xx and timeouts with backoff); on any failure the offline
extractor answers instead and the result says so.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import openai
from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from extractors.esco import EscoSkill
from extractors.llm_schema import (
    SYSTEM_PROMPT,
    LLMOutput,
    candidates_message,
    response_format,
    validate_output,
)
from extractors.offline import NOTE_TRUNCATED, OfflineExtractor
from extractors.text import MAX_TEXT_CHARS, words
from passport.errors import ExtractionError
from passport.signals import ExtractionResult, RankedSkill

logger = logging.getLogger(__name__)

CANDIDATES = 25
MAX_COMPLETION_TOKENS = 500


class LLMFailure(ExtractionError):
    """The model's answer could not be used (refusal, cut off, not valid JSON)."""


class OpenAIExtractor:
    """Extracts with an OpenAI-compatible chat model (implements `passport.signals.Extractor`)."""

    name = "llm"

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None,
        model: str,
        offline: OfflineExtractor,
        timeout: float = 20.0,
        max_retries: int = 2,
        candidates: int = CANDIDATES,
    ) -> None:
        self.model = model
        self.offline = offline
        self.candidates = candidates
        self._settings: dict[str, Any] = {
            "api_key": api_key,
            "base_url": base_url,
            "timeout": timeout,
            "max_retries": max_retries,
        }
        self._client: openai.AsyncOpenAI | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None

    def _client_here(self) -> openai.AsyncOpenAI:
        """The HTTP client for the running event loop (its connection pool belongs to one loop)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            self._client = openai.AsyncOpenAI(**self._settings)
            self._client_loop = loop
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def extract(self, text: str, *, rank: int = 0) -> ExtractionResult:
        """Extract with the model; on failure, the offline result marked as a fallback."""
        notes: list[str] = []
        if len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS]
            notes.append(NOTE_TRUNCATED)
        ranking = await self._ranking(text, rank)
        if not words(text):  # an emoji, digits or nothing: no call needed
            return ExtractionResult(
                extractor=self.name, notes=tuple(notes), ranking=ranking, tokens={}
            )
        candidates = await asyncio.to_thread(
            self.offline.activity_candidates, text, self.candidates
        )
        tokens: dict[str, int] = {}
        try:
            output = await self._call(text, candidates, tokens)
        except (openai.OpenAIError, LLMFailure) as exc:
            reason = _reason(exc)
            logger.warning("LLM extraction failed (%s); using the offline extractor", reason)
            fallback = await self.offline.extract(text, rank=rank)
            return ExtractionResult(
                skills=fallback.skills,
                strengths=fallback.strengths,
                interests=fallback.interests,
                growth=fallback.growth,
                extractor=f"offline (llm failed: {reason})",
                tokens=tokens,
                notes=(*notes, *fallback.notes, f"LLM failed ({reason}); offline result"),
                ranking=fallback.ranking,
            )
        skills, plain, dropped = validate_output(
            output, text, candidates, self.offline.index.taxonomy
        )
        if dropped:
            logger.info("dropped %d ungrounded item(s) from the model's answer", dropped)
            notes.append(f"dropped {dropped} item(s) not grounded in the text or the candidates")
        return ExtractionResult(
            skills=tuple(skills),
            strengths=tuple(plain["strength"]),
            interests=tuple(plain["interest"]),
            growth=tuple(plain["growth"]),
            extractor=self.name,
            tokens=tokens,
            notes=tuple(notes),
            ranking=ranking,
        )

    async def _ranking(self, text: str, rank: int) -> tuple[RankedSkill, ...] | None:
        if rank <= 0:
            return None
        ranked = await asyncio.to_thread(self.offline.index.rank, text, rank)
        return tuple(RankedSkill(s.uri, s.label, round(score, 4)) for s, score in ranked)

    async def _call(
        self, text: str, candidates: list[EscoSkill], tokens: dict[str, int]
    ) -> LLMOutput:
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "system", "content": candidates_message(candidates)},
            {"role": "user", "content": text},
        ]
        client = self._client_here()
        response = await client.chat.completions.create(  # type: ignore[call-overload]
            model=self.model,
            messages=messages,
            response_format=response_format(),
            temperature=0,
            max_completion_tokens=MAX_COMPLETION_TOKENS,
        )
        if not isinstance(response, ChatCompletion):  # e.g. an HTML page from a proxy
            raise LLMFailure("the server did not answer like a chat completion")
        if response.usage is not None:
            tokens.update(
                prompt=response.usage.prompt_tokens,
                completion=response.usage.completion_tokens,
                total=response.usage.total_tokens,
            )
            logger.info(
                "LLM extraction: model %s, %d prompt + %d completion tokens",
                self.model,
                response.usage.prompt_tokens,
                response.usage.completion_tokens,
            )
        if not response.choices:
            raise LLMFailure("no choices in the answer")
        choice = response.choices[0]
        if getattr(choice.message, "refusal", None):
            raise LLMFailure("the model refused")
        if choice.finish_reason == "length":
            raise LLMFailure("the answer was cut off (length)")
        content = choice.message.content
        if not content:
            raise LLMFailure("empty answer")
        try:
            return LLMOutput.model_validate_json(content)
        except ValidationError as exc:
            raise LLMFailure("the answer was not valid JSON for the schema") from exc


def _reason(exc: Exception) -> str:
    """A short, log-safe reason (no message bodies, no keys)."""
    if isinstance(exc, LLMFailure):
        return str(exc)
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}"
    if isinstance(exc, openai.APIConnectionError):
        return "connection error"
    return type(exc).__name__
