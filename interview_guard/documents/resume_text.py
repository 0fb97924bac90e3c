"""Heuristic parser for resume text (from PDF, DOCX, plain text or Markdown).

Resumes have no schema; the parser looks for what most of them share: the name on top,
contact details, section headings, lines with a date range ("Jan 2019 – Present") next to
"Title at Company" / "Company | Title", and "Language (level)" items. Whatever it cannot
place is left out rather than guessed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_MONTH_NAMES = {"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
                "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
                "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12}
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
          r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_YEAR = r"(?:19|20)\d{2}"
_DATE = (rf"(?<!\d)(?:{_MONTH}\s+{_YEAR}|{_YEAR}-\d{{1,2}}(?:-\d{{1,2}})?|\d{{1,2}}/{_YEAR}|{_YEAR}/\d{{1,2}}|"
         rf"\d{{1,2}}\.{_YEAR}|{_YEAR})(?!\d)")
_PRESENT = r"(?:present|current|now|today|ongoing|date|heute|現在)"
RANGE_RE = re.compile(rf"(?P<start>{_DATE})\s*(?:–|—|-|~|to|until|bis|→)\s*(?P<end>{_DATE}|{_PRESENT})", re.I)
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE_RE = re.compile(r"(?:(?:\+|00)\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d[\d\s.-]{5,}\d")
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]\"']+|(?<![\w@./])(?:linkedin\.com|github\.com|gitlab\.com|"
                    r"twitter\.com|x\.com|behance\.net|dribbble\.com|stackoverflow\.com)/[^\s<>()\[\]\"']+", re.I)
_SECTIONS = {
    "experience": ("experience", "work experience", "professional experience", "employment", "employment history",
                   "work history", "career", "work", "career history", "職歴"),
    "education": ("education", "academic background", "education and training", "qualifications", "学歴"),
    "languages": ("languages", "language skills", "language", "語学"),
    "skills": ("skills", "technical skills", "core skills", "expertise", "technologies"),
    "other": ("summary", "profile", "about", "about me", "objective", "projects", "volunteer", "volunteering",
              "interests", "awards", "publications", "references", "certifications", "contact", "hobbies",
              "achievements", "personal details", "courses"),
}
_HEADINGS = {h: sec for sec, hs in _SECTIONS.items() for h in hs}
_TITLE_WORDS = re.compile(
    r"\b(engineer|developer|programmer|manager|designer|analyst|consultant|intern|lead|director|scientist|"
    r"architect|administrator|specialist|officer|head|ceo|cto|cfo|coo|founder|president|teacher|researcher|"
    r"assistant|associate|technician|coordinator|executive|sre|devops|staff|principal|senior|junior|owner|"
    r"product|writer|editor|accountant|nurse|tutor|instructor|professor|lecturer|volunteer|supervisor|barista|"
    r"cashier|clerk|representative|agent|chef|cook|server|driver|operator|mechanic|electrician|sales|"
    r"support|partner|fellow|trainee|apprentice|advisor|adviser|auditor|planner|strategist|marketer)\b", re.I)
_SCHOOL_WORDS = re.compile(r"universit|college|institute|school|academy|hochschule|polytechnic|école|大学", re.I)
_NOT_FULL_TIME = re.compile(r"part[- ]time|freelance|contract(or)?\b|volunteer|side project|self-employed", re.I)

LANGUAGES = {
    "english": "en", "japanese": "ja", "日本語": "ja", "chinese": "zh", "mandarin": "zh", "cantonese": "zh",
    "中文": "zh", "korean": "ko", "한국어": "ko", "german": "de", "deutsch": "de", "french": "fr", "français": "fr",
    "francais": "fr", "spanish": "es", "español": "es", "espanol": "es", "portuguese": "pt", "português": "pt",
    "italian": "it", "italiano": "it", "russian": "ru", "русский": "ru", "ukrainian": "uk", "polish": "pl",
    "dutch": "nl", "swedish": "sv", "norwegian": "no", "danish": "da", "finnish": "fi", "turkish": "tr",
    "arabic": "ar", "hebrew": "he", "hindi": "hi", "bengali": "bn", "urdu": "ur", "vietnamese": "vi",
    "thai": "th", "indonesian": "id", "malay": "ms", "tagalog": "tl", "filipino": "tl", "greek": "el",
    "czech": "cs", "romanian": "ro", "hungarian": "hu", "persian": "fa", "farsi": "fa", "swahili": "sw",
    "igbo": "ig", "yoruba": "yo", "hausa": "ha", "amharic": "am", "zulu": "zu", "xhosa": "xh", "afrikaans": "af",
    "somali": "so", "punjabi": "pa", "tamil": "ta", "telugu": "te", "marathi": "mr", "gujarati": "gu",
    "kannada": "kn", "malayalam": "ml", "nepali": "ne", "sinhala": "si", "burmese": "my", "khmer": "km",
    "lao": "lo", "mongolian": "mn", "kazakh": "kk", "uzbek": "uz", "azerbaijani": "az", "georgian": "ka",
    "armenian": "hy", "serbian": "sr", "croatian": "hr", "bosnian": "bs", "slovak": "sk", "slovenian": "sl",
    "bulgarian": "bg", "lithuanian": "lt", "latvian": "lv", "estonian": "et", "icelandic": "is", "irish": "ga",
    "welsh": "cy", "catalan": "ca", "basque": "eu", "galician": "gl", "albanian": "sq", "macedonian": "mk",
    "belarusian": "be", "pashto": "ps", "kurdish": "ku", "javanese": "jv", "latin": "la", "esperanto": "eo",
}
COUNTRIES = {
    "japan": "JP", "日本": "JP", "united states": "US", "usa": "US", "united states of america": "US",
    "united kingdom": "GB", "uk": "GB", "great britain": "GB", "england": "GB", "germany": "DE",
    "deutschland": "DE", "france": "FR", "spain": "ES", "italy": "IT", "canada": "CA", "australia": "AU",
    "china": "CN", "south korea": "KR", "korea": "KR", "republic of korea": "KR", "india": "IN",
    "netherlands": "NL", "sweden": "SE", "norway": "NO", "denmark": "DK", "finland": "FI", "poland": "PL",
    "ukraine": "UA", "russia": "RU", "brazil": "BR", "mexico": "MX", "argentina": "AR", "singapore": "SG",
    "vietnam": "VN", "viet nam": "VN", "thailand": "TH", "indonesia": "ID", "malaysia": "MY",
    "philippines": "PH", "taiwan": "TW", "hong kong": "HK", "switzerland": "CH", "austria": "AT",
    "belgium": "BE", "ireland": "IE", "portugal": "PT", "turkey": "TR", "israel": "IL", "egypt": "EG",
    "nigeria": "NG", "kenya": "KE", "south africa": "ZA", "new zealand": "NZ", "pakistan": "PK",
    "bangladesh": "BD", "united arab emirates": "AE", "uae": "AE", "czech republic": "CZ", "czechia": "CZ",
    "romania": "RO", "hungary": "HU", "greece": "GR", "laos": "LA", "cambodia": "KH", "mongolia": "MN",
}


def language_code(name: str | None) -> str | None:
    if not name:
        return None
    n = name.strip().lower()
    if n in LANGUAGES:
        return LANGUAGES[n]
    if re.fullmatch(r"[a-z]{2}", n) and n in set(LANGUAGES.values()):
        return n
    first = n.split()[0] if n.split() else n
    return LANGUAGES.get(first)


def language_level(raw: str | None) -> str:
    """Free text ('Native speaker', 'C1', 'full professional proficiency') -> a claims level."""
    t = (raw or "").lower()
    if re.search(r"native|mother|bilingual|first language|母語|ネイティブ", t):
        return "native"
    if re.search(r"\bc2\b|fluent|full professional|proficient|advanced|流暢", t):
        return "fluent"
    if re.search(r"\bc1\b|\bb2\b|professional|working|business", t):
        return "professional"
    if re.search(r"\bb1\b|intermediate|conversational|good", t):
        return "intermediate"
    if re.search(r"\ba[12]\b|basic|elementary|beginner|limited|notions", t):
        return "basic"
    return "professional"


def country_code(text: str | None) -> str | None:
    if not text:
        return None
    t = text.strip().strip(".").lower()
    if t in COUNTRIES:
        return COUNTRIES[t]
    if re.fullmatch(r"[a-z]{2}", t):
        return t.upper()
    return None


def normalize_month(text: str) -> str | None:
    """'2019-01-15' stays; 'Jan 2019', '01/2019', '2019/1' -> '2019-01'; '2019' -> '2019'."""
    t = text.strip().lower().rstrip(".")
    m = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:t.*)?", t)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), m.group(3)
        if not 1 <= mo <= 12:
            return None
        return f"{y:04d}-{mo:02d}" + (f"-{int(d):02d}" if d else "")
    m = re.fullmatch(rf"({_MONTH})\s+(\d{{4}})", t)
    if m:
        return f"{int(m.group(2)):04d}-{_MONTH_NAMES[_month_key(m.group(1))]:02d}"
    m = re.fullmatch(r"(\d{1,2})[/.](\d{4})", t)
    if m and 1 <= int(m.group(1)) <= 12:
        return f"{int(m.group(2)):04d}-{int(m.group(1)):02d}"
    m = re.fullmatch(r"(\d{4})/(\d{1,2})", t)
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    if re.fullmatch(r"\d{4}", t):
        return t
    return None


def _month_key(word: str) -> str:
    w = word.lower().rstrip(".")
    return w if w in _MONTH_NAMES else w[:3]


@dataclass
class ParsedText:
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    city: str | None = None
    country: str | None = None
    employers: list[dict] = field(default_factory=list)
    education: list[dict] = field(default_factory=list)
    languages: list[tuple[str, str]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _clean(line: str) -> str:
    s = re.sub(r"^\s*(?:#+|[-*•·▪◦]|\d+\.)\s+", "", line)
    s = s.replace("**", "").replace("__", "").replace("`", "")
    return s.strip()


def _heading(line: str) -> str | None:
    raw = line.strip()
    s = _clean(raw).rstrip(":").strip().lower()
    if s in _HEADINGS and (raw.startswith("#") or len(s) <= 30):
        return _HEADINGS[s]
    return None


def parse_resume_text(text: str) -> ParsedText:
    out = ParsedText()
    lines = [ln.rstrip() for ln in text.replace("\r", "\n").split("\n")]
    section = "header"
    by_section: dict[str, list[str]] = {"header": []}
    for ln in lines:
        sec = _heading(ln)
        if sec:
            section = sec
            by_section.setdefault(section, [])
            continue
        by_section.setdefault(section, []).append(ln)
    _contacts(text, by_section.get("header", []), out)
    exp_lines = by_section.get("experience")
    if exp_lines is None:  # no headings: date ranges anywhere outside education
        exp_lines = [ln for sec, ls in by_section.items() if sec != "education" for ln in ls]
    out.employers = _entries(exp_lines, out.warnings)
    out.education = _education(by_section.get("education", []))
    lang_lines = by_section.get("languages", [])
    if not lang_lines:
        lang_lines = [m.group(1) for m in re.finditer(r"(?im)^\W*languages?\s*[:：]\s*(.+)$", text)]
    out.languages = _languages(lang_lines)
    return out


def _contacts(text: str, header: list[str], out: ParsedText) -> None:
    m = EMAIL_RE.search(text)
    out.email = m.group(0) if m else None
    labelled = re.search(r"(?im)^\W*(?:phone|tel|telephone|mobile|cell)\W*[:：]?\s*(.+)$", text)
    for cand in ([labelled.group(1)] if labelled else []) + [text]:
        for pm in PHONE_RE.finditer(cand):
            s = pm.group(0).strip()
            digits = re.sub(r"\D", "", s)
            if (7 <= len(digits) <= 15 and not RANGE_RE.search(s)
                    and not re.fullmatch(r"\d{4}[-/]\d{2}(?:[-/]\d{2})?", s)):
                out.phone = s
                break
        if out.phone:
            break
    for um in URL_RE.finditer(text):
        url = um.group(0).rstrip(".,;:)")
        if "@" not in url and url not in out.links:
            out.links.append(url)
    labelled_name = re.search(r"(?im)^\W*(?:full )?name\s*[:：]\s*(.+)$", text)
    if labelled_name:
        out.name = _clean(labelled_name.group(1))
    else:
        for ln in header[:8]:
            s = _clean(ln)
            if not s or EMAIL_RE.search(s) or URL_RE.search(s) or re.search(r"\d", s):
                continue
            words = s.split()
            if 2 <= len(words) <= 5 and all(w[:1].isupper() for w in words if w.isalpha()) and \
                    not _TITLE_WORDS.search(s) and "," not in s and "|" not in s:
                out.name = s
                break
    loc = re.search(r"(?im)^\W*(?:location|address|based in|city)\s*[:：]?\s*(.+)$", text)
    candidates = [loc.group(1)] if loc else []
    for ln in header[:10]:
        candidates.extend(p for p in re.split(r"\s*[|·•]\s*", _clean(ln)) if "," in p)
    for cand in candidates:
        parts = [p.strip() for p in cand.split(",") if p.strip()]
        if len(parts) >= 2 and not EMAIL_RE.search(cand) and not re.search(r"\d{3}", cand):
            code = country_code(parts[-1])
            if code:
                out.city, out.country = parts[0], code
                break
        elif len(parts) == 1 and loc and cand is candidates[0]:
            out.city = parts[0]


def _split_title_company(text: str) -> tuple[str, str]:
    """('Company', 'Title') from 'Title at Company', 'Company | Title', 'Title, Company' ..."""
    s = re.sub(r"[()\[\]]", " ", text).strip(" -–—|,·:")
    m = re.match(r"(.+?)\s+(?:at|@)\s+(.+)", s, re.I)
    if m:
        return m.group(2).strip(), m.group(1).strip()
    parts = [p.strip() for p in re.split(r"\s+[|–—·-]\s+|\s*,\s+|\s*\|\s*", s) if p.strip()]
    if not parts:
        return "", ""
    if len(parts) == 1:
        return (parts[0], "") if not _TITLE_WORDS.search(parts[0]) else ("", parts[0])
    a, b = parts[0], parts[1]
    if _TITLE_WORDS.search(a) and not _TITLE_WORDS.search(b):
        return b, a
    return a, b


def _entries(lines: list[str], warnings: list[str]) -> list[dict]:
    out: list[dict] = []
    cleaned = [_clean(ln) for ln in lines]
    for i, s in enumerate(cleaned):
        m = RANGE_RE.search(s)
        if not m:
            continue
        start = normalize_month(m.group("start"))
        end_raw = m.group("end")
        end = None if re.fullmatch(_PRESENT, end_raw, re.I) else normalize_month(end_raw)
        rest = (s[:m.start()] + " " + s[m.end():]).strip(" -–—|,·:()")
        company, title = _split_title_company(rest) if rest else ("", "")
        back = [c for c in cleaned[max(0, i - 2):i] if c and not RANGE_RE.search(c)]
        prev_raw = lines[i - 1].strip() if i > 0 else ""
        if company and not title and _looks_like_name_line(prev_raw) and not RANGE_RE.search(prev_raw):
            # "Acme Corp" on its own line, then "Shift Supervisor, 03/2015 – 08/2021"
            company, title = _clean(prev_raw), company
        if not company and back:
            c2, t2 = _split_title_company(back[-1])
            company = c2 or (back[-2] if len(back) == 2 and t2 else "")
            title = title or t2
            if not company and len(back) == 2:
                company = back[-2]
        if not company:
            warnings.append(f"a date range without an employer name: {s[:60]!r}")
            continue
        following = []
        for nxt in cleaned[i + 1:i + 4]:
            if RANGE_RE.search(nxt) or not nxt:
                break
            following.append(nxt)
        context = " ".join([s] + following + (back[-1:] if not rest else []))
        out.append({"name": company, "title": title, "start": start, "end": end,
                    "full_time": not _NOT_FULL_TIME.search(context), "location": ""})
    return out


def _looks_like_name_line(raw: str) -> bool:
    """A short line that is not a bullet, a sentence or a heading: an organisation's name."""
    if not raw or raw.startswith(("-", "*", "•", "·", "#")) or _heading(raw):
        return False
    s = _clean(raw)
    return 0 < len(s.split()) <= 6 and not s.endswith((".", ":", ";")) and not EMAIL_RE.search(s) \
        and not URL_RE.search(s)


def _education(lines: list[str]) -> list[dict]:
    out = []
    cleaned = [_clean(ln) for ln in lines if _clean(ln)]
    for i, s in enumerate(cleaned):
        if not _SCHOOL_WORDS.search(s):
            continue
        m = RANGE_RE.search(s) or (RANGE_RE.search(cleaned[i + 1]) if i + 1 < len(cleaned) else None)
        parts = [p.strip() for p in re.split(r"\s+[|–—·-]\s+|\s*,\s+|\s*\|\s*", RANGE_RE.sub("", s)) if p.strip()]
        inst = next((p for p in parts if _SCHOOL_WORDS.search(p)), parts[0] if parts else s)
        area = next((p for p in parts if p != inst), "")
        out.append({"institution": inst.strip(" ()"), "area": area.strip(" ()"), "study_type": "",
                    "start": normalize_month(m.group("start")) if m else None,
                    "end": (normalize_month(m.group("end")) if m and not re.fullmatch(_PRESENT, m.group("end"), re.I)
                            else None)})
    return out


def _languages(lines: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for ln in lines:
        for item in re.split(r"[,;•·|]\s*|\s{2,}", _clean(ln)):
            item = item.strip()
            if not item:
                continue
            m = re.match(r"([^\W\d_][^\W\d_ ]*(?: [^\W\d_][^\W\d_]*)?)"
                         r"\s*(?:[:(\-–—]\s*(.*?)\)?\s*$|\s+([ABC][12].*)$|$)", item)
            if not m:
                continue
            name = m.group(1).strip()
            level = (m.group(2) or m.group(3) or "").strip()
            if language_code(name) and all(language_code(n) != language_code(name) for n, _ in out):
                out.append((name, level))
    return out
