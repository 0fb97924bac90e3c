"""Small pure helpers shared across families (no heavy imports)."""
from __future__ import annotations

import base64
from typing import Any, Iterable


def smoothstep(lo: float, hi: float, x: float) -> float:
    """0 at ``lo``, 1 at ``hi`` (either order), a smooth cubic ramp between."""
    if hi == lo:
        return float(x >= hi)
    t = min(1.0, max(0.0, (x - lo) / (hi - lo)))
    return t * t * (3.0 - 2.0 * t)


def data_uri(jpeg: bytes | None) -> str | None:
    """A JPEG as a ``data:`` URI for self-contained reports (None for no image)."""
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii") if jpeg else None


def float4(values: Iterable[Any]) -> tuple[float, float, float, float]:
    """A box (x, y, w, h) as four floats; raises ValueError when it does not hold exactly four values."""
    a, b, c, d = (float(v) for v in values)
    return a, b, c, d
