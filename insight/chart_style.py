"""The chart's look: canvas size, margins, Okabe-Ito colours, hatches, and text that fits.

Shared by the skills map, the growth panel and the frame around them (`insight.chart`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

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

STYLE = {"font.size": 17, "font.family": "DejaVu Sans", "hatch.linewidth": 1.5}


def full_width() -> float:
    """The width between the margins, in pixels."""
    return (1 - 2 * MARGIN) * WIDTH_PX


class Fitter:
    """Measures text with the real renderer and shortens it until it fits a width in pixels."""

    def __init__(self, fig: Any) -> None:
        self.fig = fig
        self.renderer = fig.canvas.get_renderer()

    def width(self, artist: Any) -> float:
        """The drawn width of `artist` in pixels."""
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
