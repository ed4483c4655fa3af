"""Build `insight/data/occupations.json.gz` from the ESCO CSVs (run once; the output is committed).

    python -m insight.build_data /work/shared/esco

Occupations and their labels come from ESCO v1.2.0; occupation -> essential skill relations from
v1.1.1 (the newest release with a relations file here), keeping only skill URIs that still exist
in v1.2.0; skill labels, reuse levels and top groups from the v1.2.0 skills table.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from pathlib import Path
from typing import Any

OCC_PREFIX = "http://data.europa.eu/esco/occupation/"
SKILL_PREFIX = "http://data.europa.eu/esco/skill/"
SIMILAR_TOP = 15
OUT = Path(__file__).parent / "data" / "occupations.json.gz"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _alts(text: str) -> list[str]:
    seen: list[str] = []
    for alt in text.split("\n"):
        alt = " ".join(alt.split())
        if alt and alt not in seen:
            seen.append(alt)
    return seen


def _borrow(
    esco: Path, occ_rows: list[dict[str, str]], essential: dict[str, list[str]]
) -> dict[str, tuple[str, list[str]]]:
    """Essential skills for occupations new in v1.2.0 (no relations yet), marked with `via`.

    From the broader ESCO occupation when there is one with relations, else the SIMILAR_TOP
    skills most often essential (to two or more) among occupations of the same ISCO unit group.
    """
    labels = {r["conceptUri"]: " ".join(r["preferredLabel"].split()) for r in occ_rows}
    broader: dict[str, list[str]] = {}
    for r in _rows(esco / "v1.2.0" / "broaderRelationsOccPillar_en.csv"):
        if r["broaderType"] == "Occupation":
            broader.setdefault(r["conceptUri"], []).append(r["broaderUri"])
    by_isco: dict[str, list[str]] = {}
    for r in occ_rows:
        if essential.get(r["conceptUri"]):
            by_isco.setdefault(r["iscoGroup"], []).append(r["conceptUri"])
    out: dict[str, tuple[str, list[str]]] = {}
    for r in occ_rows:
        uri = r["conceptUri"]
        if essential.get(uri):
            continue
        parents = [b for b in broader.get(uri, []) if essential.get(b)]
        if parents:
            out[uri] = (f"broader occupation: {labels[parents[0]]}", essential[parents[0]])
            continue
        peers = by_isco.get(r["iscoGroup"], [])
        counts: dict[str, int] = {}
        for peer in peers:
            for u in set(essential[peer]):
                counts[u] = counts.get(u, 0) + 1
        shared = sorted((u for u, n in counts.items() if n >= 2), key=lambda u: (-counts[u], u))
        if shared:
            out[uri] = (f"similar jobs (ISCO {r['iscoGroup']})", shared[:SIMILAR_TOP])
    return out


def build(esco: Path) -> dict[str, Any]:
    """The compact data: skills as a table, occupations pointing at skill rows."""
    skills = {
        r["conceptUri"]: r for r in _rows(esco / "v1.2.0" / "skills_en_v1.2.0_reconstructed.csv")
    }
    essential: dict[str, list[str]] = {}
    for r in _rows(esco / "v1.1.1" / "occupationSkillRelations.csv"):
        if r["relationType"] == "essential" and r["skillUri"] in skills:
            essential.setdefault(r["occupationUri"], []).append(r["skillUri"])
    used = sorted({u for uris in essential.values() for u in uris})  # borrowing adds none
    index = {u: i for i, u in enumerate(used)}
    skill_table = [
        [
            u.removeprefix(SKILL_PREFIX),
            skills[u]["preferredLabel"].strip(),
            skills[u]["topGroups"],
            skills[u]["reuseLevel"],
        ]
        for u in used
    ]
    occ_rows = _rows(esco / "v1.2.0" / "occupations_en.csv")
    borrowed = _borrow(esco, occ_rows, essential)
    occupations = []
    for r in occ_rows:
        uri = r["conceptUri"]
        label = " ".join(r["preferredLabel"].split())
        alts = [a for a in _alts(r["altLabels"]) if a != label]
        via = ""
        uris = essential.get(uri, [])
        if not uris and uri in borrowed:
            via, uris = borrowed[uri]
        ids = sorted({index[u] for u in uris if u in index})
        occupations.append([uri.removeprefix(OCC_PREFIX), label, alts, ids, via])
    return {
        "about": (
            "This service uses the ESCO classification of the European Commission. Occupations "
            "and skills: ESCO v1.2.0; occupation-skill relations: ESCO v1.1.1 (essential only, "
            "skills present in v1.2.0). Data derived from ESCO; modified."
        ),
        "occupation_prefix": OCC_PREFIX,
        "skill_prefix": SKILL_PREFIX,
        "skill_columns": ["id", "label", "top_groups", "reuse"],
        "skills": skill_table,
        "occupation_columns": ["id", "label", "alt_labels", "essential_skill_rows", "via"],
        "occupations": occupations,
    }


def main(argv: list[str]) -> int:
    """Write the data file from the ESCO folder given (default ../shared/esco)."""
    esco = Path(argv[1]) if len(argv) > 1 else Path(__file__).parents[2] / "shared" / "esco"
    data = build(esco)
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    # mtime=0 keeps the file byte-identical across rebuilds.
    OUT.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    print(
        f"{OUT}: {len(data['occupations'])} occupations, {len(data['skills'])} skills, "
        f"{OUT.stat().st_size} bytes"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
