"""A picture of a person's skills worth keeping: one 1080x1080 PNG that reads well on a phone.

From week one it is a skills map: skills grouped by ESCO pillar (everyday, digital, languages,
job skills, field knowledge), each named in plain words with its ESCO label beside it, and one
dot per note that shows it — filled when the person kept it, hollow while it is only suggested,
a diamond when a credential verified it. Once there are weeks of history, a second panel shows
growth: how many skills were found so far, week by week, by pillar.

Okabe-Ito colours (safe for colour blindness), and status never rests on colour alone (filled /
hollow / diamond). No text is ever cut by the edge: every label is measured and shortened with an
ellipsis until it fits its column.
"""

from __future__ import annotations

import io
import threading
from datetime import datetime
from typing import Any

from insight.chart_growth import draw_growth
from insight.chart_map import draw_map
from insight.chart_rows import MapRow, growth_series, map_rows
from insight.chart_style import (
    DOTS_LEFT,
    DPI,
    GROWTH_AFTER,
    HEIGHT_PX,
    INK,
    MAP_ROWS,
    MAP_ROWS_WITH_GROWTH,
    MARGIN,
    MIN_SKILLS,
    OKABE_ITO,
    PILLAR_COLOURS,
    PILLAR_HATCH,
    SOFT,
    STYLE,
    WIDTH_PX,
    Fitter,
    full_width,
)
from passport.plainwords import PILLAR_LABELS, pillar_of
from passport.profile import Profile
from passport.signals import SignalStatus

__all__ = [
    "HEIGHT_PX",
    "OKABE_ITO",
    "PILLAR_COLOURS",
    "PILLAR_HATCH",
    "STYLE",
    "WIDTH_PX",
    "MapRow",
    "build_figure",
    "chart_alt_text",
    "growth_series",
    "map_rows",
    "render_chart",
]

# rc_context swaps matplotlib's global rcParams: one chart at a time (callers use threads).
_lock = threading.Lock()


def _matplotlib() -> Any:
    """Matplotlib on the Agg backend, imported only when a chart is drawn."""
    import matplotlib

    matplotlib.use("Agg")
    return matplotlib


def render_chart(profile: Profile, *, now: datetime) -> bytes | None:
    """PNG bytes (1080x1080) of the person's skills, or None when there is too little to draw."""
    with _lock:
        fig = build_figure(profile, now=now)
        if fig is None:
            return None
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
        return buf.getvalue()


def build_figure(profile: Profile, *, now: datetime) -> Any:
    """The drawn matplotlib Figure (not yet saved), or None when there is too little to draw."""
    skills = profile.skills
    if len(skills) < MIN_SKILLS:
        return None
    history = now - min(a.first_seen for a in skills)
    with_growth = history >= GROWTH_AFTER
    rows, left = map_rows(skills, MAP_ROWS_WITH_GROWTH if with_growth else MAP_ROWS)
    points, series = growth_series(skills, now) if with_growth else ([], {})
    return _draw(profile, rows, left, points, series, now, profile.weeks.total_weeks)


def _draw(
    profile: Profile,
    rows: list[MapRow],
    left: dict[str, int],
    points: list[datetime],
    series: dict[str, list[int]],
    now: datetime,
    notes: int,
) -> Any:
    mpl = _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    # A bare Figure, not pyplot: no global figure registry, safe from several threads, and
    # rc_context keeps our font sizes from leaking into anyone else's plots.
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white")
        FigureCanvasAgg(fig)
        fit = Fitter(fig)
        total = len(profile.skills)
        title = "Your skills so far" if not series else "Your skills, and how they grew"
        fit.text(
            MARGIN, 0.955, title, full_width(), fontsize=32, weight="bold", color=INK, va="center"
        )
        kept = sum(1 for a in profile.skills if a.status is not SignalStatus.SUGGESTED)
        weeks = f"{notes} {'week' if notes == 1 else 'weeks'} of notes"
        kept_words = f"{kept} kept by you" if kept else "tap Keep on the ones that fit"
        sub = f"{total} skills from {weeks}  ·  {kept_words}  ·  {now.strftime('%B %Y')}"
        fit.text(MARGIN, 0.91, sub, full_width(), fontsize=17, color=SOFT, va="center")

        # Legend: status by shape, so it reads in black and white too.
        handles = [
            Line2D([], [], marker="o", ls="", ms=14, mfc=SOFT, mec=SOFT, label="kept by you"),
            Line2D(
                [],
                [],
                marker="o",
                ls="",
                ms=14,
                mfc="white",
                mec=SOFT,
                mew=2.5,
                label="suggested, not kept yet",
            ),
        ]
        if any(r.status == "verified" for r in rows):
            handles.append(
                Line2D([], [], marker="D", ls="", ms=13, mfc=SOFT, mec=SOFT, label="verified")
            )
        fig.legend(
            handles=handles,
            loc="center left",
            bbox_to_anchor=(MARGIN - 0.012, 0.866),
            ncol=len(handles),
            frameon=False,
            fontsize=15,
            handletextpad=0.3,
            columnspacing=1.2,
        )
        fit.text(
            DOTS_LEFT,
            0.826,
            "one dot = one note",
            (1 - MARGIN - DOTS_LEFT) * WIDTH_PX,
            fontsize=14,
            color=SOFT,
            va="center",
        )

        if series:
            draw_map(fig, fit, rows, left, 0.80, 0.47, two_lines=False)
            draw_growth(fig, fit, points, series)
        else:
            bottom = draw_map(fig, fit, rows, left, 0.80, 0.14, two_lines=True)
            tip = (
                "Tap Keep on the skills that feel true and the dots fill in. "
                "Each new note can add a dot."
            )
            fit.text(
                MARGIN,
                min(bottom - 0.05, 0.08),
                tip,
                full_width(),
                fontsize=16,
                color=SOFT,
                va="center",
                style="italic",
            )
        return fig


def chart_alt_text(profile: Profile) -> str:
    """A one-line description of the chart (terminal, Slack alt text, screen readers)."""
    top = ", ".join(f"{s.label} ({s.evidence_count})" for s in profile.skills[:3])
    pillars: dict[str, int] = {}
    for s in profile.skills:
        pillar = pillar_of(s.group, s.label)
        pillars[pillar] = pillars.get(pillar, 0) + 1
    kinds = ", ".join(f"{PILLAR_LABELS[p].lower()} {n}" for p, n in pillars.items())
    return f"Chart of your skills. Top: {top}. Skills by kind: {kinds}."
