"""The team skill map's queries, with its privacy rules enforced here, where the rows are read.

A Slack workspace (`enterprise:team`) gets a picture of what its members are growing, built
only from members who turned sharing on (`/passport team on`, off by default). Every rule is
applied in this module, so no view (App Home, `utp team`, the weekly post) can skip one:

1. Only sharing members of that one workspace count; turning sharing off or `/forget` takes
   the member out of every aggregate at once (see rule 5 for how that stays safe).
2. Nothing at all while fewer than `MIN_MEMBERS` (5) members share.
3. A skill appears only when at least `MIN_HOLDERS` (3) distinct sharing members kept it; how
   many grew into it in the last `GROWTH_DAYS` (30) days shows only when that too is >= 3.
4. Counts only. The queries return ESCO URIs and numbers: no names, user ids, quotes, entry
   text, labels a member typed, or per-person rows ever leave this module.
5. Differencing. Views show a *published* map, not a live one, and a publication may differ
   from the previous one only when at least `MIN_CHANGE` (3) distinct members changed between
   them (joined, left, or kept / dropped a skill). So comparing any two looks mixes the changes
   of three or more people; a single member's skills never show as a difference. When a member
   stops sharing, the published map that counted them is withdrawn at once (nothing is shown)
   and comes back only when the change rule allows; joins and new skills wait for the next
   ISO week's refresh (and the same rule). To measure change, a publication keeps, internally,
   a salted token per member with a digest of their set of kept skills; leavers' tokens are
   kept until the next publication only to count them once. Neither ever leaves this module.
   Participation (share of sharing members who answered the latest weekly question) is live,
   only when >= 5 share and >= 5 were asked, rounded to the nearest 10 %: it says how many
   answered, never who or what.

Cost: the map never scans signals. Triggers (migration 0005_team) keep `team_skill_pairs` (one
row per person and kept ESCO skill) and `team_skill_counts` (sharing members per workspace and
skill) exact on every change to signals, sharing or persons, so building a map reads one row per
skill plus the pairs first kept in the last 30 days (`python bench/team.py`, 5,000 members with
a year of signals: 30-110 ms p50 on a loaded 2-core machine). `RECOUNT_SQL` counts from
the pairs directly; the tests hold the triggers to it after random walks of changes.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from passport.team import Participation, Sharing, SkillCount, TeamCounts
from passport.timeutil import iso_week
from storage.models import UTCDateTime
from storage.team_models import (
    TeamMemberRow,
    TeamPostRow,
    TeamSettingsRow,
    TeamSnapshotRow,
)

MIN_MEMBERS = 5
MIN_HOLDERS = 3
MIN_CHANGE = 3
GROWTH_DAYS = 30
RECHECK = timedelta(hours=1)  # a refused refresh is tried again at most this often
POST_WEEKDAY, POST_HOUR = 0, 9  # weekly team posts go out from Monday 09:00 UTC


def _token(salt: str, person_id: int) -> str:
    return hashlib.sha256(f"{salt}:{person_id}".encode()).hexdigest()[:20]


def _week(now: datetime) -> str:
    return iso_week(now, "UTC")


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert


# -- building the map (live; every rule but the differencing one) -----------------------------

# Members per skill come from the trigger-kept counts; "grew" reads only the pairs first kept
# in the last 30 days (an index range on first_at), so the cost is flat in a workspace's history.
_MAP_SQL = text(
    """
    SELECT c.esco_uri AS uri, c.members AS members, COALESCE(g.grew, 0) AS grew
    FROM team_skill_counts c LEFT JOIN (
        SELECT k.esco_uri AS esco_uri, COUNT(*) AS grew
        FROM team_skill_pairs k JOIN team_members m ON m.person_id = k.person_id
        WHERE k.first_at >= :since AND k.kept > 0 AND m.workspace = :workspace
          AND m.sharing = :yes
        GROUP BY k.esco_uri
    ) g ON g.esco_uri = c.esco_uri
    WHERE c.workspace = :workspace AND c.members >= :min_holders
    """
).bindparams(bindparam("since", type_=UTCDateTime()))

# The same counts straight from the pairs (what the triggers must always agree with).
RECOUNT_SQL = text(
    """
    SELECT k.esco_uri AS uri, COUNT(*) AS members
    FROM team_skill_pairs k JOIN team_members m ON m.person_id = k.person_id
    WHERE m.workspace = :workspace AND m.sharing = :yes AND k.kept > 0
    GROUP BY k.esco_uri
    """
)


# The latest ISO week (not after this one) in which sharing members were sent the question.
_PARTICIPATION_SQL = text(
    """
    SELECT n.iso_week AS iso_week, COUNT(DISTINCT n.person_id) AS asked,
           COUNT(DISTINCT CASE WHEN n.answered_at IS NOT NULL THEN n.person_id END) AS answered
    FROM nudges n JOIN team_members m ON m.person_id = n.person_id
    WHERE m.workspace = :workspace AND m.sharing = :yes AND n.iso_week <= :week
      AND n.sent_at IS NOT NULL
    GROUP BY n.iso_week
    ORDER BY n.iso_week DESC
    LIMIT 1
    """
)


async def sharing_members(session: AsyncSession, workspace: str) -> int:
    """How many members of a workspace share with the team map right now."""
    return int(
        await session.scalar(
            select(func.count())
            .select_from(TeamMemberRow)
            .where(TeamMemberRow.workspace == workspace, TeamMemberRow.sharing.is_(True))
        )
        or 0
    )


async def build_counts(session: AsyncSession, workspace: str, now: datetime) -> TeamCounts | None:
    """The live map of a workspace, or None below `MIN_MEMBERS` sharing members."""
    members = await sharing_members(session, workspace)
    if members < MIN_MEMBERS:
        return None
    rows = await session.execute(
        _MAP_SQL,
        {
            "workspace": workspace,
            "yes": True,
            "since": now - timedelta(days=GROWTH_DAYS),
            "min_holders": MIN_HOLDERS,
        },
    )
    skills = [
        SkillCount(str(uri), int(n), int(grew) if int(grew or 0) >= MIN_HOLDERS else 0)
        for uri, n, grew in rows
    ]
    skills.sort(key=lambda s: (-s.members, s.uri))
    return TeamCounts(members, tuple(skills), now, _week(now))


async def member_digests(session: AsyncSession, workspace: str, salt: str) -> dict[str, str]:
    """{salted token: digest of the member's set of kept skills} for every sharing member."""
    params = {"workspace": workspace, "yes": True}
    pairs = "team_skill_pairs k ON k.person_id = m.person_id AND k.kept > 0"
    if session.bind.dialect.name == "postgresql":
        # An order-free digest (count and sum of 32-bit hashes): no per-member sort or string.
        sql = f"""
        SELECT m.person_id, COUNT(k.esco_uri), COALESCE(SUM(hashtext(k.esco_uri)::bigint), 0)
        FROM team_members m LEFT JOIN {pairs}
        WHERE m.workspace = :workspace AND m.sharing = :yes
        GROUP BY m.person_id"""
        rows = await session.execute(text(sql), params)
        return {_token(salt, int(pid)): f"{n}:{total}" for pid, n, total in rows}
    sql = f"""
    SELECT m.person_id, group_concat(k.esco_uri)
    FROM team_members m LEFT JOIN {pairs}
    WHERE m.workspace = :workspace AND m.sharing = :yes
    GROUP BY m.person_id"""
    rows = await session.execute(text(sql), params)
    out = {}
    for pid, joined in rows:
        uris = ",".join(sorted((joined or "").split(","))) if joined else ""
        out[_token(salt, int(pid))] = hashlib.md5(uris.encode()).hexdigest()  # noqa: S324
    return out


def changed_members(basis: dict[str, Any], current: dict[str, str]) -> int:
    """Distinct members who joined, left or changed their kept skills since `basis`."""
    before: dict[str, str] = dict(basis.get("members") or {})
    changed = set(basis.get("left") or ())
    changed |= {t for t in current if before.get(t) != current[t]}
    changed |= {t for t in before if t not in current}
    return len(changed)


# -- the published map (rule 5) ---------------------------------------------------------------


async def _snapshot(session: AsyncSession, workspace: str) -> TeamSnapshotRow | None:
    query = select(TeamSnapshotRow).where(TeamSnapshotRow.workspace == workspace)
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def published_counts(
    session: AsyncSession, workspace: str, now: datetime
) -> TeamCounts | None:
    """The map a workspace may see now (publishing a new one when the rules allow).

    Write transaction: the caller commits.
    """
    snap = await _snapshot(session, workspace)
    week = _week(now)
    current = snap is not None and snap.counts is not None and snap.iso_week == week
    if current:
        return TeamCounts.from_json(snap.counts)  # type: ignore[union-attr,arg-type]
    looked = snap is not None and snap.checked_at is not None and now - snap.checked_at < RECHECK
    if looked:
        return TeamCounts.from_json(snap.counts) if snap and snap.counts else None
    if snap is None:
        snap = TeamSnapshotRow(workspace=workspace, basis={}, salt=secrets.token_hex(16))
        session.add(snap)
    snap.checked_at = now
    fresh = await build_counts(session, workspace, now)
    if fresh is None:
        # Below the thresholds: nothing is shown, whatever was published before.
        snap.counts = None
        await session.flush()
        return None
    digests = await member_digests(session, workspace, snap.salt)
    first = not (snap.basis or {}).get("members") and not (snap.basis or {}).get("left")
    if first or changed_members(snap.basis or {}, digests) >= MIN_CHANGE:
        snap.counts = fresh.to_json()
        snap.iso_week = week
        snap.published_at = now
        snap.basis = {"members": digests, "left": []}
        await session.flush()
        return fresh
    await session.flush()
    # Too little changed: the earlier publication stays (if nobody withdrew it).
    return TeamCounts.from_json(snap.counts) if snap.counts else None


async def _withdraw(session: AsyncSession, workspace: str, person_id: int) -> None:
    """A member left: the publication that counted them goes at once; they count as a change."""
    snap = await _snapshot(session, workspace)
    if snap is None:
        return
    basis = dict(snap.basis or {})
    members = dict(basis.get("members") or {})
    token = _token(snap.salt, person_id)
    left = list(basis.get("left") or ())
    if token in members or token in left:
        members.pop(token, None)
        if token not in left:
            left.append(token)
    snap.basis = {"members": members, "left": left}
    snap.counts = None
    snap.checked_at = None


# -- per-member choice, participation, settings, post claims ----------------------------------


class SqlAlchemyTeamRepository:
    """The team map's reads and writes inside one unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sharing(self, person_id: int) -> Sharing | None:
        """The member's own choice, or None when they never chose."""
        row = await self.session.get(TeamMemberRow, person_id)
        return Sharing(row.workspace, row.sharing, row.changed_at) if row else None

    async def set_sharing(self, person_id: int, workspace: str, on: bool, now: datetime) -> bool:
        """Turn sharing on or off; True when it changed. Off withdraws the published map."""
        row = await self.session.get(TeamMemberRow, person_id)
        if row is not None and row.sharing == on and row.workspace == workspace:
            return False
        was_sharing = row is not None and row.sharing
        if row is None:
            self.session.add(
                TeamMemberRow(person_id=person_id, workspace=workspace, sharing=on, changed_at=now)
            )
        else:
            old_workspace = row.workspace
            row.workspace, row.sharing, row.changed_at = workspace, on, now
            if was_sharing:
                await _withdraw(self.session, old_workspace, person_id)
        if on:
            snap = await _snapshot(self.session, workspace)
            if snap is not None:
                snap.checked_at = None  # look again (the change rule still applies)
        await self.session.flush()
        return True

    async def leave(self, person_id: int, now: datetime) -> None:
        """The member is being forgotten: sharing off first, so the map withdraws them."""
        row = await self.session.get(TeamMemberRow, person_id)
        if row is not None and row.sharing:
            await self.set_sharing(person_id, row.workspace, False, now)

    async def map(self, workspace: str, now: datetime) -> TeamCounts | None:
        """The published map a workspace may see (None: nothing to show)."""
        return await published_counts(self.session, workspace, now)

    async def participation(self, workspace: str, now: datetime) -> Participation | None:
        """The latest weekly question's answer share among sharing members who were asked it
        (None below MIN_MEMBERS sharing, or fewer than MIN_MEMBERS asked)."""
        if await sharing_members(self.session, workspace) < MIN_MEMBERS:
            return None
        row = (
            await self.session.execute(
                _PARTICIPATION_SQL, {"workspace": workspace, "yes": True, "week": _week(now)}
            )
        ).first()
        if row is None or int(row.asked) < MIN_MEMBERS:
            return None
        return Participation(
            str(row.iso_week), int(round(int(row.answered) * 10 / row.asked)) * 10
        )

    async def post_channel(self, workspace: str) -> str | None:
        """The channel an admin chose for the weekly team post, or None."""
        row = await self.session.get(TeamSettingsRow, workspace)
        return row.post_channel if row else None

    async def set_post_channel(self, workspace: str, channel: str | None, now: datetime) -> None:
        """Choose (or clear, with None) the weekly team post's channel."""
        row = await self.session.get(TeamSettingsRow, workspace)
        if row is None:
            self.session.add(
                TeamSettingsRow(workspace=workspace, post_channel=channel, updated_at=now)
            )
        else:
            row.post_channel, row.updated_at = channel, now
        await self.session.flush()

    async def finish_post(self, workspace: str, week: str, status: str, now: datetime) -> None:
        """Mark a claimed weekly post as posted or skipped."""
        row = (
            await self.session.scalars(
                select(TeamPostRow).where(
                    TeamPostRow.workspace == workspace, TeamPostRow.iso_week == week
                )
            )
        ).first()
        if row is not None:
            row.status, row.done_at = status, now

    async def post_status(self, workspace: str, week: str) -> str | None:
        """queued / posted / skipped for one week's post, or None when unclaimed."""
        return await self.session.scalar(
            select(TeamPostRow.status).where(
                TeamPostRow.workspace == workspace, TeamPostRow.iso_week == week
            )
        )

    async def workspaces_like(self, team_id: str) -> list[str]:
        """Workspace keys (`enterprise:team`) known to the team map for a bare team id."""
        rows = await self.session.scalars(
            select(TeamMemberRow.workspace)
            .where(TeamMemberRow.workspace.endswith(f":{team_id}"))
            .distinct()
        )
        return sorted(rows)


def post_due(now: datetime) -> bool:
    """True once this ISO week's team post time (Monday 09:00 UTC) has come."""
    at = now.astimezone(UTC)
    return (at.weekday(), at.hour) >= (POST_WEEKDAY, POST_HOUR)


async def claim_team_posts(session: AsyncSession, now: datetime) -> list[tuple[str, str]]:
    """Claim this week's post for every workspace with a post channel (once per week, ever).

    The unique (workspace, ISO week) key makes the claim atomic: when two workers tick at once,
    only one inserts the row and gets the workspace back.
    """
    if not post_due(now):
        return []
    week = _week(now)
    workspaces: Sequence[str] = list(
        await session.scalars(
            select(TeamSettingsRow.workspace).where(TeamSettingsRow.post_channel.is_not(None))
        )
    )
    if not workspaces:
        return []
    table = TeamPostRow.__table__
    stmt = (
        _insert(session)(table)
        .on_conflict_do_nothing(index_elements=["workspace", "iso_week"])
        .returning(table.c.workspace)  # type: ignore[attr-defined]
    )
    result = await session.execute(
        stmt,
        [dict(workspace=ws, iso_week=week, status="queued", created_at=now) for ws in workspaces],
    )
    return [(str(ws), week) for (ws,) in result.all()]
