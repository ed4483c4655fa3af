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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from passport.plainwords import PILLAR_LABELS, PILLARS, pillar_of, plain_name
from passport.profile import Profile, SignalAggregate, strength_score
from passport.signals import SignalStatus

WIDTH_PX, HEIGHT_PX, DPI = 1080, 1080, 100
MIN_SKILLS = 2
GROWTH_AFTER = timedelta(weeks=6)  # enough history for a "how it grew" panel
MAP_ROWS = 12  # skill rows on the map alone
MAP_ROWS_WITH_GROWTH = 7
MAX_DOTS = 8
MARGIN = 0.05
NAME_RIGHT = 0.64  # names end here; the dots start after
DOTS_LEFT, DOTS_RIGHT = 0.67, 0.95
INK, SOFT = "#1a1a1a", "#555555"

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}
PILLAR_COLOURS = {
    "transversal": OKABE_ITO["blue"],
    "digital": OKABE_ITO["orange"],
    "language": OKABE_ITO["purple"],
    "job": OKABE_ITO["green"],
    "knowledge": OKABE_ITO["vermillion"],
}
PILLAR_HATCH = {
    "transversal": "",
    "digital": "//",
    "language": "..",
    "job": "\\\\",
    "knowledge": "xx",
}

# rc_context swaps matplotlib's global rcParams: one chart at a time (callers use threads).
_lock = threading.Lock()
STYLE = {"font.size": 17, "font.family": "DejaVu Sans", "hatch.linewidth": 1.5}


@dataclass(frozen=True, slots=True)
class MapRow:
    """One skill on the map."""

    pillar: str
    name: str  # plain words
    esco: str  # the ESCO label ("" when the name is the label)
    notes: int
    status: str  # kept | suggested | verified


def _matplotlib() -> Any:
    """Matplotlib on the Agg backend, imported only when a chart is drawn."""
    import matplotlib

    matplotlib.use("Agg")
    return matplotlib


def _status(agg: SignalAggregate) -> str:
    if agg.verification == "verified":
        return "verified"
    return "kept" if agg.status is SignalStatus.CONFIRMED else "suggested"


def _row(agg: SignalAggregate) -> MapRow:
    plain = plain_name(agg.label, agg.group)
    label = agg.label[:1].upper() + agg.label[1:]
    if plain and plain.lower() != agg.label.lower():
        return MapRow(
            pillar_of(agg.group, agg.label), plain, agg.label, agg.evidence_count, _status(agg)
        )
    return MapRow(pillar_of(agg.group, agg.label), label, "", agg.evidence_count, _status(agg))


def map_rows(skills: Sequence[SignalAggregate], limit: int) -> tuple[list[MapRow], dict[str, int]]:
    """The strongest skills for the map, grouped by pillar; and how many per pillar were left out.

    Every pillar with a skill keeps at least one row, so a language or a digital skill is never
    crowded out by ten everyday ones.
    """
    ranked = sorted(skills, key=lambda a: (-strength_score(a), a.key))
    chosen: list[SignalAggregate] = []
    for pillar in PILLARS:  # one per pillar first
        first = next((a for a in ranked if pillar_of(a.group, a.label) == pillar), None)
        if first is not None and len(chosen) < limit:
            chosen.append(first)
    for agg in ranked:
        if len(chosen) >= limit:
            break
        if agg not in chosen:
            chosen.append(agg)
    left: dict[str, int] = {}
    for agg in ranked:
        if agg not in chosen:
            pillar = pillar_of(agg.group, agg.label)
            left[pillar] = left.get(pillar, 0) + 1
    order = {a.key: i for i, a in enumerate(ranked)}
    chosen.sort(key=lambda a: (PILLARS.index(pillar_of(a.group, a.label)), order[a.key]))
    return [_row(a) for a in chosen], left


def growth_series(
    skills: Sequence[SignalAggregate], now: datetime
) -> tuple[list[datetime], dict[str, list[int]]]:
    """Weekly points from the first skill to now: skills found so far, per pillar."""
    if not skills:
        return [], {}
    start = min(a.first_seen for a in skills)
    points: list[datetime] = []
    at = start
    while at < now:
        points.append(at)
        at += timedelta(weeks=1)
    points.append(now)
    series = {p: [0] * len(points) for p in PILLARS}
    for agg in skills:
        pillar = pillar_of(agg.group, agg.label)
        for i, point in enumerate(points):
            if agg.first_seen <= point:
                series[pillar][i] += 1
    return points, {p: v for p, v in series.items() if any(v)}


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


class _Fitter:
    """Measures text with the real renderer and shortens it until it fits a width in pixels."""

    def __init__(self, fig: Any) -> None:
        self.fig = fig
        self.renderer = fig.canvas.get_renderer()

    def width(self, artist: Any) -> float:
        return float(artist.get_window_extent(self.renderer).width)

    def text(self, x: float, y: float, s: str, max_px: float, **kw: Any) -> Any:
        """A figure text at (x, y) no wider than `max_px` (cut at a word, with "…")."""
        artist = self.fig.text(x, y, s, **kw)
        if self.width(artist) <= max_px:
            return artist
        words = s.split()
        while len(words) > 1:
            words.pop()
            artist.set_text(" ".join(words).rstrip(",;:(-") + "…")
            if self.width(artist) <= max_px:
                return artist
        chars = s
        while len(chars) > 1:
            chars = chars[:-1]
            artist.set_text(chars + "…")
            if self.width(artist) <= max_px:
                return artist
        return artist


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
        fit = _Fitter(fig)
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
            _draw_map(fig, fit, rows, left, 0.80, 0.47, two_lines=False)
            _draw_growth(fig, fit, points, series)
        else:
            bottom = _draw_map(fig, fit, rows, left, 0.80, 0.14, two_lines=True)
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


def _draw_map(
    fig: Any,
    fit: _Fitter,
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


def full_width() -> float:
    """The width between the margins, in pixels."""
    return (1 - 2 * MARGIN) * WIDTH_PX


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
    fig: Any, fit: _Fitter, row: MapRow, y: float, step: float, colour: str, size: float
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


def _draw_growth(
    fig: Any, fit: _Fitter, points: list[datetime], series: dict[str, list[int]]
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


def chart_alt_text(profile: Profile) -> str:
    """A one-line description of the chart (terminal, Slack alt text, screen readers)."""
    top = ", ".join(f"{s.label} ({s.evidence_count})" for s in profile.skills[:3])
    pillars: dict[str, int] = {}
    for s in profile.skills:
        pillar = pillar_of(s.group, s.label)
        pillars[pillar] = pillars.get(pillar, 0) + 1
    kinds = ", ".join(f"{PILLAR_LABELS[p].lower()} {n}" for p, n in pillars.items())
    return f"Chart of your skills. Top: {top}. Skills by kind: {kinds}."
