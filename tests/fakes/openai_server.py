"""A fake OpenAI-compatible HTTP server on 127.0.0.1 for tests, driven by a scripted queue.

It speaks the real wire format, so tests use the real `openai` client against it::

    with FakeOpenAIServer() as server:
        server.push(chat_reply({"skills": []}, usage=(120, 30)))   # a JSON content reply
        server.push(error_reply(429), error_reply(500))              # faults, in order
        server.push(delayed(2.0, chat_reply("late")))                # slower than a timeout
        server.push(lambda req: chat_reply(req.json["messages"][-1]["content"]))  # dynamic
        client = openai.AsyncOpenAI(api_key="test", base_url=server.base_url, max_retries=0)
        ...
        server.requests  # every request received: RecordedRequest(method, path, headers,
                         # body bytes, .json), in order

API
- `FakeOpenAIServer(default=None)`: `start()` / `stop()` or use it as a context manager;
  `base_url` is "http://127.0.0.1:<port>/v1"; binds port 0.
- `push(*replies, path=None)`: queue replies (answered first in, first out); with `path`
  (e.g. "/v1/audio/transcriptions") a reply is only used for requests to that path.
  A reply is a `Reply`, or a callable `RecordedRequest -> Reply` for answers that depend on
  the request. When the queue has nothing for a request, `default` is used (a callable or a
  `Reply`); without a default the server answers 500 `{"error": {"message": "no scripted reply"}}`.
- Builders: `chat_reply(content, finish_reason="stop", refusal=None, usage=(p, c), model=...)`
  (a dict content is JSON-encoded), `error_reply(status, message, retry_after_ms=1)`,
  `raw_reply(status, body, content_type)`, `delayed(seconds, reply)`,
  `transcription_reply(text)`.
- `GET /v1/models` answers a one-model list without using the queue.
- `pending()`: how many scripted replies are still queued.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the fake server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        """The body parsed as JSON (None when it is not JSON)."""
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class Reply:
    """What the server sends back: status, headers, body, and an optional delay first."""

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    delay: float = 0.0


ReplySource = Reply | Callable[[RecordedRequest], Reply]


def chat_reply(
    content: str | dict[str, Any] | None,
    *,
    finish_reason: str = "stop",
    refusal: str | None = None,
    usage: tuple[int, int] = (100, 20),
    model: str = "fake-model",
) -> Reply:
    """A `/v1/chat/completions` response with one choice."""
    if isinstance(content, dict):
        content = json.dumps(content)
    body = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": usage[0] + usage[1],
        },
    }
    return Reply(body=json.dumps(body).encode())


def error_reply(status: int, message: str = "fake error", retry_after_ms: int | None = 1) -> Reply:
    """An OpenAI-style error; `retry-after-ms` keeps the client's retry wait short."""
    headers = {"Content-Type": "application/json"}
    if retry_after_ms is not None:
        headers["retry-after-ms"] = str(retry_after_ms)
    body = {"error": {"message": message, "type": "fake_error", "param": None, "code": None}}
    return Reply(status=status, body=json.dumps(body).encode(), headers=headers)


def raw_reply(status: int, body: bytes | str, content_type: str = "application/json") -> Reply:
    """Any bytes with any status (for malformed responses)."""
    data = body.encode() if isinstance(body, str) else body
    return Reply(status=status, body=data, headers={"Content-Type": content_type})


def transcription_reply(text: str) -> Reply:
    """A `/v1/audio/transcriptions` JSON response."""
    return Reply(body=json.dumps({"text": text}).encode())


def delayed(seconds: float, reply: Reply) -> Reply:
    """The same reply, sent after `seconds` (to trigger client timeouts)."""
    return Reply(status=reply.status, body=reply.body, headers=reply.headers, delay=seconds)


class FakeOpenAIServer:
    """An OpenAI-compatible server in a background thread; see the module docstring."""

    def __init__(self, default: ReplySource | None = None) -> None:
        self.default = default
        self.requests: list[RecordedRequest] = []
        self._queue: list[tuple[str | None, ReplySource]] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """The URL to give the `openai` client as `base_url`."""
        if self._httpd is None:
            raise RuntimeError("the fake server is not started")
        port = self._httpd.server_address[1]
        return f"http://127.0.0.1:{port}/v1"

    def push(self, *replies: ReplySource, path: str | None = None) -> None:
        """Queue replies, answered in order (only for `path` when given)."""
        with self._lock:
            self._queue.extend((path, r) for r in replies)

    def pending(self) -> int:
        """Scripted replies not used yet."""
        with self._lock:
            return len(self._queue)

    def _next(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            source: ReplySource | None = None
            for i, (path, candidate) in enumerate(self._queue):
                if path is None or request.path.startswith(path):
                    source = candidate
                    del self._queue[i]
                    break
        if source is None:
            source = self.default
        if source is None:
            return error_reply(500, "no scripted reply", retry_after_ms=None)
        return source(request) if callable(source) else source

    def start(self) -> FakeOpenAIServer:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return  # keep test output clean

            def _record(self) -> RecordedRequest:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                return RecordedRequest(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )

            def _send(self, reply: Reply) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def do_GET(self) -> None:  # noqa: N802
                request = self._record()
                if request.path.rstrip("/").endswith("/models"):
                    body = {
                        "object": "list",
                        "data": [
                            {
                                "id": "fake-model",
                                "object": "model",
                                "created": 0,
                                "owned_by": "fake",
                            }
                        ],
                    }
                    self._send(Reply(body=json.dumps(body).encode()))
                    return
                self._send(server._next(request))

            def do_POST(self) -> None:  # noqa: N802
                self._send(server._next(self._record()))

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
