"""Per-face quality: size, blur, head pose from landmarks, occlusion -> one usability score.

Quality never raises a flag by itself: the checks use it to weight identity evidence and
to lower confidence on poor footage (tiny, blurry, turned or half-hidden faces).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..util import smoothstep  # also imported from here by callers
from .records import FaceQuality

# Face-mesh landmark indices (MediaPipe canonical mesh).
MESH_FOREHEAD, MESH_CHIN = 10, 152
MESH_CHEEK_RIGHT, MESH_CHEEK_LEFT = 234, 454  # image-left / image-right face edge
MESH_NOSE_TIP = 1
MESH_IRIS_A, MESH_IRIS_B = 468, 473
MESH_MOUTH_A, MESH_MOUTH_B = 61, 291


@dataclass(frozen=True)
class QualityOptions:
    min_face_px: float = 40.0  # below this a face is "small"; half of it is unusable
    blur_low: float = 15.0  # Laplacian variance on the aligned crop: at or below = fully blurry
    blur_high: float = 120.0  # at or above = sharp
    yaw_ok: float = 30.0  # degrees: fully usable up to here
    yaw_max: float = 65.0  # degrees: no identity evidence beyond
    min_score: float = 0.2  # usable when the combined score reaches this


def pose_from_mesh(landmarks: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees from 3-D mesh landmarks in pixels.

    Builds the head's axes from the face edges (x) and forehead -> chin (y); the face normal
    gives yaw and pitch, the x axis gives roll. Mesh z is in the same scale as x.
    """
    p = np.asarray(landmarks, dtype=np.float64)
    x_axis = p[MESH_CHEEK_LEFT] - p[MESH_CHEEK_RIGHT]
    y_raw = p[MESH_CHIN] - p[MESH_FOREHEAD]
    nx = np.linalg.norm(x_axis)
    if nx < 1e-6 or np.linalg.norm(y_raw) < 1e-6:
        return 0.0, 0.0, 0.0
    x_axis /= nx
    y_axis = y_raw - np.dot(y_raw, x_axis) * x_axis
    y_axis /= max(np.linalg.norm(y_axis), 1e-9)
    normal = -np.cross(x_axis, y_axis)  # points from the face towards the camera (-z)
    yaw = math.degrees(math.atan2(normal[0], -normal[2]))
    pitch = math.degrees(math.atan2(-normal[1], -normal[2]))
    roll = math.degrees(math.atan2(x_axis[1], x_axis[0]))
    return yaw, pitch, roll


def pose_from_keypoints(kps: np.ndarray) -> tuple[float, float, float]:
    """Rough (yaw, pitch, roll) from the 5 alignment points (when no mesh ran)."""
    k = np.asarray(kps, dtype=np.float64)
    eye_l, eye_r, nose, mouth_l, mouth_r = k
    d = eye_r - eye_l
    eye_dist = float(np.hypot(*d))
    if eye_dist < 1e-6:
        return 0.0, 0.0, 0.0
    roll = math.degrees(math.atan2(d[1], d[0]))
    # rotate into the eye frame, then read the nose offset
    c, s = d / eye_dist
    rot = np.array([[c, s], [-s, c]])
    eye_mid = (eye_l + eye_r) / 2.0
    mouth_mid = (mouth_l + mouth_r) / 2.0
    n = rot @ (nose - eye_mid)
    m = rot @ (mouth_mid - eye_mid)
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, 1.6 * n[0] / eye_dist))))
    # frontal: the nose tip sits ~55 % of the way from the eye line to the mouth
    rel = n[1] / m[1] if abs(m[1]) > 1e-6 else 0.55
    pitch = float(np.clip((0.55 - rel) * 150.0, -90.0, 90.0))
    return yaw, pitch, roll


def laplacian_variance(crop_bgr: np.ndarray) -> float:
    import cv2

    grey = cv2.cvtColor(crop_bgr, cv2.COLOR_BGR2GRAY) if crop_bgr.ndim == 3 else crop_bgr
    # the centre of the aligned crop is face; its corners may be padding
    h, w = grey.shape[:2]
    inner = grey[h // 8: h - h // 8, w // 8: w - w // 8]
    return float(cv2.Laplacian(inner, cv2.CV_64F).var())


def outside_fraction(points: np.ndarray, width: int, height: int) -> float:
    """Share of landmark points that fall outside the image (a face cut by the frame edge)."""
    pts = np.asarray(points)[:, :2]
    if pts.size == 0:
        return 0.0
    out = (pts[:, 0] < 0) | (pts[:, 0] >= width) | (pts[:, 1] < 0) | (pts[:, 1] >= height)
    return float(out.mean())


def occlusion_estimate(*, outside: float, detector_score: float | None) -> float:
    """0..1: the face is cut by the frame edge, or the detector barely sees what the mesh tracks.

    A detector's confidence drops when part of the face is hidden (hand, phone, mask) while the
    mesh tracker keeps the face; that gap is the cue here.
    """
    hidden = 0.3 if detector_score is None else smoothstep(0.0, 1.0, (0.8 - detector_score) / 0.5)
    return float(min(1.0, max(outside * 1.5, hidden)))


def assess(*, bbox: tuple[float, float, float, float], keypoints: np.ndarray, crop: np.ndarray | None,
           landmarks: np.ndarray | None, detector_score: float | None, width: int, height: int,
           options: QualityOptions = QualityOptions()) -> FaceQuality:
    """Combine size, sharpness, pose and occlusion into a FaceQuality."""
    size = float(min(bbox[2], bbox[3]))
    interocular = float(np.hypot(*(keypoints[1] - keypoints[0])))
    blur = laplacian_variance(crop) if crop is not None else 0.0
    if landmarks is not None and len(landmarks) >= 468:
        yaw, pitch, roll = pose_from_mesh(landmarks)
        outside = outside_fraction(landmarks, width, height)
    else:
        yaw, pitch, roll = pose_from_keypoints(keypoints)
        outside = outside_fraction(_bbox_corners(bbox), width, height)
    occlusion = occlusion_estimate(outside=outside, detector_score=detector_score)

    s_size = smoothstep(options.min_face_px * 0.5, options.min_face_px * 1.5, size)
    s_blur = 0.25 + 0.75 * smoothstep(options.blur_low, options.blur_high, blur)  # blur alone never zeroes
    turn = max(abs(yaw), abs(pitch) * 1.2)
    s_pose = 1.0 - smoothstep(options.yaw_ok, options.yaw_max, turn)
    s_occ = 1.0 - occlusion
    score = float(s_size * s_blur * s_pose * s_occ)
    reasons = []
    if s_size < 0.5:
        reasons.append("small")
    if blur < (options.blur_low + options.blur_high) / 2:
        reasons.append("blurry")
    if s_pose < 0.5:
        reasons.append("turned")
    if occlusion >= 0.5:
        reasons.append("occluded")
    usable = score >= options.min_score and size >= options.min_face_px * 0.5
    return FaceQuality(size_px=size, interocular_px=interocular, blur=blur, yaw=float(yaw), pitch=float(pitch),
                       roll=float(roll), occlusion=occlusion, score=score, usable=bool(usable),
                       reasons=tuple(reasons))


def _bbox_corners(bbox: tuple[float, float, float, float]) -> np.ndarray:
    x, y, w, h = bbox
    return np.array([[x, y], [x + w, y], [x, y + h], [x + w, y + h]], dtype=np.float32)
