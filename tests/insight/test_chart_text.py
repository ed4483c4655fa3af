"""No text on the chart is ever cut: every label fits inside the picture, at any label length."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from insight.chart import build_figure
from passport.profile import build_profile, inputs_from_records
from tests.insight.conftest import NOW, make_records

LONG = (
    "apply statistical analysis techniques in a social research context and report the "
    "findings to stakeholders in several languages"
)
LABELS = {
    "short": lambda label: label[:1],
    "normal": lambda label: label,
    "long": lambda label: f"{label} {LONG}",
    "one long word": lambda label: "Donaudampfschifffahrtsgesellschaftskapitänsmütze" * 2,
    "unicode": lambda label: f"{label} — übersetzen, 翻訳, تَرْجَمَة",
}


def _all_texts(fig):
    texts = list(fig.texts)
    for legend in fig.legends:
        texts += legend.get_texts()
    for ax in fig.axes:
        texts += ax.texts + ax.get_xticklabels() + ax.get_yticklabels()
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label]
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("weeks", [1, 4, 12, 52])
@pytest.mark.parametrize("kind", sorted(LABELS))
def test_every_text_lies_inside_the_picture(weeks: int, kind: str) -> None:
    signals, entries = make_records(weeks, per_week=3)
    signals = [replace(s, label=LABELS[kind](s.label)) for s in signals]
    inputs = inputs_from_records(signals, entries, now=NOW, since_last_digest=NOW - timedelta(7))
    fig = build_figure(build_profile(inputs, now=NOW), now=NOW)
    assert fig is not None
    fig.canvas.draw()  # lays out legends and ticks, as saving does
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    texts = _all_texts(fig)
    assert len(texts) >= 6
    for text in texts:
        extent = text.get_window_extent(renderer)
        inside = (
            extent.x0 >= box.x0 - 0.5
            and extent.x1 <= box.x1 + 0.5
            and extent.y0 >= box.y0 - 0.5
            and extent.y1 <= box.y1 + 0.5
        )
        assert inside, f"{text.get_text()!r} at {extent} is outside {box}"


def test_first_weeks_get_a_skills_map_and_later_weeks_growth_too() -> None:
    shown = {}
    for weeks in (1, 52):
        signals, entries = make_records(weeks, per_week=3)
        inputs = inputs_from_records(signals, entries, now=NOW)
        fig = build_figure(build_profile(inputs, now=NOW), now=NOW)
        shown[weeks] = (len(fig.axes), {t.get_text() for t in fig.texts})
    axes, words = shown[1]
    assert axes == 0  # a map, not bars
    assert any(w.startswith("Everyday skills") for w in words)
    assert any(w.startswith("Job skills") for w in words)
    assert "Teamwork" in words and "ESCO: work in teams" in words
    axes, words = shown[52]
    assert axes == 1 and "Skills found so far, week by week" in words
    for pillar in ("Everyday skills", "Digital skills", "Languages", "Field knowledge"):
        assert any(w.startswith(pillar) for w in words), (pillar, words)
