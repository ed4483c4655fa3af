"""Telegram `Message` / `CallbackQuery` → platform-neutral `Inbound` (nothing else leaks out).

Groups: the bot only answers a message that is a command for it (`/digest` or `/digest@bot`),
mentions it, or replies to one of its messages; the mention is cut from the text. A shared
location becomes an IANA time zone offline (timezonefinder), sent as `timezone_hint`.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from telegram import CallbackQuery, Message, MessageEntity

from passport.messages import Address, Inbound, InboundFile

logger = logging.getLogger(__name__)

PLATFORM = "telegram"
GROUP_TYPES = frozenset({"group", "supergroup"})


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """Who the bot is (from getMe), to tell when a group message is addressed to it."""

    id: int
    username: str = ""


@functools.cache
def _zone_finder():  # noqa: ANN202 - timezonefinder has no stubs
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def zone_at(latitude: float, longitude: float) -> str | None:
    """The IANA time zone at a point, computed offline; None at sea or on bad input."""
    try:
        return _zone_finder().timezone_at(lat=latitude, lng=longitude)
    except ValueError:
        return None


def address_of(message: Message) -> Address | None:
    """Who wrote and where to answer; None for messages without a human sender."""
    user = message.from_user
    if user is None or user.is_bot:
        return None
    return Address(PLATFORM, str(user.id), str(message.chat.id))


def _display_name(message: Message) -> str:
    user = message.from_user
    return (user.full_name or user.username or "") if user else ""


def files_of(message: Message) -> tuple[InboundFile, ...]:
    """The files of a message as references; the bytes are fetched later by a download job."""
    files: list[InboundFile] = []
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        files.append(
            InboundFile(
                ref=largest.file_id,
                name="photo.jpg",
                declared_size=largest.file_size,
                declared_mime="image/jpeg",
                kind="photo",
            )
        )
    if message.document:
        doc = message.document
        files.append(
            InboundFile(
                ref=doc.file_id,
                name=doc.file_name or "document",
                declared_size=doc.file_size,
                declared_mime=doc.mime_type,
                kind="document",
            )
        )
    if message.voice:
        voice = message.voice
        files.append(
            InboundFile(
                ref=voice.file_id,
                name="voice.ogg",
                declared_size=voice.file_size,
                declared_mime=voice.mime_type or "audio/ogg",
                kind="voice",
            )
        )
    if message.audio:
        audio = message.audio
        files.append(
            InboundFile(
                ref=audio.file_id,
                name=audio.file_name or "audio",
                declared_size=audio.file_size,
                declared_mime=audio.mime_type,
                kind="audio",
            )
        )
    return tuple(files)


def _entities(message: Message) -> dict[MessageEntity, str]:
    if message.text is not None:
        return message.parse_entities()
    if message.caption is not None:
        return message.parse_caption_entities()
    return {}


def _addressed(message: Message, me: BotIdentity, text: str) -> tuple[bool, str]:
    """(is this group message for the bot, its text with the bot's mention removed)."""
    handle = f"@{me.username}".lower() if me.username else None
    addressed = False
    for entity, value in _entities(message).items():
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            _, _, target = value.partition("@")
            if not target or (me.username and target.lower() == me.username.lower()):
                addressed = True
        elif entity.type == MessageEntity.MENTION and handle and value.lower() == handle:
            addressed = True
            text = text.replace(value, "", 1)
        elif entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == me.id:
            addressed = True
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == me.id:
        addressed = True
    return addressed, (text.strip() if addressed else text)


def message_to_inbound(
    message: Message, me: BotIdentity, *, edited: bool = False
) -> Inbound | None:
    """A person's message (new or edited) as an `Inbound`; None when there is nothing for UTP."""
    address = address_of(message)
    if address is None:
        return None
    text = message.text if message.text is not None else (message.caption or "")
    files = () if edited else files_of(message)
    zone = None
    if message.location is not None and not edited:
        zone = zone_at(message.location.latitude, message.location.longitude)
    if not text and not files and zone is None:
        return None  # service messages, stickers, polls: nothing UTP keeps
    is_group = message.chat.type in GROUP_TYPES
    addressed = True
    if is_group:
        addressed, text = _addressed(message, me, text)
    return Inbound(
        address=address,
        message_id=str(message.message_id),
        text=text,
        files=files,
        edited=edited,
        display_name=_display_name(message),
        timezone_hint=zone,
        sent_at=message.date,
        is_group=is_group,
        addressed=addressed,
    )


def callback_to_inbound(query: CallbackQuery) -> Inbound | None:
    """A pressed inline button as an `Inbound` action (keyed by the callback query id)."""
    if query.data is None or query.from_user is None:
        return None
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    chat_type = query.message.chat.type if query.message is not None else "private"
    return Inbound(
        address=Address(PLATFORM, str(query.from_user.id), str(chat_id)),
        message_id=str(query.id),
        action=query.data,
        display_name=query.from_user.full_name or "",
        is_group=chat_type in GROUP_TYPES,
        addressed=True,
    )
