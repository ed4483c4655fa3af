"""Tables for the team skill map (Slack workspaces): who shares, what was published, posts.

Kept apart from `storage.models` (same `Base`, so foreign keys and migrations see them) because
only `storage.team` reads them. No table here holds a member's words; `team_snapshots` holds
published counts and, internally, salted member tokens used to measure change between two
publications (see `storage.team`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, BigId


class TeamMemberRow(Base):
    """A member's choice to share with their workspace's team map (off by default)."""

    __tablename__ = "team_members"
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    workspace: Mapped[str] = mapped_column(String(64))  # `enterprise:team`
    sharing: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime]

    __table_args__ = (Index("ix_team_members_workspace", "workspace", "sharing"),)


class TeamSettingsRow(Base):
    """An admin's team settings: the channel for the weekly team post (None: no post)."""

    __tablename__ = "team_settings"
    workspace: Mapped[str] = mapped_column(String(64), primary_key=True)
    post_channel: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class TeamSnapshotRow(Base):
    """The published team map of a workspace (counts only) and what it was built from."""

    __tablename__ = "team_snapshots"
    workspace: Mapped[str] = mapped_column(String(64), primary_key=True)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # None: nothing published
    iso_week: Mapped[str | None] = mapped_column(String(10))
    published_at: Mapped[datetime | None]
    # Internal only, never shown: {"members": {salted token: skill-set digest}} of the last
    # publication and "left": tokens of members who stopped sharing since (see storage.team).
    basis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    salt: Mapped[str] = mapped_column(String(32))
    checked_at: Mapped[datetime | None]  # None: something changed, look again on next view


class TeamSkillPairRow(Base):
    """One (person, ESCO skill) the person kept: how many kept signals, and since when.

    Maintained by triggers on `signals` (migration 0005_team), so it stays exact whatever code
    keeps, rejects, re-extracts or deletes a signal; the map aggregates these pairs rather than
    a year of signals. `kept` may reach 0 (the row then counts for nothing).
    """

    __tablename__ = "team_skill_pairs"
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    esco_uri: Mapped[str] = mapped_column(String(120), primary_key=True)
    kept: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime] = mapped_column(index=True)


class TeamSkillCountRow(Base):
    """Sharing members per (workspace, ESCO skill) with an active pair, kept by triggers."""

    __tablename__ = "team_skill_counts"
    workspace: Mapped[str] = mapped_column(String(64), primary_key=True)
    esco_uri: Mapped[str] = mapped_column(String(120), primary_key=True)
    members: Mapped[int] = mapped_column(Integer, default=0)


class TeamPostRow(Base):
    """The claim on one workspace's weekly team post: unique per workspace and ISO week."""

    __tablename__ = "team_posts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace: Mapped[str] = mapped_column(String(64))
    iso_week: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued posted skipped
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("workspace", "iso_week", name="uq_team_post_week"),)
