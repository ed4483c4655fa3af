"""A fake Telegram Bot API on 127.0.0.1 for driving the real python-telegram-bot client.

It keeps real `getUpdates` offset semantics (an update is redelivered until a later call
confirms it with a higher offset), records every message the bot sends, serves files for
`getFile`, pushes updates to a webhook with the secret header (redelivering on non-2xx), and
injects faults: 429 with `retry_after`, 403, 400 "message is too long", chat migration and
dropped connections. An optional global rate limit answers 429 like Telegram's flood control.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

JSON_FIELDS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "offset",
    "timeout",
    "limit",
    "message_id",
    "chat_id",
}
SEND_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText"}
BOT_USER = {"id": 999_000, "is_bot": True, "first_name": "UTP", "username": "utp_test_bot"}


@dataclass
class Fault:
    """One injected failure for the next call of a method (optionally only for one chat)."""

    status: int = 500
    description: str = "Internal Server Error"
    retry_after: int | None = None
    migrate_to: int | None = None
    drop: bool = False  # close the connection without answering
    chat_id: str | None = None


@dataclass
class Sent:
    """Something the bot put in a chat (a new message or an edit)."""

    method: str
    chat_id: str
    message_id: int
    text: str = ""
    buttons: list[list[dict[str, str]]] = field(default_factory=list)
    filename: str = ""
    content: bytes = b""
    parse_mode: str | None = None


class FakeTelegram:
    """The fake server; `await start()`, then point the bot at `base_url` / `file_url`."""

    def __init__(
        self, token: str = "123:ABC", *, rate_limit: float | None = None, max_text: int = 4096
    ) -> None:
        self.token = token
        self.rate_limit = rate_limit
        self.max_text = max_text
        self.updates: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] = []  # every update ever queued
        self.confirmed = 0  # every update_id below this is confirmed and gone
        self.sent: list[Sent] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.files: dict[str, tuple[str, bytes, int]] = {}  # file_id -> (path, bytes, size)
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.blocked: set[str] = set()
        self.migrated: dict[str, int] = {}
        self.commands: list[dict[str, str]] = []
        self.webhook_url = ""
        self.webhook_secret = ""
        self.webhook_answers: list[int] = []
        self.rate_limited = 0
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._bucket = (float(rate_limit or 0), time.monotonic())
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._pusher: asyncio.Task | None = None
        self.port = 0

    # -- server --------------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        """Listen on 127.0.0.1, port 0."""
        app = web.Application(client_max_size=64 * 2**20)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        """Stop serving."""
        self._closing = True
        self._new_update.set()  # long polls in flight answer now instead of at their timeout
        if self._pusher is not None:
            self._pusher.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """TELEGRAM_API_BASE_URL for this fake."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        """TELEGRAM_FILE_BASE_URL for this fake."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- what people do ------------------------------------------------------------------------

    def _user(self, user_id: int, name: str = "Sam") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name}

    def _chat(self, chat_id: int, kind: str = "private") -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": kind}
        if kind != "private":
            chat["title"] = "Study group"
        return chat

    def push(self, **update: Any) -> int:
        """Queue a raw update; returns its update_id."""
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, **update})
        self.history.append(self.updates[-1])
        self._new_update.set()
        return update_id

    def redeliver(self, update_id: int) -> int:
        """Queue an old update again under a new update_id (Telegram after a lost confirm)."""
        old = next(u for u in self.history if u["update_id"] == update_id)
        return self.push(**{k: v for k, v in old.items() if k != "update_id"})

    def message(
        self,
        user_id: int,
        text: str | None = None,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        name: str = "Sam",
        **extra: Any,
    ) -> int:
        """A person writes (or sends something); returns the message_id."""
        message_id = next(self._message_ids)
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "from": self._user(user_id, name),
            "chat": self._chat(chat_id or user_id, chat_type),
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": len(command)}
                ]
        self.push(message=message)
        return message_id

    def edit(self, user_id: int, message_id: int, text: str, *, chat_id: int | None = None) -> int:
        """A person edits an earlier message."""
        return self.push(
            edited_message={
                "message_id": message_id,
                "date": int(time.time()),
                "edit_date": int(time.time()),
                "from": self._user(user_id),
                "chat": self._chat(chat_id or user_id),
                "text": text,
            }
        )

    def add_file(self, content: bytes, *, size: int | None = None, path: str = "") -> str:
        """Make a file downloadable; returns its file_id (size may lie, for tests)."""
        number = next(self._file_ids)
        file_id = f"file-{number}"
        self.files[file_id] = (
            path or f"documents/file_{number}",
            content,
            len(content) if size is None else size,
        )
        return file_id

    def photo(self, user_id: int, content: bytes, caption: str = "") -> int:
        """A person sends a photo."""
        file_id = self.add_file(content, path=f"photos/file_{len(self.files)}.jpg")
        sizes = [
            {
                "file_id": file_id + "-small",
                "file_unique_id": "s",
                "width": 90,
                "height": 60,
                "file_size": 100,
            },
            {
                "file_id": file_id,
                "file_unique_id": file_id,
                "width": 900,
                "height": 600,
                "file_size": len(content),
            },
        ]
        extra: dict[str, Any] = {"photo": sizes}
        if caption:
            extra["caption"] = caption
        return self.message(user_id, None, **extra)

    def document(
        self, user_id: int, content: bytes, name: str, mime: str, declared: int | None = None
    ) -> int:
        """A person sends a document (its declared size may differ from the bytes)."""
        file_id = self.add_file(content, size=declared)
        doc = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": name,
            "mime_type": mime,
            "file_size": len(content) if declared is None else declared,
        }
        return self.message(user_id, None, document=doc)

    def voice(self, user_id: int, content: bytes) -> int:
        """A person sends a voice note."""
        file_id = self.add_file(content, path="voice/file.oga")
        return self.message(
            user_id,
            None,
            voice={
                "file_id": file_id,
                "file_unique_id": file_id,
                "duration": 3,
                "mime_type": "audio/ogg",
                "file_size": len(content),
            },
        )

    def location(self, user_id: int, latitude: float, longitude: float) -> int:
        """A person shares a location."""
        return self.message(user_id, None, location={"latitude": latitude, "longitude": longitude})

    def press(self, user_id: int, sent: Sent, data: str) -> int:
        """A person taps an inline button under a message the bot sent."""
        query_id = f"cq{next(self._update_ids)}"
        message = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "from": BOT_USER,
            "chat": self._chat(int(sent.chat_id)),
            "text": sent.text,
        }
        return self.push(
            callback_query={
                "id": query_id,
                "from": self._user(user_id),
                "chat_instance": "ci",
                "data": data,
                "message": message,
            }
        )

    def member_status(self, user_id: int, status: str) -> int:
        """The person blocks ("kicked") or unblocks ("member") the bot."""
        old = "member" if status == "kicked" else "kicked"
        return self.push(
            my_chat_member={
                "chat": self._chat(user_id),
                "from": self._user(user_id),
                "date": int(time.time()),
                "old_chat_member": {
                    "status": old,
                    "user": BOT_USER,
                    **({"until_date": 0} if old == "kicked" else {}),
                },
                "new_chat_member": {
                    "status": status,
                    "user": BOT_USER,
                    **({"until_date": 0} if status == "kicked" else {}),
                },
            }
        )

    # -- what the bot did ----------------------------------------------------------------------

    def sent_to(self, chat_id: int | str) -> list[Sent]:
        """Everything the bot put in one chat, in order."""
        return [s for s in self.sent if s.chat_id == str(chat_id)]

    def texts(self, chat_id: int | str) -> list[str]:
        """The texts (and captions) the bot put in one chat."""
        return [s.text for s in self.sent_to(chat_id)]

    def last_with_buttons(self, chat_id: int | str) -> Sent:
        """The latest message in a chat that carries inline buttons."""
        for sent in reversed(self.sent_to(chat_id)):
            if sent.buttons:
                return sent
        raise LookupError("no message with buttons")

    def fail(self, method: str, fault: Fault, times: int = 1) -> None:
        """Make the next `times` calls of `method` fail with `fault`."""
        self.faults[method].extend([fault] * times)

    @property
    def pending(self) -> list[int]:
        """Update ids not yet confirmed."""
        return [u["update_id"] for u in self.updates if u["update_id"] >= self.confirmed]

    # -- the API -------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append((method, {k: v for k, v in params.items() if k != "_files"}))
        chat = str(params.get("chat_id", ""))
        queue = self.faults.get(method)
        if queue:
            fault = queue[0]
            if fault.chat_id is None or fault.chat_id == chat:
                queue.popleft()
                if fault.drop:
                    request.transport.close()  # type: ignore[union-attr]
                    return web.Response(status=500)
                return _error(fault.status, fault.description, fault.retry_after, fault.migrate_to)
        if method in SEND_METHODS:
            if chat in self.blocked:
                return _error(403, "Forbidden: bot was blocked by the user")
            if chat in self.migrated:
                return _error(
                    400,
                    "Bad Request: group chat was upgraded to a supergroup chat",
                    migrate_to=self.migrated[chat],
                )
            if self.rate_limit and not self._take_token():
                self.rate_limited += 1
                return _error(429, "Too Many Requests: retry after 1", retry_after=1)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _error(404, "Not Found")
        return await handler(params)

    def _take_token(self) -> bool:
        tokens, then = self._bucket
        now = time.monotonic()
        tokens = min(float(self.rate_limit or 0), tokens + (now - then) * (self.rate_limit or 0))
        if tokens < 1:
            self._bucket = (tokens, now)
            return False
        self._bucket = (tokens - 1, now)
        return True

    async def _m_getMe(self, params: dict[str, Any]) -> web.Response:
        return _ok(
            {
                **BOT_USER,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        )

    async def _m_getUpdates(self, params: dict[str, Any]) -> web.Response:
        if self.webhook_url:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        if offset > self.confirmed:
            self.confirmed = offset  # real semantics: a higher offset confirms earlier updates
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            ready = [u for u in self.updates if u["update_id"] >= self.confirmed][:limit]
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0 or self._closing:
                return _ok(ready)
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout=min(remaining, 0.5))
            except TimeoutError:
                pass

    def _record(self, method: str, params: dict[str, Any], **values: Any) -> dict[str, Any]:
        chat = str(params["chat_id"])
        message_id = values.pop("message_id", None) or next(self._message_ids)
        markup = params.get("reply_markup") or {}
        sent = Sent(
            method=method,
            chat_id=chat,
            message_id=message_id,
            buttons=markup.get("inline_keyboard", []),
            parse_mode=params.get("parse_mode"),
            **values,
        )
        self.sent.append(sent)
        chat_type = "private" if not chat.startswith("-") else "supergroup"
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "from": BOT_USER,
            "chat": self._chat(int(chat), chat_type),
        }

    async def _m_sendMessage(self, params: dict[str, Any]) -> web.Response:
        text = _parse(params, "text")
        if text is None:
            return _error(400, "Bad Request: can't parse entities: unsupported start tag")
        if len(text) > self.max_text:
            return _error(400, "Bad Request: message is too long")
        result = self._record("sendMessage", params, text=text)
        return _ok({**result, "text": text})

    async def _m_editMessageText(self, params: dict[str, Any]) -> web.Response:
        text = _parse(params, "text")
        if text is None:
            return _error(400, "Bad Request: can't parse entities: unsupported start tag")
        if len(text) > self.max_text:
            return _error(400, "Bad Request: message is too long")
        result = self._record(
            "editMessageText", params, text=text, message_id=int(params["message_id"])
        )
        return _ok({**result, "text": text})

    async def _send_file(
        self, method: str, field_name: str, params: dict[str, Any]
    ) -> web.Response:
        upload = params.get("_files", {}).get(field_name)
        if upload is None:
            return _error(400, "Bad Request: there is no file in the request")
        filename, content = upload
        caption = _parse(params, "caption")
        if caption is None:
            return _error(400, "Bad Request: can't parse entities: unsupported start tag")
        result = self._record(method, params, text=caption, filename=filename, content=content)
        kind = "photo" if field_name == "photo" else "document"
        body: dict[str, Any] = {
            "file_id": f"out-{result['message_id']}",
            "file_unique_id": f"u{result['message_id']}",
        }
        if kind == "photo":
            result["photo"] = [{**body, "width": 800, "height": 800}]
        else:
            result["document"] = {**body, "file_name": filename}
        return _ok(result)

    async def _m_sendPhoto(self, params: dict[str, Any]) -> web.Response:
        return await self._send_file("sendPhoto", "photo", params)

    async def _m_sendDocument(self, params: dict[str, Any]) -> web.Response:
        return await self._send_file("sendDocument", "document", params)

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> web.Response:
        return _ok(True)

    async def _m_setMyCommands(self, params: dict[str, Any]) -> web.Response:
        self.commands = list(params.get("commands") or [])
        return _ok(True)

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook_url = ""
        return _ok(True)

    async def _m_setWebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook_url = str(params.get("url", ""))
        self.webhook_secret = str(params.get("secret_token", ""))
        if self._pusher is None or self._pusher.done():
            self._pusher = asyncio.create_task(self._push_webhooks())
        return _ok(True)

    async def _m_getFile(self, params: dict[str, Any]) -> web.Response:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        path, _, size = self.files[file_id]
        if size > 20 * 2**20:
            return _error(400, "Bad Request: file is too big")
        return _ok(
            {"file_id": file_id, "file_unique_id": file_id, "file_size": size, "file_path": path}
        )

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        for path, content, _ in self.files.values():
            if path == request.match_info["path"]:
                return web.Response(body=content)
        return web.Response(status=404)

    # -- webhook mode --------------------------------------------------------------------------

    async def _push_webhooks(self) -> None:
        """Deliver updates one by one to the webhook; anything but 2xx is tried again."""
        async with ClientSession(timeout=ClientTimeout(total=30)) as session:
            while self.webhook_url:
                if not self.updates:
                    self._new_update.clear()
                    try:
                        await asyncio.wait_for(self._new_update.wait(), timeout=0.2)
                    except TimeoutError:
                        pass
                    continue
                update = self.updates[0]
                headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret}
                try:
                    async with session.post(
                        self.webhook_url, json=update, headers=headers
                    ) as response:
                        self.webhook_answers.append(response.status)
                        if 200 <= response.status < 300:
                            self.updates.pop(0)
                            continue
                except OSError:
                    self.webhook_answers.append(0)
                await asyncio.sleep(0.1)


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    files: dict[str, tuple[str, bytes]] = {}
    if request.can_read_body:
        if request.content_type == "application/json":
            params.update(await request.json())
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = (value.filename, value.file.read())
                else:
                    params[key] = value
    for key in JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            try:
                params[key] = json.loads(params[key])
            except ValueError:
                pass
    params["_files"] = files
    return params


_TAG = re.compile(r"<(?!/?(b|i|u|s|a|code|pre|tg-spoiler|blockquote)\b)")


def _parse(params: dict[str, Any], key: str) -> str | None:
    """The text a person would see; None when Telegram could not parse the HTML."""
    text = str(params.get(key, ""))
    if params.get("parse_mode") != "HTML":
        return text
    if _TAG.search(text) or re.search(r"&(?!(amp|lt|gt|quot|#\d+);)", text):
        return None
    return html.unescape(text)


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(
    code: int, description: str, retry_after: int | None = None, migrate_to: int | None = None
) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    parameters: dict[str, int] = {}
    if retry_after is not None:
        parameters["retry_after"] = retry_after
    if migrate_to is not None:
        parameters["migrate_to_chat_id"] = migrate_to
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)


async def _serve_forever(rate_limit: float | None) -> None:
    """Run the fake alone (the bench starts it in its own process); `/_stats` reports counts."""
    fake = FakeTelegram(rate_limit=rate_limit)
    await fake.start()

    async def stats(request: web.Request) -> web.Response:
        per_chat: dict[str, int] = defaultdict(int)
        for sent in fake.sent:
            per_chat[sent.chat_id] += 1
        return web.json_response(
            {"per_chat": per_chat, "rate_limited": fake.rate_limited, "calls": len(fake.calls)}
        )

    stats_app = web.Application()
    stats_app.router.add_get("/_stats", stats)
    runner = web.AppRunner(stats_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    stats_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(json.dumps({"port": fake.port, "stats_port": stats_port}), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    import sys

    asyncio.run(_serve_forever(float(sys.argv[1]) if len(sys.argv) > 1 else None))
