"""`utp web`: one aiohttp server for platform webhooks (Telegram, Slack) and `/healthz`.

Each channel that receives over HTTP is a `WebhookChannel` and returns its aiohttp routes;
this module only assembles them with the health check and runs the server on `PORT`.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.bootstrap import App
from bot.channels.base import WebhookChannel

logger = logging.getLogger(__name__)

UTP_APP = web.AppKey("utp", App)


async def healthz(request: web.Request) -> web.Response:
    """Liveness plus a database round trip."""
    app: App = request.app[UTP_APP]
    from sqlalchemy import text

    async with app.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return web.json_response({"ok": True})


def build_web_app(app: App) -> web.Application:
    """The aiohttp application with every channel's routes."""
    web_app = web.Application(client_max_size=2 * 1024 * 1024)
    web_app[UTP_APP] = app
    web_app.router.add_get("/healthz", healthz)
    for channel in app.channels.values():
        if isinstance(channel, WebhookChannel):
            web_app.add_routes(channel.web_routes())
    return web_app


async def serve(app: App, host: str, port: int) -> web.AppRunner:
    """Start serving; returns the runner (call `cleanup()` to stop)."""
    runner = web.AppRunner(build_web_app(app), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    logger.warning("UTP web listening on %s:%s", host, port)
    return runner
