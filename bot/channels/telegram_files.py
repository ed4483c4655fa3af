"""Downloading what people send on Telegram: `getFile`, size checked first, streamed with a cap.

The file URL holds the bot token: it is never logged, and errors name no URL.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.channels.telegram_send import seconds
from handlers import texts
from passport.errors import FileRejected, TransientDeliveryError
from passport.messages import InboundFile

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024


def too_big(size: int, max_bytes: int) -> FileRejected:
    """The friendly refusal for a file over the cap."""
    shown = f"{size / 2**20:.0f}" if size >= 2**20 else f"{size / 2**20:.1f}"
    return FileRejected(texts.FILE_TOO_BIG.format(size=shown, limit=max_bytes // 2**20))


class TelegramFileFetcher:
    """`FileFetcher` for Telegram file ids (used by the durable `download` job)."""

    def __init__(self, bot: Any, timeout: float = 60.0) -> None:
        self.bot = bot
        self.timeout = timeout

    async def fetch(self, file: InboundFile, max_bytes: int) -> bytes:
        """The file's bytes; FileRejected over `max_bytes`, TransientDeliveryError to retry."""
        if file.declared_size is not None and file.declared_size > max_bytes:
            raise too_big(file.declared_size, max_bytes)
        try:
            info = await self.bot.get_file(file.ref)
        except RetryAfter as exc:
            raise TransientDeliveryError(
                "telegram rate limit", retry_after=seconds(exc.retry_after)
            ) from exc
        except BadRequest as exc:
            if "too big" in str(exc).lower():
                raise too_big(file.declared_size or max_bytes + 1, max_bytes) from exc
            raise FileRejected(texts.FILE_FAILED.format(name=file.name or "file")) from exc
        except NetworkError as exc:
            raise TransientDeliveryError("telegram unreachable", retry_after=30) from exc
        if info.file_size is not None and info.file_size > max_bytes:
            raise too_big(info.file_size, max_bytes)
        if not info.file_path:
            raise FileRejected(texts.FILE_FAILED.format(name=file.name or "file"))
        local = Path(info.file_path)
        if local.is_absolute() and local.is_file():
            return _read_capped(local, max_bytes)  # a self-hosted Bot API server in --local mode
        return await self._download(info.file_path, max_bytes)

    async def _download(self, url: str, max_bytes: int) -> bytes:
        received = bytearray()
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                async with client.stream("GET", url) as response:
                    if response.status_code >= 500 or response.status_code == 429:
                        raise TransientDeliveryError("telegram file server busy", retry_after=30)
                    if response.status_code != 200:
                        raise FileRejected(texts.FILE_FAILED.format(name="file"))
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > max_bytes:
                        raise too_big(int(declared), max_bytes)
                    async for chunk in response.aiter_bytes(CHUNK):
                        received += chunk
                        if len(received) > max_bytes:
                            raise too_big(len(received), max_bytes)
        except httpx.HTTPError as exc:
            # No URL in the message: it holds the token.
            raise TransientDeliveryError(
                f"file download failed ({type(exc).__name__})", retry_after=30
            ) from None
        return bytes(received)


def _read_capped(path: Path, max_bytes: int) -> bytes:
    with path.open("rb") as handle:
        content = handle.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise too_big(path.stat().st_size, max_bytes)
    return content
