"""Build the reflective dev set from its parts, validate it and freeze its test third.

    python bench/reflective_build.py           # write bench/reflective_set.jsonl + test digest
    python bench/reflective_build.py --check   # validate only; fail if the files are stale

Sources: every `bench/reflective_parts/*.jsonl` (`legacy.jsonl` holds the first 36 replies in the
old format, `"expected"` = list of groups; they become `core` with no acceptable skills).
Annotation rules: `bench/REFLECTIVE_GUIDE.md`.

The split is derived from the id alone (`sha256(id) % 3 == 0` -> test), so adding entries never
moves an existing one. The test part is frozen: its canonical lines are hashed into
`bench/reflective_test.sha256`, and the build refuses to change or drop an entry that is already
in the test part unless `--allow-test-change` is given (say why in the commit).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
PARTS = BENCH / "reflective_parts"
SET_PATH = BENCH / "reflective_set.jsonl"
DIGEST_PATH = BENCH / "reflective_test.sha256"

KINDS = frozenset(
    {
        "school_student",
        "university_student",
        "apprentice_trainee",
        "shift_worker",
        "volunteer",
        "carer",
        "hobbyist_maker",
        "team_worker",
    }
)
# Kinds of the 36 replies written before the guide; kept so old figures stay comparable.
LEGACY_KINDS = frozenset(
    {
        "student",
        "side project",
        "team",
        "work",
        "volunteer",
        "setback",
        "none",
        "injection",
        "non-English",
    }
)
LENGTHS = ("short", "medium", "long")
FIELDS = ("id", "kind", "split", "lang", "length", "text", "core", "acceptable", "note")


class SetError(ValueError):
    """The reflective set breaks a rule of the guide."""


def split_of(entry_id: str) -> str:
    """`test` for about a third of the ids, `dev` otherwise; depends on the id only."""
    digest = hashlib.sha256(entry_id.encode("utf-8")).hexdigest()
    return "test" if int(digest, 16) % 3 == 0 else "dev"


def length_of(text: str) -> str:
    """short: under 25 words; long: 60 words or more; medium in between."""
    words = len(text.split())
    return "short" if words < 25 else "long" if words >= 60 else "medium"


def canonical_line(entry: dict) -> str:
    """One entry as the line written to the set (fixed key order, UTF-8, no spaces)."""
    ordered = {key: entry[key] for key in FIELDS if key in entry}
    return json.dumps(ordered, ensure_ascii=False, separators=(",", ":"))


def frozen_digest(entries: Iterable[dict]) -> str:
    """sha256 over the canonical lines of the test part, in id order."""
    h = hashlib.sha256()
    for entry in sorted((e for e in entries if e["split"] == "test"), key=lambda e: e["id"]):
        h.update((canonical_line(entry) + "\n").encode("utf-8"))
    return h.hexdigest()


def normalise(raw: dict, source: str) -> dict:
    """A part's line in the current format (legacy `expected` becomes `core`)."""
    entry = dict(raw)
    if "expected" in entry:
        if "core" in entry:
            raise SetError(f"{source}: {entry.get('id')}: both 'expected' and 'core'")
        entry["core"] = entry.pop("expected")
        entry.setdefault("acceptable", [])
    entry.setdefault("acceptable", [])
    entry.setdefault("lang", "en")
    entry.setdefault("note", "")
    if isinstance(entry.get("text"), str):
        entry.setdefault("length", length_of(entry["text"]))
    entry["split"] = split_of(str(entry.get("id", "")))
    return entry


def read_parts(parts: Path = PARTS) -> list[dict]:
    """Every line of every part file, normalised, sorted by id."""
    entries = []
    for path in sorted(parts.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SetError(f"{path.name}:{n}: not JSON ({exc})") from exc
            entries.append(normalise(raw, f"{path.name}:{n}"))
    return sorted(entries, key=lambda e: e["id"])


def label_lookup() -> Callable[[str], str | None]:
    """uri -> ESCO v1.2 preferred label, from the taxonomy the product ships."""
    from extractors import load_taxonomy

    tx = load_taxonomy()

    def lookup(uri: str) -> str | None:
        skill = tx.get(uri)
        return None if skill is None else skill.label

    return lookup


def validate(entries: list[dict], lookup: Callable[[str], str | None]) -> list[str]:
    """Every rule the guide states that a machine can check; returns the problems found."""
    problems: list[str] = []
    seen: set[str] = set()
    for e in entries:
        eid = e.get("id")
        where = f"{eid}:"
        if not isinstance(eid, str) or not eid.strip():
            problems.append(f"entry without an id: {str(e)[:60]}")
            continue
        if eid in seen:
            problems.append(f"{where} duplicate id")
        seen.add(eid)
        if e.get("kind") not in KINDS | LEGACY_KINDS:
            problems.append(f"{where} unknown kind {e.get('kind')!r}")
        text = e.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where} empty text")
            continue
        if e.get("length") not in LENGTHS:
            problems.append(f"{where} length must be one of {LENGTHS}")
        elif e["length"] != length_of(text):
            problems.append(
                f"{where} length says {e['length']} but the text has {len(text.split())} words"
            )
        if e.get("split") != split_of(eid):
            problems.append(f"{where} split is not the one its id gives")
        core, acceptable = e.get("core"), e.get("acceptable")
        if not isinstance(core, list) or not all(isinstance(g, list) and g for g in core):
            problems.append(f"{where} core must be a list of non-empty groups")
            continue
        if not isinstance(acceptable, list):
            problems.append(f"{where} acceptable must be a list")
            continue
        core_uris = [s.get("uri") for g in core for s in g if isinstance(s, dict)]
        acc_uris = [s.get("uri") for s in acceptable if isinstance(s, dict)]
        if len(set(core_uris)) != len(core_uris):
            problems.append(f"{where} a skill appears twice in core")
        if set(core_uris) & set(acc_uris) or len(set(acc_uris)) != len(acc_uris):
            problems.append(f"{where} a skill is both core and acceptable, or listed twice")
        for skill in [s for g in core for s in g] + acceptable:
            if not isinstance(skill, dict) or set(skill) != {"uri", "label"}:
                problems.append(f"{where} a skill must be {{uri, label}}: {skill!r}")
                continue
            label = lookup(skill["uri"])
            if label is None:
                problems.append(f"{where} not an ESCO v1.2 skill: {skill['uri']}")
            elif label.strip() != skill["label"].strip():
                problems.append(
                    f"{where} label {skill['label']!r} is not the preferred label {label!r}"
                )
    return problems


def frozen_changes(old: list[dict], new: list[dict]) -> list[str]:
    """Test-part entries of `old` that `new` changes or drops."""
    now = {e["id"]: canonical_line(e) for e in new}
    return [
        e["id"] for e in old if e.get("split") == "test" and now.get(e["id"]) != canonical_line(e)
    ]


def read_set(path: Path = SET_PATH) -> list[dict]:
    """The built set."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def render(entries: list[dict]) -> tuple[str, str]:
    """The set file's text and the digest file's text."""
    body = "".join(canonical_line(e) + "\n" for e in entries)
    return body, frozen_digest(entries) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Build (or check) the set and the digest."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="validate; do not write")
    parser.add_argument(
        "--allow-test-change", action="store_true", help="accept edits to frozen test entries"
    )
    args = parser.parse_args(argv)
    try:
        entries = read_parts()
    except SetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    problems = validate(entries, label_lookup())
    changed = frozen_changes(read_set(), entries)
    if changed and not args.allow_test_change:
        problems.append(
            "frozen test entries would change or vanish (use --allow-test-change and say why): "
            + ", ".join(changed)
        )
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    if problems:
        return 1
    body, digest = render(entries)
    counts: dict[str, int] = {}
    for e in entries:
        counts[e["split"]] = counts.get(e["split"], 0) + 1
    summary = f"{len(entries)} entries ({counts.get('dev', 0)} dev, {counts.get('test', 0)} test)"
    if args.check:
        stale = not SET_PATH.exists() or SET_PATH.read_text(encoding="utf-8") != body
        stale = stale or not DIGEST_PATH.exists() or DIGEST_PATH.read_text() != digest
        print(f"{summary}: {'STALE, run the build' if stale else 'up to date'}")
        return 1 if stale else 0
    SET_PATH.write_text(body, encoding="utf-8")
    DIGEST_PATH.write_text(digest, encoding="utf-8")
    print(f"{summary}; test digest {digest.strip()[:16]}...")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
