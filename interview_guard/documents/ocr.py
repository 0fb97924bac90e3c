"""Text detection + recognition with the PP-OCRv6 ONNX models, run through our OnnxRuntime.

Why not rapidocr itself: it builds its own onnxruntime sessions (bypassing the project's
provider choice, fallback check and cache) and its detector post-processing imports pyclipper
and shapely. The pieces we need are small and are re-implemented here:

* detection: resize so the short side is ``det_limit_side`` (multiple of 32), normalise to
  [-1, 1], run ``ocr-det``, threshold the probability map, take min-area rectangles of the
  contours, score them, and "unclip" each rectangle by ``area * ratio / perimeter`` (for a
  rectangle, DB's polygon offset followed by a min-area rectangle is exactly this growth);
* orientation: ``ocr-cls`` (0 / 180 degrees) on each crop, optional (see ``OcrOptions.use_cls``);
* recognition: height 48, width by aspect ratio, batched, greedy CTC decoding with the
  character list stored in the ``ocr-rec`` model's metadata (blank first, space last).
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import InputError, ModelError

logger = logging.getLogger(__name__)

DET_MODEL, REC_MODEL, CLS_MODEL = "ocr-det", "ocr-rec", "ocr-cls"


@dataclass(frozen=True)
class OcrOptions:
    det_limit_side: int = 736  # short side the detector sees (rapidocr's default)
    det_max_side: int = 1536  # long side cap: big phone photos cost ~4x more and read no better
    det_thresh: float = 0.3
    box_thresh: float = 0.5
    unclip_ratio: float = 1.6
    max_candidates: int = 1000
    # Off by default: the 0/180 line classifier flips MRZ lines ('<<<' reads as '>>>' upside down;
    # 12 of 60 benchmark pages). Upside-down pages are handled by turning the whole page instead.
    use_cls: bool = False
    cls_thresh: float = 0.9
    rec_height: int = 48
    rec_batch: int = 6
    min_score: float = 0.5  # lines recognised with a lower mean probability are dropped


@dataclass(frozen=True)
class OcrLine:
    """One recognised text line. ``box`` is 4 corner points (tl, tr, br, bl) in image pixels."""

    text: str
    score: float
    box: tuple[tuple[float, float], ...]

    @property
    def x0(self) -> float:
        return min(p[0] for p in self.box)

    @property
    def x1(self) -> float:
        return max(p[0] for p in self.box)

    @property
    def y0(self) -> float:
        return min(p[1] for p in self.box)

    @property
    def y1(self) -> float:
        return max(p[1] for p in self.box)

    @property
    def cx(self) -> float:
        return sum(p[0] for p in self.box) / len(self.box)

    @property
    def cy(self) -> float:
        return sum(p[1] for p in self.box) / len(self.box)

    def offset_from(self, other: "OcrLine") -> float:
        """Distance of this line's centre from ``other``'s text line, across the line direction
        (so a rotated page's rows still separate cleanly)."""
        slope = math.tan(math.radians(other.angle))
        return (self.cy - other.cy) - slope * (self.cx - other.cx)

    @property
    def height(self) -> float:
        """The text's own height (along the box's short side), not the axis-aligned extent."""
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = self.box[:4]
        return (math.hypot(x3 - x0, y3 - y0) + math.hypot(x2 - x1, y2 - y1)) / 2

    @property
    def angle(self) -> float:
        """Slope of the text line in degrees (positive: rising to the left)."""
        (x0, y0), (x1, y1) = self.box[0], self.box[1]
        return math.degrees(math.atan2(y1 - y0, x1 - x0))

    def to_dict(self) -> dict:
        return {"text": self.text, "score": round(self.score, 4),
                "box": [[round(x, 1), round(y, 1)] for x, y in self.box]}


@dataclass(frozen=True)
class OcrResult:
    lines: tuple[OcrLine, ...]
    width: int
    height: int
    elapsed_s: float = 0.0

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def to_dict(self) -> dict:
        return {"width": self.width, "height": self.height, "elapsed_s": round(self.elapsed_s, 3),
                "lines": [line.to_dict() for line in self.lines]}


def characters_from_session(session) -> list[str]:
    """The recogniser's character list from the ONNX metadata (``character``, one per line)."""
    try:
        meta = session.get_modelmeta().custom_metadata_map
    except AttributeError:
        raise ModelError("the OCR recogniser session exposes no model metadata; pass characters= explicitly") from None
    chars = meta.get("character")
    if not chars:
        raise ModelError("the ocr-rec model has no 'character' list in its metadata",
                         fix="interview-guard models verify ocr-rec")
    return chars.splitlines()


def order_box(pts: np.ndarray) -> np.ndarray:
    """The four corners of a box in the order top-left, top-right, bottom-right, bottom-left."""
    xs = pts[np.argsort(pts[:, 0])]
    left, right = xs[:2], xs[2:]
    tl, bl = left[np.argsort(left[:, 1])]
    tr, br = right[np.argsort(right[:, 1])]
    return np.array([tl, tr, br, bl], dtype=np.float32)


def crop_quad(image: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Perspective-rectify the quadrilateral ``box`` out of ``image``; tall crops are turned upright."""
    import cv2

    box = np.asarray(box, dtype=np.float32)
    w = int(max(np.linalg.norm(box[0] - box[1]), np.linalg.norm(box[2] - box[3])))
    h = int(max(np.linalg.norm(box[0] - box[3]), np.linalg.norm(box[1] - box[2])))
    w, h = max(w, 1), max(h, 1)
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(box, dst)
    crop = cv2.warpPerspective(image, m, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    if crop.shape[0] / crop.shape[1] >= 1.5:
        crop = np.rot90(crop)
    return crop


class TextReader:
    """Detect and recognise text lines in a BGR image. Sessions come from OnnxRuntime."""

    def __init__(self, det, rec, cls=None, *, characters: Sequence[str] | None = None,
                 options: OcrOptions | None = None) -> None:
        self.det, self.rec, self.cls = det, rec, cls
        self.options = options or OcrOptions()
        chars = list(characters) if characters is not None else characters_from_session(rec)
        self.characters = ["<blank>"] + chars + [" "]
        self._det_in = det.get_inputs()[0].name
        self._rec_in = rec.get_inputs()[0].name
        self._cls_in = cls.get_inputs()[0].name if cls is not None else None

    @classmethod
    def from_env(cls, env, options: OcrOptions | None = None) -> "TextReader":
        """Inside the pipeline: sessions through ``FeatureEnv`` (records model use)."""
        opts = options or OcrOptions()
        return cls(env.onnx_session(DET_MODEL), env.onnx_session(REC_MODEL),
                   env.onnx_session(CLS_MODEL) if opts.use_cls else None, options=opts)

    @classmethod
    def from_runtime(cls, runtime, models, options: OcrOptions | None = None) -> "TextReader":
        """Outside the pipeline (CLI, benchmarks): ``OnnxRuntime`` + ``ModelStore``."""
        opts = options or OcrOptions()
        names = (DET_MODEL, REC_MODEL) + ((CLS_MODEL,) if opts.use_cls else ())
        sess = {n: runtime.session(n, models.path(n)) for n in names}
        return cls(sess[DET_MODEL], sess[REC_MODEL], sess.get(CLS_MODEL), options=opts)

    # ------------------------------------------------------------------ public
    def read(self, image: np.ndarray) -> OcrResult:
        """All text lines, top to bottom then left to right."""
        t0 = time.perf_counter()
        image = _as_bgr(image)
        boxes, _ = self.detect(image)
        crops = [crop_quad(image, b) for b in boxes]
        if self.cls is not None and crops:
            crops = self._orient(crops)
        texts = self.recognize(crops)
        lines = [OcrLine(t, s, tuple((float(x), float(y)) for x, y in b))
                 for b, (t, s) in zip(boxes, texts) if t.strip() and s >= self.options.min_score]
        return OcrResult(reading_order(lines), image.shape[1], image.shape[0], time.perf_counter() - t0)

    def detect(self, image: np.ndarray) -> tuple[list[np.ndarray], list[float]]:
        import cv2

        o = self.options
        h, w = image.shape[:2]
        ratio = o.det_limit_side / min(h, w) if min(h, w) < o.det_limit_side else 1.0
        if max(h, w) * ratio > o.det_max_side:
            ratio = o.det_max_side / max(h, w)
        rh, rw = max(32, int(round(h * ratio / 32) * 32)), max(32, int(round(w * ratio / 32) * 32))
        resized = cv2.resize(image, (rw, rh))
        x = (resized.astype(np.float32) / 255.0 - 0.5) / 0.5
        x = x.transpose(2, 0, 1)[None]
        prob = np.asarray(self.det.run(None, {self._det_in: x})[0])[0, 0]
        return self._boxes_from_map(prob, w, h)

    def recognize(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """CTC-decode each crop (BGR line image); returns (text, mean probability)."""
        import cv2

        o = self.options
        out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
        ratios = [c.shape[1] / max(1, c.shape[0]) for c in crops]
        for idx in _similar_width_batches(ratios, o.rec_batch):
            max_ratio = max([320 / o.rec_height] + [crops[i].shape[1] / max(1, crops[i].shape[0]) for i in idx])
            width = int(math.ceil(o.rec_height * max_ratio))
            batch = np.zeros((len(idx), 3, o.rec_height, width), dtype=np.float32)
            for j, i in enumerate(idx):
                c = _as_bgr(crops[i])
                rw = min(width, int(math.ceil(o.rec_height * c.shape[1] / max(1, c.shape[0]))))
                r = cv2.resize(c, (max(1, rw), o.rec_height)).astype(np.float32)
                batch[j, :, :, :rw] = ((r / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)
            preds = np.asarray(self.rec.run(None, {self._rec_in: batch})[0])
            for j, i in enumerate(idx):
                out[i] = self._ctc_decode(preds[j])
        return out

    # ------------------------------------------------------------------ internals
    def _orient(self, crops: list[np.ndarray]) -> list[np.ndarray]:
        import cv2

        h, w = 48, 192
        out = list(crops)
        for start in range(0, len(crops), 6):
            chunk = crops[start:start + 6]
            batch = np.zeros((len(chunk), 3, h, w), dtype=np.float32)
            for j, c in enumerate(chunk):
                c = _as_bgr(c)
                rw = min(w, int(math.ceil(h * c.shape[1] / max(1, c.shape[0]))))
                r = cv2.resize(c, (max(1, rw), h)).astype(np.float32)
                batch[j, :, :, :rw] = ((r / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)
            probs = np.asarray(self.cls.run(None, {self._cls_in: batch})[0])
            for j, p in enumerate(probs):
                if int(np.argmax(p)) == 1 and float(p[1]) > self.options.cls_thresh:
                    out[start + j] = cv2.rotate(chunk[j], cv2.ROTATE_180)
        return out

    def _ctc_decode(self, probs: np.ndarray) -> tuple[str, float]:
        idx = probs.argmax(axis=1)
        conf = probs.max(axis=1)
        keep = np.ones(len(idx), dtype=bool)
        keep[1:] = idx[1:] != idx[:-1]
        keep &= idx != 0
        n = len(self.characters)
        chars = [self.characters[i] if i < n else "" for i in idx[keep]]
        score = float(conf[keep].mean()) if keep.any() else 0.0
        return "".join(chars), score

    def _boxes_from_map(self, prob: np.ndarray, dest_w: int, dest_h: int) -> tuple[list[np.ndarray], list[float]]:
        import cv2

        o = self.options
        mask = cv2.dilate((prob > o.det_thresh).astype(np.uint8), np.ones((2, 2), np.uint8))
        contours, _ = cv2.findContours(mask * 255, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        mh, mw = prob.shape
        boxes, scores = [], []
        for contour in contours[:o.max_candidates]:
            rect = cv2.minAreaRect(contour)
            if min(rect[1]) < 3:
                continue
            score = _box_score(prob, cv2.boxPoints(rect))
            if score < o.box_thresh:
                continue
            (cx, cy), (rw, rh), angle = rect
            dist = rw * rh * o.unclip_ratio / (2 * (rw + rh))
            grown = ((cx, cy), (rw + 2 * dist, rh + 2 * dist), angle)
            if min(grown[1]) < 5:
                continue
            pts = order_box(cv2.boxPoints(grown))
            pts[:, 0] = np.clip(np.round(pts[:, 0] / mw * dest_w), 0, dest_w - 1)
            pts[:, 1] = np.clip(np.round(pts[:, 1] / mh * dest_h), 0, dest_h - 1)
            if np.linalg.norm(pts[0] - pts[1]) <= 3 or np.linalg.norm(pts[0] - pts[3]) <= 3:
                continue
            boxes.append(pts)
            scores.append(score)
        return boxes, scores


def reading_order(lines: Sequence[OcrLine]) -> tuple[OcrLine, ...]:
    """Top to bottom; lines whose centres sit within half a line height share a row (left to right)."""
    rows: list[list[OcrLine]] = []
    for ln in sorted(lines, key=lambda x: x.cy):
        if rows and abs(ln.cy - rows[-1][-1].cy) < 0.5 * min(ln.height, rows[-1][-1].height):
            rows[-1].append(ln)
        else:
            rows.append([ln])
    return tuple(ln for row in rows for ln in sorted(row, key=lambda x: x.x0))


def _similar_width_batches(ratios: Sequence[float], size: int) -> list[list[int]]:
    """Batches of crops with similar aspect ratios: padding a short word to the width of an
    MRZ line would multiply the recogniser's work."""
    batches: list[list[int]] = []
    for i in np.argsort(ratios):
        if batches and len(batches[-1]) < size and ratios[i] <= 1.5 * max(ratios[batches[-1][0]], 6.67):
            batches[-1].append(int(i))
        else:
            batches.append([int(i)])
    return batches


def _box_score(prob: np.ndarray, box: np.ndarray) -> float:
    import cv2

    h, w = prob.shape
    xmin = int(np.clip(np.floor(box[:, 0].min()), 0, w - 1))
    xmax = int(np.clip(np.ceil(box[:, 0].max()), 0, w - 1))
    ymin = int(np.clip(np.floor(box[:, 1].min()), 0, h - 1))
    ymax = int(np.clip(np.ceil(box[:, 1].max()), 0, h - 1))
    mask = np.zeros((ymax - ymin + 1, xmax - xmin + 1), dtype=np.uint8)
    shifted = box.copy()
    shifted[:, 0] -= xmin
    shifted[:, 1] -= ymin
    cv2.fillPoly(mask, list(shifted.reshape(1, -1, 2).astype(np.int32)), 1)  # type: ignore[call-overload]  # opencv's stubs type color as a Sequence; a number is accepted
    return float(cv2.mean(prob[ymin:ymax + 1, xmin:xmax + 1], mask)[0])


def _as_bgr(image: np.ndarray) -> np.ndarray:
    if not isinstance(image, np.ndarray) or image.ndim not in (2, 3) or image.size == 0:
        raise InputError("OCR needs a non-empty image array (H, W) or (H, W, 3)")
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    if image.shape[2] == 4:
        return np.ascontiguousarray(image[:, :, :3])
    return image
