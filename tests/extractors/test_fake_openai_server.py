"""The reusable fake OpenAI server itself: queue order, per-path replies, default, records."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from tests.fakes.openai_server import (
    FakeOpenAIServer,
    chat_reply,
    error_reply,
    transcription_reply,
)


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_queue_paths_default_and_records() -> None:
    with FakeOpenAIServer(default=chat_reply("default")) as server:
        base = server.base_url
        assert base.startswith("http://127.0.0.1:") and base.endswith("/v1")
        server.push(transcription_reply("hello"), path="/v1/audio/transcriptions")
        server.push(error_reply(429), chat_reply({"ok": True}))
        assert server.pending() == 3
        assert _post(base + "/chat/completions", {"n": 1})[0] == 429
        status, body = _post(base + "/chat/completions", {"n": 2})
        assert status == 200 and json.loads(body["choices"][0]["message"]["content"]) == {
            "ok": True
        }
        assert _post(base + "/audio/transcriptions", {})[1] == {"text": "hello"}
        status, body = _post(base + "/chat/completions", {"n": 3})
        assert body["choices"][0]["message"]["content"] == "default"
        assert server.pending() == 0
        assert [r.json.get("n") for r in server.requests] == [1, 2, None, 3]
        assert server.requests[0].path == "/v1/chat/completions"


def test_no_script_and_no_default_is_a_500() -> None:
    with FakeOpenAIServer() as server:
        status, body = _post(server.base_url + "/chat/completions", {})
        assert status == 500 and "no scripted reply" in body["error"]["message"]
