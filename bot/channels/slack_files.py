"""Downloading files members share with the bot: `files.info`, then `url_private` with the token.

The bot token is only ever sent to Slack's own file hosts (or the host of SLACK_API_URL, for a
test or proxy), over redirects too. Slack answers a request without a valid token with an HTML
sign-in page and status 200, so an HTML answer is refused; bytes are capped while streaming.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin, urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.channels.slack_api import SlackWorkspaces, delivery_error
from bot.channels.slack_inbound import parse_file_ref
from handlers import texts
from handlers.files import safe_name
from passport.errors import FileRejected, RecipientGone, TransientDeliveryError
from passport.messages import InboundFile

logger = logging.getLogger(__name__)

SLACK_FILE_HOSTS = frozenset(
    {
        "files.slack.com",
        "files-origin.slack.com",
        "files-edu.slack.com",
        "files.slack-gov.com",
    }
)
MAX_REDIRECTS = 3
CHUNK = 64 * 1024


def _mb(size: int) -> str:
    return f"{size / 2**20:.0f}" if size >= 2**20 else f"{size / 2**20:.1f}"


class SlackFileFetcher:
    """The `FileFetcher` for Slack: run by the durable `download` job."""

    def __init__(self, workspaces: SlackWorkspaces) -> None:
        self.workspaces = workspaces
        self.api_host = urlsplit(workspaces.base_url).hostname or ""

    def token_allowed(self, url: str) -> bool:
        """Only Slack's file hosts (https) or the configured API host get the bot token."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host in SLACK_FILE_HOSTS and parts.scheme == "https":
            return True
        return bool(self.api_host) and host == self.api_host.lower()

    async def fetch(self, file: InboundFile, max_bytes: int) -> bytes:
        """The file's bytes; FileRejected (friendly reason) or TransientDeliveryError (retry)."""
        name = safe_name(file.name, "file")
        workspace, file_id = parse_file_ref(file.ref)
        try:
            token = await self.workspaces.token_for(workspace)
            info = await self.workspaces.client(token).files_info(file=file_id)
        except RecipientGone as exc:
            raise FileRejected(texts.FILE_FAILED.format(name=name)) from exc
        except (SlackApiError, SlackClientError, aiohttp.ClientError, OSError) as exc:
            error = delivery_error(exc, "files.info")
            if isinstance(error, TransientDeliveryError):
                raise error from exc
            raise FileRejected(texts.FILE_FAILED.format(name=name)) from exc
        meta = info.get("file") or {}
        size = meta.get("size")
        if isinstance(size, int) and size > max_bytes:
            raise FileRejected(texts.FILE_TOO_BIG.format(size=_mb(size), limit=max_bytes // 2**20))
        url = meta.get("url_private_download") or meta.get("url_private")
        if not url:
            raise FileRejected(texts.FILE_FAILED.format(name=name))
        return await self._download(url, token, max_bytes, name)

    async def _download(self, url: str, token: str, max_bytes: int, name: str) -> bytes:
        timeout = aiohttp.ClientTimeout(total=120, sock_read=30)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                for _ in range(MAX_REDIRECTS + 1):
                    if not self.token_allowed(url):
                        logger.warning(
                            "refused to send the Slack token to %s", urlsplit(url).hostname
                        )
                        raise FileRejected(texts.FILE_FAILED.format(name=name))
                    headers = {"Authorization": f"Bearer {token}"}
                    async with session.get(url, headers=headers, allow_redirects=False) as resp:
                        if resp.status in {301, 302, 303, 307, 308}:
                            url = urljoin(url, resp.headers.get("Location", ""))
                            continue
                        return await self._read(resp, max_bytes, name)
                raise FileRejected(texts.FILE_FAILED.format(name=name))
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransientDeliveryError(
                f"file download: {type(exc).__name__}", retry_after=30
            ) from exc

    @staticmethod
    async def _read(resp: aiohttp.ClientResponse, max_bytes: int, name: str) -> bytes:
        if resp.status == 429 or resp.status >= 500:
            retry = resp.headers.get("Retry-After")
            raise TransientDeliveryError(
                f"file download: HTTP {resp.status}", retry_after=float(retry) if retry else 30
            )
        if resp.status != 200:
            raise FileRejected(texts.FILE_FAILED.format(name=name))
        if resp.content_type in {"text/html", "application/xhtml+xml"}:
            # Slack's sign-in page: the token was not accepted for this file.
            raise FileRejected(texts.FILE_FAILED.format(name=name))
        declared = resp.content_length
        if declared is not None and declared > max_bytes:
            raise FileRejected(
                texts.FILE_TOO_BIG.format(size=_mb(declared), limit=max_bytes // 2**20)
            )
        body = bytearray()
        async for chunk in resp.content.iter_chunked(CHUNK):
            body += chunk
            if len(body) > max_bytes:
                raise FileRejected(
                    texts.FILE_TOO_BIG.format(
                        size=f"over {_mb(max_bytes)}", limit=max_bytes // 2**20
                    )
                )
        return bytes(body)
