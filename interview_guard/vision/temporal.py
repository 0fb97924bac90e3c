"""Temporal artefacts of generated faces (for ``deepfake.temporal_artifacts``).

Frame-by-frame face generators render each frame on its own, so over time they show:

* **landmark jitter not explained by head motion**: after removing the head's rigid (similarity)
  motion between consecutive frames, the mesh points of a generated face jump more than a real
  face's expressions move them;
* **face-boundary flicker**: the brightness / texture step between the central face and the skin
  around it changes from frame to frame (the blend is redone every frame);
* **embedding flicker**: the identity embedding of consecutive frames of one sitting person stays
  close; a swap drifts between the source and target identities;
* **blink statistics**: eye aspect ratio from the eye landmarks; no blink over a long stretch of
  frontal face is unusual (a weak cue only: at 5 fps short blinks can fall between samples).

Only usable-quality faces count; a low-quality recording yields low confidence, not a flag.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .blending import LEFT_EYE, RIGHT_EYE, smoothstep


@dataclass(frozen=True)
class TemporalFrame:
    t: float
    jitter: float | None  # non-rigid landmark motion since the previous sample / inter-ocular distance
    motion: float | None  # rigid head motion since the previous sample (same units)
    boundary_step: float | None  # core - ring luminance step (grey levels)
    boundary_texture: float | None
    embedding_sim: float | None  # cosine to the previous sample's embedding
    ear: float | None  # mean eye aspect ratio
    quality: float


@dataclass(frozen=True)
class TemporalStats:
    """Value of the ``temporal_artifacts`` feature."""

    n_frames: int
    usable_s: float
    jitter_excess: float  # median jitter among low-motion pairs
    boundary_flicker: float  # median |frame-to-frame change| of the boundary step (grey levels)
    texture_flicker: float
    embedding_flicker: float  # share of consecutive pairs whose embeddings disagree
    embedding_min_sim: float
    blinks: int
    blink_rate_per_min: float | None
    frontal_s: float
    scores: dict  # component -> 0..1
    score: float
    confidence: float
    worst_times: tuple[float, ...]  # times of the most suspicious frame pairs
    t_first: float = 0.0  # the stretch of usable face the statistics cover
    t_last: float = 0.0


def eye_aspect_ratio(landmarks: np.ndarray) -> float | None:
    p = np.asarray(landmarks, np.float64)[:, :2]
    vals = []
    for eye in (LEFT_EYE, RIGHT_EYE):
        p1, p2, p3, p4, p5, p6 = (p[i] for i in eye)
        width = np.linalg.norm(p1 - p4)
        if width < 1e-6:
            return None
        vals.append((np.linalg.norm(p2 - p6) + np.linalg.norm(p3 - p5)) / (2.0 * width))
    return float(np.mean(vals))


def rigid_residual(prev: np.ndarray, cur: np.ndarray, scale: float) -> tuple[float, float]:
    """(non-rigid residual, rigid motion) between two landmark sets, in units of ``scale``."""
    from .align import similarity_transform

    a = np.asarray(prev, np.float64)[:468, :2]
    b = np.asarray(cur, np.float64)[:468, :2]
    m = similarity_transform(a, b)
    moved = a @ m[:, :2].T + m[:, 2]
    residual = float(np.median(np.linalg.norm(moved - b, axis=1))) / scale
    motion = float(np.median(np.linalg.norm(moved - a, axis=1))) / scale
    return residual, motion


def count_blinks(ears: np.ndarray, times: np.ndarray) -> int:
    """Dips of the eye aspect ratio below 70 % of its running median."""
    if len(ears) < 5:
        return 0
    blinks, closed = 0, False
    for i, e in enumerate(ears):
        lo, hi = max(0, i - 15), min(len(ears), i + 16)
        base = float(np.median(ears[lo:hi]))
        if not closed and e < 0.7 * base:
            blinks, closed = blinks + 1, True
        elif closed and e > 0.85 * base:
            closed = False
    return blinks


# Calibrated on genuine registry clips (carphone pristine / distorted, animated stills).
JITTER_RANGE = (0.045, 0.09)  # residual / inter-ocular, for pairs with little head motion
BOUNDARY_RANGE = (6.0, 12.0)  # grey levels of median frame-to-frame step change
EMBED_RANGE = (0.25, 0.5)  # share of consecutive pairs below 0.3 cosine


def summarize(frames: list[TemporalFrame], sample_fps: float) -> TemporalStats:
    usable = [f for f in frames if f.quality >= 0.3]
    dt = 1.0 / sample_fps if sample_fps > 0 else 0.2
    jit = [f.jitter for f in usable if f.jitter is not None and f.motion is not None and f.motion < 0.05]
    jitter_excess = float(np.median(jit)) if len(jit) >= 5 else 0.0
    steps = [f.boundary_step for f in usable if f.boundary_step is not None]
    tex = [f.boundary_texture for f in usable if f.boundary_texture is not None]
    b_flicker = float(np.median(np.abs(np.diff(steps)))) if len(steps) >= 5 else 0.0
    t_flicker = float(np.median(np.abs(np.diff(tex)))) if len(tex) >= 5 else 0.0
    sims = [(f.t, f.embedding_sim) for f in usable if f.embedding_sim is not None]
    e_share = float(np.mean([s < 0.3 for _, s in sims])) if len(sims) >= 5 else 0.0
    e_min = float(min((s for _, s in sims), default=1.0))
    ear_frames = [f for f in usable if f.ear is not None]
    blinks = count_blinks(np.array([f.ear for f in ear_frames]), np.array([f.t for f in ear_frames]))
    frontal_s = len(ear_frames) * dt
    rate = blinks / (frontal_s / 60.0) if frontal_s >= 30 else None
    scores = {
        "landmark_jitter": smoothstep(*JITTER_RANGE, jitter_excess) if len(jit) >= 10 else 0.0,
        "boundary_flicker": smoothstep(*BOUNDARY_RANGE, b_flicker) if len(steps) >= 10 else 0.0,
        "embedding_flicker": smoothstep(*EMBED_RANGE, e_share) if len(sims) >= 10 else 0.0,
        # no blink in a minute of frontal face: weak evidence only (sampling can miss blinks)
        "no_blinks": 0.35 if (frontal_s >= 60 and blinks == 0) else 0.0,
    }
    ordered = sorted(scores.values(), reverse=True)
    score = min(1.0, ordered[0] + 0.3 * ordered[1])
    confidence = smoothstep(2.0, 20.0, len(usable) * dt) * (np.mean([f.quality for f in usable]) if usable else 0.0)
    worst = sorted(sims, key=lambda x: x[1])[:3]
    return TemporalStats(n_frames=len(frames), usable_s=round(len(usable) * dt, 2),
                         jitter_excess=round(jitter_excess, 4), boundary_flicker=round(b_flicker, 3),
                         texture_flicker=round(t_flicker, 4), embedding_flicker=round(e_share, 3),
                         embedding_min_sim=round(e_min, 3), blinks=blinks,
                         blink_rate_per_min=None if rate is None else round(rate, 1), frontal_s=round(frontal_s, 1),
                         scores={k: round(v, 3) for k, v in scores.items()}, score=round(float(score), 3),
                         confidence=round(float(min(1.0, confidence)), 3),
                         worst_times=tuple(round(t, 2) for t, _ in worst if _ < 0.5),
                         t_first=round(usable[0].t, 2) if usable else 0.0,
                         t_last=round(usable[-1].t, 2) if usable else 0.0)


class TemporalTracker:
    """Incremental: feed each frame's primary face (with landmarks); ``summary()`` at the end."""

    def __init__(self, sample_fps: float) -> None:
        self.sample_fps = sample_fps
        self.frames: list[TemporalFrame] = []
        self._prev_lm: np.ndarray | None = None
        self._prev_emb: np.ndarray | None = None
        self._prev_t: float | None = None

    def add(self, t: float, face, blend=None) -> TemporalFrame | None:
        """``blend`` is the frame's :class:`~.blending.BlendFrame` (the ``blend_boundary`` feature)."""
        if face is None or face.landmarks is None or len(face.landmarks) < 468:
            self._prev_lm = self._prev_emb = None
            return None
        lm = np.asarray(face.landmarks, np.float32)
        scale = max(float(face.quality.interocular_px), 1.0)
        gap_ok = self._prev_t is not None and (t - self._prev_t) <= 2.5 / max(self.sample_fps, 0.1)
        jitter = motion = None
        if self._prev_lm is not None and gap_ok:
            jitter, motion = rigid_residual(self._prev_lm, lm, scale)
        sim = None
        emb = face.embedding
        if emb is not None and self._prev_emb is not None and gap_ok and face.quality.usable:
            sim = float(np.dot(emb, self._prev_emb) / (np.linalg.norm(emb) * np.linalg.norm(self._prev_emb) + 1e-9))
        ear = eye_aspect_ratio(lm) if abs(face.quality.yaw) < 25 else None
        rec = TemporalFrame(t=t, jitter=jitter, motion=motion,
                            boundary_step=None if blend is None else blend.luma_step,
                            boundary_texture=None if blend is None else blend.texture,
                            embedding_sim=sim, ear=ear, quality=float(face.quality.score))
        self.frames.append(rec)
        self._prev_lm, self._prev_t = lm, t
        self._prev_emb = emb if (emb is not None and face.quality.usable) else None
        return rec

    def summary(self) -> TemporalStats:
        return summarize(self.frames, self.sample_fps)
