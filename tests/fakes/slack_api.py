"""A fake Slack Web API on 127.0.0.1 for the real slack-sdk / Bolt clients.

It knows a few workspaces (bot tokens → team), users (with `tz` and admin flags) and files;
records every call; serves file downloads only with a valid Bearer token (an HTML sign-in page
with status 200 otherwise, like Slack); takes uploads; and can answer 429 with Retry-After.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

_ts = itertools.count(1)


@dataclass
class Team:
    """A workspace and its bot."""

    team_id: str
    token: str
    enterprise_id: str | None = None
    bot_user_id: str = "UBOT"
    bot_id: str = "BBOT"


@dataclass
class Call:
    """One Web API call as the fake saw it."""

    method: str
    token: str | None
    args: dict[str, Any]


@dataclass
class FakeSlackAPI:
    """Start with `await fake.start()`; `fake.api_url` goes into SLACK_API_URL."""

    teams: dict[str, Team] = field(default_factory=dict)  # token → team
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    fail: dict[str, list[int]] = field(default_factory=dict)  # method → statuses to answer
    oauth_codes: dict[str, Team] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    downloads: list[str | None] = field(default_factory=list)  # Authorization headers seen
    port: int = 0
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)

    def add_team(self, team_id: str, token: str, enterprise_id: str | None = None) -> Team:
        """A workspace whose bot uses `token`."""
        team = Team(
            team_id, token, enterprise_id, bot_user_id=f"UBOT{team_id}", bot_id=f"B{team_id}"
        )
        self.teams[token] = team
        return team

    def add_user(
        self, user_id: str, tz: str = "Europe/Berlin", name: str = "", admin: bool = False
    ) -> None:
        """A member with a profile time zone."""
        self.users[user_id] = {
            "id": user_id,
            "tz": tz,
            "real_name": name or user_id,
            "profile": {"display_name": name or user_id},
            "is_admin": admin,
            "is_owner": False,
        }

    def add_file(self, file_id: str, content: bytes, name: str, mime: str) -> None:
        """A file someone shared; downloadable at /files/<id>/<name> with a bot token."""
        self.files[file_id] = {"content": content, "name": name, "mime": mime}

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL."""
        return f"{self.base}/api/"

    def called(self, method: str) -> list[Call]:
        """Calls of one method, in order."""
        return [c for c in self.calls if c.method == method]

    async def start(self) -> None:
        """Listen on 127.0.0.1, port 0."""
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_get("/files/{file_id}/{name}", self._download)
        app.router.add_post("/upload/{upload_id}", self._upload)
        app.router.add_get("/ws", self._socket)
        app.router.add_get("/moved/{file_id}/{name}", self._moved)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Shut down."""
        for ws in self.sockets:
            await ws.close()
        await self._runner.cleanup()

    async def push(self, envelope: dict[str, Any]) -> None:
        """Send a Socket Mode envelope to every connected client."""
        for ws in self.sockets:
            await ws.send_json(envelope)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1})
        async for message in ws:
            if message.type == web.WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
        return ws

    # -- the Web API ------------------------------------------------------------------------

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "GET":
            pass
        elif request.content_type == "application/json":
            args.update(await request.json())
        else:
            form = await request.post()
            args.update({k: v for k, v in form.items() if isinstance(v, str)})
        for key in ("blocks", "view", "files"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        args = await self._args(request)
        token = token or args.get("token")
        self.calls.append(Call(method, token, args))
        pending = self.fail.get(method)
        if pending:
            status = pending.pop(0)
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=status, headers={"Retry-After": "1"}
            )
        if method == "oauth.v2.access":
            return self._oauth(args)
        if method == "apps.connections.open":
            return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/ws"})
        team = self.teams.get(token or "")
        if team is None or token in self.revoked:
            error = "token_revoked" if token in self.revoked else "invalid_auth"
            return web.json_response({"ok": False, "error": error})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(handler(team, args))

    def _oauth(self, args: dict[str, Any]) -> web.Response:
        team = self.oauth_codes.get(args.get("code", ""))
        if team is None:
            return web.json_response({"ok": False, "error": "invalid_code"})
        self.teams[team.token] = team
        return web.json_response(
            {
                "ok": True,
                "app_id": "AUTP",
                "access_token": team.token,
                "token_type": "bot",
                "scope": "chat:write,im:history",
                "bot_user_id": team.bot_user_id,
                "team": {"id": team.team_id, "name": team.team_id},
                "enterprise": {"id": team.enterprise_id} if team.enterprise_id else None,
                "authed_user": {"id": "UINSTALLER"},
                "is_enterprise_install": False,
            }
        )

    def _auth_test(self, team: Team, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://example.slack.com/",
            "team": team.team_id,
            "team_id": team.team_id,
            "enterprise_id": team.enterprise_id,
            "user_id": team.bot_user_id,
            "bot_id": team.bot_id,
            "user": "utp",
        }

    def _conversations_open(self, team: Team, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": f"D{args['users']}"}}

    def _chat_postMessage(self, team: Team, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": args.get("channel"), "ts": f"1700000000.{next(_ts):06d}"}

    def _chat_update(self, team: Team, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}

    def _views_publish(self, team: Team, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "V1"}}

    def _users_info(self, team: Team, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(args.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _files_info(self, team: Team, args: dict[str, Any]) -> dict[str, Any]:
        f = self.files.get(args.get("file", ""))
        if f is None:
            return {"ok": False, "error": "file_not_found"}
        url = f"{self.base}/files/{args['file']}/{f['name']}"
        return {
            "ok": True,
            "file": {
                "id": args["file"],
                "name": f["name"],
                "mimetype": f["mime"],
                "size": len(f["content"]),
                "url_private": url,
                "url_private_download": url,
            },
        }

    def _files_getUploadURLExternal(self, team: Team, args: dict[str, Any]) -> dict[str, Any]:
        upload_id = f"F{next(_ts)}"
        return {"ok": True, "upload_url": f"{self.base}/upload/{upload_id}", "file_id": upload_id}

    def _files_completeUploadExternal(self, team: Team, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "files": [{"id": f["id"]} for f in args.get("files", [])]}

    # -- files ------------------------------------------------------------------------------

    async def _download(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization")
        self.downloads.append(auth)
        token = (auth or "").removeprefix("Bearer ")
        f = self.files.get(request.match_info["file_id"])
        if f is None or token not in self.teams or token in self.revoked:
            return web.Response(
                text="<html><body>Sign in to Slack</body></html>", content_type="text/html"
            )
        return web.Response(body=f["content"], content_type=f["mime"])

    async def _moved(self, request: web.Request) -> web.Response:
        """A redirect to another host name (the token must not follow it)."""
        target = f"http://localhost:{self.port}/files/{request.match_info['file_id']}/x"
        raise web.HTTPFound(target)

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        self.uploads[request.match_info["upload_id"]] = data
        return web.Response(text="OK - " + str(len(data)))
