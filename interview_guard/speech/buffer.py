"""A short rolling buffer of recent audio on the recording's clock.

Stream extractors that need the audio of a speech span after the VAD has closed it (ASR,
speaker embeddings, synthetic-voice checks) keep the last few chunks here and drop what no
pending span can need any more, so memory stays bounded whatever the recording's length.
"""
from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000


class AudioBuffer:
    """Recent audio pieces ``(t, samples)``; ``slice(a, b)`` returns the samples in [a, b)."""

    def __init__(self, sample_rate: int = SAMPLE_RATE) -> None:
        self.sample_rate = sample_rate
        self.pieces: list[tuple[float, np.ndarray]] = []

    def add(self, t: float, samples: np.ndarray) -> None:
        if len(samples):
            self.pieces.append((float(t), np.asarray(samples, np.float32)))

    @property
    def start(self) -> float:
        return self.pieces[0][0] if self.pieces else 0.0

    @property
    def end(self) -> float:
        if not self.pieces:
            return 0.0
        t, s = self.pieces[-1]
        return t + len(s) / self.sample_rate

    @property
    def seconds(self) -> float:
        return sum(len(s) for _, s in self.pieces) / self.sample_rate

    def slice(self, a: float, b: float) -> np.ndarray:
        out = []
        for t, s in self.pieces:
            i = max(0, int(round((a - t) * self.sample_rate)))
            j = min(len(s), int(round((b - t) * self.sample_rate)))
            if j > i:
                out.append(s[i:j])
        return np.concatenate(out) if out else np.zeros(0, np.float32)

    def drop_before(self, t_keep: float) -> None:
        """Forget whole pieces that end before ``t_keep``."""
        while self.pieces and self.pieces[0][0] + len(self.pieces[0][1]) / self.sample_rate < t_keep:
            self.pieces.pop(0)
