"""`Outbound` → native Telegram messages: escaped HTML, split texts, inline keyboards, files.

Errors become UTP's delivery errors: 403 → `RecipientGone` (never retried); 429 that outlived
the rate limiter's retries, timeouts and network errors → `TransientDeliveryError` (a durable
`send` job retries later). A chat that migrated to a supergroup is followed and the message is
sent again there; a text Telegram finds too long is split further.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from passport.clock import Clock
from passport.errors import RecipientGone, TransientDeliveryError
from passport.messages import Address, Choice, Outbound
from passport.ports import UnitOfWorkFactory

logger = logging.getLogger(__name__)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
NETWORK_RETRIES = 2
T = TypeVar("T")

if TYPE_CHECKING:
    from bot.delivery import OutboxMarks


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a long text on paragraph boundaries, then lines, then words, then anywhere."""
    chunks = _split(text, limit, ("\n\n", "\n", " "))
    return [c for c in chunks if c.strip()] or [text[:limit]]


def _split(text: str, limit: int, separators: tuple[str, ...]) -> list[str]:
    if utf16_len(text) <= limit:
        return [text]
    if not separators:
        return _hard_cut(text, limit)
    sep, rest = separators[0], separators[1:]
    chunks: list[str] = []
    current = ""
    for part in text.split(sep):
        for piece in _split(part, limit, rest):
            candidate = f"{current}{sep}{piece}" if current else piece
            if current and utf16_len(candidate) > limit:
                chunks.append(current)
                current = piece
            else:
                current = candidate
    if current:
        chunks.append(current)
    return chunks


def _hard_cut(text: str, limit: int) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for char in text:
        width = utf16_len(char)
        if size + width > limit:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    if current:
        chunks.append("".join(current))
    return chunks


def escape(text: str) -> str:
    """Plain text made safe for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


def keyboard(choices: Sequence[Choice]) -> InlineKeyboardMarkup | None:
    """Choices as an inline keyboard: short labels share a row, long ones get their own."""
    usable = [c for c in choices if len(c.data.encode()) <= CALLBACK_DATA_LIMIT]
    if len(usable) < len(choices):
        logger.warning(
            "dropped %d button(s) with callback data over 64 bytes", len(choices) - len(usable)
        )
    if not usable:
        return None
    longest = max(len(c.label) for c in usable)
    width = 3 if longest <= 6 else 2 if longest <= 16 else 1
    buttons = [InlineKeyboardButton(c.label[:64], callback_data=c.data) for c in usable]
    return InlineKeyboardMarkup([buttons[i : i + width] for i in range(0, len(buttons), width)])


def seconds(value: float | timedelta | None) -> float | None:
    """`retry_after` as seconds (PTB gives a timedelta with PTB_TIMEDELTA=1, else an int)."""
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    """Sends `Outbound` values to one chat at a time through a PTB bot (with its rate limiter)."""

    def __init__(self, bot: Any, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.bot = bot
        self.uow = uow
        self.clock = clock

    async def send(
        self,
        address: Address,
        messages: Sequence[Outbound],
        *,
        edit_message_id: int | None = None,
        marks: OutboxMarks | None = None,
    ) -> None:
        """Deliver in order; the first `replace_previous` message edits `edit_message_id`.

        With `marks`, each stored part is marked sent as soon as it went out.
        """
        target = [int(address.chat_id)]  # mutable: a migrated chat is followed for the rest
        for message in messages:
            edit = edit_message_id if message.replace_previous else None
            if edit is not None:
                edit_message_id = None  # only one message replaces the buttons
            await self._send_one(target, message, edit)
            if marks is not None:
                await marks.sent(message)

    async def _send_one(self, target: list[int], message: Outbound, edit: int | None) -> None:
        markup = keyboard(message.choices) if message.choices else None
        text = message.text or ""
        if message.attachment is not None:
            await self._send_file(target, message, markup)
            return
        if not text.strip():
            if markup is not None:
                text = "…"
            else:
                return
        await self._send_text(target, text, markup, edit)

    async def _send_text(
        self,
        target: list[int],
        text: str,
        markup: InlineKeyboardMarkup | None,
        edit: int | None,
        limit: int = TEXT_LIMIT,
    ) -> None:
        chunks = split_text(text, limit)
        for index, chunk in enumerate(chunks):
            buttons = markup if index == len(chunks) - 1 else None
            first_edit = edit if index == 0 else None
            try:
                await self._send_chunk(target, chunk, buttons, first_edit, html_mode=True)
            except BadRequest as exc:
                reason = str(exc).lower()
                if "too long" in reason and limit > 256:
                    # Telegram disagreed about the length: cut this part smaller and resend it.
                    await self._send_text(target, chunk, buttons, first_edit, limit // 2)
                elif "parse entities" in reason:
                    await self._send_chunk(target, chunk, buttons, first_edit, html_mode=False)
                else:
                    raise TransientDeliveryError(
                        f"telegram refused a message: {exc}", retry_after=300
                    ) from exc

    async def _send_chunk(
        self,
        target: list[int],
        chunk: str,
        markup: InlineKeyboardMarkup | None,
        edit: int | None,
        *,
        html_mode: bool,
    ) -> None:
        mode = ParseMode.HTML if html_mode else None
        body = escape(chunk) if html_mode else chunk
        if edit is not None and await self._edit(target, edit, body, markup, mode):
            return
        await self._call(
            target,
            lambda chat: self.bot.send_message(
                chat_id=chat, text=body, parse_mode=mode, reply_markup=markup
            ),
        )

    async def _edit(
        self,
        target: list[int],
        message_id: int,
        body: str,
        markup: InlineKeyboardMarkup | None,
        mode: str | None,
    ) -> bool:
        """Edit the message that held the buttons; False when only a new message will do."""
        try:
            await self._call(
                target,
                lambda chat: self.bot.edit_message_text(
                    text=body,
                    chat_id=chat,
                    message_id=message_id,
                    parse_mode=mode,
                    reply_markup=markup,
                ),
            )
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return True
            logger.info("edit not possible (%s); sending a new message", type(exc).__name__)
            return False
        return True

    async def _send_file(
        self, target: list[int], message: Outbound, markup: InlineKeyboardMarkup | None
    ) -> None:
        attachment = message.attachment
        assert attachment is not None
        text = message.text or ""
        caption = text if text and utf16_len(text) <= CAPTION_LIMIT else None
        method = self.bot.send_photo if attachment.kind == "image" else self.bot.send_document
        field = "photo" if attachment.kind == "image" else "document"
        file_markup = markup if caption is not None or not text else None
        await self._call(
            target,
            lambda chat: method(
                chat_id=chat,
                filename=attachment.filename,
                caption=escape(caption) if caption else None,
                parse_mode=ParseMode.HTML if caption else None,
                reply_markup=file_markup,
                **{field: attachment.content},
            ),
        )
        if text and caption is None:
            await self._send_one(target, Outbound(text=text, choices=message.choices), None)

    async def _call(self, target: list[int], make: Callable[[int], Awaitable[T]]) -> T:
        """One Bot API call with UTP's error mapping, chat migration and network backoff."""
        attempt = 0
        while True:
            try:
                return await make(target[0])
            except Forbidden as exc:
                raise RecipientGone("the person blocked the bot or left the chat") from exc
            except ChatMigrated as exc:
                await self._migrate(target[0], int(exc.new_chat_id))
                target[0] = int(exc.new_chat_id)
            except RetryAfter as exc:
                raise TransientDeliveryError(
                    "telegram rate limit", retry_after=seconds(exc.retry_after)
                ) from exc
            except BadRequest as exc:
                if "chat not found" in str(exc).lower():
                    raise RecipientGone("the chat does not exist any more") from exc
                raise
            except NetworkError as exc:  # includes TimedOut; BadRequest was handled above
                if attempt >= NETWORK_RETRIES:
                    raise TransientDeliveryError("telegram unreachable", retry_after=30) from exc
                await asyncio.sleep(0.5 * 2**attempt)
                attempt += 1

    async def _migrate(self, old_chat: int, new_chat: int) -> None:
        async with self.uow() as uow:
            await uow.people.migrate_chat("telegram", str(old_chat), str(new_chat))
            await uow.commit()
        logger.info("a telegram chat migrated to a supergroup; following it")
