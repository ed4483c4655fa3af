"""Team skill map: sharing opt-in, team settings, published snapshots, weekly post claims,
kept-skill pairs and per-workspace counts (kept exact by triggers)

Revision ID: 0005_team
Revises: 0006_one_key
Create Date: 2026-12-07 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0005_team"
down_revision = "0006_one_key"
branch_labels = None
depends_on = None

# -- the kept-skill pairs: maintained by triggers on `signals` ----------------------------------

# One row per (person, ESCO skill) the person kept: how many kept signals and since when. The
# map aggregates these pairs instead of a year of signals (~2.4 kept signals per pair), and the
# triggers keep them exact whatever code changes a signal (keep, reject, re-extract, forget).
KEPT = "{row}.status = 'confirmed' AND {row}.kind = 'skill' AND {row}.esco_uri IS NOT NULL"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION utp_team_pairs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND {KEPT.format(row="OLD")} THEN
        UPDATE team_skill_pairs SET kept = kept - 1
        WHERE person_id = OLD.person_id AND esco_uri = OLD.esco_uri;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND {KEPT.format(row="NEW")} THEN
        INSERT INTO team_skill_pairs AS p (person_id, esco_uri, kept, first_at)
        VALUES (NEW.person_id, NEW.esco_uri, 1, NEW.created_at)
        ON CONFLICT (person_id, esco_uri) DO UPDATE SET kept = p.kept + 1,
            first_at = CASE WHEN p.kept <= 0 THEN EXCLUDED.first_at
                            ELSE LEAST(p.first_at, EXCLUDED.first_at) END;
    END IF;
    RETURN NULL;
END $$
"""
PG_TRIGGER = """
CREATE TRIGGER utp_team_pairs AFTER INSERT OR DELETE OR UPDATE OF status, kind, esco_uri, person_id
ON signals FOR EACH ROW EXECUTE FUNCTION utp_team_pairs()
"""
_SQLITE_UPSERT = """
    ON CONFLICT (person_id, esco_uri) DO UPDATE SET kept = kept + 1,
        first_at = CASE WHEN kept <= 0 THEN excluded.first_at
                        ELSE min(first_at, excluded.first_at) END;"""
SQLITE_TRIGGERS = (
    f"""
CREATE TRIGGER utp_team_pairs_insert AFTER INSERT ON signals
WHEN {KEPT.format(row="NEW")}
BEGIN
    INSERT INTO team_skill_pairs (person_id, esco_uri, kept, first_at)
    VALUES (NEW.person_id, NEW.esco_uri, 1, NEW.created_at){_SQLITE_UPSERT}
END
""",
    f"""
CREATE TRIGGER utp_team_pairs_delete AFTER DELETE ON signals
WHEN {KEPT.format(row="OLD")}
BEGIN
    UPDATE team_skill_pairs SET kept = kept - 1
    WHERE person_id = OLD.person_id AND esco_uri = OLD.esco_uri;
END
""",
    f"""
CREATE TRIGGER utp_team_pairs_update AFTER UPDATE OF status, kind, esco_uri, person_id ON signals
BEGIN
    UPDATE team_skill_pairs SET kept = kept - 1
    WHERE {KEPT.format(row="OLD")} AND person_id = OLD.person_id AND esco_uri = OLD.esco_uri;
    INSERT INTO team_skill_pairs (person_id, esco_uri, kept, first_at)
    SELECT NEW.person_id, NEW.esco_uri, 1, NEW.created_at WHERE {KEPT.format(row="NEW")}
    {_SQLITE_UPSERT}
END
""",
)
BACKFILL = f"""
INSERT INTO team_skill_pairs (person_id, esco_uri, kept, first_at)
SELECT s.person_id, s.esco_uri, COUNT(*), MIN(s.created_at) FROM signals s
WHERE {KEPT.format(row="s")}
GROUP BY s.person_id, s.esco_uri
"""


# -- the per-workspace counts: maintained by triggers on the pairs and on team_members ----------


# members per (workspace, skill) = sharing members of that workspace with an active pair. Each
# trigger moves a count by the change of one fact (a pair became active or not; a member
# started or stopped sharing), reading the other table as it is, so every (active pair, sharing
# member) fact is counted exactly once, whatever order a cascade runs in.
def _add_pair(row: str) -> str:
    return f"""
    INSERT INTO team_skill_counts (workspace, esco_uri, members)
    SELECT m.workspace, {row}.esco_uri, 1 FROM team_members m
    WHERE m.person_id = {row}.person_id AND m.sharing
    ON CONFLICT (workspace, esco_uri)
    DO UPDATE SET members = team_skill_counts.members + 1;"""


def _sub_pair(row: str) -> str:
    return f"""
    UPDATE team_skill_counts SET members = members - 1
    WHERE esco_uri = {row}.esco_uri AND workspace IN (
        SELECT m.workspace FROM team_members m WHERE m.person_id = {row}.person_id AND m.sharing
    );"""


def _add_member(row: str) -> str:
    return f"""
    INSERT INTO team_skill_counts (workspace, esco_uri, members)
    SELECT {row}.workspace, k.esco_uri, 1 FROM team_skill_pairs k
    WHERE k.person_id = {row}.person_id AND k.kept > 0
    ON CONFLICT (workspace, esco_uri)
    DO UPDATE SET members = team_skill_counts.members + 1;"""


def _sub_member(row: str) -> str:
    return f"""
    UPDATE team_skill_counts SET members = members - 1
    WHERE workspace = {row}.workspace AND esco_uri IN (
        SELECT k.esco_uri FROM team_skill_pairs k WHERE k.person_id = {row}.person_id AND k.kept > 0
    );"""


PG_COUNT_FUNCTIONS = (
    f"""
CREATE OR REPLACE FUNCTION utp_team_counts_pairs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.kept > 0) = (NEW.kept > 0) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.kept > 0 THEN {_sub_pair("OLD")}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.kept > 0 THEN {_add_pair("NEW")}
    END IF;
    RETURN NULL;
END $$
""",
    f"""
CREATE OR REPLACE FUNCTION utp_team_counts_members() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.sharing THEN {_sub_member("OLD")}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.sharing THEN {_add_member("NEW")}
    END IF;
    RETURN NULL;
END $$
""",
    """
CREATE OR REPLACE FUNCTION utp_team_person_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM team_members WHERE person_id = OLD.id;
    RETURN OLD;
END $$
""",
    # A forgotten person leaves the counts before the cascade: PostgreSQL fires the cascaded
    # tables' AFTER triggers once every cascade ran, when neither table shows the other's row.
    """
CREATE TRIGGER utp_team_person_gone BEFORE DELETE ON persons
FOR EACH ROW EXECUTE FUNCTION utp_team_person_gone()
""",
    """
CREATE TRIGGER utp_team_counts_pairs AFTER INSERT OR DELETE OR UPDATE OF kept
ON team_skill_pairs FOR EACH ROW EXECUTE FUNCTION utp_team_counts_pairs()
""",
    """
CREATE TRIGGER utp_team_counts_members AFTER INSERT OR DELETE OR UPDATE OF sharing, workspace
ON team_members FOR EACH ROW EXECUTE FUNCTION utp_team_counts_members()
""",
)
SQLITE_COUNT_TRIGGERS = (
    f"""CREATE TRIGGER utp_team_counts_pair_insert AFTER INSERT ON team_skill_pairs
WHEN NEW.kept > 0 BEGIN {_add_pair("NEW")} END""",
    f"""CREATE TRIGGER utp_team_counts_pair_on AFTER UPDATE OF kept ON team_skill_pairs
WHEN OLD.kept <= 0 AND NEW.kept > 0 BEGIN {_add_pair("NEW")} END""",
    f"""CREATE TRIGGER utp_team_counts_pair_off AFTER UPDATE OF kept ON team_skill_pairs
WHEN OLD.kept > 0 AND NEW.kept <= 0 BEGIN {_sub_pair("OLD")} END""",
    f"""CREATE TRIGGER utp_team_counts_pair_delete AFTER DELETE ON team_skill_pairs
WHEN OLD.kept > 0 BEGIN {_sub_pair("OLD")} END""",
    f"""CREATE TRIGGER utp_team_counts_member_insert AFTER INSERT ON team_members
WHEN NEW.sharing BEGIN {_add_member("NEW")} END""",
    f"""CREATE TRIGGER utp_team_counts_member_delete AFTER DELETE ON team_members
WHEN OLD.sharing BEGIN {_sub_member("OLD")} END""",
    f"""CREATE TRIGGER utp_team_counts_member_off AFTER UPDATE OF sharing, workspace ON team_members
WHEN OLD.sharing BEGIN {_sub_member("OLD")} END""",
    f"""CREATE TRIGGER utp_team_counts_member_on AFTER UPDATE OF sharing, workspace ON team_members
WHEN NEW.sharing BEGIN {_add_member("NEW")} END""",
    """CREATE TRIGGER utp_team_person_gone BEFORE DELETE ON persons
BEGIN DELETE FROM team_members WHERE person_id = OLD.id; END""",
)
COUNTS_BACKFILL = """
INSERT INTO team_skill_counts (workspace, esco_uri, members)
SELECT m.workspace, k.esco_uri, COUNT(*) FROM team_skill_pairs k
JOIN team_members m ON m.person_id = k.person_id
WHERE k.kept > 0 AND m.sharing
GROUP BY m.workspace, k.esco_uri
"""


def upgrade() -> None:
    utc = storage.models.UTCDateTime(timezone=True)
    op.create_table(
        "team_members",
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("sharing", sa.Boolean(), nullable=False),
        sa.Column("changed_at", utc, nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_index("ix_team_members_workspace", "team_members", ["workspace", "sharing"])
    op.create_table(
        "team_settings",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("post_channel", sa.String(length=64), nullable=True),
        sa.Column("updated_at", utc, nullable=False),
        sa.PrimaryKeyConstraint("workspace"),
    )
    op.create_table(
        "team_snapshots",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.Column("iso_week", sa.String(length=10), nullable=True),
        sa.Column("published_at", utc, nullable=True),
        sa.Column("basis", sa.JSON(), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("checked_at", utc, nullable=True),
        sa.PrimaryKeyConstraint("workspace"),
    )
    op.create_table(
        "team_posts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("iso_week", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("done_at", utc, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace", "iso_week", name="uq_team_post_week"),
    )
    op.create_table(
        "team_skill_pairs",
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("esco_uri", sa.String(length=120), nullable=False),
        sa.Column("kept", sa.Integer(), nullable=False),
        sa.Column("first_at", utc, nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id", "esco_uri"),
    )
    op.create_index("ix_team_skill_pairs_first_at", "team_skill_pairs", ["first_at"])
    op.create_table(
        "team_skill_counts",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("esco_uri", sa.String(length=120), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("workspace", "esco_uri"),
    )
    op.execute(BACKFILL)
    op.execute(COUNTS_BACKFILL)
    if op.get_bind().dialect.name == "postgresql":
        for statement in (PG_FUNCTION, PG_TRIGGER, *PG_COUNT_FUNCTIONS):
            op.execute(statement)
    else:
        for statement in (*SQLITE_TRIGGERS, *SQLITE_COUNT_TRIGGERS):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS utp_team_pairs ON signals")
        op.execute("DROP TRIGGER IF EXISTS utp_team_counts_members ON team_members")
        op.execute("DROP TRIGGER IF EXISTS utp_team_person_gone ON persons")
        for name in (
            "utp_team_pairs",
            "utp_team_counts_pairs",
            "utp_team_counts_members",
            "utp_team_person_gone",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {name}() CASCADE")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS utp_team_pairs_{name}")
        for name in ("member_insert", "member_delete", "member_off", "member_on"):
            op.execute(f"DROP TRIGGER IF EXISTS utp_team_counts_{name}")
        for name in ("pair_insert", "pair_on", "pair_off", "pair_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS utp_team_counts_{name}")
        op.execute("DROP TRIGGER IF EXISTS utp_team_person_gone")
    op.drop_table("team_skill_counts")
    op.drop_index("ix_team_skill_pairs_first_at", table_name="team_skill_pairs")
    op.drop_table("team_skill_pairs")
    op.drop_table("team_posts")
    op.drop_table("team_snapshots")
    op.drop_table("team_settings")
    op.drop_index("ix_team_members_workspace", table_name="team_members")
    op.drop_table("team_members")
