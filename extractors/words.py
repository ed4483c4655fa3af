"""Words for the activity-first reader: tokens and the shipped verb and noun lemma table.

The lemma table (`data/english_words.json.gz`) was built from the `lemminflect` wheel; a few
British spellings and informal forms it misses or gets wrong are fixed here.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
WORDS_FILE = DATA_DIR / "english_words.json.gz"

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#'’-]*|&")


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a clause: its lower-case form and where it sits in the clause."""

    text: str
    start: int
    end: int


class _Words:
    """Verb and noun lemmas from the shipped table (loaded once per process)."""

    def __init__(self) -> None:
        with gzip.open(WORDS_FILE, "rb") as fh:
            data = json.loads(fh.read().decode("utf-8"))
        self.verbs: dict[str, str] = data["verbs"]
        self.nouns: dict[str, str] = data["nouns"]
        self.adjectives = frozenset(data["adjectives"])

    def verb_lemma(self, word: str) -> str | None:
        word = word.replace("’", "'")
        if word in _VERB_FIX:
            return _VERB_FIX[word]
        return self.verbs.get(word)

    def guess_verb(self, word: str) -> str | None:
        """The verb lemma, also for forms the table lacks: a prefixed or hyphenated verb
        ("repotted" -> "repot", "re-set" -> "set") or an unknown regular past ("upskilled")."""
        lemma = self.verb_lemma(word)
        if lemma is not None or len(word) < 5:
            return lemma
        if "-" in word:
            base = self.verb_lemma(word.rpartition("-")[2])
            return base if base and word.endswith(("ed", "ing")) else None
        for prefix in _PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                base = self.verb_lemma(word[len(prefix) :])
                if base and word[len(prefix) :] != base:  # an inflected form: "repotted"
                    return prefix + base
        if word.endswith("ed") and word not in self.nouns and word not in self.adjectives:
            stem = word[:-2]
            return stem[:-1] if len(stem) > 3 and stem[-1] == stem[-2] else stem  # "prepped"
        return None

    def lemma(self, word: str) -> str:
        """The verb lemma for verb forms that are not also plain nouns, else the noun lemma."""
        if word in self.nouns:
            return self.nouns[word]
        return self.verbs.get(word, word)


_PREFIXES = ("re", "up", "pre", "over", "under", "out", "co", "de", "un", "mis", "double", "self")
_words: _Words | None = None
_words_lock = threading.Lock()


def words_table() -> _Words:
    """The shipped lemma table."""
    global _words
    if _words is None:
        with _words_lock:
            if _words is None:
                _words = _Words()
    return _words


# British/American and frequent informal forms the table may miss or get wrong.
_VERB_FIX = {
    "organized": "organise",
    "organize": "organise",
    "organizing": "organise",
    "organised": "organise",
    "organising": "organise",
    "organise": "organise",
    "analyzed": "analyse",
    "analyze": "analyse",
    "analyzing": "analyse",
    "analysed": "analyse",
    "analysing": "analyse",
    "practiced": "practise",
    "practicing": "practise",
    "practice": "practise",
    "practised": "practise",
    "practising": "practise",
    "learnt": "learn",
    "spelt": "spell",
    "burnt": "burn",
    "dealt": "deal",
    "led": "lead",
    "ran": "run",
    "babysat": "babysit",
    "babysitting": "babysit",
    "babysit": "babysit",
    "vacuumed": "vacuum",
    "vacuuming": "vacuum",
    "restocked": "restock",
    "restocking": "restock",
    "emailed": "email",
    "texted": "text",
    "googled": "google",
    "livestreamed": "livestream",
    "debugged": "debug",
    "debugging": "debug",
    "coded": "code",
    "coding": "code",
    "mentored": "mentor",
    "mentoring": "mentor",
    "tutored": "tutor",
    "tutoring": "tutor",
    "volunteered": "volunteer",
    "volunteering": "volunteer",
    "recieved": "receive",
    "definately": "",
}


def tokens(text: str) -> list[Token]:
    """Lower-case word tokens with their positions."""
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group(0).casefold().replace("’", "'")
        if word.endswith("'s") and len(word) > 2:
            word = word[:-2]  # "our charity's leaflet"
        out.append(Token(word, m.start(), m.end()))
    return out
