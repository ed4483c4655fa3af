"""A picture of the team skill map for the weekly team post: one PNG, counts only, no names.

Bars: the most shared skills, as the number of people who kept each, coloured by ESCO pillar;
the hatched part of a bar is the people who grew into that skill in the last 30 days. Okabe-Ito
colours plus hatching, so nothing rests on colour alone. Matplotlib on Agg, drawn on a bare
`Figure` (no pyplot state), one chart at a time.
"""

from __future__ import annotations

import io
import threading
from typing import TYPE_CHECKING, Any

from insight.chart import OKABE_ITO
from passport.team import PILLAR_LABELS, PILLARS, TeamView

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

WIDTH_PX, HEIGHT_PX, DPI = 1200, 900, 100
TOP_SKILLS = 10
LABEL_CHARS = 30
PILLAR_COLOURS = {
    "transversal": OKABE_ITO["blue"],
    "digital": OKABE_ITO["orange"],
    "language": OKABE_ITO["purple"],
    "field": OKABE_ITO["green"],
}
STYLE: dict[RcKeyType, Any] = {"font.size": 17, "axes.titlesize": 19}
_lock = threading.Lock()


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def render_team_chart(view: TeamView) -> bytes | None:
    """PNG bytes of the team's most shared skills, or None when the map shows nothing."""
    if not view.shown or not view.skills:
        return None
    with _lock:
        return _draw(view)


def _draw(view: TeamView) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    skills = view.skills[:TOP_SKILLS]
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.36, 0.16, 0.58, 0.66))
        fig.text(0.04, 0.94, "What our team is growing", fontsize=28, fontweight="bold")
        fig.text(
            0.04,
            0.885,
            f"{view.members} people share. Bars count people who kept each skill. No names.",
            fontsize=16,
            color="#444444",
        )
        names = [_short(s.label) for s in skills][::-1]
        members = [s.members for s in skills][::-1]
        grew = [s.grew for s in skills][::-1]
        colours = [PILLAR_COLOURS[s.pillar] for s in skills][::-1]
        ax.barh(names, members, color=colours, height=0.7, edgecolor="white")
        ax.barh(
            names,
            grew,
            color="none",
            hatch="//",
            edgecolor="white",
            height=0.7,
            linewidth=0,
        )
        for y, n in enumerate(members):
            ax.text(n, y, f" {n}", va="center", fontsize=16)
        ax.set_xlim(0, max(members) * 1.15)
        ax.set_xticks([])
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        used = [p for p in PILLARS if any(s.pillar == p for s in skills)]
        handles: list[Any] = [
            Patch(facecolor=PILLAR_COLOURS[p], label=PILLAR_LABELS[p]) for p in used
        ]
        if any(grew):
            handles.append(
                Patch(facecolor="#777777", hatch="//", edgecolor="white", label="new in 30 days")
            )
        fig.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0.04, 0.02),
            frameon=False,
            fontsize=15,
            ncol=min(len(handles), 5),
        )
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI)
        return buf.getvalue()


def team_chart_alt_text(view: TeamView) -> str:
    """One line describing the chart (Slack alt text, screen readers)."""
    top = ", ".join(f"{s.label} ({s.members})" for s in view.skills[:3])
    return f"Chart of the team's most shared skills, {view.members} people sharing. Top: {top}."
