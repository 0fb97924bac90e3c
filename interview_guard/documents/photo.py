"""The document photo and image-integrity cues.

* the face on the document: YuNet (detection, 5 landmarks; OpenCV DNN, see below) and SFace
  (128-d embedding, through our OnnxRuntime);
* error-level analysis: re-save as JPEG and compare how much each block changes, normalised by
  the block's own detail, photo region vs the rest of the page — a photo pasted from another
  source usually carries a different compression history;
* screen re-capture: a photo of a screen shows moiré, i.e. strong isolated peaks in the
  spectrum of the chroma channels (print and paper give broad, smooth spectra).

These are cues for a reviewer, not verdicts: the thresholds are documented in
benchmarks/results/documents.md together with what they were measured on.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..util import float4

logger = logging.getLogger(__name__)

# OpenCV FaceRecognizerSF's 112x112 alignment template (matches YuNet's landmark order).
_SFACE_TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                            [41.5493, 92.3655], [70.7299, 92.2041]], dtype=np.float32)


@dataclass(frozen=True)
class DocumentFace:
    bbox: tuple[float, float, float, float]  # x, y, w, h in page pixels
    score: float
    landmarks: tuple[tuple[float, float], ...] = ()
    embedding: tuple[float, ...] | None = None

    def to_dict(self) -> dict:
        return {"bbox": [round(v, 1) for v in self.bbox], "score": round(self.score, 4),
                "has_embedding": self.embedding is not None}


@dataclass(frozen=True)
class ErrorLevel:
    """Error-level analysis. ``ratio`` = photo-region level / page level (1 = same history)."""

    page_level: float
    photo_level: float | None
    ratio: float | None
    hot_share: float  # share of blocks whose level is far above the page's typical level

    def to_dict(self) -> dict:
        r = lambda v: None if v is None else round(float(v), 4)  # noqa: E731
        return {"page_level": r(self.page_level), "photo_level": r(self.photo_level), "ratio": r(self.ratio),
                "hot_share": r(self.hot_share)}


@dataclass(frozen=True)
class RecaptureCues:
    """Periodic-spectrum (moiré) measure: the strongest isolated spectral peak's prominence."""

    chroma_peak: float
    luma_peak: float

    def to_dict(self) -> dict:
        return {"chroma_peak": round(self.chroma_peak, 3), "luma_peak": round(self.luma_peak, 3)}


# --------------------------------------------------------------------------- faces (YuNet + SFace)
def detect_faces_yunet(model_path: str, image: np.ndarray, *, score_threshold: float = 0.6,
                       nms_threshold: float = 0.3) -> list[DocumentFace]:
    """YuNet through OpenCV's FaceDetectorYN.

    The shipped YuNet is block-quantised int8 (``int8bq``); onnxruntime 1.32 refuses its
    DequantizeLinear nodes, OpenCV's DNN runs it, so OpenCV it is (verified: same boxes).
    """
    import cv2

    h, w = image.shape[:2]
    det = cv2.FaceDetectorYN.create(str(model_path), "", (w, h), score_threshold, nms_threshold)
    _, found = det.detect(image)
    faces = []
    for row in (found if found is not None else []):
        lm = tuple((float(row[4 + 2 * k]), float(row[5 + 2 * k])) for k in range(5))
        faces.append(DocumentFace(bbox=float4(row[:4]), score=float(row[-1]), landmarks=lm))
    faces.sort(key=lambda f: f.bbox[2] * f.bbox[3], reverse=True)
    return faces


def sface_embedding(session, image: np.ndarray, landmarks) -> np.ndarray:
    """128-d SFace embedding of the face aligned on its 5 landmarks (input RGB 0..255)."""
    import cv2

    src = np.asarray(landmarks, dtype=np.float32).reshape(5, 2)
    m, _ = cv2.estimateAffinePartial2D(src, _SFACE_TEMPLATE, method=cv2.LMEDS)
    if m is None:
        raise ValueError("could not align the document face")
    crop = cv2.warpAffine(image, m, (112, 112))
    blob = crop[:, :, ::-1].astype(np.float32).transpose(2, 0, 1)[None]
    vec = np.asarray(session.run(None, {session.get_inputs()[0].name: blob})[0]).reshape(-1)
    return vec / (np.linalg.norm(vec) + 1e-12)


def find_document_face(image: np.ndarray, yunet_path, sface_session=None) -> DocumentFace | None:
    """The largest face on the document (with its embedding when an SFace session is given)."""
    faces = detect_faces_yunet(yunet_path, image)
    if not faces:
        return None
    face = faces[0]
    if sface_session is not None and len(face.landmarks) == 5:
        try:
            emb = sface_embedding(sface_session, image, face.landmarks)
            face = DocumentFace(face.bbox, face.score, face.landmarks, tuple(float(v) for v in emb))
        except ValueError as e:
            logger.info("document face embedding skipped: %s", e)
    return face


# --------------------------------------------------------------------------- error level analysis
def error_level(image: np.ndarray, photo_box: tuple[float, float, float, float] | None = None, *,
                qualities: tuple[int, ...] = (70, 85, 95), block: int = 16) -> ErrorLevel:
    """Error-level analysis normalised by local detail.

    A block's level is |image - JPEG(image)| divided by its gradient energy, so textured areas
    (a portrait, text) do not look "hot" merely for having edges. Several re-save qualities are
    averaged: an image saved at exactly one of them would otherwise show no error at all there.
    """
    import cv2

    img = image.astype(np.float32)
    diff = np.zeros(image.shape[:2], np.float32)
    for q in qualities:
        ok, enc = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(q)])
        if not ok:
            raise ValueError("could not re-encode the image for error-level analysis")
        diff += np.abs(img - cv2.imdecode(enc, cv2.IMREAD_COLOR).astype(np.float32)).mean(axis=2)
    diff /= len(qualities)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)
    grad = np.abs(cv2.Laplacian(gray, cv2.CV_32F, ksize=3))
    h, w = diff.shape
    hb, wb = h // block, w // block
    if hb < 2 or wb < 2:
        raise ValueError("image too small for error-level analysis")
    d = diff[:hb * block, :wb * block].reshape(hb, block, wb, block).mean(axis=(1, 3))
    g = grad[:hb * block, :wb * block].reshape(hb, block, wb, block).mean(axis=(1, 3))
    textured = g > 2.0  # flat blocks say nothing about compression history
    level = d / (g + 1.0)
    photo_mask = np.zeros_like(textured)
    if photo_box is not None:
        x, y, bw, bh = photo_box
        r0, r1 = int(max(0, y) // block), int(min(h, y + bh) // block)
        c0, c1 = int(max(0, x) // block), int(min(w, x + bw) // block)
        photo_mask[r0:r1, c0:c1] = True
    page_sel = textured & ~photo_mask
    page_vals = level[page_sel] if page_sel.sum() >= 8 else level.reshape(-1)
    page = float(np.mean(page_vals)) + 1e-3  # floor: a perfectly clean synthetic page has no error
    spread = float(np.std(page_vals)) + 1e-6
    hot = float(np.mean(level[textured] > page + 4 * spread)) if textured.any() else 0.0
    photo_level = ratio = None
    region = level[photo_mask & textured]
    if region.size >= 4:
        photo_level = float(np.mean(region))
        ratio = photo_level / page
    return ErrorLevel(page_level=page, photo_level=photo_level, ratio=ratio, hot_share=hot)


# --------------------------------------------------------------------------- screen re-capture
def recapture_cues(image: np.ndarray, size: int = 512) -> RecaptureCues:
    """Prominence (natural-log units over the local spectral background) of the strongest
    isolated peak, luma and chroma. A screen's RGB sub-pixel grid beating against the camera's
    sensor puts peaks into *both* chroma channels; coloured print lines raise at most one, so the
    chroma cue is the weaker of the two channels' peaks."""
    import cv2

    small = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    ycc = cv2.cvtColor(small, cv2.COLOR_BGR2YCrCb).astype(np.float32)
    luma = _peak_prominence(ycc[:, :, 0])
    chroma = min(_peak_prominence(ycc[:, :, 1]), _peak_prominence(ycc[:, :, 2]))
    return RecaptureCues(chroma_peak=chroma, luma_peak=luma)


def _peak_prominence(channel: np.ndarray) -> float:
    import cv2

    c = channel - cv2.GaussianBlur(channel, (0, 0), 3)  # high-pass: keep fine periodic texture
    n = c.shape[0]
    win = np.outer(np.hanning(n), np.hanning(c.shape[1]))
    power = np.abs(np.fft.fftshift(np.fft.fft2(c * win))) ** 2
    log_p = np.log(power + 1e-9).astype(np.float32)
    background = cv2.medianBlur(log_p, 5)
    yy, xx = np.mgrid[:n, :c.shape[1]]
    yy, xx = yy - n // 2, xx - c.shape[1] // 2
    # ignore the lowest frequencies and the axes (text lines and page edges live there)
    usable = (np.hypot(yy, xx) > n * 0.06) & (np.abs(yy) > 3) & (np.abs(xx) > 3)
    return float((log_p - background)[usable].max())
