"""A simple generated badge picture (Pillow): a coloured disc, the skill name, "self-asserted"."""

from __future__ import annotations

import hashlib
import io
import textwrap

from PIL import Image, ImageDraw, ImageFont

SIZE = 400


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: bitmap font, fixed size
        return ImageFont.load_default()


def badge_png(label: str, subtitle: str = "self-asserted · ESCO") -> bytes:
    """A 400x400 PNG badge for a skill (colour derived from the label, stable across runs)."""
    digest = hashlib.sha256(label.casefold().encode()).digest()
    hue = digest[0] / 255
    base = tuple(int(c) for c in _hsv(hue, 0.45, 0.85))
    img = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse(
        (10, 10, SIZE - 10, SIZE - 10), fill=base + (255,), outline=(40, 40, 60, 255), width=8
    )
    draw.ellipse((40, 40, SIZE - 40, SIZE - 40), outline=(255, 255, 255, 200), width=3)
    lines = textwrap.wrap(label, width=16)[:4] or ["skill"]
    font, small = _font(30), _font(18)
    y = SIZE // 2 - 20 * len(lines)
    for line in lines:
        draw.text((SIZE // 2, y), line, fill=(20, 20, 40, 255), font=font, anchor="mm")
        y += 40
    draw.text((SIZE // 2, SIZE - 90), subtitle, fill=(30, 30, 50, 255), font=small, anchor="mm")
    draw.text((SIZE // 2, 80), "UTP", fill=(30, 30, 50, 255), font=small, anchor="mm")
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _hsv(h: float, s: float, v: float) -> tuple[float, float, float]:
    import colorsys

    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return r * 255, g * 255, b * 255
