"""Render a JSON Resume as plain resume lines (for PDF / DOCX variants in tests and benchmarks).

Three layouts a human might use, so the text parser is measured on more than one habit:
0 "Title at Company — Apr 2019 – Present", 1 "Company | Title | 2019-04 – present",
2 a company line followed by "Title, 04/2019 – 03/2021".
"""
from __future__ import annotations

from typing import Mapping, Sequence

from interview_guard.documents.resume_text import COUNTRIES

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CODE_TO_COUNTRY = {}
for _name, _code in COUNTRIES.items():
    _CODE_TO_COUNTRY.setdefault(_code, _name.title())


def _fmt(date: str | None, style: int) -> str:
    if not date:
        return "Present" if style != 1 else "present"
    y, _, rest = date.partition("-")
    m = rest[:2]
    if not m:
        return y
    if style == 0:
        return f"{_MONTHS[int(m) - 1]} {y}"
    if style == 2:
        return f"{m}/{y}"
    return f"{y}-{m}"


def render_lines(resume: Mapping, style: int = 0) -> list[str]:
    b = resume.get("basics") or {}
    loc = b.get("location") or {}
    out = [b.get("name") or ""]
    country = _CODE_TO_COUNTRY.get(loc.get("countryCode") or "", loc.get("countryCode"))
    place = ", ".join(x for x in (loc.get("city"), country) if x)
    out.append(" · ".join(x for x in (place, b.get("email"), b.get("phone")) if x))
    links = [b.get("url")] + [p.get("url") for p in b.get("profiles") or []]
    out.append(" | ".join(x for x in links if x))
    if b.get("summary"):
        out += ["# Summary", b["summary"]]
    out.append("# Experience")
    for w in resume.get("work") or []:
        dates = f"{_fmt(w.get('startDate'), style)} – {_fmt(w.get('endDate'), style)}"
        if style == 0:
            out.append(f"{w.get('position', '')} at {w['name']} — {dates}")
        elif style == 1:
            out.append(f"{w['name']} | {w.get('position', '')} | {dates}")
        else:
            out += [w["name"], f"{w.get('position', '')}, {dates}"]
        out += [f"- {h}" for h in (w.get("highlights") or [])[:2]]
    out.append("# Education")
    for e in resume.get("education") or []:
        out.append(f"{e.get('institution', '')}, {e.get('studyType', '')} {e.get('area', '')} "
                   f"({_fmt(e.get('startDate'), style)} – {_fmt(e.get('endDate'), style)})")
    langs: Sequence[Mapping] = resume.get("languages") or []
    if langs:
        out.append("# Languages")
        out.append(", ".join(f"{x.get('language')} ({x.get('fluency', '')})" for x in langs))
    return out
