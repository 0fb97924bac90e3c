"""SFace face embeddings through ONNX Runtime (sessions come from runtime/onnx.py only).

The model takes an aligned 112x112 crop as RGB float32 0..255, NCHW, input ``data``,
output ``fc1`` (128-d). The shipped graph has a fixed batch of 1; a model with a free
batch dimension (a user override) is run in real batches.
"""
from __future__ import annotations

import logging
from typing import Sequence

import numpy as np

from ..errors import ModelError
from ..runtime.onnx import SessionLike

logger = logging.getLogger(__name__)

SFACE_INPUT = "data"
SFACE_OUTPUT = "fc1"


def preprocess(crops_bgr: Sequence[np.ndarray]) -> np.ndarray:
    """Aligned BGR uint8 crops (112, 112, 3) -> float32 RGB NCHW batch, values 0..255."""
    if not len(crops_bgr):
        return np.zeros((0, 3, 112, 112), dtype=np.float32)
    batch = np.stack([np.asarray(c) for c in crops_bgr])
    if batch.ndim != 4 or batch.shape[1:] != (112, 112, 3):
        raise ValueError(f"SFace needs aligned 112x112x3 crops, got {batch.shape[1:]}")
    return np.ascontiguousarray(batch[..., ::-1].transpose(0, 3, 1, 2), dtype=np.float32)


def l2_normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors (normalises both)."""
    return float(np.dot(l2_normalize(a).ravel(), l2_normalize(b).ravel()))


class FaceEmbedder:
    """Turns aligned crops into L2-normalised embeddings with a (fake or real) ORT session."""

    def __init__(self, session: SessionLike, batch_size: int = 16) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.session = session
        inputs = session.get_inputs()
        outputs = session.get_outputs()
        names = [i.name for i in inputs]
        if SFACE_INPUT not in names:
            raise ModelError(f"face embedding model has inputs {names}, expected '{SFACE_INPUT}'",
                             fix="interview-guard models verify sface")
        self.input_name = SFACE_INPUT
        out_names = [o.name for o in outputs]
        self.output_name = SFACE_OUTPUT if SFACE_OUTPUT in out_names else out_names[0]
        shape = next(i.shape for i in inputs if i.name == SFACE_INPUT)
        fixed = shape[0] if shape and isinstance(shape[0], int) else None
        self.batch_size = 1 if fixed == 1 else (min(batch_size, fixed) if fixed else batch_size)

    def embed(self, crops_bgr: Sequence[np.ndarray]) -> np.ndarray:
        """(N, 112, 112, 3) BGR crops -> (N, D) float32 unit vectors."""
        batch = preprocess(crops_bgr)
        if batch.shape[0] == 0:
            return np.zeros((0, 128), dtype=np.float32)
        out = []
        for start in range(0, batch.shape[0], self.batch_size):
            part = batch[start:start + self.batch_size]
            res = self.session.run([self.output_name], {self.input_name: part})[0]
            res = np.asarray(res, dtype=np.float32).reshape(part.shape[0], -1)
            out.append(res)
        emb = np.concatenate(out, axis=0)
        if not np.all(np.isfinite(emb)):
            raise ModelError("face embedding model returned NaN / inf", fix="interview-guard models verify sface")
        return l2_normalize(emb)
