"""Answer timing and reading-like cadence (low-weight context, never adverse alone).

* Answer latency: for each interviewer turn followed by a candidate turn, the time from the end
  of the question to the start of the answer (negative = the answer overlapped the question).
* Reading-like cadence: read speech pauses almost only at sentence and clause boundaries;
  spontaneous speech also pauses inside clauses, hesitates and repeats. ``boundary_pause_share``
  is the share of the candidate's silent pauses (>= 0.25 s) that fall right after a word ending
  in punctuation; ``pause_interval_cv`` is how regular the stretches between pauses are.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..types import Transcript
from .vad import SpeechSpan

PAUSE_MIN_S = 0.25
BOUNDARY_CHARS = (".", ",", "?", "!", ";", ":", "。", "、", "？", "！", "…")


@dataclass(frozen=True)
class Answer:
    question_end: float
    answer_start: float

    @property
    def latency(self) -> float:
        return self.answer_start - self.question_end


@dataclass(frozen=True)
class LatencyReport:
    answers: tuple[Answer, ...]
    median_s: float | None
    p90_s: float | None
    long_share: float | None  # share of answers starting >= 3 s after the question
    pauses: int
    boundary_pause_share: float | None
    pause_interval_cv: float | None

    def to_dict(self) -> dict:
        r = lambda v: None if v is None else round(float(v), 3)  # noqa: E731
        return {"answers": len(self.answers), "median_latency_s": r(self.median_s), "p90_latency_s": r(self.p90_s),
                "long_latency_share": r(self.long_share), "candidate_pauses": self.pauses,
                "boundary_pause_share": r(self.boundary_pause_share),
                "pause_interval_cv": r(self.pause_interval_cv),
                "latencies_s": [round(a.latency, 2) for a in self.answers[:50]]}


def answers(interviewer: Sequence[tuple[float, float]], candidate: Sequence[tuple[float, float]],
            max_gap_s: float = 10.0) -> list[Answer]:
    """Question -> answer transitions: an interviewer turn whose next turn is the candidate's."""
    turns = sorted([(a, b, "i") for a, b in interviewer] + [(a, b, "c") for a, b in candidate])
    out = []
    for (_a1, b1, r1), (a2, _b2, r2) in zip(turns, turns[1:]):
        if r1 == "i" and r2 == "c" and a2 - b1 <= max_gap_s:
            out.append(Answer(question_end=b1, answer_start=a2))
    return out


def _pauses_in(turns: Sequence[tuple[float, float]], spans: Sequence[SpeechSpan]) -> list[tuple[float, float]]:
    out = []
    for a, b in turns:
        inside = [s for s in spans if s.end > a and s.start < b]
        out += [(p.end, q.start) for p, q in zip(inside, inside[1:]) if q.start - p.end >= PAUSE_MIN_S]
    return out


def cadence(turns: Sequence[tuple[float, float]], transcript: Transcript | None,
            spans: Sequence[SpeechSpan]) -> tuple[int, float | None, float | None]:
    """(pauses, boundary_pause_share, pause_interval_cv) over the candidate's turns."""
    pauses = _pauses_in(turns, spans)
    if not pauses:
        return 0, None, None
    share = None
    if transcript is not None:
        words = [w for s in transcript.segments for w in s.words]
        if words:
            ends = np.array([w.end for w in words])
            at_boundary = 0
            for p0, _ in pauses:
                k = int(np.argmin(np.abs(ends - p0)))
                if abs(ends[k] - p0) <= 0.6 and words[k].word.strip().endswith(BOUNDARY_CHARS):
                    at_boundary += 1
            share = at_boundary / len(pauses)
    starts = [p[1] for p in pauses]
    intervals = np.diff(starts) if len(starts) > 2 else np.zeros(0)
    cv = float(intervals.std() / intervals.mean()) if len(intervals) >= 2 and intervals.mean() > 0 else None
    return len(pauses), share, cv


def measure_latency(interviewer: Sequence[tuple[float, float]], candidate: Sequence[tuple[float, float]],
                    transcript: Transcript | None, spans: Sequence[SpeechSpan]) -> LatencyReport:
    ans = answers(interviewer, candidate)
    lat = np.array([a.latency for a in ans]) if ans else np.zeros(0)
    n_pauses, share, cv = cadence(candidate, transcript, spans)
    return LatencyReport(answers=tuple(ans),
                         median_s=float(np.median(lat)) if len(lat) else None,
                         p90_s=float(np.percentile(lat, 90)) if len(lat) else None,
                         long_share=float(np.mean(lat >= 3.0)) if len(lat) else None,
                         pauses=n_pauses, boundary_pause_share=share, pause_interval_cv=cv)
