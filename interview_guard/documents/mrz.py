"""Machine readable zone: locate in OCR output, repair by field, parse and verify (ICAO 9303).

OCR confuses characters that the MRZ layout disambiguates: a date position can only hold a
digit (O -> 0, I -> 1, B -> 8 ...), a name position only a letter or the filler ``<`` (0 -> O),
and the filler itself is often read as ``K``, ``«`` or ``く``. Repairs are made by position
type; alphanumeric fields (document number, optional data) are repaired only when a variant
satisfies the field's own check digit. Every repair is listed in the result, so a reviewer can
tell a clean read from a corrected one. Verification uses the ``mrz`` package (TD1/TD2/TD3).
"""
from __future__ import annotations

import itertools
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from ..errors import InputError

if TYPE_CHECKING:
    from .ocr import OcrLine

logger = logging.getLogger(__name__)

# (lines, length) per format
FORMATS: dict[str, tuple[int, int]] = {"TD1": (3, 30), "TD2": (2, 36), "TD3": (2, 44)}
_WEIGHTS = (7, 3, 1)
_TO_DIGIT = {"O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "J": "1", "Z": "2", "A": "4",
             "S": "5", "G": "6", "T": "7", "B": "8"}
_TO_LETTER = {"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B"}
_FILLER_LOOKALIKES = "«‹<くㄑ〈(（[{"
_AMBIGUOUS = {"0": "O", "O": "0", "1": "I", "I": "1", "8": "B", "B": "8", "5": "S", "S": "5", "2": "Z",
              "Z": "2", "6": "G", "G": "6", "D": "0", "Q": "0"}

# Field layout: (line, start, end, kind). Kinds: A letters/filler, N digits, X alphanumeric,
# C check digit, S sex. Field names are the keys of MrzResult.checks where they carry a check digit.
_LAYOUT: dict[str, tuple[tuple[str, int, int, int, str], ...]] = {
    "TD3": (("document_type", 0, 0, 2, "A"), ("country", 0, 2, 5, "A"), ("name", 0, 5, 44, "A"),
            ("document_number", 1, 0, 9, "X"), ("number_cd", 1, 9, 10, "C"), ("nationality", 1, 10, 13, "A"),
            ("birth_date", 1, 13, 19, "N"), ("birth_cd", 1, 19, 20, "C"), ("sex", 1, 20, 21, "S"),
            ("expiry_date", 1, 21, 27, "N"), ("expiry_cd", 1, 27, 28, "C"), ("optional_data", 1, 28, 42, "X"),
            ("optional_cd", 1, 42, 43, "C"), ("composite_cd", 1, 43, 44, "C")),
    "TD2": (("document_type", 0, 0, 2, "A"), ("country", 0, 2, 5, "A"), ("name", 0, 5, 36, "A"),
            ("document_number", 1, 0, 9, "X"), ("number_cd", 1, 9, 10, "C"), ("nationality", 1, 10, 13, "A"),
            ("birth_date", 1, 13, 19, "N"), ("birth_cd", 1, 19, 20, "C"), ("sex", 1, 20, 21, "S"),
            ("expiry_date", 1, 21, 27, "N"), ("expiry_cd", 1, 27, 28, "C"), ("optional_data", 1, 28, 35, "X"),
            ("composite_cd", 1, 35, 36, "C")),
    "TD1": (("document_type", 0, 0, 2, "A"), ("country", 0, 2, 5, "A"), ("document_number", 0, 5, 14, "X"),
            ("number_cd", 0, 14, 15, "C"), ("optional_data", 0, 15, 30, "X"),
            ("birth_date", 1, 0, 6, "N"), ("birth_cd", 1, 6, 7, "C"), ("sex", 1, 7, 8, "S"),
            ("expiry_date", 1, 8, 14, "N"), ("expiry_cd", 1, 14, 15, "C"), ("nationality", 1, 15, 18, "A"),
            ("optional_data_2", 1, 18, 29, "X"), ("composite_cd", 1, 29, 30, "C"), ("name", 2, 0, 30, "A")),
}
# For lines whose length came out wrong: how many leading / trailing characters sit at fixed
# positions; the filler-heavy middle is stretched or shrunk with '<'.
_ANCHORS: dict[str, tuple[tuple[int, int], ...]] = {
    "TD3": ((44, 0), (28, 2)), "TD2": ((36, 0), (28, 1)), "TD1": ((15, 0), (18, 1), (30, 0)),
}
_CHECK_NAMES = {"number": "document number hash", "birth_date": "birth date hash",
                "expiry_date": "expiry date hash", "optional": "optional data hash", "composite": "final hash"}


@dataclass(frozen=True)
class MrzFields:
    document_type: str
    country: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: str | None  # ISO yyyy-mm-dd (century inferred), None if not a date
    sex: str
    expiry_date: str | None
    optional_data: str = ""
    optional_data_2: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_names, self.surname) if p)


@dataclass(frozen=True)
class MrzResult:
    """A parsed MRZ. ``checks`` maps number / birth_date / expiry_date / [optional] / composite
    to whether that check digit verifies; ``failed`` names every failed check or field test."""

    valid: bool
    type: str
    lines: tuple[str, ...]
    fields: MrzFields
    checks: Mapping[str, bool]
    failed: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    repairs: tuple[str, ...] = ()
    raw_lines: tuple[str, ...] = ()
    source: str = "text"  # text | ocr | ocr-row-crop

    def to_dict(self) -> dict:
        return {"valid": self.valid, "type": self.type, "lines": list(self.lines),
                "fields": self.fields.to_dict(), "checks": dict(self.checks), "failed": list(self.failed),
                "warnings": list(self.warnings), "repairs": list(self.repairs),
                "raw_lines": list(self.raw_lines), "source": self.source}

    @property
    def score(self) -> tuple[int, int, int]:
        """Ranking of alternative reads: valid first, then passing checks, then fewer repairs."""
        return (int(self.valid), sum(bool(v) for v in self.checks.values()), -len(self.repairs))


def check_digit(text: str) -> str:
    """ICAO 9303 check digit (weights 7, 3, 1; '<' counts 0, A=10 ... Z=35)."""
    total = 0
    for i, ch in enumerate(text):
        if ch.isdigit():
            v = int(ch)
        elif "A" <= ch <= "Z":
            v = ord(ch) - 55
        elif ch == "<":
            v = 0
        else:
            raise ValueError(f"not an MRZ character: {ch!r}")
        total += v * _WEIGHTS[i % 3]
    return str(total % 10)


def mrz_date(yymmdd: str, *, kind: str, today: date | None = None) -> str | None:
    """YYMMDD -> ISO date. Birth dates are never in the future; expiry dates are within +50 years."""
    if not re.fullmatch(r"\d{6}", yymmdd or ""):
        return None
    today = today or date.today()
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    year = 2000 + yy
    if kind == "birth" and year > today.year:
        year -= 100
    elif kind == "expiry" and year > today.year + 50:
        year -= 100
    try:
        return date(year, mm, dd).isoformat()
    except ValueError:
        return None


# --------------------------------------------------------------------------- normalising + repair
def normalize_line(text: str) -> str:
    """Upper-case, drop spaces, map filler look-alikes to '<' (and '«' to '<<')."""
    out = []
    for ch in text.strip().upper():
        if ch.isspace():
            continue
        if ch == "«":
            out.append("<<")
        elif ch in _FILLER_LOOKALIKES:
            out.append("<")
        else:
            out.append(ch)
    return "".join(out)


def guess_format(lines: Sequence[str]) -> str | None:
    n = len(lines)
    if n == 3:
        return "TD1"
    if n == 2:
        avg = sum(len(x) for x in lines) / 2
        return "TD3" if abs(avg - 44) <= abs(avg - 36) else "TD2"
    return None


def _fit_length(line: str, length: int, head: int, tail: int, repairs: list[str], n: int) -> str:
    """Stretch or shrink the filler-heavy middle of a line read with too few / many characters."""
    if len(line) == length:
        return line
    original = line
    if tail == 0 or len(line) < head + tail:
        line = line[:length].ljust(length, "<")
    else:
        middle = line[head:len(line) - tail]
        want = length - head - tail
        middle = middle[:want] if len(middle) > want else middle.ljust(want, "<")
        line = line[:head] + middle + line[len(line) - tail:]
    repairs.append(f"line {n + 1}: length {len(original)} -> {length}")
    return line


def _repair_kind(chunk: str, kind: str) -> str:
    if kind == "N":
        return "".join(_TO_DIGIT.get(c, c) for c in chunk)
    if kind == "C":
        return "".join(_TO_DIGIT.get(c, c) for c in chunk)
    if kind == "A":
        return "".join(_TO_LETTER.get(c, c) for c in chunk)
    if kind == "S":
        return {"H": "M", "N": "M", "E": "F", "P": "F", "K": "<"}.get(chunk, chunk)
    return chunk


def _repair_name(chunk: str) -> str:
    """Letters only; everything after the first '<<<' is filler (names never hold three '<')."""
    chunk = "".join(_TO_LETTER.get(c, c) for c in chunk)
    cut = chunk.find("<<<")
    if cut >= 0:
        chunk = chunk[:cut] + "<" * (len(chunk) - cut)
    # a lone 'K' between fillers at the end is a misread '<'
    return re.sub(r"(?<=<)K+(?=<*$)", lambda m: "<" * len(m.group()), chunk)


def _repair_by_check_digit(value: str, cd: str, max_variants: int = 4096) -> str:
    """Swap look-alike characters of an alphanumeric field until its check digit verifies."""
    if not cd.isdigit():
        return value
    try:
        if check_digit(value) == cd:
            return value
    except ValueError:
        pass
    positions = [i for i, c in enumerate(value) if c in _AMBIGUOUS]
    best = None
    for k in range(1, min(len(positions), 4) + 1):
        for combo in itertools.islice(itertools.combinations(positions, k), max_variants):
            cand = list(value)
            for i in combo:
                cand[i] = _AMBIGUOUS[cand[i]]
            cand_s = "".join(cand)
            try:
                if check_digit(cand_s) == cd:
                    best = cand_s
                    break
            except ValueError:
                continue
        if best:
            return best
    return value


def repair_lines(lines: Sequence[str], fmt: str) -> tuple[list[str], list[str]]:
    """Fix lengths and characters by field type. Returns (lines, list of repairs made)."""
    n_lines, length = FORMATS[fmt]
    repairs: list[str] = []
    fixed = []
    for i, line in enumerate(lines):
        head, tail = _ANCHORS[fmt][i]
        fixed.append(_fit_length(normalize_line(line), length, min(head, length), tail, repairs, i))
    chars = [list(x) for x in fixed]
    layout = _LAYOUT[fmt]
    for name, li, a, b, kind in layout:
        chunk = "".join(chars[li][a:b])
        if name == "name":
            new = _repair_name(chunk)
        elif name == "document_type":
            new = _repair_kind(chunk[0], "A") + chunk[1:].replace("K", "<") if chunk else chunk
        elif name in ("optional_cd",):
            new = chunk if chunk == "<" else _repair_kind(chunk, "C")
        else:
            new = _repair_kind(chunk, kind)
        chars[li][a:b] = list(new)
    # alphanumeric fields: only with the check digit's consent
    cds = {"document_number": "number_cd", "optional_data": "optional_cd"}
    spans = {name: (li, a, b) for name, li, a, b, _ in layout}
    for fname, cdname in cds.items():
        if fname not in spans or cdname not in spans:
            continue
        li, a, b = spans[fname]
        cli, ca, _ = spans[cdname]
        value = "".join(chars[li][a:b])
        if fname == "optional_data" and chars[cli][ca] == "<":
            value = value.replace("K", "<") if set(value) <= {"<", "K"} else value
        new = _repair_by_check_digit(value, chars[cli][ca])
        chars[li][a:b] = list(new)
    out = ["".join(c) for c in chars]
    for i, (before, after) in enumerate(zip(fixed, out)):
        for pos, (x, y) in enumerate(zip(before, after)):
            if x != y:
                repairs.append(f"line {i + 1} pos {pos + 1}: {x}->{y}")
    return out, repairs


# --------------------------------------------------------------------------- parsing
def parse_mrz(lines: Sequence[str] | str, *, repair: bool = True, source: str = "text",
              today: date | None = None) -> MrzResult:
    """Parse and verify MRZ lines (2 x 44 TD3, 2 x 36 TD2, 3 x 30 TD1)."""
    if isinstance(lines, str):
        lines = [x for x in lines.splitlines() if x.strip()]
    raw = tuple(str(x) for x in lines)
    if len(raw) == 1 and len(normalize_line(raw[0])) in (60, 72, 88, 90):  # pasted without line breaks
        one = normalize_line(raw[0])
        size = {60: 30, 90: 30, 72: 36, 88: 44}[len(one)]
        raw = tuple(one[i:i + size] for i in range(0, len(one), size))
    fmt = guess_format(raw)
    if fmt is None:
        raise InputError(f"an MRZ has 2 lines (TD2, TD3) or 3 lines (TD1); got {len(raw)}")
    norm = [normalize_line(x) for x in raw]
    length = FORMATS[fmt][1]
    far = [f"line {i + 1} has {len(x)}" for i, x in enumerate(norm) if abs(len(x) - length) > 0.2 * length]
    if far:
        raise InputError(f"not an MRZ: a {fmt} line has {length} characters; {', '.join(far)}")
    repairs: list[str]
    if not repair:
        bad = [i + 1 for i, x in enumerate(norm) if len(x) != length]
        if bad:
            raise InputError(f"{fmt} MRZ lines must be {length} characters; line(s) {bad} are not")
        fixed, repairs = norm, []
    else:
        fixed, repairs = repair_lines(norm, fmt)
    bad_chars = sorted({c for line in fixed for c in line if not (c.isdigit() or "A" <= c <= "Z" or c == "<")})
    if bad_chars:
        raise InputError(f"MRZ contains characters outside A-Z 0-9 <: {''.join(bad_chars)!r}")
    return _verify(fmt, tuple(fixed), tuple(repairs), raw, source, today)


def _verify(fmt: str, lines: tuple[str, ...], repairs: tuple[str, ...], raw: tuple[str, ...], source: str,
            today: date | None) -> MrzResult:
    from mrz.checker.td1 import TD1CodeChecker
    from mrz.checker.td2 import TD2CodeChecker
    from mrz.checker.td3 import TD3CodeChecker

    checker_cls = {"TD1": TD1CodeChecker, "TD2": TD2CodeChecker, "TD3": TD3CodeChecker}[fmt]
    try:
        checker = checker_cls("\n".join(lines))
    except Exception as e:  # the package raises its own error types on malformed input
        raise InputError(f"not a valid {fmt} MRZ: {e}") from None
    valid = bool(checker)
    report = dict(checker.report.fields)
    checks = {key: bool(report[label]) for key, label in _CHECK_NAMES.items() if label in report}
    failed = [key for key, ok in checks.items() if not ok]
    failed += [label for label, ok in checker.report.fields if not ok and label not in _CHECK_NAMES.values()]
    failed += [e for e in checker.report.errors if not e.startswith("false ")]
    f = checker.fields()
    spans = {name: (li, a, b) for name, li, a, b, _ in _LAYOUT[fmt]}
    li, a, b = spans["name"]
    primary, _, secondary = lines[li][a:b].rstrip("<").partition("<<")
    fields = MrzFields(
        document_type=f.document_type, country=f.country,
        surname=primary.replace("<", " ").strip(), given_names=secondary.replace("<", " ").strip(),
        document_number=f.document_number.replace("<", ""), nationality=f.nationality,
        birth_date=mrz_date(f.birth_date, kind="birth", today=today), sex=f.sex,
        expiry_date=mrz_date(f.expiry_date, kind="expiry", today=today),
        optional_data=(getattr(f, "optional_data", "") or "").replace("<", ""),
        optional_data_2=(getattr(f, "optional_data_2", "") or "").replace("<", ""))
    return MrzResult(valid=valid, type=fmt, lines=lines, fields=fields, checks=checks,
                     failed=tuple(dict.fromkeys(failed)), warnings=tuple(checker.report.warnings),
                     repairs=repairs, raw_lines=raw, source=source)


# --------------------------------------------------------------------------- locating in OCR output
_MRZ_CHARS = re.compile(r"[A-Z0-9<]")


def looks_like_mrz(text: str) -> bool:
    t = normalize_line(text)
    if len(t) < 20:
        return False
    share = len(_MRZ_CHARS.findall(t)) / len(t)
    return share >= 0.9 and ("<" in t or len(t) >= 28 and sum(c.isdigit() for c in t) >= 10)


@dataclass(frozen=True)
class MrzRows:
    """The OCR lines that make up the MRZ, one group per printed row (top to bottom)."""

    rows: tuple[tuple[OcrLine, ...], ...]
    texts: tuple[str, ...] = field(default=())

    @property
    def box(self) -> tuple[float, float, float, float]:
        items = [ln for row in self.rows for ln in row]
        return (min(ln.x0 for ln in items), min(ln.y0 for ln in items),
                max(ln.x1 for ln in items), max(ln.y1 for ln in items))


def find_mrz_rows(lines: Iterable) -> MrzRows | None:
    """Group OCR lines (``OcrLine``) into MRZ rows: the lowest run of 2-3 MRZ-looking rows."""
    lines = list(lines)
    cands = [ln for ln in lines if looks_like_mrz(ln.text)]
    if not cands:
        return None
    cands.sort(key=lambda ln: ln.cy)
    rows: list[list] = []
    for ln in cands:
        if rows and abs(ln.offset_from(rows[-1][0])) < 0.6 * max(ln.height, rows[-1][0].height):
            rows[-1].append(ln)
        else:
            rows.append([ln])
    first = rows[0][0]
    rows.sort(key=lambda r: r[0].offset_from(first))
    # lines on the same row but not MRZ-looking on their own (a split '<<<<' run)
    for row in rows:
        ref = row[0]
        for ln in lines:
            if ln not in row and abs(ln.offset_from(ref)) < 0.5 * ref.height and ln.x0 >= ref.x0 - 2 * ref.height:
                row.append(ln)
        row.sort(key=lambda x: x.x0)
    # keep the bottom-most run of consecutive rows with regular spacing
    groups: list[list[list]] = []
    for row in rows:
        h = row[0].height
        if groups and row[0].offset_from(groups[-1][-1][0]) < 3.0 * h:
            groups[-1].append(row)
        else:
            groups.append([row])
    groups = [g for g in groups if len(g) >= 2] or groups
    best = groups[-1][-3:] if len(groups[-1]) >= 3 and _avg_len(groups[-1][-3:]) < 33 else groups[-1][-2:]
    if len(best) < 2:
        return None
    return MrzRows(tuple(tuple(r) for r in best), tuple("".join(ln.text for ln in r) for r in best))


def _avg_len(rows) -> float:
    return sum(len(normalize_line("".join(ln.text for ln in r))) for r in rows) / max(1, len(rows))


def best_of(results: Iterable[MrzResult]) -> MrzResult | None:
    results = [r for r in results if r is not None]
    return max(results, key=lambda r: r.score) if results else None
