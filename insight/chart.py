"""A picture of a person's skills: one PNG that reads well on a phone.

Top: the strongest skills with their evidence counts, coloured by confirmed / suggested /
verified. Bottom: evidence per month over the last year, stacked by ESCO family. Okabe-Ito
colours (safe for colour blindness) plus hatching, so status never rests on colour alone.
"""

from __future__ import annotations

import io
import threading
from datetime import datetime
from typing import Any

from passport.profile import CHART_MONTHS, FAMILY_LABELS, Profile, group_family
from passport.signals import SignalStatus

WIDTH_PX, HEIGHT_PX, DPI = 1080, 1080, 100
TOP_SKILLS = 7
LABEL_CHARS = 28
LEFT, RIGHT = 0.33, 0.96
TITLE_X = (0.04 - LEFT) / (RIGHT - LEFT)  # panel titles start at the figure's left margin

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
STATUS_STYLE = {  # colour, hatch, legend label
    "verified": (OKABE_ITO["green"], "", "verified"),
    "confirmed": (OKABE_ITO["blue"], "", "you said yes"),
    "suggested": (OKABE_ITO["orange"], "//", "suggested"),
}
FAMILY_COLOURS = {
    "transversal": OKABE_ITO["blue"],
    "technical": OKABE_ITO["orange"],
    "knowledge": OKABE_ITO["sky"],
    "language": OKABE_ITO["purple"],
    "other": OKABE_ITO["grey"],
}

# rc_context swaps matplotlib's global rcParams: one chart at a time (callers use threads).
_lock = threading.Lock()
STYLE = {"font.size": 17, "axes.titlesize": 21, "axes.titleweight": "bold"}


def _matplotlib() -> Any:
    """Matplotlib on the Agg backend, imported only when a chart is drawn."""
    import matplotlib

    matplotlib.use("Agg")
    return matplotlib


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _status(verification: str | None, status: SignalStatus) -> str:
    if verification == "verified":
        return "verified"
    return "confirmed" if status is SignalStatus.CONFIRMED else "suggested"


def _months(now: datetime) -> list[str]:
    out, y, m = [], now.year, now.month
    for _ in range(CHART_MONTHS):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def render_chart(profile: Profile, *, now: datetime) -> bytes | None:
    """PNG bytes (1080x1080) of the person's skills, or None when there is too little to draw."""
    skills = profile.skills[:TOP_SKILLS]
    if len(skills) < 2:
        return None
    months = _months(now)
    per_family: dict[str, list[int]] = {}
    for mc in profile.months:
        if mc.month in months:
            row = per_family.setdefault(group_family(mc.group), [0] * len(months))
            row[months.index(mc.month)] += mc.count
    show_months = sum(1 for i in range(len(months)) if any(r[i] for r in per_family.values())) >= 2
    with _lock:
        return _draw(profile, skills, months, per_family if show_months else {}, now)


def _draw(
    profile: Profile,
    skills: tuple[Any, ...],
    months: list[str],
    per_family: dict[str, list[int]],
    now: datetime,
) -> bytes:
    mpl = _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    # A bare Figure, not pyplot: no global figure registry, safe from several threads, and
    # rc_context keeps our font sizes from leaking into anyone else's plots.
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
        FigureCanvasAgg(fig)
        # Skill names need a wide left margin; the month panel does not, so it gets the width.
        if per_family:
            ax = fig.add_axes((LEFT, 0.47, RIGHT - LEFT, 0.38))
            ax2 = fig.add_axes((0.06, 0.06, RIGHT - 0.06, 0.24))
        else:
            ax, ax2 = fig.add_axes((LEFT, 0.06, RIGHT - LEFT, 0.79)), None
        fig.suptitle(f"Your skills, {now.strftime('%B %Y')}", fontsize=26, fontweight="bold")

        names = [_short(s.label) for s in skills][::-1]
        counts = [s.evidence_count for s in skills][::-1]
        kinds = [_status(s.verification, s.status) for s in skills][::-1]
        bars = ax.barh(names, counts, color=[STATUS_STYLE[k][0] for k in kinds], height=0.7)
        for bar, k, n in zip(bars, kinds, counts, strict=True):
            bar.set_hatch(STATUS_STYLE[k][1])
            bar.set_edgecolor("white")
            ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {n}", va="center")
        ax.set_title("Strongest skills: times you showed them", loc="left", x=TITLE_X)
        ax.set_xlim(0, max(counts) * 1.15)
        ax.set_xticks([])
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        used = [k for k in ("verified", "confirmed", "suggested") if k in kinds]
        ax.legend(
            handles=[
                Patch(
                    facecolor=STATUS_STYLE[k][0],
                    hatch=STATUS_STYLE[k][1],
                    label=STATUS_STYLE[k][2],
                )
                for k in used
            ],
            loc="upper left",
            bbox_to_anchor=(TITLE_X, 0.0),
            frameon=False,
            fontsize=15,
            ncol=3,
        )

        if ax2 is not None:
            bottom = [0] * len(months)
            for family in ("transversal", "technical", "knowledge", "language", "other"):
                row = per_family.get(family)
                if not row:
                    continue
                ax2.bar(
                    range(len(months)),
                    row,
                    bottom=bottom,
                    color=FAMILY_COLOURS[family],
                    label=FAMILY_LABELS[family],
                    edgecolor="white",
                )
                bottom = [b + r for b, r in zip(bottom, row, strict=True)]
            ax2.set_title("Skills noticed each month", loc="left", x=-0.02)
            ax2.set_xticks(range(len(months)))
            ax2.set_xticklabels(
                [datetime.strptime(m, "%Y-%m").strftime("%b")[0] for m in months], fontsize=15
            )
            ax2.set_yticks([])
            for side in ("top", "right", "left"):
                ax2.spines[side].set_visible(False)
            ax2.legend(loc="upper left", frameon=False, fontsize=14, ncol=2)
            ax2.set_ylim(0, max(bottom) * 1.6 if max(bottom) else 1)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI)
        return buf.getvalue()


def chart_alt_text(profile: Profile) -> str:
    """A one-line description of the chart (terminal, Slack alt text, screen readers)."""
    top = ", ".join(f"{s.label} ({s.evidence_count})" for s in profile.skills[:3])
    families = ", ".join(f"{f.label.lower()} {f.skills}" for f in profile.families)
    return f"Chart of your skills. Top: {top}. Skills by kind: {families}."
