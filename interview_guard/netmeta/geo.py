"""Country reference points and time zones from the IANA tz database's ``zone.tab``.

``zone.tab`` (public domain) lists, per country code, each time zone with the coordinates of
its principal city. Those points serve two purposes here: the zones a claimed country uses
(time-zone checks), and rough distances between countries for impossible-travel checks. City
points are not borders: two neighbouring countries can be metres apart, so country-level
distances are only used with a large minimum (see ``NetworkOptions.travel_min_km``).

The file comes from the ``tzdata`` package (a pandas dependency) or the system's zoneinfo.
"""
from __future__ import annotations

import functools
import logging
import math
import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

logger = logging.getLogger(__name__)

_COORD = re.compile(r"^([+-]\d{4,6})([+-]\d{5,7})$")


@dataclass(frozen=True)
class ZonePoint:
    tz: str
    latitude: float
    longitude: float


def _dms(text: str, deg_digits: int) -> float:
    sign = -1.0 if text[0] == "-" else 1.0
    digits = text[1:]
    deg, mins = int(digits[:deg_digits]), int(digits[deg_digits:deg_digits + 2])
    secs = int(digits[deg_digits + 2:]) if len(digits) > deg_digits + 2 else 0
    return sign * (deg + mins / 60.0 + secs / 3600.0)


def _zone_tab_text() -> str | None:
    try:
        from importlib.resources import files

        return files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        pass
    for base in zoneinfo.TZPATH:
        p = Path(base) / "zone.tab"
        if p.is_file():
            return p.read_text(encoding="utf-8")
    return None


@functools.lru_cache(maxsize=1)
def country_points() -> dict[str, tuple[ZonePoint, ...]]:
    """Country code -> its zones with principal-city coordinates (empty if zone.tab is missing)."""
    text = _zone_tab_text()
    if text is None:
        logger.warning("zone.tab not found (install tzdata): no country coordinates or zone lists")
        return {}
    out: dict[str, list[ZonePoint]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 3:
            continue
        m = _COORD.match(parts[1])
        if not m:
            continue
        lat, lon = m.group(1), m.group(2)
        point = ZonePoint(parts[2], _dms(lat, 2), _dms(lon, 3))
        out.setdefault(parts[0].upper(), []).append(point)
    return {k: tuple(v) for k, v in out.items()}


def country_zones(country: str) -> tuple[str, ...]:
    return tuple(p.tz for p in country_points().get(country.upper(), ()))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


@functools.lru_cache(maxsize=4096)
def country_distance_km(a: str, b: str) -> float | None:
    """Smallest distance between any principal-city points of two countries (0 if equal)."""
    if a == b:
        return 0.0
    pa, pb = country_points().get(a.upper()), country_points().get(b.upper())
    if not pa or not pb:
        return None
    return min(haversine_km(x.latitude, x.longitude, y.latitude, y.longitude) for x in pa for y in pb)


def utc_offset_hours(tz: str, at: float | None = None) -> float:
    """UTC offset of IANA zone ``tz`` at epoch ``at`` (now if None). ValueError if unknown."""
    try:
        zone = zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {tz!r}") from None
    when = datetime.fromtimestamp(at, tz=timezone.utc) if at is not None else datetime.now(timezone.utc)
    off = when.astimezone(zone).utcoffset()
    return off.total_seconds() / 3600.0 if off is not None else 0.0
