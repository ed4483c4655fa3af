"""Plain words for ESCO skills: "Teamwork" next to "work in teams", and a pillar a student knows.

ESCO labels are exact but read like a job description. The digest and the chart show a plain
name first and the ESCO label beside it. Common skills have a hand-written name; any other
transversal skill gets the plain name of its ESCO group ("Thinking"), which is still true of it.
Job skills, knowledge and languages keep their ESCO label, which is plain already.
The pillars follow ESCO's own split: transversal skills, digital skills, languages, and field
knowledge, plus job skills (ESCO's "skills" pillar).
"""

from __future__ import annotations

# Transversal skills people show most in everyday notes (ESCO preferred label -> plain name).
PLAIN_NAMES = {
    "work in teams": "Teamwork",
    "build team spirit": "Team spirit",
    "lead others": "Leading others",
    "motivate others": "Getting others going",
    "instruct others": "Teaching others",
    "advise others": "Giving good advice",
    "show empathy": "Caring about how others feel",
    "resolve conflicts": "Settling arguments",
    "negotiate compromises": "Finding a middle way",
    "moderate a discussion": "Leading a talk",
    "address an audience": "Speaking to a group",
    "solve problems": "Solving problems",
    "identify problems": "Spotting problems",
    "think critically": "Careful thinking",
    "think analytically": "Thinking things through",
    "think creatively": "Creative ideas",
    "think innovatively": "New ideas",
    "think quickly": "Quick thinking",
    "improvise": "Thinking on your feet",
    "make decisions": "Making decisions",
    "plan": "Planning",
    "manage time": "Using time well",
    "work efficiently": "Getting things done",
    "work independently": "Working on your own",
    "attend to detail": "Care with details",
    "show initiative": "Taking the first step",
    "show determination": "Not giving up",
    "show commitment": "Sticking with it",
    "meet commitments": "Keeping promises",
    "assume responsibility": "Taking charge",
    "adapt to change": "Handling change",
    "cope with stress": "Staying calm under stress",
    "cope with uncertainty": "Handling the unknown",
    "manage frustration": "Keeping your cool",
    "approach challenges positively": "A can-do attitude",
    "accept criticism and guidance": "Taking feedback well",
    "demonstrate willingness to learn": "Keen to learn",
    "demonstrate curiosity": "Curiosity",
    "exercise self-reflection": "Looking back to learn",
    "show confidence": "Confidence",
    "express yourself creatively": "Being creative",
    "keep an open mind": "An open mind",
    "respect the diversity of cultural values and norms": "Respect for others",
    "demonstrate intercultural competence": "Getting on across cultures",
    "build networks": "Making contacts",
    "delegate responsibilities": "Sharing out the work",
    "carry out calculations": "Working with numbers",
    "interpret mathematical information": "Reading numbers",
    "conduct web searches": "Finding things online",
    "create digital content": "Making digital content",
    "apply basic programming skills": "Coding",
    "use communication and collaboration software": "Working together online",
    "organise information, objects and resources": "Keeping things organised",
    "manage financial and material resources": "Handling money and supplies",
    "report facts": "Telling the facts clearly",
    "promote ideas, products, services": "Selling an idea",
    "show entrepreneurial spirit": "Spotting chances",
    "maintain concentration for long periods": "Focus",
    "memorise information": "Good memory",
    "python (computer programming)": "Coding in Python",
    "use spreadsheets software": "Spreadsheets",
    "communicate with customers": "Talking with customers",
    "use microsoft office": "Office apps",
}

# ESCO groups in plain words, for skills without a hand-written name.
GROUP_PLAIN = {
    "S1": "Working with people",
    "S2": "Finding and using information",
    "S3": "Helping and caring",
    "S4": "Organising and managing",
    "S5": "Working with computers",
    "S6": "Handling things",
    "S7": "Building and fixing",
    "S8": "Working with machines",
    "T1": "Core skills",
    "T2": "Thinking",
    "T3": "Managing yourself",
    "T4": "Working with people",
    "T5": "Hands-on skills",
    "T6": "Life skills",
    "L1": "Languages",
    "L2": "Languages",
}

# The pillars a person sees on the chart, in order.
PILLARS = ("transversal", "digital", "language", "job", "knowledge")
PILLAR_LABELS = {
    "transversal": "Everyday skills",
    "digital": "Digital skills",
    "language": "Languages",
    "job": "Job skills",
    "knowledge": "Field knowledge",
}
_DIGITAL_GROUPS = {"S5", "K06"}
# ESCO's transversal digital competences sit in the T groups; they read as digital skills.
DIGITAL_TRANSVERSAL = frozenset(
    {
        "create digital content",
        "conduct web searches",
        "apply basic programming skills",
        "use communication and collaboration software",
        "operate digital hardware",
        "apply digital security measures",
        "critically evaluate information and its sources",
    }
)


def pillar_of(group: str | None, label: str = "") -> str:
    """The pillar of a skill from its ESCO group code: transversal, digital, language, job or
    knowledge (field knowledge)."""
    code = (group or "").upper()
    if code[:2] in _DIGITAL_GROUPS or code[:3] in _DIGITAL_GROUPS:
        return "digital"
    if " ".join(label.lower().split()) in DIGITAL_TRANSVERSAL:
        return "digital"
    return {"T": "transversal", "L": "language", "K": "knowledge"}.get(code[:1], "job")


def plain_name(label: str, group: str | None = None) -> str | None:
    """A plain name for an ESCO skill, or None when the label is already plain enough."""
    key = " ".join(label.lower().split())
    if key in PLAIN_NAMES:
        return PLAIN_NAMES[key]
    code = (group or "").upper()
    if code[:1] != "T":
        # Job skills, knowledge and languages ("prepare hot drinks", "statistics", "Spanish")
        # are already said plainly, and their group names would stretch the truth.
        return None
    return GROUP_PLAIN.get(code[:2])
