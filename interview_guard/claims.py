"""What the candidate claims about themselves (claims file, profile, or resume).

Claims are what location, time-zone and fluency signals are compared against: those
signals are about *consistency with the candidate's own claims*, never adverse alone.
"""
from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

from .errors import InputError

LANGUAGE_LEVELS = ("native", "fluent", "professional", "intermediate", "basic")


@dataclass(frozen=True)
class LanguageClaim:
    code: str  # ISO 639-1, lower case ("en", "ja")
    level: str = "professional"  # one of LANGUAGE_LEVELS


@dataclass(frozen=True)
class EmployerClaim:
    name: str
    start: str | None = None  # "YYYY-MM" or "YYYY-MM-DD"
    end: str | None = None  # None = present
    title: str = ""
    full_time: bool = True


@dataclass(frozen=True)
class Claims:
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    city: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2, upper case
    timezone: str | None = None  # IANA name, e.g. "Asia/Tokyo"
    birth_date: str | None = None
    languages: tuple[LanguageClaim, ...] = ()
    employers: tuple[EmployerClaim, ...] = ()
    links: tuple[str, ...] = ()
    source: str = ""  # where these came from: "claims file", "resume", "claims file + resume"

    @property
    def is_empty(self) -> bool:
        return not any((self.name, self.email, self.phone, self.city, self.country, self.timezone,
                        self.birth_date, self.languages, self.employers, self.links))

    def language(self, code: str) -> LanguageClaim | None:
        return next((lc for lc in self.languages if lc.code == code), None)

    def merged_with(self, other: "Claims") -> "Claims":
        """Fields of ``self`` win; missing ones are taken from ``other``."""
        changes: dict[str, Any] = {}
        for f in ("name", "email", "phone", "city", "country", "timezone", "birth_date"):
            if getattr(self, f) is None and getattr(other, f) is not None:
                changes[f] = getattr(other, f)
        for f in ("languages", "employers", "links"):
            if not getattr(self, f) and getattr(other, f):
                changes[f] = getattr(other, f)
        if not changes:
            return self
        src = " + ".join(s for s in (self.source, other.source) if s)
        return replace(self, source=src, **changes)


def _str(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def claims_from_mapping(data: Mapping[str, Any], source: str = "claims file") -> Claims:
    if not isinstance(data, Mapping):
        raise InputError("claims must be a table / JSON object")
    loc = data.get("location") or {}
    if isinstance(loc, str):
        loc = {"city": loc}
    langs = []
    for item in data.get("languages") or ():
        if isinstance(item, str):
            langs.append(LanguageClaim(item.strip().lower()[:2]))
            continue
        code = _str(item.get("code") or item.get("language"))
        if not code:
            raise InputError(f"claims: a language entry has no code: {item!r}")
        level = (_str(item.get("level") or item.get("fluency")) or "professional").lower()
        langs.append(LanguageClaim(code.lower(), level))
    employers = []
    for item in data.get("employers") or data.get("work") or ():
        name = _str(item.get("name") or item.get("company"))
        if not name:
            raise InputError(f"claims: an employer entry has no name: {item!r}")
        employers.append(EmployerClaim(name=name, start=_str(item.get("start") or item.get("startDate")),
                                       end=_str(item.get("end") or item.get("endDate")),
                                       title=_str(item.get("title") or item.get("position")) or "",
                                       full_time=bool(item.get("full_time", True))))
    country = _str(loc.get("country") or loc.get("countryCode") or data.get("country"))
    return Claims(name=_str(data.get("name")), email=_str(data.get("email")), phone=_str(data.get("phone")),
                  city=_str(loc.get("city") or data.get("city")),
                  country=country.upper() if country else None,
                  timezone=_str(data.get("timezone") or data.get("time_zone")),
                  birth_date=_str(data.get("birth_date")),
                  languages=tuple(langs), employers=tuple(employers),
                  links=tuple(str(x) for x in data.get("links") or ()), source=source)


def load_claims(path: str | Path) -> Claims:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"claims file not found: {p}") from None
    except UnicodeDecodeError:
        raise InputError(f"claims file {p} is not UTF-8 text") from None
    try:
        if p.suffix.lower() == ".json" or text.lstrip().startswith("{"):
            data = json.loads(text)
        else:
            data = tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as e:
        raise InputError(f"claims file {p} is neither valid TOML nor JSON: {e}") from None
    return claims_from_mapping(data)
