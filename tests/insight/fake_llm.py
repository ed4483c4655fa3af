"""A minimal OpenAI-compatible chat server on 127.0.0.1 for the insight tests.

(The shared `tests/fakes/openai_server.py` did not exist when these tests were written.)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web


class FakeChatServer:
    """Answers each /v1/chat/completions with the next queued reply (content, status, delay)."""

    def __init__(self) -> None:
        self.replies: list[tuple[str, int, float]] = []
        self.requests: list[dict[str, Any]] = []
        self.base_url = ""

    def reply(self, content: str | dict[str, Any], *, status: int = 200, delay: float = 0) -> None:
        """Queue one answer; dicts are sent as JSON text in the message content."""
        text = content if isinstance(content, str) else json.dumps(content)
        self.replies.append((text, status, delay))

    async def _chat(self, request: web.Request) -> web.Response:
        self.requests.append(await request.json())
        content, status, delay = self.replies.pop(0) if self.replies else ("", 500, 0.0)
        if delay:
            await asyncio.sleep(delay)
        if status != 200:
            return web.json_response(
                {"error": {"message": "boom", "type": "server"}}, status=status
            )
        return web.json_response(
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": 0,
                "model": "fake",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )


@asynccontextmanager
async def running_fake() -> AsyncIterator[FakeChatServer]:
    """Start the fake on a free loopback port; stop it afterwards."""
    fake = FakeChatServer()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", fake._chat)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fake.base_url = f"http://127.0.0.1:{port}/v1"
    try:
        yield fake
    finally:
        await runner.cleanup()
