"""A turn's answers: committed with what they answer, made ready (slow parts) after the commit.

A handler that needs slow work for a part (a chart is matplotlib: 0.1-1 s of CPU) returns a
placeholder `later(...)` part and leaves a maker on the turn. The conversation commits the
placeholder to the outbox with everything else; the chart is drawn only after the commit, so no
write transaction waits for it and a channel can acknowledge the platform first. A placeholder
found by a sweep after a crash is made again from what it names (the sweep passes `remake`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace

from passport.messages import Outbound

logger = logging.getLogger(__name__)

LATER = "later"  # Outbound.meta key: what to make after the commit, e.g. "chart:12:<iso time>"
Maker = Callable[[], Awaitable[Outbound | None]]

_ANSWER_LATER: ContextVar[bool] = ContextVar("utp_answer_later", default=False)


@contextmanager
def answers_later() -> Iterator[None]:
    """Inside this block `Conversation.handle` returns right after the commit, before slow
    parts are made: the channel acknowledges the platform, then calls `Reply.ready()`."""
    token = _ANSWER_LATER.set(True)
    try:
        yield
    finally:
        _ANSWER_LATER.reset(token)


def answering_later() -> bool:
    """True inside `answers_later()`."""
    return _ANSWER_LATER.get()


def later(key: str) -> Outbound:
    """A placeholder part, made after the commit by the maker registered under `key`."""
    return Outbound(meta={LATER: key})


def is_empty(message: Outbound) -> bool:
    """Nothing to send (a chart that turned out too small to draw)."""
    if LATER in message.meta:
        return False
    return not (message.text or message.choices or message.attachment)


class Reply(list[Outbound]):
    """The answers of one turn, in order (a list, so callers read it as before).

    Parts stored in the outbox carry their key in `meta`; placeholders carry `LATER` until
    `ready()` makes them.
    """

    def __init__(self, parts: Iterable[Outbound] = (), makers: dict[str, Maker] | None = None):
        super().__init__(parts)
        self.makers: dict[str, Maker] = makers if makers is not None else {}

    def like(self, parts: Iterable[Outbound]) -> Reply:
        """The same reply with its parts rewritten (e.g. decorated by a channel)."""
        return Reply(parts, self.makers)

    @property
    def is_ready(self) -> bool:
        """No placeholder is left."""
        return not any(LATER in m.meta for m in self)

    async def ready(
        self, remake: Callable[[str], Awaitable[Outbound | None]] | None = None
    ) -> Reply:
        """Make every placeholder (slow: call after the commit, never inside a transaction).

        `remake` makes a placeholder from its key alone (a sweep after a crash has no maker).
        """
        for index, message in enumerate(self):
            key = message.meta.get(LATER)
            if key is None:
                continue
            maker = self.makers.get(key)
            try:
                if maker is not None:
                    made = await maker()
                elif remake is not None:
                    made = await remake(key)
                else:
                    made = None
            except Exception:  # noqa: BLE001 - a chart failing must not lose the rest of a reply
                logger.exception("making a reply part (%s) failed", key.split(":", 1)[0])
                made = None
            meta = {k: v for k, v in message.meta.items() if k != LATER}
            self[index] = (
                replace(made, meta={**made.meta, **meta}) if made else Outbound(meta=meta)
            )
        return self

    def visible(self) -> Reply:
        """Without empty parts (for callers that show the reply themselves)."""
        return self.like(m for m in self if not is_empty(m))
