"""The skills map: one row per skill under its pillar, named in plain words, with one dot per
note (filled when kept, hollow while suggested, a diamond when verified)."""

from __future__ import annotations

from typing import Any

from insight.chart_rows import MapRow
from insight.chart_style import (
    DOTS_LEFT,
    DOTS_RIGHT,
    DPI,
    HEIGHT_PX,
    INK,
    MARGIN,
    MAX_DOTS,
    NAME_RIGHT,
    PILLAR_COLOURS,
    PILLAR_HATCH,
    SOFT,
    WIDTH_PX,
    Fitter,
    full_width,
)
from passport.plainwords import PILLAR_LABELS, PILLARS


def draw_map(
    fig: Any,
    fit: Fitter,
    rows: list[MapRow],
    left: dict[str, int],
    top: float,
    bottom: float,
    *,
    two_lines: bool,
) -> float:
    """The skills map between `top` and `bottom` (figure fractions); returns where it ended."""
    pillars = [p for p in PILLARS if any(r.pillar == p for r in rows)]
    row_units = [1.3 if (two_lines and r.esco) else 0.95 for r in rows]
    units = len(pillars) * 1.05 + sum(row_units)
    unit = min(0.075 if two_lines else 0.062, (top - bottom) / max(units, 1))
    unit_px = unit * HEIGHT_PX
    # Font sizes follow the row height (points; 1 pt = DPI / 72 px), within readable bounds.
    name_size = max(13.0, min(23.0, unit_px * 0.5 / (DPI / 72)))
    esco_size = max(11.0, name_size * 0.72)
    head_size = max(13.0, min(19.0, name_size * 0.95))
    indent = MARGIN + 0.04
    name_px = (NAME_RIGHT - indent) * WIDTH_PX
    dot_step = (DOTS_RIGHT - DOTS_LEFT) / (MAX_DOTS + 1.5)
    y = top
    for pillar in pillars:
        colour = PILLAR_COLOURS[pillar]
        y -= unit * 0.6
        fig.patches.append(_square(fig, MARGIN, y, 0.022, colour, PILLAR_HATCH[pillar]))
        count = sum(1 for r in rows if r.pillar == pillar) + left.get(pillar, 0)
        head = f"{PILLAR_LABELS[pillar]} ({count})"
        more = left.get(pillar, 0)
        if more:
            head += f", {more} more not shown"
        fit.text(
            indent,
            y,
            head,
            full_width() - (indent - MARGIN) * WIDTH_PX,
            fontsize=head_size,
            weight="bold",
            color=INK,
            va="center",
        )
        y -= unit * 0.45
        for row in (r for r in rows if r.pillar == pillar):
            height = unit * (1.3 if (two_lines and row.esco) else 0.95)
            mid = y - height / 2
            if two_lines and row.esco:
                fit.text(
                    indent,
                    mid + unit * 0.22,
                    row.name,
                    name_px,
                    fontsize=name_size,
                    color=INK,
                    va="center",
                )
                fit.text(
                    indent,
                    mid - unit * 0.33,
                    f"ESCO: {row.esco}",
                    name_px,
                    fontsize=esco_size,
                    color=SOFT,
                    va="center",
                )
            else:
                name = fit.text(
                    indent,
                    mid,
                    row.name,
                    name_px * 0.62 if row.esco else name_px,
                    fontsize=name_size,
                    color=INK,
                    va="center",
                )
                if row.esco:
                    used = fit.width(name) + 0.012 * WIDTH_PX
                    fit.text(
                        indent + used / WIDTH_PX,
                        mid,
                        f"ESCO: {row.esco}",
                        name_px - used,
                        fontsize=esco_size,
                        color=SOFT,
                        va="center",
                    )
            _dots(fig, fit, row, mid, dot_step, colour, name_size)
            y -= height
    return y


def _square(fig: Any, x: float, y: float, size: float, colour: str, hatch: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle(
        (x, y - size / 2),
        size,
        size,
        transform=fig.transFigure,
        facecolor=colour,
        edgecolor="white",
        hatch=hatch,
        figure=fig,
    )


def _dots(
    fig: Any, fit: Fitter, row: MapRow, y: float, step: float, colour: str, size: float
) -> None:
    shown = min(row.notes, MAX_DOTS)
    marker = "D" if row.status == "verified" else "o"
    face = "white" if row.status == "suggested" else colour
    xs = [DOTS_LEFT + step * (i + 0.5) for i in range(shown)]
    # Dots never touch: at most two thirds of the gap between two dot centres (pt = px * 72/DPI).
    ms = min(size * 0.95, step * WIDTH_PX * 0.66 * 72 / DPI)
    fig.lines.append(_line(fig, xs, [y] * shown, marker, ms, face, colour))
    if row.notes > MAX_DOTS:
        x = DOTS_LEFT + step * (MAX_DOTS + 0.2)
        fit.text(
            x,
            y,
            f"+{row.notes - MAX_DOTS}",
            (1 - MARGIN / 2 - x) * WIDTH_PX,
            fontsize=size * 0.8,
            color=SOFT,
            va="center",
        )


def _line(
    fig: Any, xs: list[float], ys: list[float], marker: str, ms: float, face: str, edge: str
) -> Any:
    from matplotlib.lines import Line2D

    return Line2D(
        xs,
        ys,
        transform=fig.transFigure,
        ls="",
        marker=marker,
        ms=ms,
        mfc=face,
        mec=edge,
        mew=2.5,
        figure=fig,
    )
