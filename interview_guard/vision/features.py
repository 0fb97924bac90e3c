"""Vision features: ``faces`` (video, per frame), ``face_tracks`` and ``id_face`` (derived).

``faces`` returns a :class:`~interview_guard.vision.records.FrameFaces` per sampled frame
(boxes, 478 landmarks, 5 keypoints, quality, aligned crop, embedding) so later extractors
can depend on it; its final value is a compact :class:`FaceTimeline` without crops or
landmarks, plus a bounded set of JPEG thumbnails for evidence.
"""
from __future__ import annotations

import logging
from typing import Any, Mapping

import numpy as np

from ..features import FeatureEnv, FeatureUnavailable, feature
from ..types import Frame
from .records import FaceSample, FaceTimeline, FaceTracks, FrameFaces, FrameSummary, StillFace

logger = logging.getLogger(__name__)

MEDIAPIPE_PROVIDER = "mediapipe-tflite-cpu"


def mediapipe_model_names(full_range: bool) -> tuple[str, ...]:
    """Manifest names of the tflite files MediaPipe runs (shipped inside its wheel)."""
    detection = "mediapipe-face-detection-full-range" if full_range else "mediapipe-face-detection"
    return (detection, "mediapipe-face-mesh")


def record_mediapipe(env: FeatureEnv, full_range: bool) -> None:
    """Record the MediaPipe models for provenance even when the model store has no
    fetched copy of them (MediaPipe loads its own files)."""
    for name in mediapipe_model_names(full_range):
        try:
            env.model_path(name)
        except Exception:  # not in the manifest / not fetched: the name still goes in the report
            pass
        env.models_used[name] = MEDIAPIPE_PROVIDER


def build_analyzer(env: FeatureEnv, *, video: bool):
    from .detect import YuNetDetector
    from .embed import FaceEmbedder
    from .faces import AnalyzerOptions, FaceAnalyzer
    from .quality import QualityOptions

    fo = env.config.face
    embedder = FaceEmbedder(env.onnx_session("sface"), batch_size=fo.embedding_batch)
    yunet = None
    if fo.detector == "yunet" or not video:
        try:
            yunet = YuNetDetector(env.onnx_session("yunet"))
        except Exception as e:
            if fo.detector == "yunet":
                raise
            logger.info("YuNet unavailable (%s); using MediaPipe for still images", e)
    if fo.detector == "mediapipe" or not video:
        record_mediapipe(env, full_range=fo.full_range if video else True)
    opts = AnalyzerOptions(detector=fo.detector if video else "mediapipe", video=video, max_faces=fo.max_faces,
                           full_range=fo.full_range, quality=QualityOptions(min_face_px=float(fo.min_face_px)))
    return FaceAnalyzer(embedder, opts, yunet=yunet)


def encode_jpeg(image: np.ndarray, max_side: int = 112, quality: int = 80) -> bytes:
    import cv2

    h, w = image.shape[:2]
    if max(h, w) > max_side:
        s = max_side / float(max(h, w))
        image = cv2.resize(image, (max(1, int(w * s)), max(1, int(h * s))), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", image, [int(cv2.IMWRITE_JPEG_QUALITY), quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()


class FacesExtractor:
    """Incremental: one frame in, that frame's faces out; keeps compact samples + thumbnails."""

    def __init__(self, analyzer, *, sample_fps: float, thumbnail_interval_s: float = 2.0,
                 max_thumbnails: int = 400, detector: str = "mediapipe") -> None:
        self.analyzer = analyzer
        self.sample_fps = sample_fps
        self.detector = detector
        self.thumb_interval = thumbnail_interval_s
        self.max_thumbnails = max(2, max_thumbnails)
        self._next_thumb_t = -1e9
        self._frames: list[FrameSummary] = []
        self._samples: list[FaceSample] = []
        self._thumbs: dict[int, bytes] = {}
        self._frame_thumbs: dict[int, bytes] = {}
        self._max_faces = 1  # a frame thumbnail is kept whenever more faces than ever are seen
        self._size = (0, 0)
        self._recent: list[np.ndarray] = []  # embeddings of recent thumbnails

    def add(self, frame: Frame, upstream: Mapping[str, Any]) -> FrameFaces:
        result = self.analyzer.analyze(frame.image, t=frame.t, index=frame.index)
        self._size = (result.width, result.height)
        self._frames.append(FrameSummary(frame.index, frame.t, result.count, len(result.usable)))
        keep_thumbs = frame.t >= self._next_thumb_t and any(f.crop is not None for f in result.faces)
        if keep_thumbs:
            self._next_thumb_t = frame.t + self.thumb_interval
        for k, face in enumerate(result.faces):
            thumb = None
            if face.crop is not None and (keep_thumbs or self._novel(face)):
                thumb = len(self._samples)
                self._thumbs[thumb] = encode_jpeg(face.crop)
                if face.embedding is not None:
                    self._recent.append(face.embedding)
                    del self._recent[:-32]
            self._samples.append(FaceSample(t=face.t, frame_index=face.frame_index, bbox=face.bbox,
                                            score=face.score, quality=face.quality, embedding=face.embedding,
                                            primary=(k == 0), thumbnail=thumb))
        if result.count > self._max_faces:
            self._max_faces = result.count
            self._frame_thumbs[frame.index] = encode_jpeg(frame.image, max_side=320, quality=70)
        if len(self._thumbs) > self.max_thumbnails:
            self._thin_thumbnails()
        return result

    def _novel(self, face) -> bool:
        """A face unlike every recent thumbnail (a new person) gets one right away."""
        if face.embedding is None or not face.quality.usable:
            return False
        if not self._recent:
            return True
        return float(np.max(np.stack(self._recent) @ face.embedding)) < 0.5

    def _thin_thumbnails(self) -> None:
        """Keep every other thumbnail (the better-quality one of each pair) and sample half as often."""
        keys = sorted(self._thumbs)
        quality = {s.thumbnail: s.quality.score for s in self._samples if s.thumbnail is not None}
        for a, b in zip(keys[0::2], keys[1::2]):
            drop = a if quality.get(a, 0) < quality.get(b, 0) else b
            self._thumbs.pop(drop, None)
        self.thumb_interval *= 2.0

    def finish(self) -> FaceTimeline:
        samples = tuple(s if s.thumbnail is None or s.thumbnail in self._thumbs
                        else _without_thumb(s) for s in self._samples)
        self.analyzer.close()
        return FaceTimeline(frames=tuple(self._frames), samples=samples, thumbnails=dict(self._thumbs),
                            frame_thumbnails=dict(self._frame_thumbs), sample_fps=self.sample_fps,
                            width=self._size[0], height=self._size[1], detector=self.detector)


def _without_thumb(s: FaceSample) -> FaceSample:
    from dataclasses import replace

    return replace(s, thumbnail=None)


@feature("faces", "video", description="faces per sampled frame: box, 478-point mesh, quality, crop, embedding")
def faces_feature(env: FeatureEnv) -> FacesExtractor:
    fo = env.config.face
    return FacesExtractor(build_analyzer(env, video=True), sample_fps=env.config.media.sample_fps,
                          thumbnail_interval_s=fo.thumbnail_interval_s, max_thumbnails=fo.max_face_thumbnails,
                          detector=fo.detector)


@feature("face_tracks", "derived", depends={"faces"},
         description="identities over time from quality-weighted clustering of face embeddings")
def face_tracks_feature(env: FeatureEnv, get) -> FaceTracks:
    from .track import TrackOptions, track_identities

    timeline: FaceTimeline = get("faces")
    fo = env.config.face
    opts = TrackOptions(match_threshold=fo.match_threshold, min_identity_s=fo.min_identity_s,
                        min_segment_s=fo.min_identity_s)
    return track_identities(timeline.samples, timeline.sample_fps or env.config.media.sample_fps,
                            timeline.thumbnails, opts)


@feature("id_face", "derived", description="the largest face on the ID document image")
def id_face_feature(env: FeatureEnv, get) -> StillFace:
    from .. import media

    path = env.require_input("id_image", "ID image")
    image = media.load_image(path, env.config.media, what="ID image")
    analyzer = build_analyzer(env, video=False)
    try:
        faces = analyzer.analyze_still(image)
        if analyzer.yunet_error:
            env.warn(f"yunet failed on the ID image, MediaPipe used instead: {analyzer.yunet_error}")
    finally:
        analyzer.close()
    faces = [f for f in faces if f.embedding is not None]
    if not faces:
        raise FeatureUnavailable(f"no face found on the ID image {path}", error=True)
    return StillFace(path=str(path), face=faces[0], n_faces=len(faces), width=image.shape[1], height=image.shape[0])
