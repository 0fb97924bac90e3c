"""faster-whisper ASR, window by window.

``AsrStream`` buffers audio until the VAD has closed about ``window_s`` seconds of speech, then
transcribes that window: the speech spans (padded 0.4 s, spans less than 2 s apart merged, as
faster-whisper's own VAD filter does) are concatenated, transcribed with ``vad_filter=False``
and the timestamps are mapped back to the recording's clock. It never needs the whole file,
so the live mode can reuse it.

Models: a manifest name (``whisper-base``, ``whisper-tiny.en``), a local CTranslate2 model
folder, or any faster-whisper model name (which faster-whisper may download; only when a user
asks for it). Device follows ``AnalyzerConfig.device``: CUDA float16, CPU int8.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..errors import DependencyMissing, ModelError
from ..types import Segment, Transcript, Word
from .buffer import AudioBuffer
from .hallucination import GuardOptions, GuardStats, guard_segments
from .vad import SpeechSpan, VadChunk

if TYPE_CHECKING:
    from ..types import AudioChunk

logger = logging.getLogger(__name__)

MANIFEST_MODELS = ("whisper-base", "whisper-tiny.en")


class WhisperLike(Protocol):
    """The part of ``faster_whisper.WhisperModel`` used here (tests pass a fake)."""

    def transcribe(self, audio: np.ndarray, **kwargs: Any) -> tuple[Any, Any]: ...


@dataclass(frozen=True)
class AsrOptions:
    language: str | None = None  # None = detect per window
    beam_size: int = 5
    word_timestamps: bool = True
    window_s: float = 30.0  # Whisper's own input length
    pad_s: float = 0.4  # faster-whisper VadOptions.speech_pad_ms
    merge_gap_s: float = 2.0  # faster-whisper VadOptions.min_silence_duration_ms
    guards: GuardOptions = field(default_factory=GuardOptions)

    def __post_init__(self) -> None:
        if not 1.0 <= self.window_s <= 30.0:
            raise ValueError(f"ASR window must be within [1, 30] s, got {self.window_s}")
        if self.beam_size < 1:
            raise ValueError(f"beam_size must be >= 1, got {self.beam_size}")


@dataclass(frozen=True)
class AsrWindow:
    """One transcribed window: where it lay, what language Whisper heard, what it kept."""

    start: float
    end: float
    speech_s: float
    language: str
    language_probability: float
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class AsrResult:
    """Everything the ASR produced; ``transcript`` is what the report shows."""

    transcript: Transcript
    windows: tuple[AsrWindow, ...]
    guards: GuardStats
    model: str


# --------------------------------------------------------------------------- model loading
_MODEL_CACHE: dict[tuple[str, str, str, int], Any] = {}
_MODEL_LOCK = threading.Lock()


def whisper_device(device: str) -> str:
    """CTranslate2 device for the global device setting (auto -> cuda when a GPU is visible)."""
    if device == "cpu":
        return "cpu"
    try:
        import ctranslate2

        has_cuda = ctranslate2.get_cuda_device_count() > 0
    except Exception:  # no ctranslate2 CUDA build / driver
        has_cuda = False
    if device == "cuda" and not has_cuda:
        logger.warning("device=cuda requested but CTranslate2 sees no CUDA device; Whisper runs on CPU")
    return "cuda" if has_cuda else "cpu"


def compute_type_for(device: str, compute_type: str = "auto") -> str:
    if compute_type != "auto":
        return compute_type
    return "float16" if device == "cuda" else "int8"


def load_whisper(model: str | Path, device: str = "cpu", compute_type: str = "auto",
                 cpu_threads: int = 0) -> Any:
    """A cached ``faster_whisper.WhisperModel`` (one per process and settings)."""
    ct = compute_type_for(device, compute_type)
    key = (str(model), device, ct, int(cpu_threads))
    with _MODEL_LOCK:
        if key in _MODEL_CACHE:
            return _MODEL_CACHE[key]
        try:
            from faster_whisper import WhisperModel
        except ImportError as e:
            raise DependencyMissing("faster-whisper is not installed", fix="make install") from e
        local = Path(model).is_dir()
        try:
            wm = WhisperModel(str(model), device=device, compute_type=ct, cpu_threads=int(cpu_threads),
                              local_files_only=local)
        except Exception as e:
            raise ModelError(f"could not load Whisper model {model!r} on {device}/{ct}: {e}",
                             fix="interview-guard models fetch whisper-base" if local else
                             "give a local CTranslate2 Whisper folder in speech.asr_model") from e
        _MODEL_CACHE[key] = wm
        return wm


# --------------------------------------------------------------------------- windows
@dataclass
class _Group:
    """Spans less than ``merge_gap_s`` apart, transcribed as one stretch (silence kept).

    Once the next group starts, the group is *sealed*: its padded audio ``[a, b)`` is copied out
    of the rolling buffer, so long silences between groups are never held in memory."""

    start: float
    end: float
    speech_s: float
    a: float = 0.0
    b: float = 0.0
    audio: np.ndarray | None = None


def _padded(groups: list[_Group], pad: float, lo: float, hi: float) -> list[tuple[float, float]]:
    """Pad each group by ``pad`` on both sides, splitting shorter gaps in half."""
    out = []
    for i, g in enumerate(groups):
        a = g.start - pad if i == 0 else max(g.start - pad, (groups[i - 1].end + g.start) / 2)
        b = g.end + pad if i == len(groups) - 1 else min(g.end + pad, (g.end + groups[i + 1].start) / 2)
        out.append((max(lo, a), min(hi, b)))
    return out


class _TimeMap:
    """Maps a time in the concatenated window back to the recording's clock."""

    def __init__(self, ranges: list[tuple[float, float]]) -> None:
        self.ranges = ranges
        self.offsets = np.cumsum([0.0] + [b - a for a, b in ranges])

    def __call__(self, tau: float, is_end: bool = False) -> float:
        k = int(np.searchsorted(self.offsets, tau, side="left" if is_end else "right")) - 1
        k = min(max(k, 0), len(self.ranges) - 1)
        a, b = self.ranges[k]
        return round(min(b, a + (tau - self.offsets[k])), 3)


class AsrStream:
    """Feed ``(AudioChunk, VadChunk)`` pairs; get segments as windows complete."""

    def __init__(self, model: WhisperLike, options: AsrOptions | None = None, *, model_name: str = "") -> None:
        self.model = model
        self.opts = options or AsrOptions()
        self.model_name = model_name
        self.buffer = AudioBuffer()
        self.groups: list[_Group] = []
        self.windows: list[AsrWindow] = []
        self.stats = GuardStats()
        self.open_since: float | None = None
        self._flushed_until = float("-inf")
        # speech seconds inside [a, b], for the text-on-silence guard (VAD spans seen so far)
        self._spans: list[SpeechSpan] = []

    # ---------------------------------------------------------------- streaming
    def add(self, chunk: "AudioChunk", vad: VadChunk) -> tuple[Segment, ...]:
        self.buffer.add(chunk.t, chunk.samples)
        produced: list[Segment] = []
        for span in vad.closed:
            produced.extend(self._add_span(span))
        self.open_since = vad.open_since
        self._trim()
        return tuple(produced)

    def finish(self) -> AsrResult:
        if self.open_since is not None and self.buffer.end - self.open_since > 0.1:
            self._add_span(SpeechSpan(self.open_since, self.buffer.end))
            self.open_since = None
        self._flush(float("inf"))
        segments = tuple(s for w in self.windows for s in w.segments)
        language, prob = self._language()
        transcript = Transcript(language=language, segments=segments, language_probability=prob,
                                duration_s=round(self.buffer.end, 3))
        return AsrResult(transcript=transcript, windows=tuple(self.windows), guards=self.stats,
                         model=self.model_name)

    def _window_len(self, groups: list[_Group]) -> float:
        return sum(b - a for a, b in _padded(groups, self.opts.pad_s, float("-inf"), float("inf")))

    def _add_span(self, span: SpeechSpan) -> list[Segment]:
        self._spans.append(span)
        produced: list[Segment] = []
        g = self.groups[-1] if self.groups else None
        if g is not None and g.audio is None and span.start - g.end < self.opts.merge_gap_s:
            merged = self.groups[:-1] + [_Group(g.start, span.end, g.speech_s + span.duration)]
            if self._window_len(merged) <= self.opts.window_s:
                self.groups = merged
                return produced
        new = _Group(span.start, span.end, span.duration)
        if self.groups and self._window_len(self.groups + [new]) > self.opts.window_s:
            produced.extend(self._flush(span.start))
        elif self.groups and self.groups[-1].audio is None:
            self._seal(self.groups[-1], span.start)
        self.groups.append(new)
        return produced

    def _seal(self, g: _Group, next_start: float) -> None:
        """Copy the group's padded audio out of the buffer (pads stop half-way to neighbours)."""
        pad = self.opts.pad_s
        prev = self.groups[-2].b if len(self.groups) > 1 and self.groups[-1] is g else float("-inf")
        a = max(g.start - pad, prev, self._flushed_until, self.buffer.start)
        b = min(g.end + pad, self.buffer.end)
        if next_start > g.end:
            b = min(b, (g.end + next_start) / 2)
        g.a, g.b = a, max(a, b)
        g.audio = self.buffer.slice(g.a, g.b)

    def _trim(self) -> None:
        last = self.groups[-1] if self.groups else None
        if last is not None and last.audio is None:
            # seal early once no future span can merge with it (silence >= merge gap so far)
            nxt = self.open_since if self.open_since is not None else self.buffer.end
            if nxt - last.end >= self.opts.merge_gap_s:
                self._seal(last, nxt if self.open_since is not None else float("inf"))
        keep = [self.buffer.end - self.opts.pad_s - 1.0]
        if self.groups and self.groups[-1].audio is None:
            keep.append(self.groups[-1].start - self.opts.pad_s)
        if self.open_since is not None:
            keep.append(self.open_since - self.opts.pad_s)
        self.buffer.drop_before(min(keep))

    def _flush(self, next_start: float) -> list[Segment]:
        if not self.groups:
            return []
        if self.groups[-1].audio is None:
            self._seal(self.groups[-1], next_start)
        groups = [g for g in self.groups if g.b > g.a]
        speech_s = sum(g.speech_s for g in self.groups)
        self.groups = []
        if not groups:
            return []
        self._flushed_until = groups[-1].b
        ranges = [(g.a, g.b) for g in groups]
        audio = np.concatenate([g.audio for g in groups])
        window = self._transcribe(audio, ranges, speech_s)
        self.windows.append(window)
        return list(window.segments)

    # ---------------------------------------------------------------- whisper call
    def _transcribe(self, audio: np.ndarray, ranges: list[tuple[float, float]], speech_s: float) -> AsrWindow:
        o = self.opts
        segments_iter, info = self.model.transcribe(
            audio, language=o.language, beam_size=o.beam_size, word_timestamps=o.word_timestamps,
            vad_filter=False)
        tmap = _TimeMap(ranges)
        raw = []
        for s in segments_iter:
            words = tuple(Word(start=tmap(w.start), end=tmap(w.end, is_end=True), word=w.word,
                               probability=float(w.probability)) for w in (s.words or ()))
            raw.append((Segment(start=tmap(s.start), end=tmap(s.end, is_end=True), text=s.text, words=words,
                                avg_logprob=float(s.avg_logprob), no_speech_prob=float(s.no_speech_prob)),
                        float(getattr(s, "compression_ratio", 0.0) or 0.0)))
        kept = guard_segments(raw, self._speech_inside, o.guards, self.stats)
        return AsrWindow(start=ranges[0][0], end=ranges[-1][1], speech_s=round(speech_s, 3),
                         language=str(info.language), language_probability=float(info.language_probability),
                         segments=tuple(kept))

    def _speech_inside(self, a: float, b: float) -> float:
        return sum(max(0.0, min(b, s.end) - max(a, s.start)) for s in self._spans[-64:])

    def _language(self) -> tuple[str, float]:
        """The language of most transcribed speech (weighted by window speech time)."""
        if self.opts.language:
            return self.opts.language, 1.0
        weight: dict[str, float] = {}
        prob: dict[str, list[float]] = {}
        for w in self.windows:
            if not w.segments:
                continue
            weight[w.language] = weight.get(w.language, 0.0) + w.speech_s
            prob.setdefault(w.language, []).append(w.language_probability)
        if not weight:
            return "", 0.0
        lang = max(weight, key=lambda k: weight[k])
        return lang, float(np.mean(prob[lang]))


# --------------------------------------------------------------------------- options + opening
def asr_options(speech) -> AsrOptions:
    """AsrOptions from the config's SpeechOptions."""
    return AsrOptions(language=speech.language or None, beam_size=int(speech.beam_size))


def resolve_model(name: str, locate) -> tuple[str, str]:
    """``(model path or faster-whisper name, display name)``.

    ``locate(manifest_name) -> Path`` is ``env.model_path`` / ``ModelStore.path`` (it raises
    ModelError with the fetch command when a manifest model is missing).
    """
    if not name:
        raise ValueError("speech.asr_model is empty")
    if name in MANIFEST_MODELS:
        return str(locate(name)), name
    p = Path(name).expanduser()
    if p.exists():
        if not (p / "model.bin").is_file():
            raise ModelError(f"{p} is not a CTranslate2 Whisper model folder (no model.bin)",
                             fix="give a folder converted for faster-whisper")
        return str(p), p.name
    return name, name  # a faster-whisper model name: it downloads only because the user asked


def open_model(speech, device: str, threads: int, locate) -> tuple[Any, str, str]:
    """Load the configured Whisper model: ``(model, display name, ctranslate2 device)``."""
    ref, display = resolve_model(speech.asr_model, locate)
    dev = whisper_device(device)
    model = load_whisper(ref, dev, speech.compute_type, threads)
    return model, display, dev
