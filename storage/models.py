"""SQLAlchemy 2 table definitions for the passport (SQLite and PostgreSQL alike)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# SQLite gets INTEGER PRIMARY KEY (rowid) this way, PostgreSQL gets BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which keeps no zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; store UTC (naive on SQLite so text comparisons order well)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Hand back aware UTC datetimes."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _table(model: type[Base]) -> Table:
    """A mapped class's Table (for prebuilt Core statements that skip the ORM)."""
    return cast(Table, model.__table__)


class Base(DeclarativeBase):
    """Declarative base for every UTP table."""

    type_annotation_map = {dict[str, Any]: JSON, datetime: UTCDateTime}


class PersonRow(Base):
    """A person and their weekly schedule (one row: the schedule is read with the person)."""

    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    consented: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    onboarded: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # sealed when not empty
    last_digest_at: Mapped[datetime | None]
    signing_key: Mapped[str | None] = mapped_column(Text)  # sealed with UTP_SECRET_KEY
    # schedule
    weekday: Mapped[int] = mapped_column(Integer, default=6)
    hour: Mapped[int] = mapped_column(Integer, default=18)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_until: Mapped[datetime | None]
    skip_week: Mapped[str | None] = mapped_column(String(10))
    reminders: Mapped[bool] = mapped_column(Boolean, default=True)
    digest: Mapped[str] = mapped_column(String(10), default="off")
    next_nudge_at: Mapped[datetime | None]
    next_digest_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_persons_next_nudge_at", "next_nudge_at"),
        Index("ix_persons_next_digest_at", "next_digest_at"),
    )


class IdentityRow(Base):
    """How a person is known on one platform."""

    __tablename__ = "identities"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64), default="")
    user_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    last_seen_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id", name="uq_identity"),)


class SeenMessageRow(Base):
    """Hashes of every platform message key taken in; they outlive /forget so replays stay dead."""

    __tablename__ = "seen_messages"
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime]


class EntryRow(Base):
    """What a person wrote (the current text); earlier texts live in entry_versions."""

    __tablename__ = "entries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)  # sealed (storage.sealing)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    message_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    prompt_id: Mapped[str | None] = mapped_column(String(40))
    iso_week: Mapped[str | None] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_entries_person_created", "person_id", "created_at"),
        Index("ix_entries_person_week", "person_id", "iso_week"),
    )


class EntryVersionRow(Base):
    """Every text an entry has had, the current one included."""

    __tablename__ = "entry_versions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class ArtifactRow(Base):
    """A file kept as evidence; bytes live in the blob store under the person's folder."""

    __tablename__ = "artifacts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id", ondelete="SET NULL"))
    message_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="stored")
    platform: Mapped[str] = mapped_column(String(16), default="")
    ref: Mapped[str | None] = mapped_column(Text)  # platform file handle while pending
    original_name: Mapped[str] = mapped_column(Text, default="")  # sealed
    kind: Mapped[str] = mapped_column(String(16), default="document")
    declared_size: Mapped[int | None] = mapped_column(BigInteger)
    declared_mime: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str | None] = mapped_column(String(64))
    mime: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(BigInteger)
    stored_path: Mapped[str | None] = mapped_column(Text)
    text_excerpt: Mapped[str | None] = mapped_column(Text)
    credential: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class SignalRow(Base):
    """A talent signal with evidence; `key` is the ESCO URI for skills, else the label."""

    __tablename__ = "signals"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(200))
    esco_uri: Mapped[str | None] = mapped_column(String(120))
    group_code: Mapped[str | None] = mapped_column(String(8))
    evidence: Mapped[str] = mapped_column(Text, default="")  # sealed
    confidence: Mapped[float] = mapped_column(Float, default=0.5)
    status: Mapped[str] = mapped_column(String(12), default="suggested")
    source: Mapped[str] = mapped_column(String(16), default="reflection")
    verification: Mapped[str | None] = mapped_column(String(40))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    artifact_id: Mapped[int | None] = mapped_column(ForeignKey("artifacts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_signals_person_kind_key", "person_id", "kind", "key"),
        Index("ix_signals_person_created", "person_id", "created_at"),
        Index("ix_signals_entry", "entry_id"),
    )


class JobRow(Base):
    """Durable slow work: claimed with a lease, retried with backoff, parked if stuck."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # sealed with a person
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued running done parked
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=6)
    run_after: Mapped[datetime]
    locked_until: Mapped[datetime | None]
    locked_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (Index("ix_jobs_status_run_after", "status", "run_after"),)


class NudgeRow(Base):
    """One weekly question to one person: unique per person and ISO week, so never sent twice."""

    __tablename__ = "nudges"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    iso_week: Mapped[str] = mapped_column(String(10))
    prompt_id: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(40), default="")
    # queued → sent, or failed / cancelled / expired (never sent twice: unique person + week)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    remind_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("person_id", "iso_week", name="uq_nudge_person_week"),
        Index("ix_nudges_remind_at", "remind_at"),
    )


class ChannelStateRow(Base):
    """Small durable values a channel needs across restarts (e.g. the Telegram update offset)."""

    __tablename__ = "channel_state"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class EntryPartRow(Base):
    """Which message wrote which part of an entry, once a follow-up answer joined it, so that an
    edit revises only its own part. Lengths only: the words themselves live in the entry."""

    __tablename__ = "entry_parts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    message_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    length: Mapped[int] = mapped_column(Integer)


class PersonKeyRow(Base):
    """A person's data key, wrapped by the key-encryption key of UTP_SECRET_KEY (`kek_id`), and
    the random folder their files live in. /forget deletes this row first (crypto-shredding)."""

    __tablename__ = "person_keys"
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    kek_id: Mapped[str] = mapped_column(String(32))
    wrapped: Mapped[str] = mapped_column(Text)
    folder: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class OutboxRow(Base):
    """One part of a reply, stored with what it answers in the capture's own transaction.

    A process that commits a reply holds it (`locked_by`, a lease kept alive while it lives) and
    sends it; each part is marked `sent` as it goes out. Parts whose holder died are claimed by a
    sweep and sent then, in order, and a marked part is never sent again.
    """

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    reply: Mapped[str] = mapped_column(String(32), index=True)  # groups the parts of one reply
    part: Mapped[int] = mapped_column(Integer, default=0)  # order within the reply
    answers: Mapped[str | None] = mapped_column(String(64))  # hash of the message key answered
    person_id: Mapped[int | None] = mapped_column(BigInteger)  # no FK: /forget's goodbye too
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64), default="")
    user_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # the Outbound as JSON, emptied once sent
    # pending → sent, or dropped (nobody to send to) / parked (kept failing)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_outbox_status_locked_until", "status", "locked_until"),)
