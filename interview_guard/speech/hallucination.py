"""Guards against Whisper's invented text.

Whisper writes fluent text on silence, music and noise ("Thank you for watching."), and can loop
on one phrase. Fluency is measured on the transcript, so such text must not reach it. Each
Whisper segment goes through these rules, in order:

* ``no_speech``: ``no_speech_prob`` high *and* ``avg_logprob`` low (Whisper's own skip rule);
* ``silence``: less than ``min_speech_coverage`` of the segment overlaps VAD speech;
* ``compression``: gzip compression ratio above 2.4 (a repetition loop, Whisper's threshold);
* ``known_phrase``: a stock subtitle/outro phrase on a short, weakly supported segment;
* ``repetition``: a run of the same 1-4 word n-gram repeated ``max_repeats`` times or more is
  cut back to its first occurrences (the segment is kept);
* ``low_confidence``: ``avg_logprob`` below ``low_logprob`` is *kept* but counted, and fluency
  ignores such segments.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable

from ..types import Segment

# Phrases Whisper is known to emit on silence or noise (from its subtitle training data).
KNOWN_PHRASES = (
    "thank you for watching", "thanks for watching", "please subscribe", "subscribe to my channel",
    "like and subscribe", "see you in the next video", "subtitles by", "captions by",
    "transcribed by", "amara org", "www mooji org", "you",
    "ご視聴ありがとうございました", "ご清聴ありがとうございました", "チャンネル登録",
    "字幕", "请不吝点赞", "谢谢观看",
)
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class GuardOptions:
    no_speech_prob: float = 0.6
    no_speech_logprob: float = -1.0
    min_speech_coverage: float = 0.2
    compression_ratio: float = 2.4
    max_repeats: int = 4
    low_logprob: float = -1.0
    known_phrase_max_s: float = 4.0


@dataclass(frozen=True)
class DroppedSegment:
    start: float
    end: float
    text: str
    reason: str


@dataclass
class GuardStats:
    """What the guards did over one transcript (kept for the report's details)."""

    kept: int = 0
    dropped: list[DroppedSegment] = field(default_factory=list)
    trimmed_repetitions: int = 0
    low_confidence: list[tuple[float, float]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.dropped:
            out[d.reason] = out.get(d.reason, 0) + 1
        return out

    def to_dict(self, max_items: int = 20) -> dict:
        return {"kept_segments": self.kept, "dropped_segments": len(self.dropped),
                "dropped_by_reason": self.counts(), "trimmed_repetitions": self.trimmed_repetitions,
                "low_confidence_segments": len(self.low_confidence),
                "dropped": [{"start": d.start, "end": d.end, "text": d.text[:120], "reason": d.reason}
                            for d in self.dropped[:max_items]]}


def normalize_phrase(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).lower()
    return " ".join(_PUNCT.sub(" ", t).split())


def is_known_phrase(text: str) -> bool:
    t = normalize_phrase(text)
    if not t:
        return True
    return any(t == p or (len(p) > 4 and p in t and len(t) <= len(p) + 12) for p in KNOWN_PHRASES)


def find_repetition(tokens: list[str], max_repeats: int, max_n: int = 4) -> tuple[int, int, int] | None:
    """First run of an n-gram repeated ``max_repeats``+ times in a row: (start, n, repeats)."""
    keys = [normalize_phrase(t) for t in tokens]
    for i in range(len(keys)):
        for n in range(1, max_n + 1):
            gram = keys[i:i + n]
            if len(gram) < n or not any(gram):
                continue
            r = 1
            while keys[i + r * n:i + (r + 1) * n] == gram:
                r += 1
            if r >= max_repeats:
                return i, n, r
    return None


def trim_repetitions(seg: Segment, max_repeats: int) -> tuple[Segment, int]:
    """Cut repetition loops back to two occurrences; returns the segment and loops cut."""
    cut = 0
    if seg.words:
        words = list(seg.words)
        while (hit := find_repetition([w.word for w in words], max_repeats)) is not None:
            i, n, r = hit
            words = words[:i + 2 * n] + words[i + r * n:]
            cut += 1
        if cut:
            text = "".join(w.word for w in words)
            end = words[-1].end if words else seg.start
            return replace(seg, words=tuple(words), text=text, end=max(seg.start, min(seg.end, end))), cut
        return seg, 0
    tokens = seg.text.split()
    while (hit := find_repetition(tokens, max_repeats)) is not None:
        i, n, r = hit
        tokens = tokens[:i + 2 * n] + tokens[i + r * n:]
        cut += 1
    if cut:
        return replace(seg, text=" " + " ".join(tokens)), cut
    return seg, 0


def guard_segments(raw: Iterable[tuple[Segment, float]], speech_inside: Callable[[float, float], float],
                   opts: GuardOptions, stats: GuardStats) -> list[Segment]:
    """Apply the rules above to ``(segment, compression_ratio)`` pairs; update ``stats``."""
    kept: list[Segment] = []
    for seg, ratio in raw:
        reason = segment_problem(seg, ratio, speech_inside, opts)
        if reason is not None:
            stats.dropped.append(DroppedSegment(seg.start, seg.end, seg.text.strip(), reason))
            continue
        seg, cut = trim_repetitions(seg, opts.max_repeats)
        stats.trimmed_repetitions += cut
        if not seg.text.strip():
            stats.dropped.append(DroppedSegment(seg.start, seg.end, "", "empty"))
            continue
        if seg.avg_logprob < opts.low_logprob:
            stats.low_confidence.append((seg.start, seg.end))
        stats.kept += 1
        kept.append(seg)
    return kept


def segment_problem(seg: Segment, compression_ratio: float, speech_inside: Callable[[float, float], float],
                    opts: GuardOptions) -> str | None:
    """Why a segment must be dropped, or None."""
    if seg.no_speech_prob > opts.no_speech_prob and seg.avg_logprob < opts.no_speech_logprob:
        return "no_speech"
    duration = max(seg.end - seg.start, 1e-3)
    coverage = speech_inside(seg.start, seg.end) / duration
    if coverage < opts.min_speech_coverage:
        return "silence"
    if compression_ratio > opts.compression_ratio:
        return "compression"
    weak = seg.no_speech_prob > 0.3 or seg.avg_logprob < -0.7 or coverage < 0.5
    if duration <= opts.known_phrase_max_s and weak and is_known_phrase(seg.text):
        return "known_phrase"
    return None
