"""Liveness / deepfake features. Every video extractor depends on ``faces`` and reuses that frame's
face (box, mesh, quality, embedding) instead of detecting again.

* ``fas_scores`` -> FasSeries             * ``screen_cues`` -> ScreenSeries
* ``blend_boundary`` -> BlendSeries       * ``temporal_artifacts`` -> TemporalStats
* ``mouth_motion`` -> MouthSeries         * ``challenge_moments`` -> ChallengeResults
* ``external_model_scores`` -> ExternalScores (only with a user-supplied model)
* ``lip_sync`` (derived: mouth_motion + speech_energy + speech_activity) -> LipSyncResult
"""
from __future__ import annotations

import heapq
import logging
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from ..features import FeatureEnv, FeatureUnavailable, feature
from ..types import Frame

logger = logging.getLogger(__name__)


def _primary(upstream: Mapping[str, Any]):
    ff = upstream.get("faces")
    return getattr(ff, "primary", None) if ff is not None else None


def _sample_fps(env: FeatureEnv) -> float:
    return float(env.config.media.sample_fps)


class WorstFrames:
    """Keeps JPEG thumbnails of the ``k`` highest-scoring frames (bounded memory)."""

    def __init__(self, k: int = 3) -> None:
        self.k = k
        self._heap: list[tuple[float, float, bytes]] = []

    def offer(self, score: float, t: float, bgr: np.ndarray, bbox=None, scale: float = 1.8) -> None:
        if len(self._heap) >= self.k and score <= self._heap[0][0]:
            return
        from .features import encode_jpeg
        from .liveness import crop_square

        try:
            img = crop_square(bgr, bbox, scale) if bbox is not None else bgr
            jpeg = encode_jpeg(img, max_side=160, quality=75)
        except Exception:
            return
        item = (float(score), float(t), jpeg)
        if len(self._heap) < self.k:
            heapq.heappush(self._heap, item)
        else:
            heapq.heapreplace(self._heap, item)

    def items(self) -> tuple[tuple[float, float, bytes], ...]:
        """(score, t, jpeg), worst first."""
        return tuple(sorted(self._heap, key=lambda x: -x[0]))


# --------------------------------------------------------------------------- FAS
class _FasExtractor:
    def __init__(self, sampler, threshold: float) -> None:
        self.sampler = sampler
        self.threshold = threshold

    def add(self, frame: Frame, upstream: Mapping[str, Any]):
        return self.sampler.add(frame.t, frame.image, _primary(upstream))

    def finish(self):
        return self.sampler.finish(self.threshold)


@feature("fas_scores", "video", depends={"faces"},
         description="FAS anti-spoofing liveness on a few usable face crops spread over the recording")
def build_fas_scores(env: FeatureEnv) -> _FasExtractor:
    from .liveness import FasModel, FasSampler

    lo = env.config.liveness
    duration = env.media.duration_s if env.media is not None else None
    sampler = FasSampler(FasModel(env.onnx_session("fas")), max_samples=lo.fas_max_samples,
                         interval_s=lo.fas_interval_s, min_face_px=lo.fas_min_face_px, duration_s=duration)
    return _FasExtractor(sampler, lo.fas_threshold)


# --------------------------------------------------------------------------- screen cues
@dataclass(frozen=True)
class ScreenSeries:
    frames: tuple  # ScreenFrameCues
    worst: tuple[tuple[float, float, bytes], ...] = ()

    @property
    def median_score(self) -> float:
        return float(np.median([f.score for f in self.frames])) if self.frames else 0.0

    def persistent_share(self, level: float = 0.5) -> float:
        return float(np.mean([f.score >= level for f in self.frames])) if self.frames else 0.0


class _ScreenExtractor:
    def __init__(self, interval_s: float) -> None:
        self.interval = interval_s
        self.frames: list = []
        self.worst = WorstFrames(3)
        self._next_t = -1e9

    def add(self, frame: Frame, upstream: Mapping[str, Any]):
        from .screen import analyze_frame

        face = _primary(upstream)
        if face is None or frame.t < self._next_t:
            return None
        self._next_t = frame.t + self.interval
        cues = analyze_frame(frame.image, face.bbox, frame.t)
        self.frames.append(cues)
        if cues.score > 0.2:
            self.worst.offer(cues.score, frame.t, frame.image)  # the whole frame: the bezel is the evidence
        return cues

    def finish(self) -> ScreenSeries:
        return ScreenSeries(tuple(self.frames), self.worst.items())


@feature("screen_cues", "video", depends={"faces"}, description="moiré, bezel and glare cues of a screen replay")
def build_screen_cues(env: FeatureEnv) -> _ScreenExtractor:
    return _ScreenExtractor(float(env.config.liveness.screen_interval_s))


# --------------------------------------------------------------------------- blending boundary
@dataclass(frozen=True)
class BlendSeries:
    frames: tuple  # BlendFrame
    qualities: tuple[float, ...]
    worst: tuple[tuple[float, float, bytes], ...] = ()
    faces_seen: int = 0

    def weighted_median(self, attr: str = "score") -> float:
        if not self.frames:
            return 0.0
        return float(np.median([getattr(f, attr) for f in self.frames]))


class _BlendExtractor:
    def __init__(self) -> None:
        self.frames: list = []
        self.qualities: list[float] = []
        self.worst = WorstFrames(3)
        self.seen = 0

    def add(self, frame: Frame, upstream: Mapping[str, Any]):
        from .blending import blend_evidence, primary_mesh_face

        face = primary_mesh_face(upstream.get("faces"))
        if face is None or face.landmarks is None:  # primary_mesh_face returns only faces with a mesh
            return None
        self.seen += 1
        if not face.quality.usable:
            return None
        b = blend_evidence(frame.image, face.landmarks, frame.t)
        if b is None:
            return None
        self.frames.append(b)
        self.qualities.append(float(face.quality.score))
        self.worst.offer(b.score, frame.t, frame.image, face.bbox, 1.5)
        return b

    def finish(self) -> BlendSeries:
        return BlendSeries(tuple(self.frames), tuple(self.qualities), self.worst.items(), self.seen)


@feature("blend_boundary", "video", depends={"faces"},
         description="per-frame blending-boundary evidence on the face hull")
def build_blend_boundary(env: FeatureEnv) -> _BlendExtractor:
    return _BlendExtractor()


# --------------------------------------------------------------------------- temporal
class _TemporalExtractor:
    def __init__(self, fps: float) -> None:
        from .temporal import TemporalTracker

        self.tracker = TemporalTracker(fps)

    def add(self, frame: Frame, upstream: Mapping[str, Any]):
        from .blending import primary_mesh_face

        return self.tracker.add(frame.t, primary_mesh_face(upstream.get("faces")), upstream.get("blend_boundary"))

    def finish(self):
        return self.tracker.summary()


@feature("temporal_artifacts", "video", depends={"faces", "blend_boundary"},
         description="landmark jitter, boundary and embedding flicker, blink statistics")
def build_temporal(env: FeatureEnv) -> _TemporalExtractor:
    return _TemporalExtractor(_sample_fps(env))


# --------------------------------------------------------------------------- mouth / lip-sync
class _MouthExtractor:
    def __init__(self, fps: float) -> None:
        self.fps = fps
        self.samples: list = []

    def add(self, frame: Frame, upstream: Mapping[str, Any]):
        from .blending import primary_mesh_face
        from .lipsync import MouthSample, mouth_opening

        face = primary_mesh_face(upstream.get("faces"))
        if face is None or face.landmarks is None:  # primary_mesh_face returns only faces with a mesh
            return None
        v = mouth_opening(face.landmarks)
        if v is None:
            return None
        s = MouthSample(t=frame.t, opening=round(v, 4), quality=round(float(face.quality.score), 3))
        self.samples.append(s)
        return s

    def finish(self):
        from .lipsync import MouthSeries

        return MouthSeries(tuple(self.samples), self.fps)


@feature("mouth_motion", "video", depends={"faces"}, description="mouth opening from the inner-lip landmarks")
def build_mouth_motion(env: FeatureEnv) -> _MouthExtractor:
    return _MouthExtractor(_sample_fps(env))


@feature("lip_sync", "derived", depends={"mouth_motion", "speech_energy", "speech_activity"},
         description="cross-correlation of mouth opening and speech energy: best lag and correlation")
def lip_sync_feature(env: FeatureEnv, get):
    from .lipsync import lip_sync

    series = get("mouth_motion")
    energy = get("speech_energy")
    activity = get("speech_activity")
    if not series.samples:
        raise FeatureUnavailable("no face with mouth landmarks in the recording")
    return lip_sync(series, energy.t0, energy.rate, energy.db, activity.spans)


# --------------------------------------------------------------------------- challenges
@dataclass
class _ChallengeExtractor:
    fps: float
    detector: Any = None
    thumbs: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        from .challenge import ChallengeDetector

        self.detector = ChallengeDetector(self.fps)
        self._recent: list[tuple[float, bytes]] = []

    def add(self, frame: Frame, upstream: Mapping[str, Any]):
        from .challenge import frame_record

        face = _primary(upstream)
        blend = upstream.get("blend_boundary")
        h, w = frame.image.shape[:2]
        rec = frame_record(frame.t, face, None if blend is None else blend.score, (w, h))
        self.detector.add(rec)
        # a small rolling set of frame thumbnails so a moment can show what happened
        unusual = ((not rec.detected) or abs(rec.yaw or 0) >= 30 or (rec.occlusion or 0) >= 0.4
                   or abs(rec.pitch or 0) >= 20)
        if unusual and (not self._recent or frame.t - self._recent[-1][0] >= 0.6):
            from .features import encode_jpeg

            self._recent.append((frame.t, encode_jpeg(frame.image, max_side=160, quality=70)))
            del self._recent[:-60]
        return rec

    def finish(self):
        from dataclasses import replace

        res = self.detector.finish()
        thumbs = {}
        for i, m in enumerate(res.moments):
            near = [(abs(t - (m.t_start + m.t_end) / 2), jpg) for t, jpg in self._recent
                    if m.t_start - 0.5 <= t <= m.t_end + 0.5]
            if near:
                thumbs[i] = min(near, key=lambda x: x[0])[1]
        return replace(res, thumbnails=thumbs)


@feature("challenge_moments", "video", depends={"faces", "blend_boundary"},
         description="liveness-challenge moments (profile, hand, look away, lean in) and how the face held up")
def build_challenges(env: FeatureEnv) -> _ChallengeExtractor:
    return _ChallengeExtractor(_sample_fps(env))


# --------------------------------------------------------------------------- external model
class _ExternalExtractor:
    def __init__(self, classifier, path: str, threshold: float, every_s: float) -> None:
        self.classifier = classifier
        self.path = path
        self.threshold = threshold
        self.every = every_s
        self.frames: list = []
        self._next_t = -1e9

    def add(self, frame: Frame, upstream: Mapping[str, Any]):
        from .external import ExternalFrame
        from .features import encode_jpeg
        from .liveness import crop_square

        face = _primary(upstream)
        if face is None or frame.t < self._next_t:
            return None
        self._next_t = frame.t + self.every
        p = self.classifier.probability(frame.image, face.bbox)
        thumb = encode_jpeg(crop_square(frame.image, face.bbox, 1.5), max_side=128) if p >= self.threshold else None
        f = ExternalFrame(t=round(frame.t, 3), probability=round(p, 4), thumbnail=thumb)
        self.frames.append(f)
        return f

    def finish(self):
        from .external import ExternalScores

        return ExternalScores(self.path, tuple(self.frames), self.threshold,
                              (self.classifier.height, self.classifier.width))


@feature("external_model_scores", "video", depends={"faces"},
         description="a user-supplied ONNX deepfake frame classifier on face crops")
def build_external(env: FeatureEnv) -> _ExternalExtractor:
    from pathlib import Path

    from ..errors import InputError
    from .external import MODEL_NAME, ExternalClassifier

    lo = env.config.liveness
    path = lo.external_model or env.config.model_overrides.get(MODEL_NAME)
    if not path:
        raise FeatureUnavailable("no external deepfake model configured ([liveness] external_model)")
    p = Path(path).expanduser()
    if not p.is_file():
        raise InputError(f"external deepfake model not found: {p}", fix="fix [liveness] external_model in the config")
    sess = env.runtime.session(MODEL_NAME, p)
    providers = sess.get_providers()
    env.models_used[MODEL_NAME] = providers[0] if providers else None
    try:
        classifier = ExternalClassifier(sess)
    except ValueError as e:
        raise FeatureUnavailable(f"external deepfake model {p}: {e}", error=True) from None
    duration = env.media.duration_s if env.media is not None else None
    every = max(1.0 / _sample_fps(env), (duration or 0.0) / max(1, lo.external_max_frames))
    return _ExternalExtractor(classifier, str(p), float(lo.external_threshold), every)
