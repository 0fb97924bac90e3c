"""Word error rate for benchmarks and acceptance tests (jiwer-like, no dependency).

Text is normalised before scoring: NFKC, lower case, hyphens and punctuation to spaces, and a
few English spellings Whisper writes differently from read-speech references ("Mr." /
"mister", "Mrs." / "missus", "Dr." / "doctor").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_PUNCT = re.compile(r"[^\w\s']|_", re.UNICODE)
_SPELLINGS = {"mister": "mr", "missus": "mrs", "misses": "mrs", "doctor": "dr", "okay": "ok"}


def normalize_text(text: str) -> list[str]:
    t = unicodedata.normalize("NFKC", text).lower().replace("-", " ")
    t = _PUNCT.sub(" ", t).replace("'", "")
    return [_SPELLINGS.get(w, w) for w in t.split()]


@dataclass(frozen=True)
class WerResult:
    substitutions: int
    deletions: int
    insertions: int
    reference_words: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def wer(self) -> float:
        return self.errors / self.reference_words if self.reference_words else float(self.errors > 0)


def align(ref: list[str], hyp: list[str]) -> WerResult:
    """Levenshtein alignment over words; counts substitutions, deletions and insertions."""
    n, m = len(ref), len(hyp)
    # each cell: (cost, subs, dels, ins)
    prev = [(j, 0, 0, j) for j in range(m + 1)]
    for i in range(1, n + 1):
        cur = [(i, 0, i, 0)] + [(0, 0, 0, 0)] * m
        for j in range(1, m + 1):
            if ref[i - 1] == hyp[j - 1]:
                cur[j] = prev[j - 1]
                continue
            s, d, ins = prev[j - 1], prev[j], cur[j - 1]
            best = min((s[0], 0), (d[0], 1), (ins[0], 2))
            if best[1] == 0:
                cur[j] = (s[0] + 1, s[1] + 1, s[2], s[3])
            elif best[1] == 1:
                cur[j] = (d[0] + 1, d[1], d[2] + 1, d[3])
            else:
                cur[j] = (ins[0] + 1, ins[1], ins[2], ins[3] + 1)
        prev = cur
    _, s, d, ins = prev[m]
    return WerResult(substitutions=s, deletions=d, insertions=ins, reference_words=n)


def wer(reference: str, hypothesis: str) -> WerResult:
    return align(normalize_text(reference), normalize_text(hypothesis))
