"""Start-up skips Alembic when the database is already at head (one SELECT instead)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storage.migrate import MIGRATIONS_DIR, head_revision

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import asyncio, sys
from pathlib import Path
from storage.engine import make_engine, normalize_database_url
from storage.migrate import upgrade

async def main():
    engine = make_engine(normalize_database_url(None, Path(sys.argv[1])))
    await upgrade(engine)
    await engine.dispose()

asyncio.run(main())
print("alembic loaded" if "alembic" in sys.modules else "alembic not loaded")
"""


def test_the_head_read_from_the_files_is_alembics_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_a_database_at_head_starts_without_alembic(tmp_path: Path) -> None:
    def run() -> str:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(tmp_path)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert run() == "alembic loaded"  # a new database is migrated
    assert run() == "alembic not loaded"  # already at head: one SELECT
