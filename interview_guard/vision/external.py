"""A user-supplied ONNX deepfake frame classifier (``deepfake.external_model``).

No registry package ships a pretrained face-swap video classifier, so the tool leaves a slot
for one. Set ``[liveness] external_model = "/path/model.onnx"`` (or the model override
``external-deepfake``). The session is created through ``runtime/onnx.py`` like every model.

Input spec (what the model must accept):

* one input, float32, NCHW: (batch or 1, 3, H, W), **RGB**, values **0..1**;
* H, W are read from the model's declared input shape; a dynamic size means 224 x 224;
* the tool feeds a square crop around the largest face (1.3 x its box, black outside the frame),
  resized to H x W; frames without a face are not classified.

Output spec: the first output is the **probability that the frame is fake**: shape (N,), (N, 1)
-> that value; shape (N, 2) -> column 1 (softmax applied when the row does not already sum to 1).
Values outside 0..1 are treated as logits (sigmoid).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .liveness import crop_square

MODEL_NAME = "external-deepfake"
DEFAULT_SIZE = 224
CROP_SCALE = 1.3


def _dim(v) -> int | None:
    return int(v) if isinstance(v, (int, np.integer)) and int(v) > 0 else None


class ExternalClassifier:
    """Wraps the user's session; validates its input spec once."""

    def __init__(self, session) -> None:
        self.session = session
        inputs = session.get_inputs()
        if len(inputs) < 1:
            raise ValueError("the external deepfake model has no inputs")
        inp = inputs[0]
        shape = list(inp.shape) if inp.shape is not None else []
        if len(shape) != 4:
            raise ValueError(f"the external deepfake model must take NCHW input (4 dims), got shape {shape}")
        channels = _dim(shape[1])
        if channels not in (None, 3):
            raise ValueError(f"the external deepfake model must take 3 channels (RGB) in dim 1, got {shape[1]}")
        if getattr(inp, "type", "tensor(float)") not in ("tensor(float)",):
            raise ValueError(f"the external deepfake model must take float32 input, got {inp.type}")
        self.input_name = inp.name
        self.height = _dim(shape[2]) or DEFAULT_SIZE
        self.width = _dim(shape[3]) or DEFAULT_SIZE

    def prepare(self, crop_bgr: np.ndarray) -> np.ndarray:
        import cv2

        img = cv2.resize(crop_bgr, (self.width, self.height), interpolation=cv2.INTER_AREA)
        return np.ascontiguousarray((img[:, :, ::-1].astype(np.float32) / 255.0).transpose(2, 0, 1)[None])

    def probability(self, bgr: np.ndarray, bbox) -> float:
        x = self.prepare(crop_square(bgr, bbox, CROP_SCALE))
        out = np.asarray(self.session.run(None, {self.input_name: x})[0], np.float64)
        return fake_probability(out)


def fake_probability(out: np.ndarray) -> float:
    """Read the first output per the spec above (batch of 1)."""
    a = np.asarray(out, np.float64)
    if a.ndim == 0:
        v = float(a)
    else:
        row = a.reshape(a.shape[0], -1)[0] if a.ndim > 1 else a
        if row.size == 1:
            v = float(row[0])
        elif row.size == 2:
            if np.all(row >= 0) and abs(row.sum() - 1.0) < 1e-3:
                return float(row[1])
            e = np.exp(row - row.max())
            return float(e[1] / e.sum())
        else:
            raise ValueError("the external deepfake model's first output must hold 1 or 2 values per frame, "
                             f"got {row.size}")
    if not np.isfinite(v):
        raise ValueError("the external deepfake model returned a non-finite value")
    if 0.0 <= v <= 1.0:
        return v
    return float(1.0 / (1.0 + np.exp(-v)))


@dataclass(frozen=True)
class ExternalFrame:
    t: float
    probability: float
    thumbnail: bytes | None = None


@dataclass(frozen=True)
class ExternalScores:
    """Value of the ``external_model_scores`` feature."""

    model_path: str
    frames: tuple[ExternalFrame, ...]
    threshold: float
    input_size: tuple[int, int]

    @property
    def fake_share(self) -> float:
        return float(np.mean([f.probability >= self.threshold for f in self.frames])) if self.frames else 0.0

    @property
    def median(self) -> float | None:
        return float(np.median([f.probability for f in self.frames])) if self.frames else None
