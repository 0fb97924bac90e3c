"""Which language is spoken where: Whisper's language ID per ASR window, checked by a text
language identifier (lingua, restricted to a short list of languages so it loads fast).

A window's language is the one both agree on; when they disagree, the more confident one wins
if it is confident enough, else the window is ``uncertain`` (never counted as a mismatch).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from .asr import AsrWindow

logger = logging.getLogger(__name__)

# Languages the text identifier always knows, plus the claimed ones and Whisper's guesses.
BASE_LANGUAGES = ("en", "ja", "zh", "ko", "es", "fr", "de", "ru", "pt")
MIN_TEXT_CHARS = 12  # shorter text gives the identifier nothing to go on
UNCERTAIN = "uncertain"


@dataclass(frozen=True)
class LanguageStretch:
    """Consecutive ASR windows that share a language."""

    start: float
    end: float
    language: str  # ISO 639-1, or "uncertain"
    speech_s: float
    whisper_language: str
    whisper_probability: float
    text_language: str | None
    text_confidence: float | None
    text: str


@dataclass(frozen=True)
class LanguageProfile:
    stretches: tuple[LanguageStretch, ...]

    def seconds_by_language(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for s in self.stretches:
            out[s.language] = round(out.get(s.language, 0.0) + s.speech_s, 2)
        return out

    @property
    def main_language(self) -> str | None:
        secs = {k: v for k, v in self.seconds_by_language().items() if k != UNCERTAIN}
        return max(secs, key=lambda k: secs[k]) if secs else None


@lru_cache(maxsize=8)
def _detector(codes: tuple[str, ...]):
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    langs = []
    for c in codes:
        iso = getattr(IsoCode639_1, c.upper(), None)
        if iso is None:
            continue
        try:
            langs.append(Language.from_iso_code_639_1(iso))
        except ValueError:  # lingua does not know this language
            continue
    if len(langs) < 2:
        return None
    return LanguageDetectorBuilder.from_languages(*langs).build()


def identify_text(text: str, candidates: Iterable[str]) -> tuple[str, float] | None:
    """(language code, confidence) of ``text`` among ``candidates`` (plus the base list)."""
    text = " ".join(text.split())
    if len(text) < MIN_TEXT_CHARS:
        return None
    codes = tuple(sorted(set(BASE_LANGUAGES) | {c.lower() for c in candidates if c}))
    try:
        det = _detector(codes)
    except ImportError:
        logger.warning("lingua-language-detector is not installed; using Whisper's language ID only")
        return None
    if det is None:
        return None
    values = det.compute_language_confidence_values(text)
    if not values:
        return None
    top = values[0]
    return top.language.iso_code_639_1.name.lower(), float(top.value)


def decide(whisper_lang: str, whisper_prob: float, text: tuple[str, float] | None,
           min_conf: float = 0.8) -> str:
    if text is None:
        return whisper_lang if whisper_prob >= min_conf else UNCERTAIN
    t_lang, t_conf = text
    if t_lang == whisper_lang:
        return whisper_lang
    if whisper_prob >= min_conf and whisper_prob >= t_conf:
        return whisper_lang
    if t_conf >= min_conf:
        return t_lang
    return UNCERTAIN


def language_profile(windows: Sequence[AsrWindow], claimed: Iterable[str] = ()) -> LanguageProfile:
    """Per-window decisions merged into stretches (windows without kept text are skipped)."""
    claimed = tuple(claimed)
    stretches: list[LanguageStretch] = []
    for w in windows:
        text = " ".join(s.text.strip() for s in w.segments).strip()
        if not text:
            continue
        t = identify_text(text, claimed + (w.language,))
        lang = decide(w.language, w.language_probability, t)
        item = LanguageStretch(start=w.start, end=w.end, language=lang, speech_s=w.speech_s,
                               whisper_language=w.language, whisper_probability=round(w.language_probability, 3),
                               text_language=t[0] if t else None,
                               text_confidence=round(t[1], 3) if t else None, text=text[:200])
        prev = stretches[-1] if stretches else None
        if prev is not None and prev.language == lang:
            stretches[-1] = LanguageStretch(
                start=prev.start, end=w.end, language=lang, speech_s=round(prev.speech_s + w.speech_s, 3),
                whisper_language=prev.whisper_language, whisper_probability=prev.whisper_probability,
                text_language=prev.text_language, text_confidence=prev.text_confidence, text=prev.text)
        else:
            stretches.append(item)
    return LanguageProfile(stretches=tuple(stretches))
