"""The verb phrase of a clause, after its subject: auxiliaries and modals, chains ("managed to
fix", "started cleaning"), the main verb and its particle, the object up to the first preposition
that starts context, and light verbs normalised by their object's head noun ("gave a talk" ->
present). Part of the activity-first reader (`extractors.actions`)."""

from __future__ import annotations

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
    NUMBER,
    OBJECT_FILLERS,
    OBJECT_PREPS,
    PARTICLES,
    PHRASAL,
    PLAN,
    PREPOSITIONS,
    UNITS,
    WISH_TO,
)
from extractors.words import Token, words_table


@dataclass(frozen=True, slots=True)
class Verb:
    index: int  # token index of the main verb
    lemma: str
    why: str  # "own" or a reason it is not an action


def main_verb(toks: list[Token], i: int) -> Verb:
    """From token i (right after the subject), skip auxiliaries and find the main verb."""
    table = words_table()
    tense_aux = False
    while i < len(toks):
        w = toks[i].text
        if w in ADVERBS:
            i += 1
            continue
        if w in NEGATION:
            return Verb(i, "", "negated")
        if w in PLAN or w in ("going", "gonna") and i + 1 < len(toks) and toks[i + 1].text == "to":
            if w in ("would", "'d") and i + 1 < len(toks) and toks[i + 1].text in ("have",):
                return Verb(i, "", "plan")
            return Verb(i, "", "plan")
        if w in ("can", "could") and not tense_aux:
            # "I could finally explain it" counts; "I can't" is a negation (above).
            i += 1
            continue
        if w in ("have", "has", "'ve", "had", "'d") and i + 1 < len(toks):
            nxt = toks[i + 1].text
            if nxt == "to":  # "had to", "have to": obligation, done when past
                if w in ("have", "has", "'ve"):
                    return Verb(i, "", "plan")
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
                    return Verb(i, "", "negated")
                if nxt in ("able",) and i + 2 < len(toks) and toks[i + 2].text == "to":
                    i += 3
                    continue
                if nxt in ("in", "responsible") and i + 2 < len(toks):
                    # "I was in charge of the stall", "I was responsible for the rota"
                    if nxt == "responsible" or toks[i + 2].text == "charge":
                        return Verb(i, "lead", "own")
                if nxt.endswith("ing") and table.verb_lemma(nxt):
                    if nxt == "going" and i + 2 < len(toks) and toks[i + 2].text == "to":
                        return Verb(i, "", "plan")
                    i += 1
                    continue
                if (
                    table.verb_lemma(nxt)
                    and nxt.endswith(("ed", "en", "t"))
                    and nxt not in FEELINGS
                ):
                    return Verb(i + 1, "", "passive")
            return Verb(i, "", "state")
        if w in ("do", "did", "does") and i + 1 < len(toks) and table.verb_lemma(toks[i + 1].text):
            i += 1
            continue
        lemma = table.guess_verb(w)
        if lemma is None and i + 1 < len(toks) and past_form(toks[i + 1].text):
            i += 1  # a modifier before the verb: "deep cleaned", "hand washed", "kinda fixed"
            continue
        if lemma is None and w.endswith("ly") and i + 1 < len(toks):
            i += 1  # an adverb: "gently moved"
            continue
        if lemma is None:
            return Verb(i, "", "no verb")
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
            return Verb(i, lemma, "own")
        # Chains: "managed to fix", "started cleaning", "spent the week cleaning".
        if i + 2 < len(toks) and toks[i + 1].text == "to" and lemma in WISH_TO | {"would"}:
            return Verb(i, "", "plan")
        if i + 2 < len(toks) and toks[i + 1].text == "to" and lemma in CHAIN_TO:
            if lemma == "need" and toks[i].text in ("need", "needs"):
                return Verb(i, "", "plan")
            i += 2
            continue
        if lemma == "go" and i + 1 < len(toks) and ing_verb(toks[i + 1].text):
            i += 1  # "went swimming", "went shopping": the -ing verb is the activity
            return Verb(i, table.verb_lemma(toks[i].text) or "", "own")
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
                    return Verb(i, "", "no verb")
            if toks[i].text.endswith("ing"):
                return Verb(i, table.verb_lemma(toks[i].text) or lemma, "own")
        if lemma in ("go", "come") and i + 2 < len(toks) and toks[i + 1].text == "and":
            i += 2  # "went and told chef"
            continue
        if lemma == "get" and i + 1 < len(toks):
            nxt = toks[i + 1].text
            if table.verb_lemma(nxt) and nxt.endswith(("ed", "en")) and nxt not in table.nouns:
                return Verb(i + 1, "", "passive")  # "got promoted", "got shouted at"
            for j in range(i + 2, min(len(toks) - 1, i + 6)):
                if toks[j].text == "to" and table.verb_lemma(toks[j + 1].text):
                    return Verb(j + 1, table.verb_lemma(toks[j + 1].text) or "", "own")
        if lemma == "spend":
            for j in range(i + 1, min(len(toks) - 1, i + 6)):
                if toks[j].text == "on":
                    return Verb(j, "work", "own")  # "spent my shift on returns"
        return Verb(i, lemma, "own")
    return Verb(i, "", "no verb")


def past_form(word: str) -> bool:
    """A past tense or participle ("cleaned", "drove"), not a base form or a plain noun."""
    lemma = words_table().verb_lemma(word)
    return bool(lemma) and word != lemma and not word.endswith(("s", "ing"))


def ing_verb(word: str) -> bool:
    return word.endswith("ing") and bool(words_table().verb_lemma(word))


def read_object(toks: list[Token], i: int, verb: str) -> tuple[str, str, list[Token], list[Token]]:
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


def normalise_light(verb: str, obj_words: list[str]) -> tuple[str, list[str]]:
    """ "give a talk" -> ("present", ["talk"]); other verbs unchanged."""
    if verb not in LIGHT_VERBS:
        return verb, obj_words
    head = head_noun(obj_words)
    if head in LIGHT_NOUNS:
        return (LIGHT_NOUNS[head] or ""), obj_words
    return verb, obj_words


_QUANTITY = frozenset("bunch lot lots loads load couple pile cup bit few handful pair".split())


def head_noun(obj_words: list[str]) -> str:
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
