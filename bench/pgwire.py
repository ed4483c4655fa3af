"""Bench helpers for PostgreSQL: throwaway databases, backend CPU, and a round-trip counter.

`RoundTripProxy` sits between the bot and PostgreSQL on loopback and counts round trips: one
each time the client speaks after the server did (however its bytes were split into packets).
It works with any version of the code, so two checkouts can be compared in one run.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process (from /proc); 0 when it is gone or unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


async def create_pg(admin: str, prefix: str = "utp_bench") -> str:
    """A new empty database next to `admin`; returns its URL."""
    import asyncpg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return admin.rsplit("/", 1)[0] + "/" + name


async def drop_pg(admin: str, url: str) -> None:
    """Drop a database made by `create_pg` (closing its connections)."""
    import asyncpg

    conn = await asyncpg.connect(admin)
    await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    await conn.close()


async def backend_cpu(url: str) -> float:
    """CPU seconds used so far by every other backend connected to that database."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return sum(cpu_seconds(r["pid"]) for r in rows)


class RoundTripProxy:
    """A loopback TCP proxy in front of PostgreSQL that counts request/response turns."""

    def __init__(self, host: str = "127.0.0.1", port: int = 5432) -> None:
        self.target = (host, port)
        self.round_trips = 0
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        """Listen on a free loopback port."""
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    def url(self, url: str) -> str:
        """`url` pointed at this proxy instead of the database server."""
        head, rest = url.split("@", 1)
        return f"{head}@127.0.0.1:{self.port}/{rest.split('/', 1)[1]}"

    async def stop(self) -> None:
        """Stop listening (open connections end with their clients)."""
        if self.server is not None:
            self.server.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        state = {"server_spoke": True}

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, up: bool) -> None:
            try:
                while data := await src.read(65536):
                    if up and state["server_spoke"]:
                        self.round_trips += 1
                    state["server_spoke"] = not up
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pump(reader, up_writer, True), pump(up_reader, writer, False))
