"""Guided liveness challenges: what to ask, and how the recording answered.

Real-time face swappers are trained on frontal, unoccluded faces. Asking the candidate to turn
to profile, pass a hand across the face or look away makes them fail visibly: the face detector
loses the face although it is in view, the identity embedding jumps to someone else, the mesh
collapses, or the blend boundary shows. :data:`CHALLENGES` lists what the interviewer can ask;
:class:`ChallengeDetector` finds those moments in the recording (from yaw, pitch, occlusion and
face size) and checks each for those failures.

Nothing here reads expressions or emotions: only head pose, occlusion and face geometry.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Challenge:
    key: str
    ask: str  # what the interviewer says
    why: str  # what a face swap tends to do


CHALLENGES: tuple[Challenge, ...] = (
    Challenge("turn_profile", "Please turn your head slowly to one side until we see your profile, then back.",
              "face swaps are trained on frontal faces: at profile the face warps, the identity drifts "
              "or the mask shows"),
    Challenge("hand_wave", "Please pass your hand slowly in front of your face.",
              "an occluding hand breaks the swap mask: the hand is drawn behind the face or the face flickers"),
    Challenge("look_away", "Please look up at the ceiling for a moment, then back at the camera.",
              "steep pitch pushes the swap model outside its training poses"),
    Challenge("move_closer", "Please lean towards the camera, then back.",
              "a fast change of face size makes the blend boundary and texture mismatch visible"),
)
CHALLENGE_KEYS = tuple(c.key for c in CHALLENGES)


@dataclass(frozen=True)
class ChallengeFrame:
    t: float
    detected: bool
    yaw: float | None = None
    pitch: float | None = None
    occlusion: float | None = None
    size: float | None = None
    quality: float | None = None
    embedding: np.ndarray | None = None
    mesh_ok: bool | None = None  # False: the mesh geometry collapsed
    blend: float | None = None  # per-frame blend score


@dataclass(frozen=True)
class ChallengeMoment:
    """One detected challenge moment and what happened during it."""

    key: str
    t_start: float
    t_end: float
    peak: float  # the measured pose / occlusion / size change at its strongest
    failures: tuple[str, ...]  # detection_collapse, embedding_jump, landmark_collapse, boundary_artifacts
    min_similarity: float | None  # lowest identity similarity to the pre-challenge face
    lost_share: float  # share of samples without a face during the moment
    blend_excess: float  # blend score during the moment minus the recording's baseline
    score: float

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class ChallengeResults:
    """Value of the ``challenge_moments`` feature."""

    moments: tuple[ChallengeMoment, ...]
    found: tuple[str, ...]  # challenge keys seen at least once
    n_frames: int
    thumbnails: dict = field(default_factory=dict)  # moment index -> JPEG bytes of its worst frame


def mesh_collapsed(landmarks: np.ndarray, bbox: tuple[float, float, float, float]) -> bool:
    """The mesh no longer looks like a face: implausible spread, or eyes / mouth out of order."""
    p = np.asarray(landmarks, np.float64)[:, :2]
    w = max(float(bbox[2]), 1.0)
    spread = float(np.ptp(p[:, 0])) / w
    eye_l, eye_r, mouth = p[33], p[263], (p[61] + p[291]) / 2
    eyes_mid = (eye_l + eye_r) / 2
    eye_dist = float(np.linalg.norm(eye_r - eye_l))
    mouth_drop = float(np.linalg.norm(mouth - eyes_mid))
    ratio = mouth_drop / eye_dist if eye_dist > 1e-6 else 0.0
    return not (0.4 < spread < 2.0) or not (0.45 < ratio < 2.5)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    runs, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        elif not m and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(mask) - 1))
    return runs


def _bridge(mask: np.ndarray, gap: int) -> np.ndarray:
    """Fill short gaps (e.g. a lost detection at full profile) inside a run."""
    out = mask.copy()
    idx = np.flatnonzero(mask)
    for a, b in zip(idx, idx[1:]):
        if 1 < b - a <= gap + 1:
            out[a:b] = True
    return out


class ChallengeDetector:
    """Incremental: ``add(frame_record)`` per sampled frame, ``finish()`` finds and checks moments."""

    YAW_PROFILE = 40.0
    PITCH_AWAY = 25.0
    OCCLUDED = 0.5
    SIZE_CHANGE = 1.45
    SIMILARITY_JUMP = 0.3  # SFace cosine: below this the face is someone else (OpenCV's 0.363)

    def __init__(self, sample_fps: float) -> None:
        self.sample_fps = sample_fps if sample_fps > 0 else 5.0
        self.frames: list[ChallengeFrame] = []

    def add(self, rec: ChallengeFrame) -> None:
        self.frames.append(rec)

    def _condition_masks(self) -> dict[str, np.ndarray]:
        f = self.frames
        yaw = np.array([abs(x.yaw) if x.yaw is not None else 0.0 for x in f])
        pitch = np.array([x.pitch if x.pitch is not None else 0.0 for x in f])
        occ = np.array([x.occlusion if x.occlusion is not None else 0.0 for x in f])
        size = np.array([x.size if x.size is not None else np.nan for x in f])
        base = float(np.nanmedian(size)) if np.isfinite(size).any() else np.nan
        grow = np.nan_to_num(size / base, nan=1.0) if np.isfinite(base) and base > 0 else np.ones(len(f))
        return {"turn_profile": yaw >= self.YAW_PROFILE, "hand_wave": occ >= self.OCCLUDED,
                "look_away": np.abs(pitch) >= self.PITCH_AWAY, "move_closer": grow >= self.SIZE_CHANGE}

    def finish(self) -> ChallengeResults:
        if not self.frames:
            return ChallengeResults((), (), 0)
        masks = self._condition_masks()
        gap = int(round(1.0 * self.sample_fps))
        blends = [x.blend for x in self.frames if x.blend is not None]
        baseline = float(np.median(blends)) if blends else 0.0
        moments = []
        for key, mask in masks.items():
            for a, b in _runs(_bridge(mask, gap)):
                moments.append(self._check(key, a, b, baseline))
        moments.sort(key=lambda m: m.t_start)
        return ChallengeResults(tuple(moments), tuple(k for k in CHALLENGE_KEYS if any(m.key == k for m in moments)),
                                len(self.frames))

    def _reference(self, a: int) -> np.ndarray | None:
        """Mean embedding of the good frontal faces in the 5 s before the moment (else anywhere)."""
        t0 = self.frames[a].t
        pool = [x for x in self.frames[:a] if x.embedding is not None and t0 - x.t <= 5.0
                and (x.quality or 0) >= 0.4]
        if not pool:
            pool = [x for x in self.frames if x.embedding is not None and (x.quality or 0) >= 0.5]
        if not pool:
            return None
        v = np.mean([x.embedding for x in pool if x.embedding is not None], axis=0)
        return v / (np.linalg.norm(v) + 1e-9)

    def _check(self, key: str, a: int, b: int, baseline: float) -> ChallengeMoment:
        pad = int(round(1.0 * self.sample_fps))
        lo, hi = max(0, a - pad), min(len(self.frames), b + pad + 1)
        span = self.frames[lo:hi]
        during = self.frames[a:b + 1]
        lost = float(np.mean([not x.detected for x in during]))
        failures = []
        # a lost face is expected at full profile or under a hand; collapse = lost while the
        # pose stayed moderate on both sides of the gap
        lost_moderate = [x for x in span if not x.detected]
        neighbours = [abs(x.yaw) for x in span if x.detected and x.yaw is not None]
        if lost_moderate and neighbours and max(neighbours) < 55.0 and key != "hand_wave" \
                and len(lost_moderate) / len(span) >= 0.3:
            failures.append("detection_collapse")
        ref = self._reference(a)
        sims = [float(np.dot(ref, x.embedding / (np.linalg.norm(x.embedding) + 1e-9)))
                for x in span if ref is not None and x.embedding is not None and (x.quality or 0) >= 0.3]
        min_sim = min(sims) if sims else None
        if min_sim is not None and min_sim < self.SIMILARITY_JUMP:
            failures.append("embedding_jump")
        if any(x.mesh_ok is False for x in span if x.detected):
            failures.append("landmark_collapse")
        b_during = [x.blend for x in span if x.blend is not None]
        excess = (max(b_during) - baseline) if b_during else 0.0
        if excess >= 0.5:
            failures.append("boundary_artifacts")
        peak = self._peak(key, during)
        weights = {"detection_collapse": 0.5, "embedding_jump": 0.8, "landmark_collapse": 0.6,
                   "boundary_artifacts": 0.6}
        ordered = sorted((weights[f] for f in failures), reverse=True)
        score = min(1.0, ordered[0] + 0.2 * sum(ordered[1:])) if ordered else 0.0
        return ChallengeMoment(key=key, t_start=round(self.frames[a].t, 2), t_end=round(self.frames[b].t, 2),
                               peak=round(peak, 2), failures=tuple(failures),
                               min_similarity=None if min_sim is None else round(min_sim, 3),
                               lost_share=round(lost, 3), blend_excess=round(float(excess), 3), score=round(score, 3))

    @staticmethod
    def _peak(key: str, during: list[ChallengeFrame]) -> float:
        vals = {"turn_profile": [abs(x.yaw) for x in during if x.yaw is not None],
                "look_away": [abs(x.pitch) for x in during if x.pitch is not None],
                "hand_wave": [x.occlusion for x in during if x.occlusion is not None],
                "move_closer": [x.size for x in during if x.size is not None]}[key]
        return float(max(vals)) if vals else 0.0


def frame_record(t: float, face, blend_score: float | None,
                 frame_size: tuple[int, int] | None = None) -> ChallengeFrame:
    """Build the per-frame record from the ``faces`` feature's primary face (or None).

    ``frame_size`` (width, height): a face cut by the frame edge is not an occlusion challenge.
    """
    if face is None:
        return ChallengeFrame(t=t, detected=False)
    q = face.quality
    occlusion = float(q.occlusion)
    mesh_ok = (None if face.landmarks is None or len(face.landmarks) < 468
               else not mesh_collapsed(face.landmarks, face.bbox))
    if frame_size is not None and face.landmarks is not None:
        pts = np.asarray(face.landmarks)[:, :2]
        w, h = frame_size
        outside = float(((pts[:, 0] < 0) | (pts[:, 1] < 0) | (pts[:, 0] >= w) | (pts[:, 1] >= h)).mean())
        if outside > 0.02:  # the face leaves the frame: not a hand, and the mesh is extrapolated
            occlusion = 0.0
            mesh_ok = None
    return ChallengeFrame(t=t, detected=True, yaw=float(q.yaw), pitch=float(q.pitch), occlusion=occlusion,
                          size=float(q.size_px), quality=float(q.score), embedding=face.embedding, mesh_ok=mesh_ok,
                          blend=blend_score)
