"""Small helpers shared by several rooms (checks, vision). Pure functions, no heavy imports."""
from __future__ import annotations

import base64
from typing import Any, Iterable

__all__ = ["data_uri", "float4", "smoothstep"]


def smoothstep(lo: float, hi: float, x: float) -> float:
    """0 at ``lo``, 1 at ``hi`` (either order: ``lo > hi`` gives a falling ramp), smooth in between.

    ``lo == hi`` is a step: 1.0 at or above ``hi``, else 0.0.
    """
    if hi == lo:
        return float(x >= hi)
    t = min(1.0, max(0.0, (x - lo) / (hi - lo)))
    return t * t * (3.0 - 2.0 * t)


def data_uri(jpeg: bytes | None) -> str | None:
    """A ``data:image/jpeg;base64,...`` URI for report evidence, or None when there is no image."""
    if not jpeg:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def float4(values: Iterable[Any]) -> tuple[float, float, float, float]:
    """A box (x, y, w, h) as four floats; raises ValueError when it does not hold exactly four values."""
    a, b, c, d = (float(v) for v in values)
    return a, b, c, d
