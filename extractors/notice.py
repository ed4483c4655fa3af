"""The notice model: a calibrated logistic score over a candidate's features (issue 11).

Fit on the reflective DEV split by `bench/extraction_calibrate.py`; the coefficients and the cut
ship in `data/notice_model.json`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

MODEL_FILE = Path(__file__).parent / "data" / "notice_model.json"

FEATURES = (
    "sim",  # fused index score of the action phrase (about 0..2.7)
    "sim_gap",  # sim minus the action's best candidate sim (<= 0)
    "sim_rank",  # 1 / (1 + rank of sim among the action's candidates)
    "index_top",  # among the index's best skills for the action phrase
    "index_margin",  # for the index's best skill: its lead over the second best
    "vague_verb",  # the action's verb says little by itself ("do", "make", "help", "check")
    "own_clause",  # the action has an explicit "I" / "we"
    "table",  # everyday-action table: 1 when the row names an object cue, 0.6 for any object
    "table_rank",  # 1 for the row's first skill, less for later ones
    "verb_fit",  # a label of the skill starts with the action's verb and shares its object
    "verb_only",  # a label of the skill starts with the action's verb
    "obj_fit",  # share of that label's object words found in the action's object
    "obj_lex",  # a label of the skill occurs verbatim in the action phrase
    "obj_words",  # share of the skill's label words (at most 3 counted) in the action's object
    "tool",  # a digital skill named in the clause's context ("in Excel")
    "name",  # the skill is named, capitalised, in the action ("a Python script", "German")
    "occupation",  # the skill belongs to an inferred occupation (1 essential, 0.5 optional)
    "role",  # the skill belongs to an inferred everyday role
    "transversal",  # ESCO transversal or language skill
    "cross",  # cross-sector
    "specific",  # sector- or occupation-specific
    "knowledge",  # a knowledge concept
    "implicit",  # the action has no written subject (diary style)
    "context_only",  # the skill's label words appear only in the context, not the action
)


@dataclass(frozen=True, slots=True)
class NoticeModel:
    """A logistic model over `FEATURES`; `cut` is the probability at which a skill is noticed."""

    weights: dict[str, float]
    bias: float
    cut: float
    fitted_on: str = ""

    def probability(self, feats: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in feats.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> NoticeModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            weights={k: float(v) for k, v in data["weights"].items()},
            bias=float(data["bias"]),
            cut=float(data["cut"]),
            fitted_on=str(data.get("fitted_on", "")),
        )
