"""The mirror: ESCO skills for what the writer did, activity first (issue 11).

For each of the writer's own actions (`extractors.actions`), candidates come from five places:
  1. the everyday-action table (`data/everyday_actions.tsv`: common verbs of school, work, care,
     volunteering and hobbies -> ESCO skills),
  2. ESCO labels that start with the action's verb and share its object ("stock shelves"),
  3. the skill index queried with the action phrase (verb + object, never the whole clause),
  4. ESCO transversal, language and digital skills (always candidates, scored on the action),
  5. the skills of the ESCO occupations and everyday roles inferred from the action phrase.
Each candidate gets features (similarity to the action, table hit, verb/object fit, source,
pillar, reuse level, role support) and a logistic model turns them into a probability
(`data/notice_model.json`, fit on the reflective dev split by `bench/extraction_calibrate.py`).
Guards come first: a knowledge concept needs the action's object (or a tool it was done
with), an occupation-specific skill needs its occupation inferred or a table / label fit, and
a label matched only through context words (the topic: "a local bakery") is never noticed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from extractors.actions import Action, tokens
from extractors.esco import EscoSkill
from extractors.index import EscoIndex
from extractors.labels import LabelIndex
from extractors.notice import FEATURES, MODEL_FILE, NoticeModel
from extractors.roles import EverydayRole, OccupationIndex, load_everyday_roles, read_table

DATA_DIR = Path(__file__).parent / "data"
ACTIONS_FILE = DATA_DIR / "everyday_actions.tsv"
CLASSES_FILE = DATA_DIR / "everyday_verb_classes.tsv"  # a row's head verb matches its class
INDEX_TOP = 12  # best skills of the whole index per action phrase
LAYER_TOP = 4  # best transversal / language / digital skills per action
OCCUPATIONS = 3  # nearest occupations per action
OCCUPATION_TOP = 4  # best skills of those occupations per action
ROLE_TOP = 3  # best skills of the inferred everyday roles per action
PER_ACTION = 2
# Verbs that say little without their object: their table rows and labels are weaker evidence.
VAGUE_VERBS = frozenset(
    "do make get take help work use check go run put have give sort deal handle try".split()
)
MAX_NOTICED = 5

__all__ = ["ACTIONS_FILE", "FEATURES", "MODEL_FILE", "Candidate", "Mirror", "NoticeModel"]


@dataclass(frozen=True, slots=True)
class _Rule:
    verbs: frozenset[str]
    objects: frozenset[str]
    skills: tuple[int, ...]
    kin: frozenset[str] = frozenset()  # verbs of the same class: a weaker match


@dataclass(slots=True)
class Candidate:
    """A skill for one action, with its features and the model's probability."""

    row: int
    action: Action
    feats: dict[str, float] = field(default_factory=dict)
    probability: float = 0.0


def _alt_capitalised(skill: EscoSkill, capitalised: set[str]) -> bool:
    return any(alt.casefold() in capitalised for alt in skill.alt_labels if " " not in alt)


class Mirror:
    """Activity-first skill noticing over an `EscoIndex`."""

    def __init__(self, index: EscoIndex, model: NoticeModel | None = None) -> None:
        self.index = index
        self.taxonomy = index.taxonomy
        self.skills: tuple[EscoSkill, ...] = index.skills
        self.model = model or NoticeModel.load()
        self._lock = threading.Lock()
        row_of = {s.uri: i for i, s in enumerate(self.skills)}
        self._rules = self._load_rules(row_of)
        self.roles: list[EverydayRole] = load_everyday_roles(self.taxonomy)
        self._occupations: OccupationIndex | None = None
        n = len(self.skills)
        self._transversal = np.zeros(n, dtype=bool)
        self._knowledge = np.zeros(n, dtype=bool)
        for i, s in enumerate(self.skills):
            self._transversal[i] = s.reuse_level == "transversal" or s.group[:1] in ("T", "L")
            self._knowledge[i] = s.skill_type == "knowledge"
        self.labels = LabelIndex(self.skills, index.cache_dir)

    # -- data --------------------------------------------------------------------------------
    def _load_rules(self, row_of: dict[str, int]) -> list[_Rule]:
        classes = {
            head: frozenset(members.split("|")) for head, members in read_table(CLASSES_FILE)
        }
        rules = []
        for verbs, objects, skills in read_table(ACTIONS_FILE):
            rows = []
            for label in skills.split(";"):
                skill = self.taxonomy.by_preferred_label(label.strip())
                if skill is not None:
                    rows.append(row_of[skill.uri])
            objs = frozenset(o for o in objects.split("|") if o and o != "*")
            names = frozenset(verbs.split("|"))
            kin = frozenset().union(*(classes.get(v, frozenset()) for v in names)) - names
            rules.append(_Rule(names, objs, tuple(rows), kin))
        return rules

    @property
    def occupations(self) -> OccupationIndex:
        if self._occupations is None:
            with self._lock:
                if self._occupations is None:
                    self._occupations = OccupationIndex(self.index.embedder, self.index.cache_dir)
        return self._occupations

    def _vectors(self, phrases: list[str]) -> np.ndarray:
        """Normalised phrase vectors (mean of token vectors where the embedder has them)."""
        token_vectors = getattr(self.index.embedder, "token_vectors", None)
        if token_vectors is None:
            return self.index.embedder.embed(phrases)
        rows = []
        for phrase in phrases:
            vectors, _ = token_vectors(phrase)
            total = np.asarray(vectors, dtype=np.float32).sum(axis=0)
            norm = float(np.linalg.norm(total))
            rows.append(total / norm if norm else total)
        return np.stack(rows)

    # -- candidates and features ---------------------------------------------------------------
    def candidates(self, actions: list[Action], text: str) -> list[Candidate]:
        """Every candidate of every own action, with features and probability."""
        own = [a for a in actions if a.own]
        if not own:
            return []
        by_verb, label_words = self.labels.get()
        phrases = [a.phrase for a in own]
        scores = self.index.scores_many(phrases)
        phrase_vectors = self._vectors(phrases)
        nearest = self.occupations.nearest(phrase_vectors, OCCUPATIONS)
        digital = self.occupations.digital
        text_words = {t.text for t in tokens(text)}
        roles = [r for r in self.roles if r.cues & text_words]
        out: list[Candidate] = []
        for action, row_scores, occs in zip(own, scores, nearest, strict=True):
            feats: dict[int, dict[str, float]] = {}

            def add(row: int, feats: dict[int, dict[str, float]] = feats, **values: float) -> None:
                f = feats.setdefault(row, {})
                for k, v in values.items():
                    f[k] = max(f.get(k, 0.0), v)

            obj = set(action.obj_lemmas)
            # 1. the everyday-action table
            for rule in self._rules:
                direct = action.verb in rule.verbs or "*" in rule.verbs
                if not direct and action.verb not in rule.kin:
                    continue
                if rule.objects and not (rule.objects & (obj | set(action.obj.split()))):
                    continue
                if "*" in rule.verbs and not rule.objects:
                    continue
                strength = (1.0 if rule.objects else 0.6) * (1.0 if direct else 0.8)
                for rank, row in enumerate(rule.skills):
                    add(row, table=strength, table_rank=1.0 / (1 + rank))
            # 2. labels that start with the verb and share the object
            for verb in {action.verb, action.verb_raw}:
                for entry in by_verb.get(verb, ()):
                    if entry.objects:
                        shared = len(entry.objects & obj)
                        if not shared:
                            continue
                        add(entry.row, verb_fit=1.0, obj_fit=shared / len(entry.objects))
                    elif not obj:
                        add(entry.row, verb_fit=1.0, obj_fit=0.5)
            capitalised = {
                t.text
                for t in tokens(action.clause)
                if action.clause[t.start : t.start + 1].isupper()
            }
            for row, value in self.index.lexical_hits(action.phrase).items():
                if value < 1.0:  # one word: a name ("Python", "German") counts more than "talk"
                    name = self.skills[row].label.casefold().split(" (")[0]
                    value = (
                        0.9
                        if name in capitalised or _alt_capitalised(self.skills[row], capitalised)
                        else 0.4
                    )
                add(row, obj_lex=value, name=1.0 if value == 0.9 else 0.0)
            # tools named in the context ("in Excel", "with Python")
            if action.context:
                for row in self.index.lexical_hits(action.context):
                    group = self.skills[row].group
                    if row in digital or group.startswith("L") or group == "K06":
                        named = _alt_capitalised(self.skills[row], capitalised) or (
                            self.skills[row].label.casefold().split(" (")[0] in capitalised
                        )
                        add(row, tool=1.0, name=1.0 if named else 0.0)
            # 3. the whole index with the action phrase
            top = np.argpartition(-row_scores, INDEX_TOP)[:INDEX_TOP]
            for row in top:
                add(int(row), index_top=1.0)
            # how far the index's best skill stands out: "hang door" -> fit doors, far ahead
            first, second = top[np.argsort(-row_scores[top])[:2]]
            add(int(first), index_margin=float(row_scores[first] - row_scores[second]))
            # 4. the transversal / language / digital layer
            layer = np.flatnonzero(self._transversal)
            best = layer[np.argsort(-row_scores[layer])[:LAYER_TOP]]
            for row in best:
                add(int(row), layer=1.0)
            # 5. inferred occupations and everyday roles
            occ_rows: dict[int, float] = {}
            for occ_row, _sim in occs:
                occ = self.occupations.occupations[occ_row]
                for row in occ.essential:
                    occ_rows[row] = 1.0
                for row in occ.optional:
                    occ_rows.setdefault(row, 0.5)
            if occ_rows:
                rows = np.fromiter(occ_rows, dtype=np.int64)
                for row in rows[np.argsort(-row_scores[rows])[:OCCUPATION_TOP]]:
                    add(int(row), occ_top=1.0)
            role_rows = {row for role in roles for row in role.skills}
            if role_rows:
                rows = np.fromiter(role_rows, dtype=np.int64)
                for row in rows[np.argsort(-row_scores[rows])[:ROLE_TOP]]:
                    add(int(row), role_top=1.0)
            verb_rows = {e.row for v in {action.verb, action.verb_raw} for e in by_verb.get(v, ())}
            best_sim = max(float(row_scores[r]) for r in feats) if feats else 0.0
            by_sim = sorted(feats, key=lambda r: (-float(row_scores[r]), r))
            sim_rank = {r: 1.0 / (1 + i) for i, r in enumerate(by_sim)}
            action_words = set(action.obj_lemmas) | {action.verb, action.verb_raw}
            context_words = set(action.context_lemmas)
            for row, f in feats.items():
                skill = self.skills[row]
                sim = float(row_scores[row])
                words = label_words[row]
                in_action = bool(words & action_words)
                in_context = bool(words & context_words)
                values = {
                    "sim": sim,
                    "sim_gap": sim - best_sim,
                    "sim_rank": sim_rank[row],
                    "index_top": f.get("index_top", 0.0),
                    "index_margin": f.get("index_margin", 0.0),
                    "vague_verb": 1.0 if action.verb in VAGUE_VERBS else 0.0,
                    "own_clause": 1.0 if action.why == "own" else 0.0,
                    "table": f.get("table", 0.0),
                    "table_rank": f.get("table_rank", 0.0),
                    "verb_fit": f.get("verb_fit", 0.0),
                    "verb_only": 1.0 if row in verb_rows else 0.0,
                    "obj_fit": f.get("obj_fit", 0.0),
                    "obj_lex": f.get("obj_lex", 0.0),
                    "obj_words": min(1.0, len(words & obj) / max(1, min(3, len(words)))),
                    "tool": f.get("tool", 0.0),
                    "name": f.get("name", 0.0),
                    "occupation": occ_rows.get(row, 0.0),
                    "role": 1.0 if row in role_rows else 0.0,
                    "transversal": 1.0 if self._transversal[row] else 0.0,
                    "cross": 1.0 if skill.reuse_level == "cross-sector" else 0.0,
                    "specific": 1.0
                    if skill.reuse_level in ("sector-specific", "occupation-specific")
                    else 0.0,
                    "knowledge": 1.0 if self._knowledge[row] else 0.0,
                    "implicit": 1.0 if action.why == "implicit" else 0.0,
                    "context_only": 1.0
                    if in_context and not in_action and not f.get("tool")
                    else 0.0,
                }
                if not self._allowed(skill, values):
                    continue
                cand = Candidate(row, action, values)
                cand.probability = self.model.probability(values)
                out.append(cand)
        return out

    @staticmethod
    def _allowed(skill: EscoSkill, f: dict[str, float]) -> bool:
        """The precision guards (before any score)."""
        direct = f["table"] > 0 or f["obj_fit"] > 0 or f["obj_lex"] > 0 or f["tool"] > 0
        if f["knowledge"] and not (f["obj_lex"] > 0 or f["tool"] > 0 or f["table"] > 0):
            return False  # a knowledge concept only through the object or a tool used
        if skill.reuse_level == "occupation-specific" and not (direct or f["occupation"] > 0):
            return False
        if f["context_only"] and not f["table"] and not f["tool"]:
            return False  # matched through the topic only
        return True

    def notice(self, actions: list[Action], text: str) -> list[Candidate]:
        """The noticed skills for the writer's own actions in `text`."""
        return self.select(self.candidates(actions, text))

    def select(self, candidates: list[Candidate], cut: float | None = None) -> list[Candidate]:
        """The final decision, in one place: the best candidate per skill, at or above the
        cut, at most `PER_ACTION` per action and `MAX_NOTICED` in all, most probable first."""
        cut = self.model.cut if cut is None else cut
        best: dict[int, Candidate] = {}
        for cand in candidates:
            if cand.probability < cut:
                continue
            if cand.row not in best or cand.probability > best[cand.row].probability:
                best[cand.row] = cand
        ordered = sorted(best.values(), key=lambda c: (-c.probability, c.row))
        per_action: dict[int, int] = {}
        out = []
        for cand in ordered:
            key = cand.action.start
            if per_action.get(key, 0) >= PER_ACTION:
                continue
            per_action[key] = per_action.get(key, 0) + 1
            out.append(cand)
            if len(out) >= MAX_NOTICED:
                break
        return out
