"""Word lists of the activity-first reader (`extractors.actions`): who acts, auxiliaries and
modals, states that are not actions, light and phrasal verbs, and what ends an object."""

from __future__ import annotations

import re

SUBJECT_OWN = frozenset("i we i've i'd i'm we've we'd we're i'll we'll im ive myself".split())
SUBJECT_OTHER = frozenset(
    """he she they you it he's she's they've they're it's there there's someone everyone
    nobody people everybody somebody one this that these those who""".split()
)
POSSESSIVE_OTHER = frozenset({"my", "our", "the", "a", "an", "his", "her", "their", "your"})
# Words that may stand between the subject and the verb without changing who acted.
ADVERBS = frozenset(
    """also just finally actually really even still then already basically literally mostly
    only first eventually quickly slowly successfully carefully somehow totally properly
    personally all both together mainly mostly kinda sorta pretty almost barely nearly
    luckily fortunately thankfully honestly definitely definately def once again always
    usually often sometimes later soon immediately myself ourselves""".split()
)
NEGATION = frozenset(
    """not never didn't didnt don't dont couldn't couldnt wasn't wasnt can't cant cannot won't
    wont wouldn't wouldnt haven't havent hadn't hadnt no n't""".split()
)
PLAN = frozenset(
    """will 'll shall should would 'd might may must wanna gonna""".split()
)  # fmt: skip
# Verbs whose "to + verb" or "verb-ing" complement is the real action ("managed to fix it").
CHAIN_TO = frozenset(
    """manage try attempt get help learn decide offer volunteer start begin continue
    step agree remember struggle need have""".split()
)
CHAIN_ING = frozenset(
    """spend start begin keep continue finish stop end try practise practice enjoy""".split()
)
# Verbs that, followed by "to", mean a wish or a plan rather than something done.
WISH_TO = frozenset("""want plan hope intend wish aim like love prefer expect""".split())
# States, feelings and passive life: not activities that show a skill.
NON_ACTION = frozenset(
    """be feel seem look sound get become stay remain sleep nap rest relax chill watch
    binge scroll eat drink have wake sit lie lay miss wish want hope think guess suppose
    know believe forget remember notice realise realize wonder worry love hate like enjoy
    prefer go come leave arrive return travel visit attend receive lose win pass fail happen
    laugh cry smile shake sweat hurt ache catch need see hear suck wait queue""".split()
) | {"hang out"}
# Light verbs: the object says what was done ("gave a talk" = presented).
# Participles that describe a feeling, not something done to the writer.
FEELINGS = frozenset(
    """tired excited bored stressed worried scared interested exhausted surprised pleased annoyed
    frustrated relieved embarrassed overwhelmed impressed shocked confused motivated disappointed
    satisfied amazed obsessed terrified thrilled knackered shattered drained stuck gutted
    chuffed delighted upset nervous""".split()
)
LIGHT_VERBS = frozenset("give do make have take hold run get put deliver carry".split())
LIGHT_NOUNS: dict[str, str] = {
    "talk": "present",
    "speech": "present",
    "presentation": "present",
    "presentations": "present",
    "pitch": "pitch",
    "lecture": "present",
    "toast": "present",
    "demo": "demonstrate",
    "demonstration": "demonstrate",
    "tour": "guide",
    "workshop": "teach",
    "lesson": "teach",
    "class": "teach",
    "seminar": "teach",
    "tutorial": "teach",
    "session": "lead",
    "meeting": "chair",
    "interview": "interview",
    "decision": "decide",
    "plan": "plan",
    "schedule": "schedule",
    "list": "list",
    "note": "note",
    "notes": "note",
    "call": "call",
    "calls": "call",
    "phone": "phone",
    "survey": "survey",
    "research": "research",
    "experiment": "experiment",
    "test": "test",
    "inventory": "count",
    "stocktake": "count",
    "budget": "budget",
    "mistake": "",
    "break": "",
    "nap": "",
    "shower": "",
    "walk": "walk",
    "run": "run",
    "photo": "photograph",
    "photos": "photograph",
    "picture": "photograph",
    "pictures": "photograph",
    "video": "film",
    "care": "care",
    "charge": "lead",
    "lead": "lead",
    "initiative": "initiate",
    "feedback": "give",
    "homework": "homework",
    "laundry": "wash",
    "dishes": "wash",
    "shopping": "shop",
    "groceries": "shop",
    "cleaning": "clean",
    "cooking": "cook",
    "baking": "bake",
}
# Phrasal verbs: verb + particle -> one verb.
PHRASAL: dict[tuple[str, str], str] = {
    ("sort", "out"): "resolve",
    ("hang", "out"): "hang out",
    ("hang", "around"): "hang out",
    ("figure", "out"): "solve",
    ("work", "out"): "solve",
    ("set", "up"): "set up",
    ("look", "after"): "look after",
    ("take", "care"): "care",
    ("help", "out"): "help",
    ("clean", "up"): "clean",
    ("tidy", "up"): "clean",
    ("fill", "in"): "substitute",
    ("cover", "for"): "substitute",
    ("step", "in"): "substitute",
    ("sign", "up"): "register",
    ("hand", "out"): "distribute",
    ("give", "out"): "distribute",
    ("calm", "down"): "calm",
    ("show", "around"): "guide",
    ("show", "round"): "guide",
    ("pick", "up"): "collect",
    ("drop", "off"): "deliver",
    ("follow", "up"): "follow up",
    ("reach", "out"): "contact",
    ("put", "together"): "assemble",
    ("come", "up"): "devise",
    ("write", "up"): "write",
    ("write", "down"): "note",
    ("look", "up"): "research",
    ("look", "into"): "research",
    ("check", "in"): "check in",
    ("wrap", "up"): "finish",
    ("speak", "up"): "speak up",
    ("stand", "up"): "speak up",
    ("run", "through"): "rehearse",
    ("go", "through"): "review",
    ("go", "over"): "review",
    ("deal", "with"): "handle",
    ("cope", "with"): "cope",
    ("keep", "going"): "persevere",
    ("keep", "calm"): "stay calm",
    ("stay", "calm"): "stay calm",
    ("push", "through"): "persevere",
    ("carry", "on"): "persevere",
    ("train", "up"): "train",
    ("break", "down"): "break down",
    ("lay", "out"): "design",
    ("plan", "out"): "plan",
    ("map", "out"): "plan",
    ("stock", "up"): "stock",
    ("top", "up"): "refill",
    ("print", "out"): "print",
    ("fix", "up"): "repair",
    ("patch", "up"): "repair",
    ("pitch", "in"): "help",
    ("chip", "in"): "help",
    ("stand", "in"): "substitute",
}
PARTICLES = frozenset(
    "out up after down around round in off together into through over with on".split()
)
# Prepositions that end the object and start the context.
PREPOSITIONS = frozenset(
    """in at about for during on after before from to with without into onto over under
    by because since while when until as like near of across around between through against
    than via per""".split()
)
# Prepositions that carry the object for intransitive verbs ("worked on X", "helped with X").
OBJECT_PREPS = {
    "work": ("on", "with"),
    "help": ("with",),
    "deal": ("with",),
    "handle": (),
    "care": ("for", "of"),
    "look after": (),
    "talk": ("to", "with"),
    "speak": ("to", "with"),
    "listen": ("to",),
    "apply": ("for",),
    "volunteer": ("with",),
    "train": ("for",),
    "study": ("for",),
    "revise": ("for",),
    "practise": ("for", "with", "on"),
    "prepare": ("for",),
    "present": ("on", "to"),
    "write": ("about",),
    "read": ("about",),
    "learn": ("about",),
    "research": ("on",),
    "collaborate": ("with", "on"),
    "cope": ("with",),
    "respond": ("to",),
    "reply": ("to",),
    "contribute": ("to",),
    "teach": (),
    "play": ("with", "in"),
    "perform": ("at", "in"),
    "compete": ("in",),
    "participate": ("in",),
    "take part": ("in",),
}
DETERMINERS = frozenset(
    """a an the my our his her their your its this that these those some any all each every
    another other more most few several many much lot lots couple bunch loads""".split()
)
NUMBER = re.compile(r"^\d+([.,:]\d+)?(st|nd|rd|th|k|m|h|min|mins)?$")
UNITS = frozenset(
    "minute minutes min mins hour hours hr hrs day days week weeks second seconds".split()
)
SENTENCE_END = re.compile(r"[.!?\n;]")
# Words that say how much or when, not what: dropped from an action's object.
OBJECT_FILLERS = frozenset(
    """today yesterday tonight tomorrow twice again lol tbh haha too anyway properly whole full
    entire big little own real proper actual extra same last next first second third like
    literally basically""".split()
)
