"""Build the compact ESCO data shipped in `extractors/data/` from the CSVs in `shared/esco/`.

Run once by a developer (never at run time):

    python -m extractors.build_data --esco ../shared/esco/v1.2.0 [--warm-cache]

Writes `esco_skills.json.gz` (skills, labels, descriptions, types, top groups; about 1.9 MB),
`esco_roles.json.gz` (v1.2.0 occupations with alternative labels and their essential / optional
skills from the v1.1.1 relations, plus the digital-skills collection) and, with `--words`,
`english_words.json.gz` (verb forms -> lemma and noun plurals -> singular, read from the
`lemminflect` wheel's lookup table; a build-time tool only, nothing imports it at run time).
The embedding index is not shipped: for WordLlama it is 114k vectors (about 58 MB as float16,
far over the package's size budget) and takes about 5 s to build, so it is built on first use
into the cache directory; `--warm-cache` builds it now. ESCO is © European Union; see
`data/NOTICE`.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import logging
import sys
from pathlib import Path

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"
SKILLS_FILE = "esco_skills.json.gz"
ROLES_FILE = "esco_roles.json.gz"
WORDS_FILE = "english_words.json.gz"
OCCUPATION_PREFIX = "http://data.europa.eu/esco/occupation/"
MAX_OCCUPATION_ALTS = 12
URI_PREFIX = "http://data.europa.eu/esco/skill/"
TYPES = {"skill/competence": "s", "knowledge": "k", "": ""}
REUSE = {
    "transversal": "t",
    "cross-sector": "c",
    "sector-specific": "s",
    "occupation-specific": "o",
    "": "",
}


def build_skills(esco_dir: Path) -> dict:
    """Read the reconstructed v1.2.0 skills table into the compact JSON layout."""
    path = esco_dir / "skills_en_v1.2.0_reconstructed.csv"
    csv.field_size_limit(sys.maxsize)
    groups: dict[str, str] = {}
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            uri = row["conceptUri"]
            if not uri.startswith(URI_PREFIX):
                raise ValueError(f"unexpected URI {uri!r}")
            codes = [c for c in row["topGroups"].split("|") if c]
            labels = row["topGroupLabels"].split("|")
            for code, label in zip(codes, labels, strict=False):
                groups.setdefault(code, label)
            alts = [a.strip() for a in row["altLabels"].split("\n") if a.strip()]
            rows.append(
                [
                    uri[len(URI_PREFIX) :],
                    row["preferredLabel"].strip(),
                    "\n".join(alts),
                    " ".join(row["description"].split()),
                    TYPES[row["skillType"]],
                    REUSE[row["reuseLevel"]],
                    "|".join(codes),
                ]
            )
    rows.sort(key=lambda r: r[0])
    return {
        "source": "ESCO v1.2.0 (European Commission); modified",
        "uri_prefix": URI_PREFIX,
        "columns": ["id", "label", "alt_labels", "description", "type", "reuse", "groups"],
        "types": {v: k for k, v in TYPES.items() if v},
        "reuse": {v: k for k, v in REUSE.items() if v},
        "groups": dict(sorted(groups.items())),
        "skills": rows,
    }


def build_roles(esco_dir: Path, skill_ids: list[str]) -> dict:
    """Occupations (label, alternative labels, essential and optional skill rows) and the
    digital-skills collection, with skills given as rows of the sorted skills table."""
    csv.field_size_limit(sys.maxsize)
    row_of = {URI_PREFIX + sid: i for i, sid in enumerate(skill_ids)}
    digital = []
    with (esco_dir / "skills_en_v1.2.0_reconstructed.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if "digital" in row["collections"].split("|"):
                digital.append(row_of[row["conceptUri"]])
    occupations: dict[str, list] = {}
    with (esco_dir / "occupations_en.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            alts = [a.strip() for a in row["altLabels"].split("\n") if a.strip()]
            occupations[row["conceptUri"]] = [
                row["preferredLabel"].strip(),
                alts[:MAX_OCCUPATION_ALTS],
                [],
                [],
            ]
    relations = esco_dir.parent / "v1.1.1" / "occupationSkillRelations.csv"
    with relations.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            occ = occupations.get(row["occupationUri"])
            skill = row_of.get(row["skillUri"])
            if occ is None or skill is None:
                continue
            occ[2 if row["relationType"] == "essential" else 3].append(skill)
    rows = [
        [label, "\n".join(alts), sorted(ess), sorted(opt)]
        for uri, (label, alts, ess, opt) in sorted(occupations.items())
        if ess or opt
    ]
    return {
        "source": "ESCO v1.2.0 occupations, v1.1.1 occupation-skill relations; modified",
        "skills": len(skill_ids),
        "columns": ["label", "alt_labels", "essential", "optional"],
        "occupations": rows,
        "digital": sorted(digital),
    }


def build_words() -> dict:
    """Verb forms -> lemma and noun forms -> lemma from the `lemminflect` lookup table."""
    from importlib.resources import files

    table = files("lemminflect") / "resources" / "lemma_lu.csv.gz"
    verbs: dict[str, str] = {}
    nouns: dict[str, str] = {}
    adjectives: set[str] = set()
    with gzip.open(str(table), "rt", encoding="utf-8") as fh:
        for line in fh:
            form, upos, lemma = line.rstrip("\n").split(",", 2)
            lemma = lemma.split("/")[0]
            if not form.isalpha():
                continue
            if upos == "verb":
                verbs.setdefault(form, lemma)
            elif upos == "noun":
                nouns.setdefault(form, lemma)
            elif upos == "adj":
                adjectives.add(form)
    return {
        "source": "lemminflect lemma_lu.csv.gz (MIT); verbs and nouns only",
        "verbs": dict(sorted(verbs.items())),
        "nouns": dict(sorted(nouns.items())),
        "adjectives": sorted(adjectives),
    }


def _write(name: str, data: dict) -> None:
    out = DATA_DIR / name
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with gzip.GzipFile(out, "wb", mtime=0, compresslevel=9) as fh:
        fh.write(raw)
    logger.info("wrote %s (%d bytes)", out, out.stat().st_size)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: rebuild the shipped data files."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--esco", type=Path, default=Path("../shared/esco/v1.2.0"))
    parser.add_argument("--words", action="store_true", help="rebuild the word forms too")
    parser.add_argument("--warm-cache", action="store_true", help="also build the index cache")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    data = build_skills(args.esco)
    _write(SKILLS_FILE, data)
    _write(ROLES_FILE, build_roles(args.esco, [row[0] for row in data["skills"]]))
    if args.words:
        _write(WORDS_FILE, build_words())
    if args.warm_cache:
        from extractors.index import EscoIndex

        EscoIndex(progress=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
