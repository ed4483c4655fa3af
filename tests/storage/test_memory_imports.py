"""The in-memory store stands alone: importing it loads no SQLAlchemy and no sealing."""

from __future__ import annotations

import subprocess
import sys


def test_the_memory_store_imports_no_orm() -> None:
    probe = (
        "import sys, storage.memory; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy' "
        "or m == 'storage.sealing'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
