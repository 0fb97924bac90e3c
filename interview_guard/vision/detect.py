"""Face detectors: MediaPipe face detection + 478-point face mesh with iris, and YuNet (ONNX).

* :class:`MediapipeDetector` runs MediaPipe's legacy ``face_detection`` and ``face_mesh``
  (``refine_landmarks=True`` -> 478 points incl. iris) on RGB frames; in video mode the mesh
  tracks faces across frames. Mesh faces and detections are matched by overlap: a face found
  only by the detector keeps its 6 keypoints, one only tracked by the mesh keeps score 0.
* :class:`YuNetDetector` runs OpenCV Zoo's YuNet through ONNX Runtime (fixed 640x640 input,
  letterboxed); used for still images (ID documents, photos) and as the ``yunet`` option.

mediapipe and cv2 are imported inside the classes so importing this module stays cheap.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import DependencyMissing, ModelError
from ..runtime.native_logs import quiet_native_stderr
from ..runtime.onnx import SessionLike
from .align import order_keypoints
from .quality import MESH_IRIS_A, MESH_IRIS_B, MESH_MOUTH_A, MESH_MOUTH_B, MESH_NOSE_TIP

logger = logging.getLogger(__name__)

MESH_POINTS = 478


@dataclass(frozen=True)
class RawFace:
    """A detector's output before alignment, quality and embedding."""

    bbox: tuple[float, float, float, float]  # x, y, w, h pixels
    score: float  # detector confidence; 0 when only the mesh tracker has it
    keypoints: np.ndarray  # (5, 2) template order
    landmarks: np.ndarray | None  # (478, 3) pixels
    detector: str


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def keypoints_from_mesh(landmarks: np.ndarray) -> np.ndarray:
    p = landmarks[:, :2]
    return order_keypoints(p[[MESH_IRIS_A, MESH_IRIS_B]], p[MESH_NOSE_TIP], p[[MESH_MOUTH_A, MESH_MOUTH_B]])


def keypoints_from_six(kps6: np.ndarray) -> np.ndarray:
    """MediaPipe detection keypoints (eyes, nose tip, mouth centre, ears) -> 5 template points.

    The mouth corners are placed along the eye line around the mouth centre, at the template's
    mouth-width / eye-distance ratio (0.83)."""
    eyes = kps6[:2]
    eyes = eyes[np.argsort(eyes[:, 0])]
    half = (eyes[1] - eyes[0]) * 0.415
    mouth = np.stack([kps6[3] - half, kps6[3] + half])
    return order_keypoints(eyes, kps6[2], mouth)


def mesh_bbox(landmarks: np.ndarray) -> tuple[float, float, float, float]:
    x0, y0 = landmarks[:, 0].min(), landmarks[:, 1].min()
    x1, y1 = landmarks[:, 0].max(), landmarks[:, 1].max()
    return (float(x0), float(y0), float(x1 - x0), float(y1 - y0))


def _import_mediapipe():
    try:
        import mediapipe as mp
    except ImportError as e:  # pragma: no cover - a hard dependency
        raise DependencyMissing(f"mediapipe is not importable: {e}", fix="make install") from e
    return mp


class MediapipeDetector:
    """MediaPipe face detection + face mesh (with iris) on RGB images.

    ``video=True`` tracks faces across consecutive frames (feed frames in time order);
    ``video=False`` treats every image on its own. ``full_range`` picks the detector model
    for small / distant faces (group shots, document scans) instead of the webcam one.
    """

    def __init__(self, *, video: bool = True, max_faces: int = 6, min_confidence: float = 0.5,
                 full_range: bool = False, mesh: bool = True) -> None:
        mp = _import_mediapipe()
        self.video = video
        with quiet_native_stderr():
            self._detection = mp.solutions.face_detection.FaceDetection(
                model_selection=1 if full_range else 0, min_detection_confidence=min_confidence)
            self._mesh = mp.solutions.face_mesh.FaceMesh(
                static_image_mode=not video, max_num_faces=max_faces, refine_landmarks=True,
                min_detection_confidence=min_confidence, min_tracking_confidence=0.5) if mesh else None
        self._warm = False

    def detect(self, rgb: np.ndarray) -> list[RawFace]:
        if not self._warm:  # the graphs log once more on their first frame
            self._warm = True
            with quiet_native_stderr():
                return self._detect(rgb)
        return self._detect(rgb)

    def _detect(self, rgb: np.ndarray) -> list[RawFace]:
        h, w = rgb.shape[:2]
        rgb = np.ascontiguousarray(rgb)
        dets = self._detections(rgb, w, h)
        meshes = self._meshes(rgb, w, h) if self._mesh is not None else []
        faces: list[RawFace] = []
        used: set[int] = set()
        for lm in meshes:
            box = mesh_bbox(lm)
            best, best_iou = -1, 0.3
            for j, (dbox, _, _) in enumerate(dets):
                o = iou(box, dbox)
                if j not in used and o > best_iou:
                    best, best_iou = j, o
            if best >= 0:
                used.add(best)
                faces.append(RawFace(box, dets[best][1], keypoints_from_mesh(lm), lm, "mediapipe"))
            else:
                faces.append(RawFace(box, 0.0, keypoints_from_mesh(lm), lm, "mediapipe-mesh"))
        for j, (dbox, score, kps6) in enumerate(dets):
            if j not in used:
                faces.append(RawFace(dbox, score, keypoints_from_six(kps6), None, "mediapipe"))
        return faces

    def _detections(self, rgb: np.ndarray, w: int, h: int) -> list[tuple[tuple, float, np.ndarray]]:
        res = self._detection.process(rgb)
        out = []
        for d in res.detections or ():
            rb = d.location_data.relative_bounding_box
            box = (rb.xmin * w, rb.ymin * h, rb.width * w, rb.height * h)
            kps = np.array([[k.x * w, k.y * h] for k in d.location_data.relative_keypoints], dtype=np.float32)
            if kps.shape[0] < 4 or box[2] <= 1 or box[3] <= 1:
                continue
            out.append((box, float(d.score[0]) if d.score else 0.0, kps))
        return out

    def _meshes(self, rgb: np.ndarray, w: int, h: int) -> list[np.ndarray]:
        assert self._mesh is not None  # callers check
        res = self._mesh.process(rgb)
        meshes: list[np.ndarray] = []
        for fl in res.multi_face_landmarks or ():
            lm = np.array([(p.x * w, p.y * h, p.z * w) for p in fl.landmark], dtype=np.float32)
            if lm.shape[0] < MESH_POINTS:
                continue
            box = mesh_bbox(lm)
            # in video mode a tracked face and a fresh detection of it can both come back
            if any(iou(box, mesh_bbox(m)) > 0.5 for m in meshes):
                continue
            meshes.append(lm)
        return meshes

    def mesh_only(self, rgb: np.ndarray) -> list[np.ndarray]:
        """Landmarks of every face the mesh finds (static use: a crop around a known face)."""
        if self._mesh is None:
            return []
        h, w = rgb.shape[:2]
        if not self._warm:
            self._warm = True
            with quiet_native_stderr():
                return self._meshes(np.ascontiguousarray(rgb), w, h)
        return self._meshes(np.ascontiguousarray(rgb), w, h)

    def close(self) -> None:
        for part in (self._detection, self._mesh):
            if part is not None:
                part.close()
        self._mesh = None

    def __enter__(self) -> "MediapipeDetector":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class YuNetDetector:
    """OpenCV Zoo YuNet through an ONNX Runtime session (input ``input`` 1x3x640x640 BGR 0..255)."""

    STRIDES = (8, 16, 32)

    def __init__(self, session: SessionLike, *, score_threshold: float = 0.6, nms_threshold: float = 0.3,
                 top_k: int = 50) -> None:
        self.session = session
        inp = session.get_inputs()[0]
        self.input_name = inp.name
        shape = inp.shape
        self.size = (int(shape[3]) if isinstance(shape[3], int) else 640,
                     int(shape[2]) if isinstance(shape[2], int) else 640)  # (w, h)
        self.score_threshold = score_threshold
        self.nms_threshold = nms_threshold
        self.top_k = top_k
        names = {o.name for o in session.get_outputs()}
        need = {f"{k}_{s}" for k in ("cls", "obj", "bbox", "kps") for s in self.STRIDES}
        if not need <= names:
            raise ModelError(f"YuNet model lacks outputs {sorted(need - names)}",
                             fix="interview-guard models verify yunet")

    def detect(self, bgr: np.ndarray) -> list[RawFace]:
        import cv2

        h, w = bgr.shape[:2]
        in_w, in_h = self.size
        scale = min(in_w / w, in_h / h)
        rw, rh = max(1, round(w * scale)), max(1, round(h * scale))
        canvas = np.zeros((in_h, in_w, 3), dtype=np.float32)
        canvas[:rh, :rw] = cv2.resize(bgr, (rw, rh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        blob = canvas.transpose(2, 0, 1)[None]
        names = [f"{k}_{s}" for s in self.STRIDES for k in ("cls", "obj", "bbox", "kps")]
        outs = dict(zip(names, self.session.run(names, {self.input_name: np.ascontiguousarray(blob)})))
        boxes, scores, kpss = self.decode(outs, in_w, in_h)
        if not len(scores):
            return []
        keep = cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), self.score_threshold, self.nms_threshold,
                                top_k=self.top_k)
        faces = []
        for i in np.asarray(keep).reshape(-1):
            x, y, bw, bh = boxes[i] / scale
            k = kpss[i].reshape(5, 2) / scale
            faces.append(RawFace((float(x), float(y), float(bw), float(bh)), float(scores[i]),
                                 order_keypoints(k[:2], k[2], k[3:5]), None, "yunet"))
        return faces

    def decode(self, outs: dict, in_w: int, in_h: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Anchor-free decoding as in OpenCV's FaceDetectorYN (2023mar model)."""
        all_boxes, all_scores, all_kps = [], [], []
        for s in self.STRIDES:
            cols = in_w // s
            cls = np.clip(np.asarray(outs[f"cls_{s}"]).reshape(-1), 0, 1)
            obj = np.clip(np.asarray(outs[f"obj_{s}"]).reshape(-1), 0, 1)
            score = np.sqrt(cls * obj)
            sel = np.flatnonzero(score >= self.score_threshold)
            if not sel.size:
                continue
            r, c = (sel // cols).astype(np.float32), (sel % cols).astype(np.float32)
            bb = np.asarray(outs[f"bbox_{s}"]).reshape(-1, 4)[sel]
            kp = np.asarray(outs[f"kps_{s}"]).reshape(-1, 10)[sel]
            cx, cy = (c + bb[:, 0]) * s, (r + bb[:, 1]) * s
            bw, bh = np.exp(bb[:, 2]) * s, np.exp(bb[:, 3]) * s
            all_boxes.append(np.stack([cx - bw / 2, cy - bh / 2, bw, bh], axis=1))
            kx = (kp[:, 0::2] + c[:, None]) * s
            ky = (kp[:, 1::2] + r[:, None]) * s
            all_kps.append(np.stack([kx, ky], axis=2).reshape(-1, 10))
            all_scores.append(score[sel])
        if not all_scores:
            return np.zeros((0, 4)), np.zeros((0,)), np.zeros((0, 10))
        return (np.concatenate(all_boxes).astype(np.float32), np.concatenate(all_scores).astype(np.float32),
                np.concatenate(all_kps).astype(np.float32))
