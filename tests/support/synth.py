"""Build test clips from real photos: small per-frame motion, group compositions, MP4 encoding.

Used by the face tests and benchmarks (and available to other families' tests) to turn the
real registry photos into videos: a person "on camera" is a photo with slight jitter of
position, scale and rotation per frame, as a webcam subject moves.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np


def fit(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale ``image`` to cover (width, height) and centre-crop (no letterbox bars)."""
    import cv2

    h, w = image.shape[:2]
    s = max(width / w, height / h)
    resized = cv2.resize(image, (max(width, int(round(w * s))), max(height, int(round(h * s)))),
                         interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    y0 = (resized.shape[0] - height) // 2
    x0 = (resized.shape[1] - width) // 2
    return np.ascontiguousarray(resized[y0:y0 + height, x0:x0 + width])


def jitter(image: np.ndarray, n: int, *, width: int = 640, height: int = 480, seed: int = 0,
           max_shift: float = 8.0, max_scale: float = 0.04, max_rot_deg: float = 2.0) -> Iterable[np.ndarray]:
    """``n`` frames of ``image`` (fitted to width x height) with smooth random motion."""
    import cv2

    base = fit(image, width, height)
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, size=4)
    for i in range(n):
        a = 2 * np.pi * i / max(8, n)
        dx = max_shift * np.sin(a + phase[0])
        dy = max_shift * np.sin(1.3 * a + phase[1])
        sc = 1.0 + max_scale * np.sin(0.7 * a + phase[2])
        rot = max_rot_deg * np.sin(1.1 * a + phase[3])
        m = cv2.getRotationMatrix2D((width / 2, height / 2), rot, sc)
        m[:, 2] += (dx, dy)
        yield cv2.warpAffine(base, m, (width, height), borderMode=cv2.BORDER_REFLECT)


def crop_around(image: np.ndarray, bbox: Sequence[float], scale: float = 2.2) -> np.ndarray:
    """A square crop centred on a face box, ``scale`` times its larger side (clipped to the image)."""
    h, w = image.shape[:2]
    x, y, bw, bh = bbox
    side = max(bw, bh) * scale
    cx, cy = x + bw / 2, y + bh / 2
    x0, y0 = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
    x1, y1 = int(min(w, cx + side / 2)), int(min(h, cy + side / 2))
    return np.ascontiguousarray(image[y0:y1, x0:x1])


def grid(images: Sequence[np.ndarray], *, cols: int, cell_width: int, cell_height: int) -> np.ndarray:
    """Tile images (each fitted to a cell) into one group picture."""
    rows = (len(images) + cols - 1) // cols
    out = np.zeros((rows * cell_height, cols * cell_width, 3), dtype=np.uint8)
    for k, img in enumerate(images):
        r, c = divmod(k, cols)
        out[r * cell_height:(r + 1) * cell_height,
            c * cell_width:(c + 1) * cell_width] = fit(img, cell_width, cell_height)
    return out


def write_mp4(frames: Iterable[np.ndarray], path: str | Path, fps: int = 25) -> Path:
    """Encode BGR frames as H.264 (yuv420p) MP4 with PyAV."""
    import av

    path = Path(path)
    it = iter(frames)
    first = next(it)
    h, w = first.shape[:2]
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = w - w % 2, h - h % 2
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "23", "preset": "veryfast"}
        for img in _chain(first, it):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img[:stream.height, :stream.width]),
                                               format="bgr24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _chain(first, rest):
    yield first
    yield from rest


def largest_face_box(image: np.ndarray) -> tuple[float, float, float, float]:
    """The box of the largest face MediaPipe finds in a still BGR image (ValueError if none)."""
    from interview_guard.vision.detect import MediapipeDetector

    with MediapipeDetector(video=False, max_faces=4, full_range=True, mesh=False) as det:
        faces = det.detect(image[:, :, ::-1])
    if not faces:
        raise ValueError("no face in the image")
    return max(faces, key=lambda f: f.bbox[2] * f.bbox[3]).bbox


def portrait_clip(image: np.ndarray, n: int, *, width: int = 640, height: int = 480, seed: int = 0,
                  face_scale: float = 3.0) -> list[np.ndarray]:
    """``n`` webcam-like frames of the person in ``image``: framed on the face, gently moving."""
    crop = crop_around(image, largest_face_box(image), face_scale)
    return list(jitter(crop, n, width=width, height=height, seed=seed))
