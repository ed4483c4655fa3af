"""The layers in DESIGN.md hold: every import-linter contract in pyproject.toml is kept.

CI runs `lint-imports` too (.ci/run); here the same contracts fail the suite every helper runs
before landing. A venv made before import-linter joined the `test` extra skips this test until
`pip install -e '.[test]'` is run again; CI's fresh venv always has it. The check runs in its own
process: import-linter configures logging as it runs, which would silence `caplog` in every test
after this one.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECK = (
    "import sys\n"
    "from importlinter.cli import lint_imports\n"
    "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True))\n"
)


def test_every_import_contract_is_kept() -> None:
    pytest.importorskip("importlinter.cli")
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert "0 broken" in report, report
