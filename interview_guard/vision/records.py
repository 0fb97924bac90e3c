"""Typed per-frame and per-case face results.

``Face`` is the rich per-frame record (landmarks, aligned crop, embedding) that the ``faces``
video feature returns for each sampled frame, so later extractors (liveness, deepfake) reuse
it instead of detecting again. ``FaceSample`` is the compact copy kept for the whole recording
(no landmarks, no crop) so memory stays bounded on long interviews.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:
    import numpy as np

# Order of the 5 alignment points, as in the ArcFace / SFace template: image-left eye,
# image-right eye, nose tip, image-left mouth corner, image-right mouth corner.
KEYPOINT_NAMES: tuple[str, ...] = ("eye_left", "eye_right", "nose", "mouth_left", "mouth_right")


@dataclass(frozen=True)
class FaceQuality:
    """How far a face can be trusted for identity. Angles in degrees; ``score`` in 0..1.

    ``yaw`` > 0: the face turns towards the image's right; ``pitch`` > 0: looking up;
    ``roll`` > 0: the head tilts clockwise in the image.
    """

    size_px: float  # min(bbox width, height)
    interocular_px: float
    blur: float  # variance of the Laplacian on the aligned 112x112 grey crop (higher = sharper)
    yaw: float
    pitch: float
    roll: float
    occlusion: float  # 0 = fully visible .. 1 = hidden / outside the frame
    score: float
    usable: bool
    reasons: tuple[str, ...] = ()  # why the score is low: small, blurry, turned, occluded

    def to_dict(self) -> dict:
        return {"size_px": round(self.size_px, 1), "interocular_px": round(self.interocular_px, 1),
                "blur": round(self.blur, 1), "yaw": round(self.yaw, 1), "pitch": round(self.pitch, 1),
                "roll": round(self.roll, 1), "occlusion": round(self.occlusion, 3),
                "score": round(self.score, 3), "usable": self.usable, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Face:
    """One face in one frame (or still image).

    ``bbox`` is (x, y, w, h) in pixels; ``keypoints`` (5, 2) pixels in :data:`KEYPOINT_NAMES`
    order; ``landmarks`` (478, 3) pixels from the face mesh with iris (z in the same pixel
    scale as x; smaller = closer), or None when only a detector ran; ``crop`` the aligned
    112x112 BGR uint8 crop; ``embedding`` the L2-normalised 128-d SFace vector.
    """

    t: float
    frame_index: int
    bbox: tuple[float, float, float, float]
    score: float  # detector confidence (0 when only the mesh tracker found it)
    detector: str  # "mediapipe", "mediapipe-mesh" (tracked only), "yunet"
    keypoints: "np.ndarray"
    quality: FaceQuality
    landmarks: "np.ndarray | None" = None
    crop: "np.ndarray | None" = None
    embedding: "np.ndarray | None" = None

    @property
    def area(self) -> float:
        return float(self.bbox[2] * self.bbox[3])

    @property
    def center(self) -> tuple[float, float]:
        x, y, w, h = self.bbox
        return (x + w / 2.0, y + h / 2.0)


@dataclass(frozen=True)
class FrameFaces:
    """The ``faces`` feature's per-frame result: every face found in one sampled frame."""

    index: int
    t: float
    width: int
    height: int
    faces: tuple[Face, ...] = ()

    @property
    def count(self) -> int:
        return len(self.faces)

    @property
    def usable(self) -> tuple[Face, ...]:
        return tuple(f for f in self.faces if f.quality.usable)

    @property
    def primary(self) -> Face | None:
        """The largest face (the person in front of the camera), or None."""
        return max(self.faces, key=lambda f: f.area, default=None)


@dataclass(frozen=True)
class FaceSample:
    """Compact copy of one face kept for the whole recording (no landmarks, no crop)."""

    t: float
    frame_index: int
    bbox: tuple[float, float, float, float]
    score: float
    quality: FaceQuality
    embedding: "np.ndarray | None"
    primary: bool  # the largest face of its frame
    thumbnail: int | None = None  # key into FaceTimeline.thumbnails


@dataclass(frozen=True)
class FrameSummary:
    index: int
    t: float
    n_faces: int
    n_usable: int


@dataclass(frozen=True)
class FaceTimeline:
    """Value of the ``faces`` feature once the stream has ended."""

    frames: tuple[FrameSummary, ...]
    samples: tuple[FaceSample, ...]
    thumbnails: Mapping[int, bytes] = field(default_factory=dict)  # JPEG of aligned crops
    frame_thumbnails: Mapping[int, bytes] = field(default_factory=dict)  # frame index -> JPEG
    sample_fps: float = 0.0
    width: int = 0
    height: int = 0
    detector: str = "mediapipe"

    @property
    def duration_s(self) -> float:
        if not self.frames:
            return 0.0
        step = 1.0 / self.sample_fps if self.sample_fps > 0 else 0.0
        return self.frames[-1].t - self.frames[0].t + step

    @property
    def max_faces(self) -> int:
        return max((f.n_faces for f in self.frames), default=0)


@dataclass(frozen=True)
class Identity:
    """One person found by clustering the face embeddings of a recording."""

    id: int
    n_samples: int
    seconds: float  # time this identity is on screen (samples / sample rate)
    primary_seconds: float  # time it is the largest face
    first_t: float
    last_t: float
    centroid: "np.ndarray"  # quality-weighted mean embedding, L2-normalised
    mean_quality: float
    cohesion: float  # mean cosine similarity of its samples to the centroid
    thumbnail: bytes | None = None  # JPEG


@dataclass(frozen=True)
class IdentitySegment:
    identity: int
    t_start: float
    t_end: float


@dataclass(frozen=True)
class IdentitySwitch:
    t: float  # seconds: midway between the last sample of one and the first of the next
    from_identity: int
    to_identity: int
    similarity: float  # cosine similarity of the two identities' centroids


@dataclass(frozen=True)
class FaceTracks:
    """Value of the ``face_tracks`` feature: identities, who is in front of the camera when."""

    identities: tuple[Identity, ...]
    segments: tuple[IdentitySegment, ...]  # primary face identity over time
    switches: tuple[IdentitySwitch, ...]
    labels: tuple[int, ...]  # per FaceTimeline.samples: identity id, -1 = unassigned
    minor: tuple[Identity, ...] = ()  # clusters too brief / low quality to count as a person
    usable_samples: int = 0
    confidence: float = 0.0  # how much the identity count can be trusted

    def identity(self, identity_id: int) -> Identity | None:
        return next((i for i in self.identities if i.id == identity_id), None)

    @property
    def main(self) -> Identity | None:
        """The identity that is longest the primary face."""
        return max(self.identities, key=lambda i: i.primary_seconds, default=None)


@dataclass(frozen=True)
class StillFace:
    """The largest face of a still image (ID document, photo) and how many faces it has."""

    path: str
    face: Face
    n_faces: int
    width: int
    height: int
