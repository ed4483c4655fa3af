"""The prompt bank and how a prompt is chosen: rotation, gaps, "different one"."""

from __future__ import annotations

import re

from passport.prompts import (
    BY_ID,
    CATEGORIES,
    NO_REPEAT_WEEKS,
    PROMPTS,
    choose_prompt,
    evidence_by_category,
)


def _syllables(word: str) -> int:
    word = word.lower().strip("'")
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups) - (1 if word.endswith("e") and not word.endswith("le") else 0)
    return max(count, 1)


def _grade(text: str) -> float:
    """Flesch–Kincaid grade level of one prompt."""
    words = re.findall(r"[A-Za-z']+", text)
    sentences = max(len(re.findall(r"[.?!]+", text)), 1)
    syllables = sum(_syllables(w) for w in words)
    return 0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59


def test_the_bank_has_sixty_plus_short_plain_prompts_in_every_category():
    assert len(PROMPTS) >= 60
    assert len(BY_ID) == len(PROMPTS)  # ids are unique
    for prompt in PROMPTS:
        assert re.fullmatch(rf"{prompt.category}-\d\d", prompt.id)
        assert prompt.category in CATEGORIES
        assert len(prompt.text) <= 100, prompt.text
        assert _grade(prompt.text) <= 7.0, (prompt.id, round(_grade(prompt.text), 1))
    for category in CATEGORIES:
        assert sum(p.category == category for p in PROMPTS) >= 6


def test_ids_of_the_first_prompts_are_stable():
    assert BY_ID["growth-01"].text.startswith("What's one thing you can do now")
    assert BY_ID["work-01"].text.startswith("What was the trickiest part")


def test_no_prompt_repeats_within_eight_weeks_over_a_year():
    asked: list[str] = []
    for week in range(52):
        recent = list(reversed(asked))[:NO_REPEAT_WEEKS]
        prompt = choose_prompt(recent, {}, seed=f"7:{week}")
        asked.append(prompt.id)
    for i in range(len(asked)):
        window = asked[i : i + NO_REPEAT_WEEKS + 1]
        assert len(window) == len(set(window)), window
    # Rotation also spreads over the categories, not the same one every week.
    assert len({BY_ID[i].category for i in asked[:9]}) >= 6


def test_choice_favours_categories_with_little_evidence():
    rich = dict.fromkeys(CATEGORIES, 12)
    rich["helping"] = 0
    picks = [choose_prompt([], rich, seed=str(n)) for n in range(20)]
    assert all(p.category == "helping" for p in picks)
    # Once asked, the gap category steps back a little but still wins against rich ones.
    again = choose_prompt([picks[0].id], rich, seed="x")
    assert again.category == "helping" and again.id != picks[0].id


def test_evidence_counts_answers_by_prompt_category_and_signal_kind():
    rows = [
        ("work-01", "skill", "S1", 3),
        (None, "interest", None, 2),
        ("helping-02", "skill", "S3", 1),
    ]
    evidence = evidence_by_category(rows)
    assert evidence["work"] == 3  # the answered prompt's category (and S1)
    assert evidence["passions"] == 2 and evidence["curiosity"] == 2
    assert evidence["helping"] == 1
    assert evidence["proud"] == 0


def test_a_different_one_is_from_another_category_and_never_the_same():
    current = choose_prompt([], {}, seed="a")
    other = choose_prompt([current.id], {}, seed="a", exclude=[current.id])
    assert other.id != current.id and other.category != current.category


def test_team_topics_get_a_head_start_but_no_monopoly():
    from passport.prompts import BY_ID, choose_prompt

    picked = [choose_prompt([], {}, seed=f"p{i}", prefer=("helping",)).category for i in range(20)]
    assert picked.count("helping") == 20  # with no history, the team's topic comes first
    recent: list[str] = []
    for _week in range(6):
        prompt = choose_prompt(recent, {}, seed="x", prefer=("helping",))
        recent.insert(0, prompt.id)
    categories = [BY_ID[i].category for i in recent]
    assert "helping" in categories and len(set(categories)) > 1
