"""Attack generators for development and evaluation (never used by the analysis itself).

No registry package ships replay, print or face-swap video, so the tests and
``benchmarks/bench_liveness.py`` build them from real registry media with classical operations:

* :func:`screen_replay` — a clip re-captured through a simulated screen: the frame is shown on an
  RGB sub-pixel grid (moiré after resampling), with display gamma, a glare patch, a dark bezel
  and a surrounding room, a slight perspective and hand shake, sensor noise.
* :func:`printed_photo` — a still photo printed (halftone dots, paper white, reduced contrast)
  and held in front of the camera (rigid motion, a white paper border).
* :func:`face_swap` — a donor face warped onto each target frame with a piecewise-affine mesh
  warp from face landmarks, colour-matched and blended with ``cv2.seamlessClone`` (the classic
  face-swap recipe; real-time swappers blend a generated face the same way).

Each generator is deterministic for a given ``seed``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

import numpy as np

# Face-mesh points used for the swap's triangulation: the face oval, brows, eyes, nose and lips.
SWAP_POINTS: tuple[int, ...] = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148,
    176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,  # oval
    70, 63, 105, 66, 107, 336, 296, 334, 293, 300,  # brows
    33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,  # eyes
    1, 4, 5, 195, 197, 6, 168, 98, 327, 2,  # nose
    61, 291, 0, 17, 40, 270, 91, 321,  # outer lips (inner lips would stretch across an open mouth)
    50, 280, 205, 425, 187, 411, 123, 352, 117, 346,  # cheeks
)
# The swapped region: brows to chin (the forehead above the brows stays the target's, as in the
# common "full face" masks of face-swap tools).
SWAP_MASK_POINTS: tuple[int, ...] = (
    70, 63, 105, 66, 107, 336, 296, 334, 293, 300, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378,
    400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162)


@dataclass(frozen=True)
class ReplayOptions:
    out_width: int = 640
    out_height: int = 480
    screen_fill: float = 0.78  # share of the output width the screen (without bezel) covers
    pixel_pitch: float = 3.0  # output pixels per displayed pixel column (sets the moiré)
    gamma: float = 1.25
    glare: float = 0.35  # peak added brightness of the glare patch (0..1)
    bezel_px: int = 18
    shake_px: float = 2.0
    noise: float = 3.0  # sensor noise std (grey levels)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _room(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A smooth, dim background (a wall behind the screen)."""
    import cv2

    small = rng.uniform(40, 140, size=(6, 8, 3)).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _subpixel_grid(h: int, w: int, pitch: float) -> np.ndarray:
    """An RGB stripe mask (B, G, R order) at ``pitch`` output pixels per display pixel."""
    x = np.arange(w, dtype=np.float32) / pitch
    phase = (x - np.floor(x)) * 3.0  # 0..3 across one display pixel: R, G, B stripes
    mask = np.zeros((h, w, 3), np.float32)
    for c, ch in enumerate((2, 1, 0)):  # R stripe first
        mask[:, :, ch] = np.clip(1.0 - np.abs(phase - (c + 0.5)) * 1.2, 0.15, 1.0)
    y = np.arange(h, dtype=np.float32) / pitch
    rows = 0.8 + 0.2 * np.cos(2 * np.pi * y)  # dark gaps between pixel rows
    return mask * rows[:, None, None]


def screen_replay(frames: Iterable[np.ndarray], options: ReplayOptions = ReplayOptions(),
                  seed: int = 0) -> Iterator[np.ndarray]:
    """Re-capture ``frames`` (BGR uint8) through a simulated screen; yields BGR uint8 frames."""
    import cv2

    o = options
    rng = _rng(seed)
    H, W = o.out_height, o.out_width
    room = _room(H, W, rng)
    tilt = rng.uniform(-0.025, 0.025, size=4) * W
    glare_c = (rng.uniform(0.25, 0.75) * W, rng.uniform(0.15, 0.5) * H)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    glare = o.glare * 255 * np.exp(-(((xx - glare_c[0]) / (0.12 * W)) ** 2 + ((yy - glare_c[1]) / (0.09 * H)) ** 2))
    for src in frames:
        sh, sw = src.shape[:2]
        disp_w = int(o.screen_fill * W)
        disp_h = int(round(disp_w * sh / sw))
        if disp_h > H - 2 * o.bezel_px - 8:
            disp_h = H - 2 * o.bezel_px - 8
            disp_w = int(round(disp_h * sw / sh))
        # the display resamples the source to its own pixel grid, then shows it through sub-pixels
        n_cols, n_rows = max(8, int(disp_w / o.pixel_pitch)), max(8, int(disp_h / o.pixel_pitch))
        shown = cv2.resize(src, (n_cols, n_rows), interpolation=cv2.INTER_AREA)
        shown = cv2.resize(shown, (disp_w, disp_h), interpolation=cv2.INTER_NEAREST).astype(np.float32)
        shown = 255.0 * (shown / 255.0) ** o.gamma
        shown = shown * _subpixel_grid(disp_h, disp_w, o.pixel_pitch) * 1.35
        panel = np.full((disp_h + 2 * o.bezel_px, disp_w + 2 * o.bezel_px, 3), 18.0, np.float32)
        panel[o.bezel_px:o.bezel_px + disp_h, o.bezel_px:o.bezel_px + disp_w] = shown
        ph, pw = panel.shape[:2]
        x0, y0 = (W - pw) / 2, (H - ph) / 2
        shake = rng.normal(0, o.shake_px, size=2)
        src_pts = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], dtype=np.float32)
        dst_pts = np.array([[x0 + tilt[0], y0], [x0 + pw + tilt[1], y0 + tilt[2] * 0.3],
                            [x0 + pw - tilt[1] * 0.5, y0 + ph], [x0 - tilt[3] * 0.5, y0 + ph]], dtype=np.float32)
        dst_pts = dst_pts + shake.astype(np.float32)
        m = cv2.getPerspectiveTransform(src_pts, dst_pts.astype(np.float32))
        warped = cv2.warpPerspective(panel, m, (W, H), flags=cv2.INTER_LINEAR, borderValue=(-1, -1, -1))
        inside = warped[:, :, 0] >= 0
        out = np.where(inside[:, :, None], warped, room) + glare[:, :, None] * inside[:, :, None]
        out = cv2.GaussianBlur(out, (0, 0), 0.6) + rng.normal(0, o.noise, size=out.shape)
        yield np.clip(out, 0, 255).astype(np.uint8)


def printed_photo(image: np.ndarray, n_frames: int, *, width: int = 640, height: int = 480, seed: int = 0,
                  dot_pitch: float = 4.0) -> Iterator[np.ndarray]:
    """A still photo printed with a halftone and held up to the camera (slight hand motion)."""
    import cv2

    rng = _rng(seed)
    ph = int(height * 0.8)
    pw = int(round(ph * image.shape[1] / image.shape[0]))
    if pw > int(width * 0.85):
        pw = int(width * 0.85)
        ph = int(round(pw * image.shape[0] / image.shape[1]))
    photo = cv2.resize(image, (pw, ph), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    photo = 0.12 + 0.78 * photo  # paper white and ink black: reduced dynamic range
    yy, xx = np.mgrid[0:ph, 0:pw].astype(np.float32)
    dots = 0.5 + 0.5 * np.cos(2 * np.pi * xx / dot_pitch) * np.cos(2 * np.pi * yy / dot_pitch)
    photo = photo * (0.85 + 0.15 * dots[:, :, None])
    paper = np.full((ph + 24, pw + 24, 3), 0.93, np.float32)
    paper[12:12 + ph, 12:12 + pw] = photo
    paper = (paper * 255).astype(np.float32)
    room = _room(height, width, rng)
    for i in range(n_frames):
        a = 2 * np.pi * i / max(12, n_frames)
        ang = 2.0 * np.sin(a) + rng.normal(0, 0.3)
        dx, dy = 6 * np.sin(1.3 * a) + rng.normal(0, 0.8), 4 * np.sin(0.9 * a) + rng.normal(0, 0.8)
        m = np.asarray(cv2.getRotationMatrix2D((paper.shape[1] / 2, paper.shape[0] / 2), ang, 1.0), np.float64)
        m[:, 2] += ((width - paper.shape[1]) / 2 + dx, (height - paper.shape[0]) / 2 + dy)
        warped = cv2.warpAffine(paper, m, (width, height), flags=cv2.INTER_LINEAR, borderValue=(-1, -1, -1))
        inside = warped[:, :, 0] >= 0
        out = np.where(inside[:, :, None], warped, room)
        out = cv2.GaussianBlur(out, (0, 0), 0.8) + rng.normal(0, 2.5, size=out.shape)
        yield np.clip(out, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- face swap
def _landmarks(detector, bgr: np.ndarray) -> np.ndarray | None:
    faces = [f for f in detector.detect(np.ascontiguousarray(bgr[:, :, ::-1])) if f.landmarks is not None]
    if not faces:
        return None
    best = max(faces, key=lambda f: f.bbox[2] * f.bbox[3])
    return best.landmarks[:, :2].astype(np.float32)


def _triangles(points: np.ndarray, w: int, h: int) -> list[tuple[int, int, int]]:
    import cv2

    subdiv = cv2.Subdiv2D((-w, -h, 3 * w, 3 * h))
    index: dict[tuple[float, float], int] = {}
    for k, (x, y) in enumerate(points):
        key = (float(x), float(y))
        if key in index:
            continue
        index[key] = k
        subdiv.insert(key)
    tris: list[tuple[int, int, int]] = []
    for t in subdiv.getTriangleList():
        pts = [(float(t[0]), float(t[1])), (float(t[2]), float(t[3])), (float(t[4]), float(t[5]))]
        if all(p in index for p in pts):
            tris.append((index[pts[0]], index[pts[1]], index[pts[2]]))
    return tris


def _warp_triangle(src: np.ndarray, dst: np.ndarray, t_src: np.ndarray, t_dst: np.ndarray) -> None:
    import cv2

    r1 = cv2.boundingRect(t_src.astype(np.float32))
    r2 = cv2.boundingRect(t_dst.astype(np.float32))
    if r1[2] <= 0 or r1[3] <= 0 or r2[2] <= 0 or r2[3] <= 0:
        return
    t1: np.ndarray = t_src - np.array([r1[0], r1[1]], dtype=np.float32)
    t2: np.ndarray = t_dst - np.array([r2[0], r2[1]], dtype=np.float32)
    patch = src[r1[1]:r1[1] + r1[3], r1[0]:r1[0] + r1[2]]
    if patch.size == 0:
        return
    m = cv2.getAffineTransform(t1.astype(np.float32), t2.astype(np.float32))
    warped = cv2.warpAffine(patch, m, (r2[2], r2[3]), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    mask = np.zeros((r2[3], r2[2]), np.float32)
    cv2.fillConvexPoly(mask, np.round(t2).astype(np.int32), 1.0,  # type: ignore[call-overload]  # opencv's stubs type color as a Sequence; a number is accepted
                       lineType=cv2.LINE_AA)
    y0, x0 = r2[1], r2[0]
    y1, x1 = min(dst.shape[0], y0 + r2[3]), min(dst.shape[1], x0 + r2[2])
    if y0 < 0 or x0 < 0 or y1 <= y0 or x1 <= x0:
        return
    mask = mask[: y1 - y0, : x1 - x0, None]
    region = dst[y0:y1, x0:x1]
    region[:] = region * (1 - mask) + warped[: y1 - y0, : x1 - x0] * mask


def _match_colour(src: np.ndarray, ref: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Reinhard colour transfer in Lab inside ``mask`` (what face-swap tools call "rct")."""
    import cv2

    s = cv2.cvtColor(np.clip(src, 0, 255).astype(np.uint8), cv2.COLOR_BGR2LAB).astype(np.float32)
    r = cv2.cvtColor(ref, cv2.COLOR_BGR2LAB).astype(np.float32)
    m = mask > 0
    if m.sum() < 20:
        return src
    for c in range(3):
        sm, ss = s[..., c][m].mean(), s[..., c][m].std() + 1e-6
        rm, rs = r[..., c][m].mean(), r[..., c][m].std() + 1e-6
        s[..., c] = (s[..., c] - sm) * (rs / ss) + rm
    return cv2.cvtColor(np.clip(s, 0, 255).astype(np.uint8), cv2.COLOR_LAB2BGR)


class FaceSwapper:
    """Swaps one donor face onto target frames (landmarks from MediaPipe's face mesh)."""

    def __init__(self, donor_bgr: np.ndarray, *, clone: str = "normal") -> None:
        from .detect import MediapipeDetector

        self._still = MediapipeDetector(video=False, max_faces=1)
        self._video = MediapipeDetector(video=True, max_faces=1)
        donor_pts = _landmarks(self._still, donor_bgr)
        if donor_pts is None:
            raise ValueError("no face found in the donor image")
        self.donor = donor_bgr
        self.donor_pts = donor_pts[list(SWAP_POINTS)]
        self.clone = clone
        self._tris: list[tuple[int, int, int]] | None = None

    def swap(self, target: np.ndarray) -> np.ndarray | None:
        """The target frame with the donor's face, or None when no face is found in it."""
        import cv2

        pts = _landmarks(self._video, target)
        if pts is None:
            return None
        h, w = target.shape[:2]
        t_pts = pts[list(SWAP_POINTS)]
        if self._tris is None:  # triangulated on the donor (a frontal still): no flipped triangles
            dh, dw = self.donor.shape[:2]
            self._tris = _triangles(self.donor_pts, dw, dh)
        canvas = target.astype(np.float32).copy()
        for a, b, c in self._tris:
            _warp_triangle(self.donor.astype(np.float32), canvas, self.donor_pts[[a, b, c]], t_pts[[a, b, c]])
        mask: np.ndarray = np.zeros((h, w), np.uint8)
        hull = cv2.convexHull(np.round(pts[list(SWAP_MASK_POINTS)]).astype(np.int32))
        cv2.fillConvexPoly(mask, hull, 255)  # type: ignore[call-overload]  # opencv's stubs type color as a Sequence; a number is accepted
        mask = cv2.erode(mask, np.ones((3, 3), np.uint8), iterations=max(1, int(0.01 * w)))
        if mask.sum() == 0:
            return None
        warped = _match_colour(canvas, target, mask)
        x, y, bw, bh = cv2.boundingRect(mask)
        centre = (x + bw // 2, y + bh // 2)
        flags = cv2.NORMAL_CLONE if self.clone == "normal" else cv2.MIXED_CLONE
        try:
            return cv2.seamlessClone(warped, target, mask, centre, flags)
        except cv2.error:
            return None

    def close(self) -> None:
        self._still.close()
        self._video.close()


def face_swap(targets: Sequence[np.ndarray], donor_bgr: np.ndarray, **kw) -> list[np.ndarray]:
    """Swap ``donor_bgr``'s face onto every target frame; frames without a face are kept as-is."""
    swapper = FaceSwapper(donor_bgr, **kw)
    try:
        out = []
        for t in targets:
            s = swapper.swap(t)
            out.append(t if s is None else s)
        return out
    finally:
        swapper.close()


def lag_frames(frames: Sequence[np.ndarray], lag: int) -> list[np.ndarray]:
    """The video stream delayed by ``lag`` frames (a lagging virtual camera; for lip-sync tests)."""
    if lag <= 0:
        return list(frames)
    return [frames[0]] * lag + list(frames[:-lag])
