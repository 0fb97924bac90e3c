"""Lip-sync: does the mouth move with the speech? (for ``deepfake.lip_sync``).

The mouth opening (inner-lip gap over mouth width, from the face mesh) is sampled with the video;
the audio's log energy, gated by the VAD's speech probability, is averaged onto the same times.
The normalised cross-correlation over lags of +-1 s gives the best lag and its correlation:

* genuine talking face: positive correlation near lag 0;
* dubbed audio / someone else speaking: no correlation at any lag;
* a lagging video stream (a real-time face swap adds latency): the best lag is far from 0.

At the default 5 fps the lag resolution is 0.2 s; the check needs enough speech with a visible
mouth before it says anything.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .blending import LIP_LOWER_INNER, LIP_UPPER_INNER, MOUTH_LEFT, MOUTH_RIGHT

MAX_LAG_S = 1.0


@dataclass(frozen=True)
class MouthSample:
    t: float
    opening: float  # inner-lip gap / mouth width (0 = closed)
    quality: float


@dataclass(frozen=True)
class MouthSeries:
    """Value of the ``mouth_motion`` feature."""

    samples: tuple[MouthSample, ...]
    sample_fps: float


@dataclass(frozen=True)
class LipSyncResult:
    """Value of the ``lip_sync`` feature."""

    speech_s: float  # speech seconds with a usable mouth in view
    n_samples: int
    corr_at_zero: float
    best_lag_s: float  # > 0: the video lags behind the audio
    best_corr: float
    lags_s: tuple[float, ...]
    corrs: tuple[float, ...]
    mouth_moving: float  # std of the opening during speech (a frozen mouth is ~0)
    enough: bool  # enough speech and mouth samples to judge
    t_start: float = 0.0  # the stretch of recording the correlation covers
    t_end: float = 0.0


def mouth_opening(landmarks: np.ndarray) -> float | None:
    p = np.asarray(landmarks, np.float64)[:, :2]
    width = np.linalg.norm(p[MOUTH_LEFT] - p[MOUTH_RIGHT])
    if width < 1e-6:
        return None
    return float(np.linalg.norm(p[LIP_UPPER_INNER] - p[LIP_LOWER_INNER]) / width)


def audio_on_times(times: np.ndarray, env_t0: float, env_rate: float, env_db: np.ndarray,
                   half_window_s: float) -> np.ndarray:
    """Mean of the energy envelope in +-half_window around each time (NaN where no audio)."""
    out = np.full(len(times), np.nan)
    if not len(env_db):
        return out
    for i, t in enumerate(times):
        a = int(np.floor((t - half_window_s - env_t0) * env_rate))
        b = int(np.ceil((t + half_window_s - env_t0) * env_rate))
        a, b = max(0, a), min(len(env_db), b)
        if b > a:
            out[i] = float(np.mean(env_db[a:b]))
    return out


def speech_mask(times: np.ndarray, spans) -> np.ndarray:
    mask = np.zeros(len(times), bool)
    for s in spans:
        mask |= (times >= s.start) & (times <= s.end)
    return mask


def _ncc(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 5:
        return 0.0
    a = a - a.mean()
    b = b - b.mean()
    d = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b / d) if d > 1e-9 else 0.0


def lip_sync(series: MouthSeries, env_t0: float, env_rate: float, env_db: np.ndarray, spans,
             *, min_speech_s: float = 8.0, min_quality: float = 0.3) -> LipSyncResult:
    """Cross-correlate mouth opening with speech energy over lags of +-1 s."""
    fps = series.sample_fps if series.sample_fps > 0 else 5.0
    good = [s for s in series.samples if s.quality >= min_quality]
    if not good:
        return LipSyncResult(0.0, 0, 0.0, 0.0, 0.0, (), (), 0.0, False)
    t = np.array([s.t for s in good])
    mouth = np.array([s.opening for s in good])
    energy = audio_on_times(t, env_t0, env_rate, env_db, 0.5 / fps)
    ok = np.isfinite(energy)
    in_speech = speech_mask(t, spans)
    speech_s = float(in_speech[ok].sum()) / fps
    mouth_moving = float(np.std(mouth[in_speech])) if in_speech.sum() >= 3 else 0.0
    max_lag = int(round(MAX_LAG_S * fps))
    lags, corrs = [], []
    for k in range(-max_lag, max_lag + 1):
        # k > 0: compare the mouth at t + k/fps with the audio at t (the video lags)
        m = np.interp(t + k / fps, t, mouth, left=np.nan, right=np.nan)
        valid = ok & np.isfinite(m)
        lags.append(k / fps)
        corrs.append(_ncc(m[valid], energy[valid]) if valid.sum() >= 5 else 0.0)
    corrs_a = np.array(corrs)
    best = int(np.argmax(corrs_a))
    zero = corrs[max_lag]
    enough = speech_s >= min_speech_s and len(good) >= 3 * fps
    return LipSyncResult(speech_s=round(speech_s, 2), n_samples=len(good), corr_at_zero=round(zero, 3),
                         best_lag_s=round(lags[best], 2), best_corr=round(float(corrs_a[best]), 3),
                         lags_s=tuple(round(x, 2) for x in lags), corrs=tuple(round(float(c), 3) for c in corrs),
                         mouth_moving=round(mouth_moving, 4), enough=bool(enough),
                         t_start=round(float(t[0]), 2), t_end=round(float(t[-1]), 2))


def lip_sync_score(r: LipSyncResult) -> float:
    """0..1: no correlation at any lag, or a clear best lag far from zero."""
    from .blending import smoothstep

    if not r.enough:
        return 0.0
    no_sync = smoothstep(0.25, 0.05, r.best_corr)
    lagging = smoothstep(0.3, 0.6, abs(r.best_lag_s)) * smoothstep(0.1, 0.3, r.best_corr - r.corr_at_zero)
    frozen = smoothstep(0.02, 0.005, r.mouth_moving)  # speech while the mouth never moves
    return float(max(no_sync, lagging, frozen))
