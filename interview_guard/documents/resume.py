"""Resume readers: PDF (pypdf), DOCX (python-docx), JSON Resume, plain text / Markdown.

Everything ends as one :class:`Resume` (name, contacts, location, employers with dates,
education, languages with levels, links) and, from it, a :class:`~interview_guard.claims.Claims`.
Text formats go through one heuristic parser (``parse_resume_text``): section headings,
date ranges, "Title at Company" / "Company | Title" lines, "Language (level)" items.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..claims import Claims, EmployerClaim, LanguageClaim
from ..config import DocumentOptions
from ..errors import InputError
from . import limits
from .resume_text import country_code, language_code, language_level, normalize_month, parse_resume_text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Employment:
    name: str
    title: str = ""
    start: str | None = None  # YYYY-MM or YYYY-MM-DD
    end: str | None = None  # None = present
    full_time: bool = True
    location: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Education:
    institution: str
    area: str = ""
    study_type: str = ""
    start: str | None = None
    end: str | None = None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class LanguageSkill:
    language: str  # as written ("Japanese")
    code: str | None  # ISO 639-1 when known
    level: str  # one of claims.LANGUAGE_LEVELS
    raw_level: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Resume:
    format: str  # pdf | docx | json | text
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    city: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    employers: tuple[Employment, ...] = ()
    education: tuple[Education, ...] = ()
    languages: tuple[LanguageSkill, ...] = ()
    links: tuple[str, ...] = ()
    text: str = ""  # the full text, for fingerprints
    warnings: tuple[str, ...] = field(default=())

    def to_claims(self) -> Claims:
        return Claims(
            name=self.name, email=self.email, phone=self.phone, city=self.city, country=self.country,
            languages=tuple(LanguageClaim(lang.code, lang.level) for lang in self.languages if lang.code),
            employers=tuple(EmployerClaim(name=e.name, start=e.start, end=e.end, title=e.title, full_time=e.full_time)
                            for e in self.employers),
            links=self.links, source="resume")

    def to_dict(self, *, with_text: bool = False) -> dict:
        d = {"format": self.format, "name": self.name, "email": self.email, "phone": self.phone,
             "location": {"city": self.city, "country": self.country},
             "employers": [e.to_dict() for e in self.employers],
             "education": [e.to_dict() for e in self.education],
             "languages": [lang.to_dict() for lang in self.languages], "links": list(self.links),
             "warnings": list(self.warnings)}
        if with_text:
            d["text"] = self.text
        return d


# --------------------------------------------------------------------------- entry point
def read_resume(path: str | Path, opts: DocumentOptions | None = None) -> Resume:
    """Read a resume file of any supported kind (decided by content, not by extension)."""
    opts = opts or DocumentOptions()
    p = limits.check_size(path, opts, "resume")
    kind = limits.sniff(p)
    if kind == "pdf":
        text = limits.pdf_text(p, opts, "resume PDF")
        if not text.strip():
            raise InputError(f"resume PDF {p} holds no extractable text (a scanned image?)",
                             fix="give a text PDF, DOCX or plain-text resume")
        return _from_text(text, "pdf")
    if kind == "zip":
        return _from_text(docx_text(p, opts), "docx")
    if kind in ("png", "jpeg"):
        raise InputError(f"resume {p} is an image; give a PDF, DOCX, JSON Resume, text or Markdown file")
    text = limits.read_text_file(p, opts, "resume")
    if kind == "json" or p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError(f"resume {p} is not valid JSON: {e}") from None
        return from_json_resume(data, text)
    return _from_text(text, "text")


def docx_text(path: Path, opts: DocumentOptions) -> str:
    """Paragraphs and table cells of a DOCX, in document order; zip bombs refused first."""
    limits.check_zip(path, opts, "resume DOCX")
    import zipfile

    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise InputError(f"resume {path} is a zip file but not a Word document (.docx)")
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as e:  # pragma: no cover - hard dependency
        from ..errors import DependencyMissing

        raise DependencyMissing("python-docx is not installed", fix="make install") from e
    try:
        document = docx.Document(str(path))
    except PackageNotFoundError:
        raise InputError(f"resume {path} is a zip file but not a Word document") from None
    except (KeyError, ValueError, OSError) as e:
        raise InputError(f"resume DOCX {path} is damaged: {e}") from None
    except Exception as e:  # lxml raises its own types on hostile XML
        raise InputError(f"resume DOCX {path} cannot be read: {type(e).__name__}: {e}") from None
    parts: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            style = child.xpath("string(./w:pPr/w:pStyle/@w:val)") or ""
            text = "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t"))
            if style.lower().startswith(("heading", "title")) and text.strip():
                text = "# " + text
            parts.append(text)
        elif tag == "tbl":
            for row in child.iter():
                if row.tag.endswith("}tr"):
                    cells = ["".join(t.text or "" for t in c.iter() if t.tag.endswith("}t"))
                             for c in row if c.tag.endswith("}tc")]
                    parts.append(" | ".join(x for x in cells if x.strip()))
        if sum(map(len, parts)) > opts.max_text_chars:
            break
    return "\n".join(parts)[:opts.max_text_chars]


def _from_text(text: str, fmt: str) -> Resume:
    p = parse_resume_text(text)
    return Resume(format=fmt, name=p.name, email=p.email, phone=p.phone, city=p.city, country=p.country,
                  employers=tuple(Employment(**e) for e in p.employers),
                  education=tuple(Education(**e) for e in p.education),
                  languages=tuple(LanguageSkill(language=n, code=language_code(n), level=language_level(lv),
                                                raw_level=lv) for n, lv in p.languages),
                  links=tuple(p.links), text=text, warnings=tuple(p.warnings))


# --------------------------------------------------------------------------- JSON Resume
def from_json_resume(data, text: str = "") -> Resume:
    """JSON Resume (jsonresume.org schema, v0.0.x and v1)."""
    if not isinstance(data, dict):
        raise InputError("a JSON Resume is a JSON object with a 'basics' section")
    basics = data.get("basics") or {}
    if not isinstance(basics, dict):
        raise InputError("JSON Resume 'basics' must be an object")
    loc = basics.get("location") or {}
    loc = loc if isinstance(loc, dict) else {}
    warnings: list[str] = []
    employers = []
    for item in _items(data.get("work"), "work", warnings):
        name = _s(item.get("name") or item.get("company"))
        if not name:
            warnings.append("a work entry has no company name")
            continue
        kind = " ".join(_s(item.get(k)) or "" for k in ("position", "summary", "description", "type")).lower()
        employers.append(Employment(name=name, title=_s(item.get("position")) or "",
                                    start=_date(item.get("startDate"), warnings),
                                    end=_date(item.get("endDate"), warnings),
                                    full_time=not re.search(r"part[- ]time|freelance|contract|volunteer", kind),
                                    location=_s(item.get("location")) or ""))
    education = [Education(institution=_s(e.get("institution")) or "", area=_s(e.get("area")) or "",
                           study_type=_s(e.get("studyType")) or "", start=_date(e.get("startDate"), warnings),
                           end=_date(e.get("endDate"), warnings))
                 for e in _items(data.get("education"), "education", warnings) if _s(e.get("institution"))]
    languages = []
    for item in _items(data.get("languages"), "languages", warnings):
        name = _s(item.get("language") or item.get("name"))
        if name:
            raw = _s(item.get("fluency") or item.get("level")) or ""
            languages.append(LanguageSkill(language=name, code=language_code(name), level=language_level(raw),
                                           raw_level=raw))
    links = []
    profiles = _items(basics.get("profiles"), "profiles", warnings)
    for url in [basics.get("url") or basics.get("website")] + [p.get("url") for p in profiles]:
        url = _s(url)
        if url and url not in links:
            links.append(url)
    country = _s(loc.get("countryCode")) or _s(loc.get("country"))
    return Resume(format="json", name=_s(basics.get("name")), email=_s(basics.get("email")),
                  phone=_s(basics.get("phone")), city=_s(loc.get("city")),
                  country=country_code(country) if country else None, employers=tuple(employers),
                  education=tuple(education), languages=tuple(languages), links=tuple(links),
                  text=text or json.dumps(data, ensure_ascii=False), warnings=tuple(warnings))


def _items(value, section: str, warnings: list[str]) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        warnings.append(f"'{section}' is not a list; ignored")
        return []
    return [v for v in value if isinstance(v, dict)]


def _s(v) -> str | None:
    if v is None or isinstance(v, (dict, list)):
        return None
    s = str(v).strip()
    return s or None


def _date(v, warnings: list[str]) -> str | None:
    s = _s(v)
    if not s:
        return None
    norm = normalize_month(s)
    if norm is None:
        warnings.append(f"unreadable date {s!r}")
    return norm
