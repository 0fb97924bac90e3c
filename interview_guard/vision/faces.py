"""One frame or still image in, typed faces out: detect -> align -> quality -> embed.

:class:`FaceAnalyzer` is what the ``faces`` video feature, the ID-photo feature, the
``faces compare`` command and the benchmarks share, so they all see faces the same way.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..util import float4
from .align import align_face
from .detect import MediapipeDetector, RawFace, YuNetDetector, iou, keypoints_from_mesh, mesh_bbox
from .embed import FaceEmbedder
from .quality import QualityOptions, assess
from .records import Face, FrameFaces

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnalyzerOptions:
    detector: str = "mediapipe"  # "mediapipe" (detection + mesh) or "yunet" (ONNX, no mesh)
    video: bool = True  # track across frames (feed frames in time order)
    max_faces: int = 6
    full_range: bool = False  # MediaPipe detector for small / distant faces
    min_confidence: float = 0.5
    quality: QualityOptions = QualityOptions()
    keep_crops: bool = True


class FaceAnalyzer:
    """Detects, aligns, scores and embeds the faces of BGR images.

    ``embedder`` may be None (detection and quality only). ``yunet`` is required for the
    ``yunet`` detector and used first for still images when given.
    """

    def __init__(self, embedder: FaceEmbedder | None, options: AnalyzerOptions = AnalyzerOptions(), *,
                 yunet: YuNetDetector | None = None) -> None:
        if options.detector not in ("mediapipe", "yunet"):
            raise ValueError(f"face detector must be 'mediapipe' or 'yunet', got {options.detector!r}")
        if options.detector == "yunet" and yunet is None:
            raise ValueError("the yunet detector needs a YuNet session")
        self.embedder = embedder
        self.options = options
        self.yunet = yunet
        self._mp: MediapipeDetector | None = None
        self._mesh_static: MediapipeDetector | None = None
        self.yunet_error: str | None = None  # why YuNet could not run on a still, if it failed

    # ------------------------------------------------------------------ frames
    def analyze(self, bgr: np.ndarray, t: float = 0.0, index: int = -1) -> FrameFaces:
        """All faces of one frame, largest first."""
        h, w = bgr.shape[:2]
        if self.options.detector == "yunet":
            assert self.yunet is not None  # required for this detector (checked in __init__)
            raw = self.yunet.detect(bgr)
        else:
            raw = self._mediapipe().detect(bgr[:, :, ::-1])
        faces = self._finish(bgr, raw, t, index)
        return FrameFaces(index=index, t=t, width=w, height=h, faces=faces)

    def analyze_still(self, bgr: np.ndarray) -> list[Face]:
        """Faces of a still image (ID document, photo), largest first.

        YuNet finds the faces (robust on small faces in a document scan); a static face mesh
        on a crop around each adds landmarks for pose and alignment. Without YuNet, or when it
        finds nothing, MediaPipe's full-range detector is tried.
        """
        raw: list[RawFace] = []
        if self.yunet is not None:
            try:
                found = self.yunet.detect(bgr)
            except Exception as e:  # e.g. an ONNX Runtime build that cannot run this quantised graph
                self.yunet_error = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
                logger.warning("YuNet failed, falling back to MediaPipe: %s", self.yunet_error)
                found = []
            raw = [self._with_mesh(bgr, r) for r in found]
        if not raw:
            with MediapipeDetector(video=False, max_faces=self.options.max_faces, full_range=True,
                                   min_confidence=self.options.min_confidence) as det:
                raw = det.detect(bgr[:, :, ::-1])
        return list(self._finish(bgr, raw, 0.0, -1))

    # ------------------------------------------------------------------ internals
    def _mediapipe(self) -> MediapipeDetector:
        if self._mp is None:
            self._mp = MediapipeDetector(video=self.options.video, max_faces=self.options.max_faces,
                                         full_range=self.options.full_range,
                                         min_confidence=self.options.min_confidence)
        return self._mp

    def _with_mesh(self, bgr: np.ndarray, face: RawFace) -> RawFace:
        """Run a static face mesh on a square crop around a detected face; keep it if it agrees."""
        if self._mesh_static is None:
            self._mesh_static = MediapipeDetector(video=False, max_faces=1, mesh=True)
        h, w = bgr.shape[:2]
        x, y, bw, bh = face.bbox
        side = max(bw, bh) * 2.0
        cx, cy = x + bw / 2, y + bh / 2
        x0, y0 = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
        x1, y1 = int(min(w, cx + side / 2)), int(min(h, cy + side / 2))
        if x1 - x0 < 16 or y1 - y0 < 16:
            return face
        crop = bgr[y0:y1, x0:x1, ::-1]
        for lm in self._mesh_static.mesh_only(crop):
            lm = lm + np.array([x0, y0, 0], dtype=np.float32)
            if iou(mesh_bbox(lm), face.bbox) > 0.3:
                return RawFace(face.bbox, face.score, keypoints_from_mesh(lm), lm, face.detector)
        return face

    def _finish(self, bgr: np.ndarray, raw: list[RawFace], t: float, index: int) -> tuple[Face, ...]:
        h, w = bgr.shape[:2]
        qopts = self.options.quality
        kept = []
        for r in sorted(raw, key=lambda r: r.bbox[2] * r.bbox[3], reverse=True):
            if min(r.bbox[2], r.bbox[3]) < 8:  # a few pixels are noise, not a face
                continue
            try:
                crop = align_face(bgr, r.keypoints)
            except ValueError:
                continue
            q = assess(bbox=r.bbox, keypoints=r.keypoints, crop=crop, landmarks=r.landmarks,
                       detector_score=r.score if r.detector != "mediapipe-mesh" else None,
                       width=w, height=h, options=qopts)
            kept.append((r, crop, q))
        embeddable = [i for i, (r, _, q) in enumerate(kept) if q.size_px >= qopts.min_face_px * 0.5]
        embeddings: dict[int, np.ndarray] = {}
        if self.embedder is not None and embeddable:
            vecs = self.embedder.embed([kept[i][1] for i in embeddable])
            embeddings = {i: v for i, v in zip(embeddable, vecs)}
        return tuple(Face(t=t, frame_index=index, bbox=float4(r.bbox), score=float(r.score),
                          detector=r.detector, keypoints=r.keypoints, quality=q, landmarks=r.landmarks,
                          crop=crop if self.options.keep_crops else None, embedding=embeddings.get(i))
                     for i, (r, crop, q) in enumerate(kept))

    def close(self) -> None:
        for det in (self._mp, self._mesh_static):
            if det is not None:
                det.close()
        self._mp = self._mesh_static = None

    def __enter__(self) -> "FaceAnalyzer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
