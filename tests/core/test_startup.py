"""Start-up: a command imports what it needs when it needs it, and no lazy import is a cycle.

Timings live in `python bench/startup.py`; here we check what gets imported, which does not
depend on how loaded the machine is.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = {
    "sqlalchemy",
    "alembic",
    "matplotlib",
    "numpy",
    "aiohttp",
    "telegram",
    "slack_sdk",
    "slack_bolt",
    "openai",
    "pydantic",
    "wordllama",
    "apscheduler",
}
PACKAGES = ("bot", "handlers", "passport", "storage", "ler", "insight", "extractors")


def loaded_after(code: str) -> set[str]:
    """Top-level packages imported by running `code` in a fresh interpreter."""
    tail = "import json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    script = f"{code}\n{tail}"
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "UTP_DATA_DIR": str(ROOT / ".no-such-dir")},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_help_loads_no_database_web_chart_or_model_library() -> None:
    loaded = loaded_after(
        "import contextlib, io\nfrom bot.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['--help'])\n    except SystemExit:\n        pass"
    )
    assert not loaded & HEAVY, loaded & HEAVY


def test_verify_loads_no_database_web_or_chart_library(tmp_path: Path) -> None:
    credential = ROOT / "tests" / "ler" / "examples" / "ob3" / "simple.json"
    loaded = loaded_after(
        "import contextlib, io\nfrom bot.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['verify', {str(credential)!r}])"
    )
    assert not loaded & {"sqlalchemy", "alembic", "matplotlib", "aiohttp", "telegram", "openai"}


def test_export_formats_on_the_command_line_match_the_handlers() -> None:
    from bot.commands.export import FORMAT_NAMES
    from handlers.privacy import FORMATS

    assert sorted(FORMAT_NAMES) == sorted(FORMATS)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _runtime_imports(tree: ast.AST) -> list[str]:
    """Imports that run (at module level or inside functions), not those under TYPE_CHECKING."""
    out: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            out.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append(node.module)
            out.extend(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


# Cycles that were there before the lazy imports, each a known debt with its owner's issue;
# the test fails on any new one.
KNOWN_CYCLES: list[set[str]] = []


def test_no_import_cycle_even_inside_functions() -> None:
    modules = _modules()

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for target in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            found = resolve(target)
            if found and found != name:
                graph[name].add(found)
    # Strongly connected components (Tarjan), iterative enough for our size.
    sys.setrecursionlimit(10_000)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[set[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(component)

    for v in graph:
        if v not in index:
            strong(v)
    new = [c for c in cycles if c not in KNOWN_CYCLES]
    assert not new, new
