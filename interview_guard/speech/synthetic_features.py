"""Audio features for the liveness / deepfake checks.

* ``synthetic_voice`` (needs ``speech_activity``): AASIST margins of ~4 s windows of detected
  speech -> :class:`~interview_guard.speech.synthetic.SyntheticVoiceResult`.
* ``speech_energy``: a 25 Hz log-energy envelope of the audio (for lip-sync), bounded memory.

Both reuse the speech family's VAD spans instead of running a VAD again.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..features import FeatureEnv, FeatureUnavailable, feature
from ..types import AudioChunk

logger = logging.getLogger(__name__)

AASIST_MODEL = "aasist"
ENVELOPE_HZ = 25.0


def aasist_session(env: FeatureEnv):
    """The AASIST session (manifest model ``aasist``: models/aasist.onnx, fetched and verified)."""
    return env.onnx_session(AASIST_MODEL)


class SyntheticVoiceExtractor:
    """Buffers recent audio; scores each VAD span as it closes (no whole-file buffering)."""

    def __init__(self, scorer, use_vad: bool = True) -> None:
        from .buffer import AudioBuffer

        self.scorer = scorer
        self.use_vad = use_vad
        self.buffer = AudioBuffer()
        self.open_since: float | None = None

    def add(self, chunk: AudioChunk, upstream: Mapping[str, Any]) -> None:
        self.buffer.add(chunk.t, chunk.samples)
        vad = upstream.get("speech_activity")
        if vad is None or not self.use_vad:
            spans = [(chunk.t, chunk.t + chunk.duration)]
            self.open_since = None
        else:
            spans = [(s.start, s.end) for s in vad.closed]
            self.open_since = vad.open_since
        for a, b in spans:
            self._span(a, b)
        keep = self.buffer.end - 1.0 if self.open_since is None else self.open_since - 0.1
        self.buffer.drop_before(keep)
        return None

    def _span(self, a: float, b: float) -> None:
        samples = self.buffer.slice(a, b)
        if len(samples):
            self.scorer.add_speech(a, b, samples)

    def finish(self):
        if self.open_since is not None:
            self._span(self.open_since, self.buffer.end)
            self.open_since = None
        return self.scorer.finish()


@feature("synthetic_voice", "audio", depends={"speech_activity"},
         description="AASIST anti-spoofing margins on ~4 s windows of detected speech")
def build_synthetic_voice(env: FeatureEnv) -> SyntheticVoiceExtractor:
    from .synthetic import AasistScorer, SyntheticOptions, SyntheticVoiceScorer

    lo = env.config.liveness
    opts = SyntheticOptions(max_windows=int(lo.voice_max_windows), margin_threshold=float(lo.voice_margin_threshold))
    scorer = SyntheticVoiceScorer(AasistScorer(aasist_session(env)), opts)
    return SyntheticVoiceExtractor(scorer, use_vad=env.config.speech.vad)


# --------------------------------------------------------------------------- energy envelope
@dataclass(frozen=True)
class EnergyEnvelope:
    """Log RMS energy (dB) at ``rate`` Hz starting at ``t0``."""

    t0: float
    rate: float
    db: np.ndarray

    def times(self) -> np.ndarray:
        return self.t0 + np.arange(len(self.db)) / self.rate


class EnergyExtractor:
    def __init__(self, rate: float = ENVELOPE_HZ) -> None:
        self.rate = rate
        self.hop = int(round(16000 / rate))
        self.rest = np.zeros(0, np.float32)
        self.t0: float | None = None
        self.parts: list[np.ndarray] = []

    def add(self, chunk: AudioChunk, upstream: Mapping[str, Any]) -> None:
        if chunk.sample_rate != 16000:
            raise ValueError(f"speech_energy needs 16 kHz audio, got {chunk.sample_rate} Hz")
        if self.t0 is None:
            self.t0 = float(chunk.t)
        x = np.concatenate([self.rest, np.asarray(chunk.samples, np.float32)])
        n = len(x) // self.hop
        self.rest = x[n * self.hop:]
        if n:
            frames = x[: n * self.hop].reshape(n, self.hop).astype(np.float64)
            rms = np.sqrt(np.mean(frames ** 2, axis=1))
            self.parts.append((20 * np.log10(rms + 1e-5)).astype(np.float32))
        return None

    def finish(self) -> EnergyEnvelope:
        if self.t0 is None:
            raise FeatureUnavailable("the recording has no audio samples")
        db = np.concatenate(self.parts) if self.parts else np.zeros(0, np.float32)
        return EnergyEnvelope(t0=self.t0, rate=self.rate, db=db)


@feature("speech_energy", "audio", description="25 Hz log-energy envelope of the audio (lip-sync)")
def build_speech_energy(env: FeatureEnv) -> EnergyExtractor:
    return EnergyExtractor()
