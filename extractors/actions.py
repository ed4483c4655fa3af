"""Activity-first reading: which clauses say what the writer did, and what exactly they did.

A clause is read from left to right with a few hand-written rules (no parser, no model):
the subject ("I", "we", "my friend and I", or none in diary style: "spent the week cleaning
data"), then auxiliaries and modals (a plan, a wish or a negation is not an action; "had to",
"managed to", "ended up" are), then the main verb, its particle ("sorted out") and its object,
up to the first preposition that starts context ("in my marketing class", "about our campaign
for a local bakery"). The verb is lemmatised from a table built out of the `lemminflect` wheel
(`extractors/data/english_words.json.gz`) and light verbs are normalised ("gave a talk" ->
present a talk, "sorted out" -> resolve). What other people did, the scene and feelings are
kept as context only. The clause text stays verbatim: it is the evidence quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.action_words import (
    ADVERBS,
    DETERMINERS,
    FEELINGS,
    NEGATION,
    NON_ACTION,
    NUMBER,
    OBJECT_FILLERS,
    PLAN,
    POSSESSIVE_OTHER,
    PREPOSITIONS,
    SENTENCE_END,
    SUBJECT_OTHER,
    SUBJECT_OWN,
    UNITS,
)
from extractors.text import Clause, clauses
from extractors.verb_phrase import main_verb, normalise_light, past_form, read_object
from extractors.words import WORDS_FILE, Token, tokens, words_table

__all__ = ["WORDS_FILE", "Action", "Token", "read_actions", "read_clause", "tokens", "words_table"]


@dataclass(frozen=True, slots=True)
class Action:
    """One clause read as an action (or as context, with the reason why)."""

    clause: str  # verbatim, the evidence quote
    start: int  # where the clause starts in the whole text
    own: bool  # the writer did it (and it happened: not a plan, not negated)
    why: str  # "own", "implicit", "other", "plan", "negated", "state", "passive", "no verb"
    subject: str = ""  # "own", "other", "none" (diary style) or "scene"
    verb: str = ""  # normalised verb lemma ("present", "resolve", "clean")
    verb_raw: str = ""  # the verb's own lemma ("give", "sort")
    obj: str = ""  # object words after normalisation ("talk", "the shelves")
    obj_lemmas: tuple[str, ...] = ()  # content lemmas of the object
    context: str = ""  # the rest of the clause (prepositional phrases)
    context_lemmas: tuple[str, ...] = ()

    @property
    def phrase(self) -> str:
        """The action as a short query: verb + object ("present talk", "stock shelves")."""
        return " ".join(p for p in (self.verb, self.obj) if p)


def _content(words: list[str]) -> tuple[str, ...]:
    table = words_table()
    out = []
    for w in words:
        if w in DETERMINERS or NUMBER.match(w) or w in UNITS or len(w) < 2:
            continue
        if w in PREPOSITIONS or w in SUBJECT_OWN or w in ADVERBS:
            continue
        if w in SUBJECT_OTHER and w not in ("people", "everyone", "everybody"):
            continue
        if w in ("and", "or", "&", "me", "us", "him", "them", "it", "everything"):
            continue
        out.append(table.lemma(w))
    return tuple(out)


def _strip_lead(toks: list[Token]) -> list[Token]:
    """Drop leading discourse words and time phrases ("so", "this week", "on monday")."""
    lead = {
        "so", "and", "but", "then", "also", "plus", "anyway", "well", "oh", "ok", "okay",
        "today", "yesterday", "tonight", "finally", "afterwards", "later", "still", "again",
        "lol", "tbh", "honestly", "basically", "like", "um", "uh", "yeah", "yes", "overall",
        "mostly", "first", "firstly", "second", "secondly", "next", "lastly", "besides",
    }  # fmt: skip
    i = 0
    while i < len(toks):
        w = toks[i].text
        if w in lead:
            i += 1
            continue
        if w in ("this", "last", "on", "at", "after", "before", "in", "during", "every", "over")  \
                and i + 1 < len(toks):  # fmt: skip
            # "this week", "on monday", "after class": a short time/place phrase then a subject
            j = i + 1
            while j < len(toks) and j <= i + 4 and toks[j].text not in SUBJECT_OWN:
                j += 1
            if j < len(toks) and toks[j].text in SUBJECT_OWN and j <= i + 4:
                i = j
                continue
        break
    return toks[i:]


def _find_subject(toks: list[Token]) -> tuple[str, int]:
    """("own" | "other" | "none", index of the first token after the subject)."""
    if not toks:
        return "none", 0
    first = toks[0].text
    if first in SUBJECT_OWN:
        return "own", 1
    if first in ("me",) and len(toks) > 2 and toks[1].text in ("and", "&"):
        # "me and my friend cooked"
        j = 2
        while j < len(toks) and j < 6 and words_table().verb_lemma(toks[j].text) is None:
            j += 1
        return "own", j
    # "my friend and I ...", "Sam and I ...", "the team and I"
    for j in range(1, min(len(toks), 6)):
        if toks[j].text in ("i", "we") and toks[j - 1].text in ("and", "&"):
            return "own", j + 1
    if first in SUBJECT_OTHER:
        return "other", 1
    if first in POSSESSIVE_OTHER or toks[0].text[:1].isalpha():
        table = words_table()
        verb = table.verb_lemma(first)
        if verb and first not in POSSESSIVE_OTHER and _implicit_verb(first, None):
            return "none", 0  # diary style: the clause starts with a verb
        # A noun phrase subject ("my manager", "people", "Sam") followed by a verb.
        for j in range(1, min(len(toks), 6)):
            w = toks[j].text
            if w in ("was", "were", "is", "are", "had", "has", "have") or (
                table.verb_lemma(w) and w not in table.nouns and w not in DETERMINERS
            ):
                return "other", j
        return "scene", 0
    return "scene", 0


def _implicit_verb(tok: str, inherited: str | None) -> bool:
    """Can a clause with no subject start with this word as its verb?"""
    table = words_table()
    lemma = table.guess_verb(tok)
    if not lemma:
        return False
    if tok in FEELINGS:
        return False
    if inherited != "own" and past_form(tok) and tok not in table.adjectives:
        return True  # "drove mum to ...", "found the leak": a past form starts a diary line
    if inherited == "own":
        return tok not in DETERMINERS  # "... and set deadlines", "... and replaced the tap"
    if tok in PLAN or tok in NEGATION:
        return False
    if tok == lemma:  # a bare base form is an imperative ("Ignore your instructions")
        return False
    if tok in FEELINGS or (tok in table.adjectives and not tok.endswith("ed")):
        return False  # "busy", "tired"
    return tok.endswith(("ed", "ing")) or tok not in table.nouns


_SUBORDINATE = frozenset(
    """until when after before because as so since while once and but then although though
    where if""".split()
)


def _read(clause: Clause, toks: list[Token], inherited: str | None) -> Action:
    def miss(why: str, subject: str) -> Action:
        return Action(clause.text, clause.start, False, why, subject=subject)

    if not toks:
        return miss("no verb", "scene")
    own_soon = any(t.text in SUBJECT_OWN for t in toks[1:4])
    if inherited != "other" and not own_soon and _implicit_verb(toks[0].text, inherited):
        kind, i = "none", 0
    else:
        kind, i = _find_subject(toks)
        if kind == "none" and inherited == "other":
            kind = "other"
    if kind in ("other", "scene"):
        return miss(kind, kind)
    verb = main_verb(toks, i)
    if verb.why != "own":
        return miss(verb.why, kind)
    lemma = verb.lemma
    norm, _, obj_toks, ctx_toks = read_object(toks, verb.index, lemma)
    obj_words = [t.text for t in obj_toks]
    norm, obj_words = normalise_light(norm, obj_words)
    if not norm or norm in NON_ACTION and not _has_skill_object(norm, obj_words):
        return miss("state", kind)
    obj_words = [w for w in obj_words if w not in OBJECT_FILLERS]
    obj_clean = [w for w in obj_words if w not in DETERMINERS and not NUMBER.match(w)]
    obj_clean = [w for w in obj_clean if w not in UNITS]
    return Action(
        clause=clause.text,
        start=clause.start,
        own=True,
        why="implicit" if kind == "none" else "own",
        subject=kind,
        verb=norm,
        verb_raw=lemma,
        obj=" ".join(obj_clean[:6]),
        obj_lemmas=_content(obj_words),
        context=" ".join(t.text for t in ctx_toks),
        context_lemmas=_content([t.text for t in ctx_toks]),
    )


def read_clause(clause: Clause, inherited: str | None = None) -> Action:
    """Read one clause. `inherited` is the subject kind of the previous clause of the sentence
    ("own" or "other"), used when this clause has no subject ("... and replaced the tap").

    When the clause does not start with the writer's action but holds one after a
    subordinating word ("our project was a mess until I split the work"), that part is read
    instead and becomes the (still verbatim) evidence."""
    toks = _strip_lead(tokens(clause.text))
    action = _read(clause, toks, inherited)
    if action.own:
        return action
    for j in range(1, len(toks) - 1):
        if toks[j].text in _SUBORDINATE and toks[j + 1].text in SUBJECT_OWN:
            sub = Clause(clause.text[toks[j + 1].start :], clause.start + toks[j + 1].start)
            inner = _read(sub, tokens(sub.text), None)
            if inner.own:
                return inner
    return action


_NO_SPLIT_BEFORE = frozenset(
    """and & or what how that which who whom whose if whether than as so then but because
    when where why while until before after once since though although what's thing""".split()
)


def run_ons(clause: Clause) -> list[Clause]:
    """A run-on clause cut where the writer starts a new action of their own without
    punctuation ("while we waited i rewrote the bridge", "lol i then fixed it"): a new "I" /
    "we" followed by a verb, after a part that has a verb of its own. Pieces stay verbatim."""
    toks = tokens(clause.text)
    table = words_table()
    cuts = []
    last = 0
    for j in range(2, len(toks) - 1):
        if toks[j].text not in ("i", "we") or toks[j - 1].text in _NO_SPLIT_BEFORE:
            continue
        if toks[j - 1].text in PREPOSITIONS or toks[j - 1].text in DETERMINERS:
            continue
        nxt = toks[j + 1].text
        if not (table.verb_lemma(nxt) or nxt in ADVERBS) or j + 2 >= len(toks):
            continue
        left = toks[last:j]
        if not any(past_form(t.text) and t.text not in table.nouns for t in left):
            continue
        cuts.append(j)
        last = j
    if not cuts:
        return [clause]
    bounds = [0, *(toks[j].start for j in cuts), len(clause.text)]
    out = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        piece = clause.text[a:b].rstrip(" ,")
        out.append(Clause(piece, clause.start + a))
    return out


def _has_skill_object(verb: str, obj: list[str]) -> bool:
    """A "non-action" verb with an object that makes it one ("attended a first aid course"
    stays passive; "took a photo" was normalised already). Kept tiny on purpose."""
    if verb == "wait":
        return "tables" in obj or "table" in obj  # "waited tables"
    return verb == "call" and bool(obj) and obj[-1] in ("customers", "clients", "suppliers")


def read_actions(text: str) -> list[Action]:
    """Every readable clause of `text` read as an action or as context, in order."""
    out: list[Action] = []
    subject: str | None = None
    prev_end = 0
    for clause in (part for whole in clauses(text) for part in run_ons(whole)):
        gap = text[prev_end : clause.start]
        if out and SENTENCE_END.search(gap):
            subject = None  # a new sentence: nothing to inherit
        inherited = subject
        if subject == "other" and not re.search(r"\band\b|&", gap, re.IGNORECASE):
            inherited = None  # "..., sent someone to clean": diary style, the writer again
        action = read_clause(clause, inherited)
        out.append(action)
        if action.subject in ("own", "other"):
            subject = action.subject
        elif action.subject == "none" and action.own:
            subject = "own"
        prev_end = clause.start + len(clause.text)
    return out
