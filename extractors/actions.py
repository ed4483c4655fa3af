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
    CHAIN_ING,
    CHAIN_TO,
    DETERMINERS,
    FEELINGS,
    LIGHT_NOUNS,
    LIGHT_VERBS,
    NEGATION,
    NON_ACTION,
    NUMBER,
    OBJECT_FILLERS,
    OBJECT_PREPS,
    PARTICLES,
    PHRASAL,
    PLAN,
    POSSESSIVE_OTHER,
    PREPOSITIONS,
    SENTENCE_END,
    SUBJECT_OTHER,
    SUBJECT_OWN,
    UNITS,
    WISH_TO,
)
from extractors.text import Clause, clauses
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


@dataclass(frozen=True, slots=True)
class _Verb:
    index: int  # token index of the main verb
    lemma: str
    why: str  # "own" or a reason it is not an action


def _main_verb(toks: list[Token], i: int) -> _Verb:
    """From token i (right after the subject), skip auxiliaries and find the main verb."""
    table = words_table()
    tense_aux = False
    while i < len(toks):
        w = toks[i].text
        if w in ADVERBS:
            i += 1
            continue
        if w in NEGATION:
            return _Verb(i, "", "negated")
        if w in PLAN or w in ("going", "gonna") and i + 1 < len(toks) and toks[i + 1].text == "to":
            if w in ("would", "'d") and i + 1 < len(toks) and toks[i + 1].text in ("have",):
                return _Verb(i, "", "plan")
            return _Verb(i, "", "plan")
        if w in ("can", "could") and not tense_aux:
            # "I could finally explain it" counts; "I can't" is a negation (above).
            i += 1
            continue
        if w in ("have", "has", "'ve", "had", "'d") and i + 1 < len(toks):
            nxt = toks[i + 1].text
            if nxt == "to":  # "had to", "have to": obligation, done when past
                if w in ("have", "has", "'ve"):
                    return _Verb(i, "", "plan")
                i += 2
                continue
            if table.verb_lemma(nxt) and nxt not in DETERMINERS:
                tense_aux = True
                i += 1
                continue
        if w in ("am", "'m", "is", "are", "'re", "was", "were", "been", "be", "being"):
            if i + 1 < len(toks):
                nxt = toks[i + 1].text
                if nxt in NEGATION:
                    return _Verb(i, "", "negated")
                if nxt in ("able",) and i + 2 < len(toks) and toks[i + 2].text == "to":
                    i += 3
                    continue
                if nxt in ("in", "responsible") and i + 2 < len(toks):
                    # "I was in charge of the stall", "I was responsible for the rota"
                    if nxt == "responsible" or toks[i + 2].text == "charge":
                        return _Verb(i, "lead", "own")
                if nxt.endswith("ing") and table.verb_lemma(nxt):
                    if nxt == "going" and i + 2 < len(toks) and toks[i + 2].text == "to":
                        return _Verb(i, "", "plan")
                    i += 1
                    continue
                if (
                    table.verb_lemma(nxt)
                    and nxt.endswith(("ed", "en", "t"))
                    and nxt not in FEELINGS
                ):
                    return _Verb(i + 1, "", "passive")
            return _Verb(i, "", "state")
        if w in ("do", "did", "does") and i + 1 < len(toks) and table.verb_lemma(toks[i + 1].text):
            i += 1
            continue
        lemma = table.guess_verb(w)
        if lemma is None and i + 1 < len(toks) and _past_form(toks[i + 1].text):
            i += 1  # a modifier before the verb: "deep cleaned", "hand washed", "kinda fixed"
            continue
        if lemma is None and w.endswith("ly") and i + 1 < len(toks):
            i += 1  # an adverb: "gently moved"
            continue
        if lemma is None:
            return _Verb(i, "", "no verb")
        if lemma == "":
            i += 1
            continue
        if (
            i + 2 < len(toks)
            and lemma in ("step", "sign", "volunteer", "offer")
            and toks[i + 1].text in ("up", "in", "forward")
            and toks[i + 2].text == "to"
        ):
            i += 3  # "stepped up to lead", "signed up to help"
            continue
        if i + 1 < len(toks) and (lemma, toks[i + 1].text) in PHRASAL:
            return _Verb(i, lemma, "own")
        # Chains: "managed to fix", "started cleaning", "spent the week cleaning".
        if i + 2 < len(toks) and toks[i + 1].text == "to" and lemma in WISH_TO | {"would"}:
            return _Verb(i, "", "plan")
        if i + 2 < len(toks) and toks[i + 1].text == "to" and lemma in CHAIN_TO:
            if lemma == "need" and toks[i].text in ("need", "needs"):
                return _Verb(i, "", "plan")
            i += 2
            continue
        if lemma == "go" and i + 1 < len(toks) and _ing_verb(toks[i + 1].text):
            i += 1  # "went swimming", "went shopping": the -ing verb is the activity
            return _Verb(i, table.verb_lemma(toks[i].text) or "", "own")
        if lemma in CHAIN_ING or lemma == "spend":
            # "started cleaning": the -ing verb right after; "spent the week cleaning" further on
            reach = 7 if lemma == "spend" else 2
            for j in range(i + 1, min(len(toks), i + reach)):
                nxt = toks[j].text
                if nxt.endswith("ing") and table.verb_lemma(nxt):
                    i = j
                    break
            else:
                if lemma == "spend":
                    return _Verb(i, "", "no verb")
            if toks[i].text.endswith("ing"):
                return _Verb(i, table.verb_lemma(toks[i].text) or lemma, "own")
        if lemma in ("go", "come") and i + 2 < len(toks) and toks[i + 1].text == "and":
            i += 2  # "went and told chef"
            continue
        if lemma == "get" and i + 1 < len(toks):
            nxt = toks[i + 1].text
            if table.verb_lemma(nxt) and nxt.endswith(("ed", "en")) and nxt not in table.nouns:
                return _Verb(i + 1, "", "passive")  # "got promoted", "got shouted at"
            for j in range(i + 2, min(len(toks) - 1, i + 6)):
                if toks[j].text == "to" and table.verb_lemma(toks[j + 1].text):
                    return _Verb(j + 1, table.verb_lemma(toks[j + 1].text) or "", "own")
        if lemma == "spend":
            for j in range(i + 1, min(len(toks) - 1, i + 6)):
                if toks[j].text == "on":
                    return _Verb(j, "work", "own")  # "spent my shift on returns"
        return _Verb(i, lemma, "own")
    return _Verb(i, "", "no verb")


def _past_form(word: str) -> bool:
    """A past tense or participle ("cleaned", "drove"), not a base form or a plain noun."""
    lemma = words_table().verb_lemma(word)
    return bool(lemma) and word != lemma and not word.endswith(("s", "ing"))


def _ing_verb(word: str) -> bool:
    return word.endswith("ing") and bool(words_table().verb_lemma(word))


def _object(toks: list[Token], i: int, verb: str) -> tuple[str, str, list[Token], list[Token]]:
    """(normalised verb, particle-joined verb, object tokens, context tokens) after the verb."""
    rest = toks[i + 1 :]
    table = words_table()
    if (
        len(rest) >= 2
        and rest[0].text in ("and", "&")
        and table.verb_lemma(rest[1].text)
        and (rest[1].text not in table.nouns)
    ):
        rest = rest[2:]  # "washed and dressed grandad": one object for both verbs
    # Particle: "sorted out the rota", "sorted the rota out" (the first form only).
    if rest and (verb, rest[0].text) in PHRASAL:
        verb = PHRASAL[(verb, rest[0].text)]
        rest = rest[1:]
        if verb == "care" and rest and rest[0].text == "of":
            rest = rest[1:]
        if verb == "devise" and rest and rest[0].text == "with":
            rest = rest[1:]
    elif rest and rest[0].text in PARTICLES and rest[0].text not in OBJECT_PREPS.get(verb, ()):
        if rest[0].text in ("out", "up", "down", "off", "together", "around", "round"):
            rest = rest[1:]
    if rest and rest[0].text in OBJECT_PREPS.get(verb, ()):
        rest = rest[1:]
    obj: list[Token] = []
    for k, tok in enumerate(rest):
        if tok.text in PREPOSITIONS and obj:
            # "a cup of tea" / "a box of books": "of" continues the object.
            if tok.text == "of" and len(obj) <= 3:
                obj.append(tok)
                continue
            return verb, verb, obj, rest[k:]
        if tok.text in ("and", "&") and obj and k + 1 < len(rest):
            nxt = rest[k + 1].text
            if words_table().verb_lemma(nxt) and nxt not in words_table().nouns:
                return verb, verb, obj, rest[k:]
        obj.append(tok)
        if len(obj) >= 8:
            return verb, verb, obj, rest[k + 1 :]
    return verb, verb, obj, []


def _normalise_light(verb: str, obj_words: list[str]) -> tuple[str, list[str]]:
    """ "give a talk" -> ("present", ["talk"]); other verbs unchanged."""
    if verb not in LIGHT_VERBS:
        return verb, obj_words
    head = _head_noun(obj_words)
    if head in LIGHT_NOUNS:
        return (LIGHT_NOUNS[head] or ""), obj_words
    return verb, obj_words


_QUANTITY = frozenset("bunch lot lots loads load couple pile cup bit few handful pair".split())


def _head_noun(obj_words: list[str]) -> str:
    """The object's head: its last content word before "of", or the word after a quantity
    ("a picture list" -> list, "a bunch of photos" -> photos)."""
    words = [w for w in obj_words if w not in DETERMINERS and not NUMBER.match(w)]
    words = [w for w in words if w not in UNITS and w not in OBJECT_FILLERS]
    if "of" in words:
        k = words.index("of")
        before, after = words[:k], words[k + 1 :]
        if before and before[-1] not in _QUANTITY:
            return before[-1]
        words = after
    return words[-1] if words else ""


def _implicit_verb(tok: str, inherited: str | None) -> bool:
    """Can a clause with no subject start with this word as its verb?"""
    table = words_table()
    lemma = table.guess_verb(tok)
    if not lemma:
        return False
    if tok in FEELINGS:
        return False
    if inherited != "own" and _past_form(tok) and tok not in table.adjectives:
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
    verb = _main_verb(toks, i)
    if verb.why != "own":
        return miss(verb.why, kind)
    lemma = verb.lemma
    norm, _, obj_toks, ctx_toks = _object(toks, verb.index, lemma)
    obj_words = [t.text for t in obj_toks]
    norm, obj_words = _normalise_light(norm, obj_words)
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
        if not any(_past_form(t.text) and t.text not in table.nouns for t in left):
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
