"""The terminal chat: the embedded default channel (`utp chat`).

Choices print as numbered lines and a bare number picks one; `/file PATH` sends a file. With
piped input it reads every line, waits for the slow work each line caused, prints it, and exits.
Input is read as bytes and decoded as UTF-8 with bad bytes replaced (a pasted byte is never
fatal). A line that cannot be stored yet (disk full, read-only, database away) is kept here and
tried again until it is stored; the person hears why once.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TextIO

from bot.channels.base import Channel, InboundHandler
from bot.delivery import OutboxMarks
from handlers import texts
from passport.errors import StorageUnavailable, TransientDeliveryError
from passport.faults import DEFAULT_POLICY, FaultPolicy
from passport.messages import Address, Inbound, InboundFile, Outbound
from storage.private_files import private_dir, write_private

PREFIX = "utp> "


class ConsoleChannel(Channel):
    """One person talking in a terminal."""

    platform = "console"

    def __init__(
        self,
        user: str,
        out_dir: Path | Callable[[], Awaitable[Path]],
        stream: TextIO | None = None,
        *,
        max_bytes: int = 20 * 2**20,
        faults: FaultPolicy = DEFAULT_POLICY,
    ) -> None:
        self.user = user
        self.faults = faults
        self.max_bytes = max_bytes
        self.address = Address("console", user, user)
        # A folder, or how to find the person's own (random, private) exports folder: never
        # built from the name typed after --as, which could be "../../elsewhere".
        self._out_dir = out_dir
        self.out_dir: Path | None = out_dir if isinstance(out_dir, Path) else None
        self.stream = stream or sys.stdout
        self.last_choices: list[str] = []
        self.marks: OutboxMarks | None = None  # set by `utp chat`: marks printed replies

    def _print(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    async def send(self, address: Address, messages: Sequence[Outbound]) -> None:
        """Print messages for the person at this terminal."""
        if address.user_id != self.user:
            raise TransientDeliveryError("that person is not at this terminal", retry_after=300)
        await self._find_out_dir(messages)
        for message in messages:
            self.render(message)

    async def _find_out_dir(self, messages: Sequence[Outbound]) -> None:
        if callable(self._out_dir) and any(m.attachment is not None for m in messages):
            self.out_dir = await self._out_dir()

    def render(self, message: Outbound) -> None:
        """Print one message: text, numbered choices, and where an attachment was saved."""
        if message.text:
            lines = message.text.splitlines() or [""]
            self._print(PREFIX + lines[0])
            for line in lines[1:]:
                self._print("     " + line if line else "")
        if message.choices:
            self.last_choices = [c.data for c in message.choices]
            for number, choice in enumerate(message.choices, 1):
                self._print(f"     {number}. {choice.label}")
        if message.attachment is not None and self.out_dir is not None:
            path = self.out_dir / (Path(message.attachment.filename).name or "export")
            try:
                private_dir(self.out_dir)
                write_private(path, message.attachment.content)  # 0600: may hold a private key
            except OSError as exc:
                self._print(f"     (could not save {message.attachment.kind} to {path}: {exc})")
                return
            self._print(f"     (saved {message.attachment.kind}: {path})")

    def render_banner(self) -> None:
        """A first line for people typing by hand."""
        self._print(
            f"(UTP terminal chat as {self.user}. Type a message, a number to pick, "
            "/file PATH to send a file, Ctrl-D to leave.)"
        )

    def to_inbound(self, line: str) -> Inbound | None:
        """Turn one typed line into an Inbound (None when the channel answers it itself)."""
        text = line.rstrip("\n")
        stripped = text.strip()
        message_id = uuid.uuid4().hex
        # Buttons answer the next line only: later, a bare number is just a number.
        choices, self.last_choices = self.last_choices, []
        if stripped.isdigit() and choices:
            index = int(stripped) - 1
            if 0 <= index < len(choices):
                return Inbound(
                    address=self.address,
                    message_id=message_id,
                    action=choices[index],
                    display_name=self.user,
                )
        if stripped.startswith("/file"):
            raw = stripped[5:].strip().strip('"').strip("'")
            path = Path(raw).expanduser()
            if not raw or not path.is_file():
                self._print(PREFIX + texts.FILE_MISSING.format(path=raw or "(no path)"))
                return None
            size = path.stat().st_size
            # A file over the cap is refused by its size, without reading it.
            content = path.read_bytes() if size <= self.max_bytes else b""
            file = InboundFile(ref=str(path), name=path.name, declared_size=size, content=content)
            return Inbound(
                address=self.address, message_id=message_id, files=(file,), display_name=self.user
            )
        return Inbound(
            address=self.address, message_id=message_id, text=text, display_name=self.user
        )

    async def read_lines(self, handler: InboundHandler, stdin: TextIO, after_each) -> None:
        """Read lines until end of input, handling each and then the work it caused."""
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, read_line, stdin)
            if not line:
                break
            try:
                inbound = self.to_inbound(line)
            except OSError as exc:  # /file on something unreadable
                self._print(PREFIX + texts.FILE_MISSING.format(path=f"{line.strip()[5:]} ({exc})"))
                continue
            if inbound is None:
                continue
            replies = await self.deliver(handler, inbound)
            await self._find_out_dir(replies)
            for message in replies:
                self.render(message)
                if self.marks is not None:
                    await self.marks.sent(message)  # printed: never printed again
            await after_each()

    async def deliver(self, handler: InboundHandler, inbound: Inbound) -> list[Outbound]:
        """Hand one line to UTP, keeping it here until it is stored (passport.faults)."""

        def not_saved(exc: StorageUnavailable) -> None:
            self._print(PREFIX + texts.NOT_SAVED.get(exc.kind, texts.NOT_SAVED["io"]))

        return list(
            await self.faults.keep_trying(lambda: handler(inbound), on_unavailable=not_saved)
        )


def read_line(stdin: TextIO) -> str:
    """One line of input as text; bytes that are not UTF-8 become U+FFFD, never an error."""
    buffer = getattr(stdin, "buffer", None)
    if buffer is None:
        return stdin.readline()
    return buffer.readline().decode("utf-8", errors="replace")


def local_zone() -> str | None:
    """This machine's IANA time zone (tzlocal reads TZ, /etc/localtime, ...), or None."""
    try:
        from tzlocal import get_localzone_name

        name = get_localzone_name()
    except Exception:  # noqa: BLE001 - an odd machine setup only means no zone is offered
        return None
    return name or None
