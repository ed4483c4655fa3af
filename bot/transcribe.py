"""Voice notes to text through an OpenAI-compatible `audio/transcriptions` endpoint."""

from __future__ import annotations

from typing import Any

from passport.errors import TransientDeliveryError


class OpenAITranscriber:
    """Transcribes audio with the configured OpenAI client."""

    def __init__(self, client: Any, model: str) -> None:
        self.client = client
        self.model = model

    async def transcribe(self, audio: bytes, filename: str) -> str:
        """The spoken words; a failing API makes the job retry later."""
        import openai

        try:
            result = await self.client.audio.transcriptions.create(
                model=self.model, file=(filename, audio)
            )
        except openai.APIError as exc:
            raise TransientDeliveryError(f"transcription failed: {type(exc).__name__}") from exc
        return getattr(result, "text", "") or ""
