"""Posting to a member's DM: Block Kit messages, uploads, button answers, and what a failure means.

Messages go out in order. A button answer may replace the message that held the buttons
(`chat.update`). When Slack fails part-way for a while, the messages not yet posted become one
durable `send` job, so nothing is posted twice and nothing is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack_api import delivery_error
from bot.channels.slack_blocks import escape, message_payload, slack_commands
from bot.delivery import OutboxMarks
from handlers.context import Services
from handlers.reply import is_empty
from passport.errors import DeliveryError, RecipientGone, TransientDeliveryError
from passport.jobs import Send
from passport.messages import Address, Outbound

logger = logging.getLogger(__name__)


class SlackPoster:
    """Posts Outbound values into DMs with a given Web API client."""

    def __init__(self, services: Services, notify: Callable[[], None]) -> None:
        self.services = services
        self.notify = notify  # wakes the local job runner when a send job was queued
        self.marks = OutboxMarks(services.uow, services.clock)
        self.dms: dict[tuple[str, str], str] = {}

    async def dm_channel(
        self, client: AsyncWebClient, workspace: str, user_id: str, known: str = ""
    ) -> str:
        """The member's DM with the bot (`conversations.open` once, then remembered)."""
        if known.startswith("D"):
            return known
        cached = self.dms.get((workspace, user_id)) or await self._known_dm(workspace, user_id)
        if cached:
            return cached
        try:
            opened = await client.conversations_open(users=user_id)
        except (SlackApiError, SlackClientError, OSError) as exc:
            raise delivery_error(exc, "conversations.open") from exc
        channel = opened["channel"]["id"]
        self.dms[(workspace, user_id)] = channel
        return channel

    async def _known_dm(self, workspace: str, user_id: str) -> str | None:
        """The DM stored with the member's identity (saves a `conversations.open`)."""
        async with self.services.uow() as uow:
            person = await uow.people.find_person(Address("slack", user_id, "", workspace))
            if person is None:
                return None
            for identity in await uow.people.identities(person.id):
                if (identity.platform, identity.workspace, identity.user_id) == (
                    "slack",
                    workspace,
                    user_id,
                ) and identity.chat_id.startswith("D"):
                    self.dms[(workspace, user_id)] = identity.chat_id
                    return identity.chat_id
        return None

    async def deliver(
        self,
        client: AsyncWebClient,
        channel: str,
        messages: Sequence[Outbound],
        *,
        thread_ts: str | None = None,
        replace_ts: str | None = None,
        queue_rest_for: Address | None = None,
    ) -> int:
        """Post messages in order, marking each stored part sent; returns how many went out.

        When some went out and then Slack failed for a while, the rest wait in the outbox (or,
        not stored there, become a durable send job), so nothing is posted twice; when none
        went out, the error is raised.
        """
        for index, message in enumerate(messages):
            try:
                if not is_empty(message):
                    replace_ts = await self._post_one(
                        client, channel, message, thread_ts, replace_ts
                    )
            except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
                error = delivery_error(exc, "chat.postMessage")
                if (
                    index
                    and queue_rest_for is not None
                    and isinstance(error, TransientDeliveryError)
                ):
                    rest = await self.marks.failed(messages[index:], error, error.retry_after)
                    if rest:
                        await self.queue_send(queue_rest_for, rest, error.retry_after)
                    return index
                raise error from exc
            await self.marks.sent(message)
        return len(messages)

    async def _post_one(
        self,
        client: AsyncWebClient,
        channel: str,
        message: Outbound,
        thread_ts: str | None,
        replace_ts: str | None,
    ) -> str | None:
        if message.attachment is not None:
            attachment = message.attachment
            comment = escape(slack_commands(message.text)) or None
            await client.files_upload_v2(
                channel=channel,
                file=attachment.content,
                filename=attachment.filename,
                title=attachment.filename,
                initial_comment=comment,
                thread_ts=thread_ts,
            )
            if message.choices:
                await client.chat_postMessage(
                    channel=channel,
                    thread_ts=thread_ts,
                    **message_payload(Outbound(choices=message.choices)),
                )
            return replace_ts
        payload = message_payload(message)
        if message.replace_previous and replace_ts:
            await client.chat_update(channel=channel, ts=replace_ts, **payload)
            return None  # only the message holding the buttons is replaced, once
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, **payload)
        return replace_ts

    async def queue_send(
        self, address: Address, messages: Sequence[Outbound], retry_after: float | None
    ) -> bool:
        """Hand replies to the durable job queue (attachments cannot be queued)."""
        queued = [m for m in messages if m.text or m.choices]
        async with self.services.uow() as uow:
            person = await uow.people.find_person(address)
            if person is None or not queued:
                return False
            await uow.jobs.enqueue(
                Send(person.id, tuple(queued), platform="slack"),
                self.services.clock.now(),
                delay=timedelta(seconds=retry_after or 5),
            )
            await uow.commit()
        self.notify()
        return True

    async def reply(
        self,
        client: AsyncWebClient,
        address: Address,
        messages: Sequence[Outbound],
        *,
        thread_ts: str | None = None,
        replace_ts: str | None = None,
    ) -> None:
        """Post the conversation's answers after the ack; failures become a send job."""
        if not messages:
            return
        try:
            await self.deliver(
                client,
                address.chat_id,
                messages,
                thread_ts=thread_ts,
                replace_ts=replace_ts,
                queue_rest_for=address,
            )
        except TransientDeliveryError as exc:
            logger.warning("Slack reply deferred (outbox or a send job): %s", exc)
            rest = await self.marks.failed(messages, exc, exc.retry_after)
            if rest:
                await self.queue_send(address, rest, exc.retry_after)
        except RecipientGone as exc:
            logger.warning("Slack reply not possible, member marked inactive: %s", exc)
            await self.marks.gone(messages, str(exc))
            async with self.services.uow() as uow:
                await uow.people.set_active_by_address(address, False)
                await uow.commit()
        except DeliveryError:
            logger.exception("Slack reply failed")
