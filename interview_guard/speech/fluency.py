"""Fluency measurements, used ONLY to check consistency with the candidate's own language claim.

Measured per language over the candidate's speech (interviewer turns excluded when the voices
were separated; low-confidence and guarded-out segments excluded):

* speech rate (units / s over the whole speaking time) and articulation rate (units / s of
  phonation, pauses removed). Units are syllables for English and other space-delimited
  languages (vowel-group estimate), morae for Japanese kana (kanji counted as 1.7 morae),
  syllables for Chinese characters and Hangul blocks;
* pauses: silent gaps >= 0.25 s inside a turn (VAD), per minute, median / p90 length, share of
  long (>= 1 s) pauses, mean length of run (units between pauses);
* filler and immediate-repetition rates per 100 words (Whisper tends to drop fillers, so these
  under-count);
* lexical frequency profile: share of words by wordfreq Zipf band, mean Zipf;
* recognition confidence: mean word probability, share of words below 0.5.

No accent scoring, no inference about origin: these numbers only say whether the speech looks
like the level the candidate claimed, and are reported as such.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Mapping, Sequence

import numpy as np

from ..types import Segment, Word
from .vad import SpeechSpan

logger = logging.getLogger(__name__)

PAUSE_MIN_S = 0.25
LONG_PAUSE_S = 1.0
LOW_LOGPROB = -1.0
CJK_LANGS = ("ja", "zh", "ko", "yue")

FILLERS: Mapping[str, frozenset[str]] = {
    "en": frozenset({"um", "uh", "er", "erm", "ah", "hmm", "mm", "uhm", "umm", "uhh", "eh"}),
    "ja": frozenset({"えー", "えーと", "えっと", "あの", "あのー", "その", "そのー", "まあ", "うーん",
                     "ええと", "なんか"}),
    "es": frozenset({"eh", "este", "em", "mmm"}),
    "fr": frozenset({"euh", "heu", "ben", "bah"}),
    "de": frozenset({"äh", "ähm", "öh", "hm"}),
}

_VOWELS = re.compile(r"[aeiouyàáâäæãåāèéêëēėęìíîïīįòóôöøõōùúûüūÿ]+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
_SMALL_KANA = set("ゃゅょぁぃぅぇぉゎャュョァィゥェォヮ")


@dataclass(frozen=True)
class PauseStats:
    count: int
    per_min: float
    median_s: float
    p90_s: float
    long_share: float
    mean_length_of_run: float  # units between pauses


@dataclass(frozen=True)
class LexicalProfile:
    tokens: int
    mean_zipf: float
    bands: Mapping[str, float] = field(default_factory=dict)  # share of tokens per Zipf band


@dataclass(frozen=True)
class FluencyMeasures:
    language: str
    unit: str  # "syllables", "morae", "characters"
    words: int
    units: float
    speaking_s: float  # turn time, pauses included
    phonation_s: float  # speech only
    speech_rate: float  # units / s over speaking_s
    articulation_rate: float  # units / s over phonation_s
    pauses: PauseStats
    filler_per_100w: float
    repetition_per_100w: float
    mean_word_probability: float
    low_probability_share: float
    lexical: LexicalProfile

    def to_dict(self) -> dict:
        return {"language": self.language, "unit": self.unit, "words": self.words, "units": round(self.units, 1),
                "speaking_s": round(self.speaking_s, 2), "phonation_s": round(self.phonation_s, 2),
                "speech_rate": round(self.speech_rate, 3), "articulation_rate": round(self.articulation_rate, 3),
                "pauses_per_min": round(self.pauses.per_min, 2), "pause_count": self.pauses.count,
                "pause_median_s": round(self.pauses.median_s, 3), "pause_p90_s": round(self.pauses.p90_s, 3),
                "long_pause_share": round(self.pauses.long_share, 3),
                "mean_length_of_run": round(self.pauses.mean_length_of_run, 2),
                "filler_per_100w": round(self.filler_per_100w, 2),
                "repetition_per_100w": round(self.repetition_per_100w, 2),
                "mean_word_probability": round(self.mean_word_probability, 3),
                "low_probability_share": round(self.low_probability_share, 3),
                "lexical_mean_zipf": round(self.lexical.mean_zipf, 3),
                "lexical_bands": {k: round(v, 3) for k, v in self.lexical.bands.items()}}


@dataclass(frozen=True)
class FluencyReport:
    """Measurements per language (only languages with speech in scope)."""

    by_language: Mapping[str, FluencyMeasures]
    scope: str  # "candidate turns" or "all speech"
    seconds_by_language: Mapping[str, float]


# --------------------------------------------------------------------------- units
def english_syllables(word: str) -> int:
    w = word.lower().strip("'’")
    if not w:
        return 0
    groups = _VOWELS.findall(w)
    n = len(groups)
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and n > 1:
        n -= 1  # silent final e
    return max(1, n)


def cjk_units(text: str, lang: str) -> float:
    units = 0.0
    for ch in text:
        name = unicodedata.name(ch, "")
        if "HIRAGANA" in name or "KATAKANA" in name:
            units += 0.0 if ch in _SMALL_KANA else 1.0
        elif ch == "ー":
            units += 1.0
        elif "CJK UNIFIED IDEOGRAPH" in name:
            units += 1.7 if lang == "ja" else 1.0
        elif "HANGUL SYLLABLE" in name:
            units += 1.0
    return units


def unit_name(lang: str) -> str:
    return {"ja": "morae", "zh": "syllables", "yue": "syllables", "ko": "syllables"}.get(lang, "syllables")


def word_units(word: str, lang: str) -> float:
    if lang in CJK_LANGS:
        return cjk_units(word, lang)
    return float(sum(english_syllables(t) for t in _WORD.findall(word)))


def normalize_word(word: str) -> str:
    return unicodedata.normalize("NFKC", word).strip().strip(".,!?;:\"'“”‘’、。？！…-").lower()


# --------------------------------------------------------------------------- lexical profile
@lru_cache(maxsize=8)
def _freq_dict(lang: str) -> Mapping[str, float]:
    try:
        import wordfreq

        return wordfreq.get_frequency_dict(lang, wordlist="best")
    except (ImportError, LookupError, ValueError) as e:
        logger.info("no word frequencies for %s: %s", lang, e)
        return {}


def _segment_cjk(text: str, freqs: Mapping[str, float], max_len: int = 8) -> list[str]:
    """Greedy longest match against the frequency list (no MeCab needed)."""
    out, i = [], 0
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith(("P", "Z", "S")))
    while i < len(text):
        for n in range(min(max_len, len(text) - i), 0, -1):
            if n == 1 or text[i:i + n] in freqs:
                out.append(text[i:i + n])
                i += n
                break
    return out


def lexical_profile(text: str, lang: str) -> LexicalProfile:
    freqs = _freq_dict(lang)
    if not freqs:
        return LexicalProfile(tokens=0, mean_zipf=0.0, bands={})
    if lang in CJK_LANGS:
        tokens = _segment_cjk(text, freqs)
    else:
        tokens = [normalize_word(t) for t in _WORD.findall(text)]
    tokens = [t for t in tokens if t]
    if not tokens:
        return LexicalProfile(tokens=0, mean_zipf=0.0, bands={})
    zipf = np.array([np.log10(freqs[t]) + 9.0 if freqs.get(t) else 0.0 for t in tokens])
    bands = {">=6": float(np.mean(zipf >= 6)), "5-6": float(np.mean((zipf >= 5) & (zipf < 6))),
             "4-5": float(np.mean((zipf >= 4) & (zipf < 5))), "3-4": float(np.mean((zipf >= 3) & (zipf < 4))),
             "<3": float(np.mean(zipf < 3))}
    return LexicalProfile(tokens=len(tokens), mean_zipf=float(zipf.mean()), bands=bands)


# --------------------------------------------------------------------------- measuring
def _inside(t: float, scope: Sequence[tuple[float, float]]) -> bool:
    return any(a <= t < b for a, b in scope)


def _clip_spans(spans: Sequence[SpeechSpan], scope: Sequence[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """VAD speech inside each scope range, per range."""
    out = []
    for a, b in scope:
        out.append([(max(a, s.start), min(b, s.end)) for s in spans if s.end > a and s.start < b])
    return out


def repetitions(words: Sequence[str]) -> int:
    """Immediate repetitions of a word or a two-word phrase ("I I think", "in the in the")."""
    n, i = 0, 0
    while i < len(words):
        if i + 1 < len(words) and words[i] and words[i] == words[i + 1]:
            n += 1
            i += 1
        elif i + 3 < len(words) and words[i:i + 2] == words[i + 2:i + 4] and all(words[i:i + 2]):
            n += 1
            i += 2
        i += 1
    return n


def measure(segments: Iterable[Segment], spans: Sequence[SpeechSpan], lang: str,
            scope: Sequence[tuple[float, float]] | None = None) -> FluencyMeasures | None:
    """Fluency measures of ``segments`` (one language) within ``scope`` (time ranges).

    ``scope`` defaults to the segments' own extent, merged where less than 2 s apart."""
    segs = [s for s in segments if s.avg_logprob >= LOW_LOGPROB and s.text.strip()]
    if not segs:
        return None
    if scope is None:
        scope = []
        for s in segs:
            if scope and s.start - scope[-1][1] < 2.0:
                scope[-1] = (scope[-1][0], max(scope[-1][1], s.end))
            else:
                scope.append((s.start, s.end))
    words: list[Word] = [w for s in segs for w in s.words if _inside((w.start + w.end) / 2, scope)]
    if not words:  # a model without word timestamps: fall back to segment text
        words = [Word(s.start, s.end, s.text, 1.0) for s in segs if _inside((s.start + s.end) / 2, scope)]
    if not words:
        return None
    text = "".join(w.word for w in words) if lang in CJK_LANGS else " ".join(w.word.strip() for w in words)
    units = float(sum(word_units(w.word, lang) for w in words))
    per_range = _clip_spans(spans, scope)
    phonation = sum(b - a for r in per_range for a, b in r if b > a)
    # speaking time: from the first to the last speech in each range that has words
    speaking = 0.0
    pauses: list[float] = []
    for _range, r in zip(scope, per_range):
        r = [x for x in r if x[1] > x[0]]
        if not r:
            continue
        speaking += r[-1][1] - r[0][0]
        pauses += [q[0] - p[1] for p, q in zip(r, r[1:]) if q[0] - p[1] >= PAUSE_MIN_S]
    if phonation <= 0:  # no VAD spans (VAD off): word extents instead
        phonation = sum(max(0.0, w.end - w.start) for w in words)
        speaking = max(speaking, phonation)
    speaking = max(speaking, phonation)
    norm = [normalize_word(w.word) for w in words]
    fillers = FILLERS.get(lang, frozenset())
    n_words = len(words)
    probs = np.array([w.probability for w in words], float)
    p = np.array(pauses) if pauses else np.zeros(0)
    pause_stats = PauseStats(count=len(pauses), per_min=60.0 * len(pauses) / speaking if speaking else 0.0,
                             median_s=float(np.median(p)) if len(p) else 0.0,
                             p90_s=float(np.percentile(p, 90)) if len(p) else 0.0,
                             long_share=float(np.mean(p >= LONG_PAUSE_S)) if len(p) else 0.0,
                             mean_length_of_run=units / (len(pauses) + len(scope)))
    return FluencyMeasures(
        language=lang, unit=unit_name(lang), words=n_words, units=units, speaking_s=speaking,
        phonation_s=phonation, speech_rate=units / speaking if speaking else 0.0,
        articulation_rate=units / phonation if phonation else 0.0, pauses=pause_stats,
        filler_per_100w=100.0 * sum(1 for w in norm if w in fillers) / n_words,
        repetition_per_100w=100.0 * repetitions(norm) / n_words,
        mean_word_probability=float(probs.mean()), low_probability_share=float(np.mean(probs < 0.5)),
        lexical=lexical_profile(text, lang))


# --------------------------------------------------------------------------- claim consistency
@dataclass(frozen=True)
class Bound:
    """A native-speaker bound for one measure: values beyond it are 'outside'."""

    measure: str
    limit: float
    direction: str  # "min": below is outside; "max": above is outside


# Bounds for *native* English, wide enough to hold every native clip we could measure from the
# registries (whisper-base; benchmarks/results/asr.md): LibriVox read speech (articulation 4.4
# syll/s, word probability 0.96, run 19 syll), the pyannote telephone conversation (4.5, 0.83,
# 50) and a codec2 radio call (2.8, 0.83, 16), with margin for spontaneous interview speech.
NATIVE_REFERENCE: Mapping[str, tuple[Bound, ...]] = {
    "en": (Bound("articulation_rate", 2.6, "min"), Bound("pauses_per_min", 24.0, "max"),
           Bound("mean_length_of_run", 6.0, "min"), Bound("mean_word_probability", 0.70, "min"),
           Bound("low_probability_share", 0.30, "max"), Bound("filler_per_100w", 6.0, "max")),
}
STRONG_LEVELS = ("native", "fluent")
MIN_PHONATION_S = 20.0  # less speech than this says too little about fluency
MIN_OTHER_SPEECH_S = 20.0


@dataclass(frozen=True)
class ClaimFinding:
    language: str
    level: str
    status: str  # "consistent", "inconsistent", "not_heard", "not_enough_speech", "no_reference", "modest_claim"
    outside: tuple[str, ...] = ()
    measures: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"language": self.language, "level": self.level, "status": self.status,
                "outside_native_range": list(self.outside), "measures": dict(self.measures)}


def _values(m: FluencyMeasures) -> dict[str, float]:
    return {"articulation_rate": m.articulation_rate, "pauses_per_min": m.pauses.per_min,
            "mean_length_of_run": m.pauses.mean_length_of_run, "mean_word_probability": m.mean_word_probability,
            "low_probability_share": m.low_probability_share, "filler_per_100w": m.filler_per_100w,
            "speech_rate": m.speech_rate}


def outside_native(m: FluencyMeasures, bounds: Sequence[Bound]) -> tuple[str, ...]:
    v = _values(m)
    below = {b.measure for b in bounds if b.direction == "min" and v[b.measure] < b.limit}
    above = {b.measure for b in bounds if b.direction == "max" and v[b.measure] > b.limit}
    return tuple(b.measure for b in bounds if b.measure in below | above)


def claim_findings(report: FluencyReport, claims: Sequence, min_outside: int = 3) -> list[ClaimFinding]:
    """Compare each language claim with the measurements. ``claims`` are LanguageClaim-like
    (``code``, ``level``). Only "native" / "fluent" claims can be contradicted."""
    out: list[ClaimFinding] = []
    other_speech = sum(report.seconds_by_language.values())
    for claim in claims:
        code, level = claim.code.lower(), (claim.level or "").lower()
        m = report.by_language.get(code)
        if level not in STRONG_LEVELS:
            out.append(ClaimFinding(code, level, "modest_claim",
                                    measures=_values(m) if m else {}))
            continue
        if m is None or m.phonation_s < MIN_PHONATION_S:
            heard_other = other_speech - report.seconds_by_language.get(code, 0.0)
            if m is None and heard_other >= MIN_OTHER_SPEECH_S:
                out.append(ClaimFinding(code, level, "not_heard"))
            else:
                out.append(ClaimFinding(code, level, "not_enough_speech", measures=_values(m) if m else {}))
            continue
        bounds = NATIVE_REFERENCE.get(code)
        if not bounds:
            out.append(ClaimFinding(code, level, "no_reference", measures=_values(m)))
            continue
        outside = outside_native(m, bounds)
        need = min_outside if level == "native" else min_outside + 1
        status = "inconsistent" if len(outside) >= need else "consistent"
        out.append(ClaimFinding(code, level, status, outside=outside, measures=_values(m)))
    return out
