"""The chart is a valid PNG of the expected size whose content changes with the data."""

from __future__ import annotations

import struct
import zlib
from dataclasses import replace
from datetime import timedelta

from insight.chart import HEIGHT_PX, WIDTH_PX, chart_alt_text, render_chart
from passport.profile import ProfileInputs, build_profile, inputs_from_records
from tests.insight.conftest import NOW, make_records


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR, after checking the signature and the chunk CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    body = data[16 : 16 + length]
    (crc,) = struct.unpack(">I", data[16 + length : 20 + length])
    assert zlib.crc32(kind + body) == crc
    assert data.endswith(b"IEND\xaeB`\x82")
    return struct.unpack(">II", body[:8])


def test_chart_is_a_png_of_the_expected_size(rich_inputs: ProfileInputs) -> None:
    png = render_chart(build_profile(rich_inputs, now=NOW), now=NOW)
    assert png is not None
    assert png_size(png) == (WIDTH_PX, HEIGHT_PX)


def test_chart_changes_with_the_data(rich_inputs: ProfileInputs) -> None:
    base = render_chart(build_profile(rich_inputs, now=NOW), now=NOW)
    signals, entries = make_records(52)
    # One skill backed by a verified credential: a different colour, a different picture.
    verified = [
        replace(s, verification="verified") if s.label == "use Python" else s for s in signals
    ]
    since = NOW - timedelta(days=7)
    other = inputs_from_records(verified, entries, now=NOW, since_last_digest=since)
    changed = render_chart(build_profile(other, now=NOW), now=NOW)
    again = render_chart(build_profile(rich_inputs, now=NOW), now=NOW)
    assert base is not None and changed is not None
    assert changed != base
    assert again == base  # same data, same picture
    fewer = inputs_from_records(signals[:60], entries, now=NOW, since_last_digest=since)
    assert render_chart(build_profile(fewer, now=NOW), now=NOW) not in (base, changed)


def test_too_little_to_draw_gives_none() -> None:
    assert render_chart(build_profile(ProfileInputs(), now=NOW), now=NOW) is None
    signals, entries = make_records(1, per_week=1)
    thin = inputs_from_records(signals, entries, now=NOW)
    assert render_chart(build_profile(thin, now=NOW), now=NOW) is None


def test_alt_text_names_the_top_skills(rich_inputs: ProfileInputs) -> None:
    profile = build_profile(rich_inputs, now=NOW)
    text = chart_alt_text(profile)
    assert profile.skills[0].label in text and "Chart of your skills" in text
