"""Text helpers for extraction: verbatim clause spans, low-content checks, a language guess."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_TEXT_CHARS = 8000  # longer entries are cut; the rest is ignored for extraction
_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;]*")
# Split points inside a sentence: punctuation and conjunctions that start a new idea.
_CLAUSE_BREAK = re.compile(
    r",|:|\s[-–—]\s|\s(?:but|so|because|although|though|whereas|while|and then|then|however|"
    r"which|since)\s",
    re.IGNORECASE,
)
_LEADING = re.compile(r"^(?:and|or|also)\s+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)

# Function words and fillers that carry no skill on their own ("busy week, nothing much").
STOPWORDS = frozenset(
    """a about after again all also am an and any are as at be been before being both but by
    can could did do does doing done don't for from had has have having he her here him his how
    i i'm i've i'd i'll if in into is it it's its just me more most my myself no nor not now of
    off on once only or other our out over own same she should so some such than that the their
    them then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your yours yes yeah ok okay oh
    week weeks day days today yesterday tomorrow month time times busy nothing much many lot lots
    bit thing things stuff anything something everything really quite pretty kind sort well good
    great fine bad nice same usual pretty much little new got get went go going gone""".split()
)


@dataclass(frozen=True, slots=True)
class Clause:
    """A verbatim piece of the text and where it starts."""

    text: str
    start: int


def clauses(text: str) -> list[Clause]:
    """Sentences split into idea-sized clauses; every clause is a verbatim substring of `text`."""
    out: list[Clause] = []
    for sent in _SENTENCE.finditer(text):
        pos = sent.start()
        pieces = []
        last = 0
        body = sent.group(0)
        for brk in _CLAUSE_BREAK.finditer(body):
            pieces.append((last, brk.start()))
            last = brk.end()
        pieces.append((last, len(body)))
        pieces = [sub for a, b in pieces for sub in _split_and(body, a, b)]
        pieces = [sub for a, b in pieces for sub in chunk_words(body, a, b, MAX_CLAUSE_WORDS)]
        for a, b in pieces:
            raw = body[a:b]
            stripped = _LEADING.sub("", raw.strip(" \t\r\n.!;,-–—:\"'()"))
            if not stripped:
                continue
            offset = raw.find(stripped)
            out.append(Clause(stripped, pos + a + offset))
    return out


_TOKEN = re.compile(r"\S+")
MAX_CLAUSE_WORDS = 40  # longer runs without punctuation are cut, to bound the work per clause


def chunk_words(body: str, a: int, b: int, size: int) -> list[tuple[int, int]]:
    """`body[a:b]` as consecutive spans of at most `size` whitespace-separated words."""
    spans = [(a + m.start(), a + m.end()) for m in _TOKEN.finditer(body[a:b])]
    if len(spans) <= size:
        return [(a, b)]
    return [
        (spans[i][0], spans[min(i + size, len(spans)) - 1][1]) for i in range(0, len(spans), size)
    ]


_AND = re.compile(r"\s(?:and|&|that|who)\s", re.IGNORECASE)
MIN_SIDE_WORDS = 3


def _split_and(body: str, a: int, b: int) -> list[tuple[int, int]]:
    """Split a piece at "and" when both sides are long enough to be ideas of their own."""
    piece = body[a:b]
    for match in _AND.finditer(piece):
        left, right = piece[: match.start()], piece[match.end() :]
        if (
            len(_WORD.findall(left)) >= MIN_SIDE_WORDS
            and len(_WORD.findall(right)) >= MIN_SIDE_WORDS
        ):
            return [(a, a + match.start()), *_split_and(body, a + match.end(), b)]
    return [(a, b)]


def words(text: str) -> list[str]:
    """Alphabetic words of `text` in lower case (any script)."""
    return [w.casefold() for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    """Words that are not function words or fillers."""
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1]


def is_question(clause: str, full_text: str, start: int) -> bool:
    """True when the clause belongs to a sentence that ends with a question mark."""
    if clause.rstrip().endswith("?"):
        return True
    stop = re.search(r"[.!?\n]", full_text[start + len(clause) :])
    return bool(stop and stop.group(0) == "?")


_EN_MARKERS = frozenset(
    "the and i to of a in my was it with for on that this we is at but so have had".split()
)
# Frequent function words of other languages written in Latin script (de, fr, es, it, pt, nl).
_OTHER_MARKERS = (
    frozenset(
        """der die das und ich habe nicht mit ein eine ist war wir zu auf für le la les et je j'ai
    une des est pour avec pas dans du el los las y yo una con por para que es en mi il di che
    sono ho una gli per o os um uma não com eu de het een ik en niet met voor""".split()
    )
    - _EN_MARKERS
)


def looks_english(text: str) -> bool:
    """A cheap guess: mostly ASCII letters and more English than other function words."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True
    if sum(1 for c in letters if not c.isascii()) / len(letters) >= 0.15:
        return False
    ws = words(text)
    english = sum(1 for w in ws if w in _EN_MARKERS)
    other = sum(1 for w in ws if w in _OTHER_MARKERS)
    return other <= english or other < 2
