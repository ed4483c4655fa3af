"""The growth panel: skills found so far, week by week, stacked by pillar."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from insight.chart_style import (
    INK,
    MARGIN,
    PILLAR_COLOURS,
    PILLAR_HATCH,
    SOFT,
    Fitter,
    full_width,
)
from passport.plainwords import PILLAR_LABELS, PILLARS


def draw_growth(
    fig: Any, fit: Fitter, points: list[datetime], series: dict[str, list[int]]
) -> None:
    from matplotlib.ticker import MaxNLocator

    fit.text(
        MARGIN,
        0.415,
        "Skills found so far, week by week",
        full_width(),
        fontsize=21,
        weight="bold",
        color=INK,
        va="center",
    )
    ax = fig.add_axes((MARGIN + 0.05, 0.07, 0.84 - MARGIN, 0.25))
    xs = list(range(len(points)))
    base = [0] * len(points)
    handles = []
    for pillar in PILLARS:
        values = series.get(pillar)
        if not values:
            continue
        upper = [b + v for b, v in zip(base, values, strict=True)]
        handles.append(
            ax.fill_between(
                xs,
                base,
                upper,
                step="post",
                facecolor=PILLAR_COLOURS[pillar],
                edgecolor="white",
                hatch=PILLAR_HATCH[pillar],
                linewidth=0.8,
                label=PILLAR_LABELS[pillar],
            )
        )
        base = upper
    top = max(base)
    ax.set_xlim(0, len(points) - 1)
    ax.set_ylim(0, top * 1.12 + 1)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.text(
        len(points) - 1,
        top,
        f"{top} ",
        va="bottom",
        ha="right",
        fontsize=18,
        weight="bold",
        color=INK,
    )
    ticks = _month_ticks(points)
    ax.set_xticks([i for i, _ in ticks])
    ax.set_xticklabels([name for _, name in ticks], fontsize=15, color=SOFT)
    ax.tick_params(axis="y", labelsize=15, colors=SOFT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    # The legend sits above the panel, never over the data.
    fig.legend(
        handles=handles,
        loc="center left",
        bbox_to_anchor=(MARGIN - 0.012, 0.365),
        ncol=len(handles),
        frameon=False,
        fontsize=14,
        handlelength=1.3,
        handletextpad=0.4,
        columnspacing=0.9,
    )


def _month_ticks(points: list[datetime]) -> list[tuple[int, str]]:
    """A tick at the first week of each month; fewer when there are many months."""
    ticks: list[tuple[int, str]] = []
    last = None
    for i, at in enumerate(points):
        key = (at.year, at.month)
        if key != last:
            ticks.append((i, at.strftime("%b")))
            last = key
    if len(ticks) > 7:
        ticks = ticks[:: (len(ticks) + 6) // 7]
    return ticks
