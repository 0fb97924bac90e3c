"""Silero VAD (v6 ONNX, as shipped with faster-whisper) run incrementally through our runtime.

faster-whisper's ``get_speech_timestamps`` needs the whole file and opens its own ORT session.
Here the same model runs chunk by chunk on a session from ``runtime/onnx.py``: the LSTM state
(h, c) and the 64-sample context are carried across chunks, so probabilities match a single
pass over the file. The segmentation state machine is the one from faster-whisper /
snakers4/silero-vad, rewritten to consume probabilities as they arrive.

Spans are *raw* speech (no padding). Consumers pad as they need (the ASR pads 0.4 s like
faster-whisper; fluency measures pauses between raw spans).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

import numpy as np

if TYPE_CHECKING:
    from ..runtime.onnx import SessionLike
    from ..types import AudioChunk

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16000
WINDOW = 512  # samples per probability (32 ms)
CONTEXT = 64  # samples of the previous window the v6 model sees
FRAME_S = WINDOW / SAMPLE_RATE


@dataclass(frozen=True)
class VadOptions:
    threshold: float = 0.5
    neg_threshold: float | None = None  # None = threshold - 0.15
    min_speech_s: float = 0.25
    # 250 ms is the usual lower bound of a silent pause in fluency research; shorter gaps
    # (stop closures, breaths) stay inside one span.
    min_silence_s: float = 0.25
    max_speech_s: float = 20.0  # longer spans are cut at the last >98 ms silence

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"VAD threshold must be in (0, 1), got {self.threshold}")
        if self.min_silence_s < 0 or self.min_speech_s < 0 or self.max_speech_s <= 0:
            raise ValueError("VAD durations must be non-negative (max_speech_s positive)")


@dataclass(frozen=True)
class SpeechSpan:
    """A run of speech on the recording's clock, in seconds (unpadded)."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class VadChunk:
    """The VAD's per-chunk result (what downstream extractors get in ``upstream``).

    ``probs`` are the speech probabilities computed during this chunk, one per 32 ms frame,
    the first at ``probs_t0``. ``closed`` are the spans that ended (were confirmed by enough
    silence) while this chunk was processed; ``open_since`` is the start of a span still going.
    """

    t: float
    probs: np.ndarray
    probs_t0: float
    closed: tuple[SpeechSpan, ...]
    open_since: float | None
    frame_s: float = FRAME_S


@dataclass(frozen=True)
class SpeechActivity:
    """The whole recording's VAD result."""

    spans: tuple[SpeechSpan, ...]
    probs: np.ndarray  # float32, one per frame
    t0: float  # time of the first frame
    duration_s: float
    frame_s: float = FRAME_S

    @property
    def speech_s(self) -> float:
        return float(sum(s.duration for s in self.spans))

    def pauses(self, min_s: float = 0.25) -> list[tuple[float, float]]:
        """Silences between consecutive spans at least ``min_s`` long."""
        out = []
        for a, b in zip(self.spans, self.spans[1:]):
            if b.start - a.end >= min_s:
                out.append((a.end, b.start))
        return out


class SileroProbabilities:
    """Streams audio through the Silero v6 session, keeping state between calls."""

    def __init__(self, session: "SessionLike") -> None:
        self.session = session
        self.h = np.zeros((1, 1, 128), np.float32)
        self.c = np.zeros((1, 1, 128), np.float32)
        self.context = np.zeros(CONTEXT, np.float32)
        self.rest = np.zeros(0, np.float32)

    def push(self, samples: np.ndarray) -> np.ndarray:
        audio = np.concatenate([self.rest, np.asarray(samples, np.float32).ravel()])
        n = len(audio) // WINDOW
        self.rest = audio[n * WINDOW:]
        if n == 0:
            return np.zeros(0, np.float32)
        return self._run(audio[: n * WINDOW].reshape(n, WINDOW))

    def flush(self) -> np.ndarray:
        """Pad the trailing partial window with zeros (as faster-whisper does)."""
        if not len(self.rest):
            return np.zeros(0, np.float32)
        last = np.zeros(WINDOW, np.float32)
        last[: len(self.rest)] = self.rest
        self.rest = np.zeros(0, np.float32)
        return self._run(last[None, :])

    def _run(self, windows: np.ndarray) -> np.ndarray:
        ctx = np.empty((len(windows), CONTEXT), np.float32)
        ctx[0] = self.context
        ctx[1:] = windows[:-1, -CONTEXT:]
        self.context = windows[-1, -CONTEXT:].copy()
        batch = np.ascontiguousarray(np.concatenate([ctx, windows], axis=1))
        out, self.h, self.c = self.session.run(None, {"input": batch, "h": self.h, "c": self.c})
        return np.asarray(out, np.float32).reshape(-1)


class SpanTracker:
    """faster-whisper's ``get_speech_timestamps`` loop, fed one probability at a time.

    Works in samples from the stream start; ``total_samples`` is only needed at the end.
    """

    def __init__(self, opts: VadOptions) -> None:
        self.threshold = opts.threshold
        self.neg_threshold = (opts.neg_threshold if opts.neg_threshold is not None
                              else max(opts.threshold - 0.15, 0.01))
        self.min_speech = SAMPLE_RATE * opts.min_speech_s
        self.min_silence = SAMPLE_RATE * opts.min_silence_s
        self.min_silence_at_max = SAMPLE_RATE * 0.098
        self.max_speech = SAMPLE_RATE * opts.max_speech_s - WINDOW
        self.i = 0
        self.triggered = False
        self.start = 0
        self.temp_end = 0
        self.prev_end = 0
        self.next_start = 0

    @property
    def open_start(self) -> int | None:
        return self.start if self.triggered else None

    def feed(self, probs: Iterable[float]) -> list[tuple[int, int]]:
        done: list[tuple[int, int]] = []
        for p in probs:
            self._step(float(p), done)
            self.i += 1
        return done

    def _close(self, end: int, done: list) -> None:
        if end - self.start > self.min_speech:
            done.append((self.start, end))

    def _step(self, p: float, done: list) -> None:
        pos = WINDOW * self.i
        if p >= self.threshold and self.temp_end:
            self.temp_end = 0
            if self.next_start < self.prev_end:
                self.next_start = pos
        if p >= self.threshold and not self.triggered:
            self.triggered = True
            self.start = pos
            return
        if self.triggered and pos - self.start > self.max_speech:
            if self.prev_end:
                done.append((self.start, self.prev_end))
                if self.next_start < self.prev_end:  # still silence: wait for speech again
                    self.triggered = False
                else:
                    self.start = self.next_start
                self.prev_end = self.next_start = self.temp_end = 0
            else:
                done.append((self.start, pos))
                self.prev_end = self.next_start = self.temp_end = 0
                self.triggered = False
                return
        if p < self.neg_threshold and self.triggered:
            if not self.temp_end:
                self.temp_end = pos
            if pos - self.temp_end > self.min_silence_at_max:
                self.prev_end = self.temp_end
            if pos - self.temp_end < self.min_silence:
                return
            self._close(self.temp_end, done)
            self.prev_end = self.next_start = self.temp_end = 0
            self.triggered = False

    def finish(self, total_samples: int) -> list[tuple[int, int]]:
        done: list[tuple[int, int]] = []
        if self.triggered and total_samples - self.start > self.min_speech:
            done.append((self.start, total_samples))
        self.triggered = False
        return done


class VadStream:
    """Incremental VAD: ``add(chunk) -> VadChunk``, ``finish() -> SpeechActivity``."""

    def __init__(self, session: "SessionLike", opts: VadOptions | None = None) -> None:
        self.opts = opts or VadOptions()
        self.probs = SileroProbabilities(session)
        self.tracker = SpanTracker(self.opts)
        self.t0: float | None = None
        self.samples = 0
        self.frames = 0
        self.spans: list[SpeechSpan] = []
        self._prob_parts: list[np.ndarray] = []

    def _t(self, sample: int) -> float:
        return (self.t0 or 0.0) + sample / SAMPLE_RATE

    def add(self, chunk: "AudioChunk") -> VadChunk:
        if chunk.sample_rate != SAMPLE_RATE:
            raise ValueError(f"VAD needs 16 kHz audio, got {chunk.sample_rate} Hz")
        if self.t0 is None:
            self.t0 = float(chunk.t)
        probs = self.probs.push(chunk.samples)
        self.samples += len(chunk.samples)
        return self._consume(probs, chunk.t, final=False)

    def _consume(self, probs: np.ndarray, t: float, *, final: bool) -> VadChunk:
        probs_t0 = self._t(self.frames * WINDOW)
        self.frames += len(probs)
        self._prob_parts.append(probs)
        raw = self.tracker.feed(probs)
        if final:
            raw += self.tracker.finish(self.samples)
        closed = tuple(SpeechSpan(round(self._t(a), 3), round(self._t(min(b, self.samples)), 3))
                       for a, b in raw)
        self.spans.extend(closed)
        open_start = self.tracker.open_start
        return VadChunk(t=float(t), probs=probs, probs_t0=probs_t0, closed=closed,
                        open_since=None if open_start is None else self._t(open_start))

    def flush(self) -> VadChunk:
        """End of stream: close a span still open. Returns the last per-chunk result."""
        return self._consume(self.probs.flush(), self._t(self.samples), final=True)

    def finish(self) -> SpeechActivity:
        self.flush()
        probs = np.concatenate(self._prob_parts) if self._prob_parts else np.zeros(0, np.float32)
        return SpeechActivity(spans=tuple(self.spans), probs=probs, t0=self.t0 or 0.0,
                              duration_s=self.samples / SAMPLE_RATE)


def detect_speech(session: "SessionLike", audio: np.ndarray, t0: float = 0.0,
                  opts: VadOptions | None = None, chunk_s: float = 30.0) -> SpeechActivity:
    """VAD over an in-memory 16 kHz array (short clips, the interviewer sample, tests)."""
    from ..types import AudioChunk

    stream = VadStream(session, opts)
    step = int(chunk_s * SAMPLE_RATE)
    audio = np.asarray(audio, np.float32)
    for i in range(0, max(len(audio), 1), step):
        stream.add(AudioChunk(t=t0 + i / SAMPLE_RATE, samples=audio[i:i + step]))
    return stream.finish()


def vad_options(speech) -> VadOptions:
    """VadOptions from the config's SpeechOptions (defaults unless the user changed them)."""
    return VadOptions(threshold=float(speech.vad_threshold))
