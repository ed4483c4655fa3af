"""The reader on casual writing: run-ons, diary style, modifiers, light verbs, verb classes."""

from __future__ import annotations

import pytest

from extractors.actions import read_actions
from extractors.mirror import CLASSES_FILE
from extractors.offline import OfflineExtractor
from extractors.roles import read_table


def _own(text: str) -> list[tuple[str, str]]:
    return [(a.verb, a.obj) for a in read_actions(text) if a.own]


def test_a_run_on_is_cut_where_the_writer_starts_a_new_action() -> None:
    text = "while the others argued i rewrote the intro and we waited i fixed the printer lol"
    actions = [a for a in read_actions(text) if a.own]
    assert [a.verb for a in actions] == ["rewrite", "fix"]  # waiting is not an action
    for action in actions:
        assert action.clause in text


def test_a_relative_clause_without_that_is_not_cut() -> None:
    actions = read_actions("the soup i made was too salty")
    assert not any(a.own and a.verb == "make" and "salty" in a.obj for a in actions)


@pytest.mark.parametrize(
    ("text", "verb", "obj"),
    [
        ("drove my aunt to the clinic on monday", "drive", "aunt"),
        ("found the leak under the sink", "find", "leak"),
        ("repotted the basil and the mint", "repot", "basil"),
        ("i deep cleaned the oven", "clean", "oven"),
        ("hung the new curtains in the lounge", "hang", "curtains"),
        ("went running with the club", "run", ""),
        ("i practised the song with my sister listening", "practise", "song"),
    ],
)
def test_diary_style_and_modifiers_keep_the_action(text: str, verb: str, obj: str) -> None:
    own = _own(text)
    assert own, text
    assert own[0][0] == verb
    assert obj in own[0][1]


def test_the_light_verb_follows_the_head_noun() -> None:
    assert _own("we made a picture list for the trip")[0][0] != "photograph"
    assert _own("took a bunch of photos at the match")[0][0] == "photograph"


def test_hanging_out_is_not_an_action() -> None:
    assert _own("we hung out at the park all afternoon") == []


def test_fillers_are_not_part_of_the_object() -> None:
    ((_, obj),) = _own("fixed the whole fence today")
    assert obj == "fence"


@pytest.mark.parametrize(
    ("said", "plain"),
    [
        ("I mended the gate at the allotment.", "I repaired the gate at the allotment."),
        (
            "I soothed a crying toddler at the library.",
            "I calmed a crying toddler at the library.",
        ),
    ],
)
async def test_a_verb_of_the_same_class_finds_the_head_verbs_table_skills(
    offline: OfflineExtractor, said: str, plain: str
) -> None:
    def table_rows(text: str) -> set[int]:
        cands = offline.mirror.candidates(read_actions(text), text)
        return {c.row for c in cands if c.feats["table"] > 0}

    assert table_rows(plain)
    assert table_rows(plain) <= table_rows(said)


def test_verb_classes_are_well_formed() -> None:
    rows = read_table(CLASSES_FILE)
    heads = [row[0] for row in rows]
    assert len(heads) == len(set(heads))
    for head, members in rows:
        assert head not in members.split("|"), head
