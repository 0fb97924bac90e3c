"""Blending-boundary evidence along the face hull (for ``deepfake.face_swap``).

A face swap pastes a generated or warped face into the camera frame and blends it in
(Poisson / feathered masks). The pasted region keeps its own texture: its fine-grain noise and
sharpness differ from the untouched skin around it (the forehead above the brows, the band
along the jaw), and the colour of the two sides drifts apart when the blend is imperfect.
Per frame we measure, on a face crop normalised to 160 px:

* ``texture``: |log| ratio of the high-frequency energy of the central face (cheeks, nose,
  below the eyes) to that of the surrounding skin ring (forehead and the band inside the jaw);
* ``colour``: the chroma (Lab a/b) distance between the central face and that ring, relative to
  the ring's own spread;

Measured on registry footage, texture separates swaps from genuine faces best (genuine clip
medians 0.09-0.18, swaps 0.22-0.60); single frames are noisy, so the feature aggregates over time.

These shared geometry helpers (mesh indices, crops, masks) are also used by the temporal and
challenge modules.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..util import smoothstep  # temporal, lipsync, liveness import it from here

if TYPE_CHECKING:
    from .records import Face

# MediaPipe face-mesh indices.
FACE_OVAL: tuple[int, ...] = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378,
                              400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21,
                              54, 103, 67, 109)
LEFT_EYE: tuple[int, ...] = (33, 160, 158, 133, 153, 144)  # p1..p6 for the eye aspect ratio
RIGHT_EYE: tuple[int, ...] = (362, 385, 387, 263, 373, 380)
BROWS: tuple[int, ...] = (70, 63, 105, 66, 107, 336, 296, 334, 293, 300)
EYE_RINGS: tuple[tuple[int, ...], ...] = (
    (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7),
    (362, 398, 384, 385, 386, 387, 388, 466, 263, 249, 390, 373, 374, 380, 381, 382),
)
LIPS_OUTER: tuple[int, ...] = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91,
                               146)
LIP_UPPER_INNER, LIP_LOWER_INNER = 13, 14
MOUTH_LEFT, MOUTH_RIGHT = 61, 291
NOSE_TIP = 1
CROP = 160  # side of the normalised face crop


@dataclass(frozen=True)
class FaceCrop:
    """A square crop around the face, resized to CROP px, with landmarks in crop pixels."""

    image: np.ndarray  # BGR uint8 (CROP, CROP, 3)
    landmarks: np.ndarray  # (N, 2) float32
    scale: float  # crop pixels per frame pixel
    origin: tuple[float, float]  # frame coordinates of the crop's top-left corner


def face_crop(bgr: np.ndarray, landmarks: np.ndarray, margin: float = 1.35, size: int = CROP) -> FaceCrop | None:
    """Crop a square of ``margin`` x the face-oval size around the face; None when degenerate."""
    import cv2

    pts = np.asarray(landmarks, np.float32)[:, :2]
    oval = pts[list(FACE_OVAL)]
    x0, y0 = oval.min(0)
    x1, y1 = oval.max(0)
    side = float(max(x1 - x0, y1 - y0)) * margin
    if not np.isfinite(side) or side < 16:
        return None
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    s = size / side
    m = np.array([[s, 0, size / 2 - s * cx], [0, s, size / 2 - s * cy]], dtype=np.float32)
    img = cv2.warpAffine(bgr, m, (size, size), flags=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)
    local = pts * s + np.array([size / 2 - s * cx, size / 2 - s * cy], dtype=np.float32)
    return FaceCrop(image=img, landmarks=local, scale=s, origin=(float(cx - side / 2), float(cy - side / 2)))


def polygon_mask(shape: tuple[int, ...], points: np.ndarray) -> np.ndarray:
    import cv2

    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)  # type: ignore[call-overload]  # opencv's stubs type color as a Sequence; a number is accepted
    return mask.astype(bool)


def shrink(points: np.ndarray, factor: float) -> np.ndarray:
    c = points.mean(0)
    return c + (points - c) * factor


@dataclass(frozen=True)
class FaceRegions:
    core: np.ndarray  # central face skin (cheeks, nose, under the eyes), features removed
    ring: np.ndarray  # surrounding skin: the band inside the oval and the forehead above the brows


def face_regions(crop: FaceCrop) -> FaceRegions | None:
    lm = crop.landmarks
    if len(lm) < 468:
        return None
    shape = crop.image.shape[:2]
    oval = lm[list(FACE_OVAL)]
    inside = polygon_mask(shape, oval)
    features = np.zeros(shape, bool)
    for eye in EYE_RINGS:
        features |= polygon_mask(shape, shrink(lm[list(eye)], 1.6))
    features |= polygon_mask(shape, shrink(lm[list(LIPS_OUTER)], 1.25))
    brow_y = float(lm[list(BROWS)][:, 1].max())
    brows = np.zeros(shape, bool)
    brows[int(max(0, brow_y - 0.12 * crop.image.shape[0])):int(brow_y) + 3, :] = True
    core = polygon_mask(shape, shrink(oval, 0.72)) & ~features
    core[: int(brow_y) + 3, :] = False
    ring = inside & ~polygon_mask(shape, shrink(oval, 0.84)) & ~features & ~brows
    if core.sum() < 40 or ring.sum() < 40:
        return None
    return FaceRegions(core=core, ring=ring)


@dataclass(frozen=True)
class BlendFrame:
    """Per-frame blending evidence. ``score`` 0..1 (0 = nothing unusual)."""

    t: float
    texture: float  # |log(core HF / ring HF)|
    colour: float  # chroma distance core vs ring, in ring standard deviations
    luma_step: float  # mean luminance difference core vs ring (grey levels, signed)
    score: float


def _hf_energy(grey: np.ndarray) -> np.ndarray:
    import cv2

    g = grey.astype(np.float32)
    return np.abs(g - cv2.GaussianBlur(g, (0, 0), 1.0))


def blend_evidence(bgr: np.ndarray, landmarks: np.ndarray, t: float = 0.0) -> BlendFrame | None:
    """Blending-boundary measurements of one face (478-point landmarks in frame pixels)."""
    import cv2

    h, w = bgr.shape[:2]
    oval = np.asarray(landmarks, np.float32)[list(FACE_OVAL), :2]
    margin = 0.02 * float(np.ptp(oval[:, 0]) + 1.0)
    if (oval[:, 0] < -margin).any() or (oval[:, 1] < -margin).any() or (oval[:, 0] > w + margin).any() \
            or (oval[:, 1] > h + margin).any():
        return None  # the face is cut by the frame edge: the surrounding skin is not there to compare
    crop = face_crop(bgr, landmarks)
    if crop is None:
        return None
    regions = face_regions(crop)
    if regions is None:
        return None
    grey = cv2.cvtColor(crop.image, cv2.COLOR_BGR2GRAY)
    hf = _hf_energy(grey)
    core_hf = float(np.median(hf[regions.core])) + 0.25
    ring_hf = float(np.median(hf[regions.ring])) + 0.25
    texture = abs(float(np.log(core_hf / ring_hf)))
    lab = cv2.cvtColor(crop.image, cv2.COLOR_BGR2LAB).astype(np.float32)
    ab_core = np.median(lab[..., 1:][regions.core], axis=0)
    ab_ring = lab[..., 1:][regions.ring]
    spread = float(np.mean(np.std(ab_ring, axis=0))) + 1.5
    colour = float(np.linalg.norm(ab_core - np.median(ab_ring, axis=0)) / spread)
    luma_step = float(np.median(lab[..., 0][regions.core]) - np.median(lab[..., 0][regions.ring]))
    score = blend_score(texture, colour)
    return BlendFrame(t=t, texture=round(texture, 4), colour=round(colour, 4), luma_step=round(luma_step, 2),
                      score=round(score, 4))


# Calibrated on genuine registry footage and swaps of tuning donors (benchmarks/bench_liveness.py).
TEXTURE_RANGE = (0.25, 0.6)
COLOUR_RANGE = (1.5, 2.5)


def blend_score(texture: float, colour: float) -> float:
    """0..1 per frame: texture mismatch, reinforced by a colour mismatch."""
    tex = smoothstep(*TEXTURE_RANGE, texture)
    col = smoothstep(*COLOUR_RANGE, colour)
    return float(min(1.0, max(tex, col * 0.6) + 0.25 * min(tex, col)))


def primary_mesh_face(frame_faces) -> "Face | None":
    """The largest face of a ``faces`` per-frame result that has mesh landmarks."""
    if frame_faces is None:
        return None
    faces = [f for f in getattr(frame_faces, "faces", ()) if f.landmarks is not None and len(f.landmarks) >= 468]
    return max(faces, key=lambda f: f.bbox[2] * f.bbox[3], default=None)
