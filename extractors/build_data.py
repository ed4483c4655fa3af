"""Build the compact ESCO data shipped in `extractors/data/` from the CSVs in `shared/esco/`.

Run once by a developer (never at run time):

    python -m extractors.build_data --esco ../shared/esco/v1.2.0 [--warm-cache]

Writes `esco_skills.json.gz` (skills, labels, descriptions, types, top groups; about 1.9 MB).
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


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: rebuild the shipped data files."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--esco", type=Path, default=Path("../shared/esco/v1.2.0"))
    parser.add_argument("--warm-cache", action="store_true", help="also build the index cache")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    data = build_skills(args.esco)
    out = DATA_DIR / SKILLS_FILE
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with gzip.GzipFile(out, "wb", mtime=0, compresslevel=9) as fh:
        fh.write(raw)
    logger.info("wrote %s (%d skills, %d bytes)", out, len(data["skills"]), out.stat().st_size)
    if args.warm_cache:
        from extractors.index import EscoIndex

        EscoIndex(progress=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
