"""5-point similarity alignment to the 112x112 ArcFace / SFace template."""
from __future__ import annotations

import numpy as np

CROP_SIZE = 112

# Destination points used by OpenCV's FaceRecognizerSF.alignCrop (ArcFace template).
TEMPLATE_112 = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                         [41.5493, 92.3655], [70.7299, 92.2041]], dtype=np.float64)


def similarity_transform(src: np.ndarray, dst: np.ndarray = TEMPLATE_112) -> np.ndarray:
    """Least-squares similarity (rotation, uniform scale, translation) mapping src -> dst.

    Umeyama's closed form; returns the 2x3 matrix for ``cv2.warpAffine``.
    """
    src = np.asarray(src, dtype=np.float64).reshape(-1, 2)
    dst = np.asarray(dst, dtype=np.float64).reshape(-1, 2)
    if src.shape != dst.shape or src.shape[0] < 2:
        raise ValueError(f"need matching point sets of at least 2 points, got {src.shape} and {dst.shape}")
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s_c, d_c = src - mu_s, dst - mu_d
    var_s = (s_c ** 2).sum() / len(src)
    if var_s < 1e-12:
        raise ValueError("alignment points are all at the same place")
    cov = d_c.T @ s_c / len(src)
    u, sig, vt = np.linalg.svd(cov)
    d = np.ones(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:  # no reflections
        d[-1] = -1
    rot = u @ np.diag(d) @ vt
    scale = float((sig * d).sum() / var_s)
    m = np.zeros((2, 3), dtype=np.float64)
    m[:, :2] = scale * rot
    m[:, 2] = mu_d - scale * rot @ mu_s
    return m


def align_face(image: np.ndarray, keypoints: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """Warp ``image`` (H, W, 3) so the 5 keypoints land on the template; returns (size, size, 3)."""
    import cv2

    dst = TEMPLATE_112 * (size / float(CROP_SIZE))
    m = similarity_transform(keypoints, dst)
    return cv2.warpAffine(image, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def order_keypoints(eyes: np.ndarray, nose: np.ndarray, mouth: np.ndarray) -> np.ndarray:
    """Build the (5, 2) array in template order from two eyes, the nose tip and two mouth corners,
    sorting each pair by x so mirrored or mislabelled inputs still align upright."""
    eyes = np.asarray(eyes, dtype=np.float32).reshape(2, 2)
    mouth = np.asarray(mouth, dtype=np.float32).reshape(2, 2)
    eyes = eyes[np.argsort(eyes[:, 0])]
    mouth = mouth[np.argsort(mouth[:, 0])]
    return np.vstack([eyes, np.asarray(nose, dtype=np.float32).reshape(1, 2), mouth]).astype(np.float32)
