"""Resume timelines and text fingerprints (pure functions: no I/O, no models).

* ``find_overlaps``: full-time jobs that run in parallel for longer than a hand-over grace;
* ``impossible_dates``: an end before its start, a start in the future, work before an age;
* ``text_fingerprint``: a MinHash of word 5-shingles turned into a unit vector whose cosine
  with another fingerprint estimates the Jaccard similarity of the two texts, so the store's
  cosine index finds near-duplicate resumes (template reuse) without keeping their text.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Sequence

import numpy as np

FINGERPRINT_HASHES = 128
FINGERPRINT_DIM = 512


@dataclass(frozen=True)
class Overlap:
    first: str
    second: str
    start: str  # YYYY-MM of the overlap
    end: str
    months: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class DateProblem:
    entry: str
    problem: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def month_index(value: str | None, *, end: bool = False, today: date | None = None) -> int | None:
    """'2019', '2019-04', '2019-04-15' -> months since year 0; None (present) -> today when ``end``."""
    if value is None:
        if end:
            t = today or date.today()
            return t.year * 12 + t.month - 1
        return None
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-\d{1,2})?", value.strip())
    if not m:
        return None
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else (12 if end else 1)
    if not 1 <= month <= 12:
        return None
    return year * 12 + month - 1


def _ym(idx: int) -> str:
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def find_overlaps(employers: Sequence, *, grace_months: int = 2, today: date | None = None) -> list[Overlap]:
    """Pairs of full-time jobs that overlap by more than ``grace_months`` (a normal hand-over)."""
    spans = []
    for e in employers:
        if not getattr(e, "full_time", True):
            continue
        s = month_index(e.start, today=today)
        t = month_index(e.end, end=True, today=today)
        if s is None or t is None or t < s:
            continue
        spans.append((e, s, t))
    out = []
    for i in range(len(spans)):
        for j in range(i + 1, len(spans)):
            (a, s1, e1), (b, s2, e2) = spans[i], spans[j]
            lo, hi = max(s1, s2), min(e1, e2)
            months = hi - lo + 1
            if months > grace_months and a.name.strip().lower() != b.name.strip().lower():
                out.append(Overlap(a.name, b.name, _ym(lo), _ym(hi), months))
    return out


def impossible_dates(employers: Sequence, education: Sequence = (), *, birth_date: str | None = None,
                     today: date | None = None, min_work_age: int = 14) -> list[DateProblem]:
    today = today or date.today()
    now = today.year * 12 + today.month - 1
    birth = month_index(birth_date) if birth_date else None
    out: list[DateProblem] = []
    entries: Iterable = [(f"{e.name}", e.start, e.end, "work") for e in employers] + \
                        [(f"{e.institution}", e.start, e.end, "education") for e in education]
    for label, start, end, kind in entries:
        s = month_index(start, today=today)
        t = month_index(end, end=True, today=today) if end else None
        if start and s is None:
            out.append(DateProblem(label, f"unreadable start date {start!r}"))
        if end and t is None:
            out.append(DateProblem(label, f"unreadable end date {end!r}"))
        if s is not None and s > now:
            out.append(DateProblem(label, f"starts in the future ({start})"))
        if t is not None and end and t > now + (72 if kind == "education" else 0):
            out.append(DateProblem(label, f"ends in the future ({end})"))
        if s is not None and t is not None and t < s:
            out.append(DateProblem(label, f"ends ({end}) before it starts ({start})"))
        if birth is not None and s is not None:
            age = (s - birth) / 12
            if s < birth:
                out.append(DateProblem(label, f"starts ({start}) before the date of birth ({birth_date})"))
            elif kind == "work" and age < min_work_age:
                out.append(DateProblem(label, f"starts ({start}) at age {age:.0f}, before {min_work_age}"))
    return out


# --------------------------------------------------------------------------- fingerprints
def shingles(text: str, k: int = 5) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + k]) for i in range(len(words) - k + 1)}


def minhash(items: set[str], n: int = FINGERPRINT_HASHES) -> np.ndarray:
    """n MinHash values: multiply-shift hashes (mod 2**64, vectorised) of a 64-bit digest per shingle."""
    if not items:
        raise ValueError("no text to fingerprint")
    rng = np.random.default_rng(20261122)
    a = rng.integers(1, 2**63, size=n, dtype=np.uint64) | np.uint64(1)  # odd multipliers
    b = rng.integers(0, 2**63, size=n, dtype=np.uint64)
    x = np.array([int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little") for s in items],
                 dtype=np.uint64)
    with np.errstate(over="ignore"):
        h = (a[:, None] * x[None, :] + b[:, None]) >> np.uint64(32)
    return h.min(axis=1)


def text_fingerprint(text: str, dim: int = FINGERPRINT_DIM) -> list[float]:
    """Unit vector whose dot product with another text's approximates their shingle Jaccard."""
    sig = minhash(shingles(text))
    vec = np.zeros(dim, dtype=np.float64)
    for slot, value in enumerate(sig):
        seed = int.from_bytes(hashlib.blake2b(f"{slot}:{int(value)}".encode(), digest_size=8).digest(), "little")
        r = np.random.default_rng(seed).standard_normal(dim)
        vec += r / np.linalg.norm(r)
    vec /= np.linalg.norm(vec)
    return [float(v) for v in vec]


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / max(1, len(sa | sb))
