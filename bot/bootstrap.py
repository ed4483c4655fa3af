"""The one place where concrete things meet: settings → engine → storage → extractor → channels.

`bootstrap()` returns an `App` holding everything; commands (`utp chat`, `run`, `web`, `worker`,
`tick`) add the channels they need and start what they run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.channels.base import Channel, ChannelDeps
from bot.delivery import ChannelDelivery, OutboxMarks, OutboxSweeper
from bot.runner import JobRunner
from bot.settings import Settings
from handlers.context import Limits, Services
from handlers.jobs import job_table
from handlers.rhythm import RhythmHandlers
from handlers.router import Conversation
from passport.clock import Clock, SystemClock
from passport.errors import StorageUnavailable
from passport.faults import FaultPolicy
from passport.messages import Address
from passport.signals import Extractor
from storage.blobs import FileBlobStore
from storage.engine import make_engine, make_sessionmaker, normalize_database_url
from storage.faults import translated
from storage.jobs import JobStore
from storage.migrate import upgrade
from storage.nudge_store import SqlAlchemyNudgeStore
from storage.outbox import Lease
from storage.sealing import Sealer, install_sealer
from storage.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)


@dataclass
class App:
    """Everything a running UTP process holds."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker
    clock: Clock
    services: Services
    conversation: Conversation
    delivery: ChannelDelivery
    jobs: JobStore
    runner: JobRunner
    channels: dict[str, Channel] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    sweeper: OutboxSweeper | None = None  # sends what a dead process left in the outbox
    marks: OutboxMarks | None = None  # how channels mark reply parts sent

    @property
    def channel_deps(self) -> ChannelDeps:
        """What a channel is built from (never this whole App)."""
        return ChannelDeps(self.services, self.runner.notify, self.release_waiting, self.engine)

    def add_channel(self, channel: Channel) -> None:
        """Make a platform reachable from this process (sending, and file downloads)."""
        self.channels[channel.platform] = channel
        self.runner.handlers.update(channel.job_handlers())
        fetcher = channel.fetcher()
        if fetcher is not None:
            self.services.fetchers[channel.platform] = fetcher

    async def release_waiting(self, address: Address) -> None:
        """Make jobs and replies waiting for this person runnable now (they came back)."""
        async with self.services.uow() as uow:
            person = await uow.people.find_person(address)
            if person is not None:
                await uow.outbox.release_person(person.id, self.clock.now())
                await uow.commit()
        if person is not None:
            await self.jobs.release_person(person.id, self.clock.now())

    async def close(self) -> None:
        """Stop channels and release the database."""
        for channel in list(self.channels.values()):
            try:
                await channel.stop()
            except Exception:  # noqa: BLE001 - keep closing the rest
                logger.exception("closing the %s channel failed", channel.platform)
        aclose = getattr(self.services.extractor, "aclose", None)
        if aclose is not None:
            await aclose()
        await self.engine.dispose()


async def wait_for_database(engine: AsyncEngine, faults: FaultPolicy) -> None:
    """Migrate once the database can be written: a database that is away, read-only or full at
    start-up is waited for with one clear log line per fault, never a traceback."""
    attempt = translated(upgrade)

    def waiting(exc: StorageUnavailable) -> None:
        logger.warning(
            "waiting for the database (%s): %s; retrying until it is back", exc.kind, exc.detail
        )

    await faults.keep_trying(lambda: attempt(engine), on_unavailable=waiting)
    logger.info("database ready")


class LazyExtractor:
    """Builds the configured extractor on its first use: the offline model and the ESCO data
    load in the job that first needs them, not before `utp chat` can say its first words."""

    def __init__(self, build: Callable[[], Extractor]) -> None:
        self._build = build
        self._real: Extractor | None = None
        self._lock = asyncio.Lock()

    @property
    def real(self) -> Extractor:
        """The extractor itself, built now if it was not yet."""
        if self._real is None:
            self._real = self._build()
        return self._real

    @property
    def name(self) -> str:
        """The real extractor's name."""
        return str(getattr(self.real, "name", "extractor"))

    async def extract(self, text: str, *, rank: int = 0) -> Any:
        """Extract with the real extractor (built off the event loop the first time)."""
        if self._real is None:
            async with self._lock:
                if self._real is None:
                    self._real = await asyncio.to_thread(self._build)
        return await self.real.extract(text, rank=rank)

    async def aclose(self) -> None:
        """Close the real extractor, if it was ever built."""
        aclose = getattr(self._real, "aclose", None)
        if aclose is not None:
            await aclose()


def build_extractor(settings: Settings, force: str | None = None) -> Extractor:
    """Offline extractor by default; the LLM one (offline fallback) when a key is set."""
    from extractors import build_extractor as build

    return build(
        openai_api_key=settings.openai_api_key,
        openai_base_url=settings.openai_base_url,
        model=settings.utp_llm_model,
        cache_dir=settings.utp_cache_dir,
        timeout=settings.utp_llm_timeout,
        force=force,
        offline_model=settings.utp_offline_model,
    )


def build_llm(settings: Settings) -> Any:
    """An `openai.AsyncOpenAI` client when a key is configured, else None."""
    if not settings.openai_api_key:
        return None
    import openai

    return openai.AsyncOpenAI(
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        timeout=settings.utp_llm_timeout,
        max_retries=2,
    )


def build_narrator(settings: Settings, llm: Any) -> Any:
    """The digest narrative writer (LLM) as a plain async callable, or None without a key."""
    if llm is None:
        return None
    from insight.narrative import write_narrative

    async def narrate(profile: Any) -> str | None:
        return await write_narrative(
            profile, client=llm, model=settings.utp_llm_model, timeout=settings.utp_llm_timeout
        )

    return narrate


def build_followup_writer(settings: Settings, llm: Any) -> Any:
    """The LLM follow-up writer as a plain async callable, or None without a key."""
    if llm is None:
        return None

    async def write(text: str, labels: Any, asked: Any) -> str | None:
        from insight.followup_llm import llm_followup

        # The count in a row is checked by the caller; 0 here asks the model every time.
        return await llm_followup(
            text,
            labels,
            0,
            client=llm,
            model=settings.utp_llm_model,
            timeout=settings.utp_llm_timeout,
            asked=asked,
        )

    return write


async def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    extractor: Extractor | None = None,
    migrate: bool = True,
) -> App:
    """Wire a UTP process. Migrations run first (idempotent, safe with several processes)."""
    url = normalize_database_url(settings.database_url, settings.utp_data_dir)
    engine = make_engine(url)
    faults = FaultPolicy(busy_wait=settings.utp_busy_wait_s)
    secret = settings.secret_key()
    install_sealer(engine, Sealer(secret))  # before migrations: 0004 seals what it finds
    if migrate:
        await wait_for_database(engine, faults)
    sessionmaker = make_sessionmaker(engine)
    clock = clock or SystemClock()
    Lease.seconds = settings.utp_outbox_lease_seconds
    uow = UnitOfWorkFactory(sessionmaker)
    llm = build_llm(settings)
    transcriber = None
    if llm is not None:
        from bot.transcribe import OpenAITranscriber

        transcriber = OpenAITranscriber(llm, settings.utp_transcribe_model)
    services = Services(
        uow=uow,
        clock=clock,
        blobs=FileBlobStore(settings.utp_data_dir / "blobs", settings.utp_data_dir / "exports"),
        extractor=extractor
        if extractor is not None
        else LazyExtractor(lambda: build_extractor(settings)),
        limits=Limits(
            max_file_mb=settings.utp_max_file_mb,
            reminder_hours=settings.utp_reminder_hours,
            quiet_start=settings.utp_quiet_start,
            quiet_end=settings.utp_quiet_end,
        ),
        transcriber=transcriber,
        secret_key=secret,
        narrator=build_narrator(settings, llm),
        faults=faults,
        followup_writer=build_followup_writer(settings, llm),
    )
    channels: dict[str, Channel] = {}
    delivery = ChannelDelivery(uow, channels, clock)
    job_store = JobStore(sessionmaker)
    rhythm = RhythmHandlers(services, delivery, SqlAlchemyNudgeStore(sessionmaker))
    runner = JobRunner(
        job_store,
        job_table(services, delivery, rhythm),
        clock,
        worker=settings.utp_worker_id,
        concurrency=settings.utp_worker_concurrency,
        faults=faults,
    )
    conversation = Conversation(services)

    async def tell(address: Any, messages: Any) -> None:
        # "One moment…" while a lock is waited out: straight to the channel, it stores nothing.
        channel = channels.get(address.platform)
        if channel is not None:
            await channel.send(address, messages)

    conversation.tell = tell
    return App(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        clock=clock,
        services=services,
        conversation=conversation,
        delivery=delivery,
        jobs=job_store,
        runner=runner,
        channels=channels,
        sweeper=OutboxSweeper(services, delivery, clock),
        marks=delivery.marks,
    )
