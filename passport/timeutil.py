"""Time helpers: ISO weeks in a person's own calendar, zone names, parsing "2w" or a date."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


def iso_week(at: datetime, tz: str) -> str:
    """The ISO week ("2026-W49") that `at` falls in, on the person's local calendar."""
    local = at.astimezone(zone(tz))
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def zone(name: str) -> ZoneInfo:
    """A ZoneInfo, falling back to UTC for a name that is not (or no longer) valid."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@lru_cache(maxsize=1)
def _zone_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if name.startswith(("Etc/", "SystemV/", "posix/", "right/")) or "/" not in name:
            continue
        index.setdefault(name.lower(), name)
        city = name.rsplit("/", 1)[-1].replace("_", " ").lower()
        index.setdefault(city, name)
    for alias in ("UTC", "GMT"):
        index[alias.lower()] = "UTC"
    extra = {
        "new york": "America/New_York",
        "nyc": "America/New_York",
        "london": "Europe/London",
        "uk": "Europe/London",
        "india": "Asia/Kolkata",
        "delhi": "Asia/Kolkata",
        "mumbai": "Asia/Kolkata",
        "bangalore": "Asia/Kolkata",
        "bengaluru": "Asia/Kolkata",
        "san francisco": "America/Los_Angeles",
        "sf": "America/Los_Angeles",
        "la": "America/Los_Angeles",
        "seattle": "America/Los_Angeles",
        "boston": "America/New_York",
        "washington": "America/New_York",
        "munich": "Europe/Berlin",
        "hamburg": "Europe/Berlin",
        "frankfurt": "Europe/Berlin",
        "cologne": "Europe/Berlin",
        "vienna": "Europe/Vienna",
        "zurich": "Europe/Zurich",
        "beijing": "Asia/Shanghai",
        "china": "Asia/Shanghai",
        "japan": "Asia/Tokyo",
        "germany": "Europe/Berlin",
        "france": "Europe/Paris",
        "spain": "Europe/Madrid",
        "italy": "Europe/Rome",
        "netherlands": "Europe/Amsterdam",
        "poland": "Europe/Warsaw",
        "nigeria": "Africa/Lagos",
        "kenya": "Africa/Nairobi",
        "brazil": "America/Sao_Paulo",
        "wellington": "Pacific/Auckland",
        "new zealand": "Pacific/Auckland",
        "melbourne": "Australia/Melbourne",
        "sydney": "Australia/Sydney",
        "toronto": "America/Toronto",
        "montreal": "America/Toronto",
        "vancouver": "America/Vancouver",
        "chicago": "America/Chicago",
        "texas": "America/Chicago",
        "denver": "America/Denver",
    }
    index.update(extra)
    return index


def find_zone(text: str) -> str | None:
    """Understand "Europe/Berlin", "berlin", "New York" or "UTC+2"-less names; None if unsure."""
    cleaned = re.sub(r"[^\w/+\- ]", "", text.strip().lower()).strip()
    cleaned = re.sub(r"^(i am in|i'm in|im in|in|my zone is|zone)\s+", "", cleaned)
    if not cleaned:
        return None
    index = _zone_index()
    if cleaned in index:
        return index[cleaned]
    underscored = cleaned.replace(" ", "_")
    if underscored in index:
        return index[underscored]
    return None


_DURATION = re.compile(r"^(\d{1,3})\s*(d|day|days|w|wk|week|weeks|m|month|months)$")


def parse_pause(text: str, now: datetime, tz: str) -> datetime | None:
    """`2w`, `10d`, `1 month` or a date (`2027-01-15`) → the moment a pause ends (UTC).

    Returns None for an empty text (pause until /resume); raises ValueError when not understood.
    """
    text = text.strip().lower()
    if not text:
        return None
    match = _DURATION.match(text)
    if match:
        n, unit = int(match.group(1)), match.group(2)
        if n <= 0:
            raise ValueError(text)
        days = n * (7 if unit.startswith("w") else 30 if unit.startswith("m") else 1)
        if days > 366:
            raise ValueError(text)
        return now + timedelta(days=days)
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(text) from exc
    end = datetime(day.year, day.month, day.day, tzinfo=zone(tz)).astimezone(UTC)
    if end <= now:
        raise ValueError(text)
    return end
