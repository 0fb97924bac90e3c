"""Screen cues of a replay attack (a face shown on a phone / monitor held up to the camera).

Per analysed frame, three explainable measurements:

* **periodic spectrum peaks** (moiré): a screen's pixel grid, re-sampled by the camera, leaves
  sharp isolated peaks in the 2-D spectrum of the high-passed image, in luminance and above all
  in chroma (the RGB sub-pixels). Peaks at the 8-pixel block harmonics of JPEG / H.264 are
  ignored: every compressed video has them.
* **a rectangular bezel**: long straight edges above, below, left and right of the face, with a
  dark band just outside them (the device's frame).
* **glare**: a smooth saturated-white patch over the face region (light reflected by the glass).

Each gives a 0..1 score; a replay shows them persistently, so the feature aggregates over time.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..util import smoothstep

ANALYSIS_SIDE = 256  # largest spectrum patch side (pixels at native resolution)
MIN_SIDE = 96  # smallest: below this the block-harmonic exclusion leaves too few bins


@dataclass(frozen=True)
class ScreenFrameCues:
    t: float
    moire: float  # peak prominence in log-spectrum units (0 = none)
    moire_score: float  # 0..1
    bezel_sides: int  # 0..4 long edges around the face
    bezel_score: float  # 0..1
    glare_share: float  # share of the face region that is saturated white
    glare_score: float
    score: float  # combined, 0..1


def _patch(img: np.ndarray, centre: tuple[float, float], side: int) -> np.ndarray:
    h, w = img.shape[:2]
    side = min(side, h - h % 2, w - w % 2)
    cx = int(min(max(centre[0], side / 2), w - side / 2))
    cy = int(min(max(centre[1], side / 2), h - side / 2))
    return img[cy - side // 2: cy - side // 2 + side, cx - side // 2: cx - side // 2 + side]


def spectral_peak_prominence(channel: np.ndarray) -> float:
    """Height (log units) of the strongest isolated mid/high-frequency spectral peak above its
    neighbourhood's median, ignoring 8-pixel block harmonics and low frequencies."""
    import cv2

    x = channel.astype(np.float32)
    n = min(x.shape[:2])
    if n < 32:
        return 0.0
    x = x[:n, :n]
    hp = x - cv2.GaussianBlur(x, (0, 0), 2.0)
    win = np.outer(np.hanning(n), np.hanning(n)).astype(np.float32)
    spec = np.log1p(np.abs(np.fft.fftshift(np.fft.fft2(hp * win))))
    bg = cv2.medianBlur(spec.astype(np.float32), 5)
    bg = cv2.blur(bg, (7, 7))
    prom = spec - bg
    c = n // 2
    fy, fx = np.mgrid[-c:n - c, -c:n - c].astype(np.float32) / n  # cycles / pixel
    radius = np.hypot(fx, fy)
    band = (radius > 0.08) & (radius < 0.48)
    # block grid harmonics: k/8 cycles/pixel, and k/16 (macroblocks) where the spectrum is fine enough
    harmonics = np.arange(-8, 9) / 16.0 if n >= 128 else np.arange(-4, 5) / 8.0
    width = 2.5 / n if n >= 128 else 1.5 / n
    near = lambda a: np.min(np.abs(a[..., None] - harmonics[harmonics != 0]), axis=-1) <= width  # noqa: E731
    on_axis_y, on_axis_x = np.abs(fy) <= 2.5 / n, np.abs(fx) <= 2.5 / n
    off = band & ~on_axis_x & ~on_axis_y & ~near(fx) & ~near(fy)
    best = float(np.max(prom[off])) if off.any() else 0.0
    # On the axes, natural edges make whole lines of energy: there a peak must stand above its
    # neighbours along the axis (a screen held square to the camera puts its grid right there).
    from numpy.lib.stride_tricks import sliding_window_view

    for rows, freqs in ((spec[c - 1:c + 2, :], fx[c, :]), (spec[:, c - 1:c + 2].T, fy[:, c])):
        line = rows.max(axis=0)
        pad = np.pad(line, 6, mode="edge")
        local = np.median(sliding_window_view(pad, 13), axis=-1)
        ok = (np.abs(freqs) > 0.08) & (np.abs(freqs) < 0.48) & ~near(freqs)
        if ok.any():
            best = max(best, float(np.max((line - local)[ok])) - 0.5)  # axes are noisier: stricter
    return best


def moire_measure(bgr: np.ndarray, centre: tuple[float, float], side: int = ANALYSIS_SIDE) -> float:
    import cv2

    patch = _patch(bgr, centre, side)
    ycc = cv2.cvtColor(patch, cv2.COLOR_BGR2YCrCb)
    luma = spectral_peak_prominence(ycc[:, :, 0])
    chroma = max(spectral_peak_prominence(ycc[:, :, 1]), spectral_peak_prominence(ycc[:, :, 2]))
    return max(luma, chroma)


def bezel_measure(bgr: np.ndarray, bbox: tuple[float, float, float, float]) -> tuple[int, float]:
    """How many sides of a device frame surround the face: long straight edges with a dark,
    uniform band on one side (the bezel lies inside the outer edge and outside the inner one)."""
    import cv2

    h, w = bgr.shape[:2]
    scale = 320.0 / max(h, w)
    small = cv2.resize(bgr, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    sh, sw = grey.shape
    edges = cv2.Canny(cv2.GaussianBlur(grey, (3, 3), 0), 40, 120)
    lines = cv2.HoughLinesP(edges, 1, np.pi / 180, threshold=60, minLineLength=int(0.4 * min(sh, sw)), maxLineGap=6)
    fx, fy, fw, fh = (v * scale for v in bbox)
    sides = {"top": 0.0, "bottom": 0.0, "left": 0.0, "right": 0.0}
    for x1, y1, x2, y2 in (lines.reshape(-1, 4) if lines is not None else ()):
        dx, dy = x2 - x1, y2 - y1
        length = float(np.hypot(dx, dy))
        if abs(dy) <= 0.08 * abs(dx):  # horizontal
            y = (y1 + y2) / 2
            span = length / sw
            if min(x1, x2) > fx + fw or max(x1, x2) < fx:  # must pass above / below the face
                continue
            side = "top" if y < fy else "bottom" if y > fy + fh else None
            band = max(_dark_band(grey, y, horizontal=True, outward=1),
                       _dark_band(grey, y, horizontal=True, outward=-1))
        elif abs(dx) <= 0.08 * abs(dy):  # vertical
            x = (x1 + x2) / 2
            span = length / sh
            if min(y1, y2) > fy + fh or max(y1, y2) < fy:
                continue
            side = "left" if x < fx else "right" if x > fx + fw else None
            band = max(_dark_band(grey, x, horizontal=False, outward=1),
                       _dark_band(grey, x, horizontal=False, outward=-1))
        else:
            continue
        if side is None:
            continue
        sides[side] = max(sides[side], min(1.0, span / 0.6) * band)
    found = sum(1 for v in sides.values() if v >= 0.5)
    strength = float(np.mean(sorted(sides.values())[-3:]))  # three sides are enough (a hand covers one)
    return found, smoothstep(0.35, 0.75, strength) if found >= 3 else 0.0


def _dark_band(grey: np.ndarray, pos: float, *, horizontal: bool, outward: int) -> float:
    """1 when a narrow band on the ``outward`` side (+1: larger coordinates) of the edge is dark and
    uniform (a bezel), else lower."""
    p = int(round(pos))
    lo, hi = (p + 2, p + 9) if outward > 0 else (p - 9, p - 2)
    limit = grey.shape[0] if horizontal else grey.shape[1]
    lo, hi = max(0, lo), min(limit, hi)
    if hi - lo < 3:
        return 0.0
    band = grey[lo:hi, :] if horizontal else grey[:, lo:hi]
    dark = smoothstep(90.0, 45.0, float(np.median(band)))
    return dark * smoothstep(40.0, 15.0, float(np.std(band)))


def glare_measure(bgr: np.ndarray, bbox: tuple[float, float, float, float]) -> float:
    import cv2

    h, w = bgr.shape[:2]
    x, y, bw, bh = bbox
    x0, y0 = int(max(0, x - 0.5 * bw)), int(max(0, y - 0.5 * bh))
    x1, y1 = int(min(w, x + 1.5 * bw)), int(min(h, y + 1.5 * bh))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return 0.0
    hsv = cv2.cvtColor(bgr[y0:y1, x0:x1], cv2.COLOR_BGR2HSV)
    bright_px = (hsv[:, :, 2] >= 235) & (hsv[:, :, 1] <= 50)
    bright = cv2.morphologyEx(bright_px.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    return float(bright.mean())


def analyze_frame(bgr: np.ndarray, bbox: tuple[float, float, float, float], t: float = 0.0) -> ScreenFrameCues:
    """Screen cues of one frame with a face at ``bbox`` (x, y, w, h pixels)."""
    x, y, bw, bh = bbox
    # on the face itself: a replay has moiré over the face, a monitor in the background does not
    side = int(min(ANALYSIS_SIDE, max(MIN_SIDE, 0.9 * min(bw, bh)))) // 2 * 2
    moire = moire_measure(bgr, (x + bw / 2, y + bh / 2), side)
    moire_score = smoothstep(1.38, 1.62, moire)  # H.264 clips: genuine medians 1.10-1.32, replays 1.30-2.64
    sides, bezel_score = bezel_measure(bgr, bbox)
    glare = glare_measure(bgr, bbox)
    glare_score = smoothstep(0.03, 0.12, glare)
    # moiré is the strongest single cue; a bezel adds to it; glare only supports another cue
    # (studio lighting on a forehead is glare too)
    support = max(moire_score, bezel_score)
    combined = max(moire_score * 0.85, bezel_score * 0.6,
                   min(1.0, 0.6 * bezel_score + 0.5 * moire_score + 0.3 * glare_score * support))
    return ScreenFrameCues(t=t, moire=round(moire, 3), moire_score=round(moire_score, 3), bezel_sides=sides,
                           bezel_score=round(bezel_score, 3), glare_share=round(glare, 4),
                           glare_score=round(glare_score, 3), score=round(float(min(1.0, combined)), 3))
