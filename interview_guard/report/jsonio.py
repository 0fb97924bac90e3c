"""The report's JSON form: ``RiskReport.to_dict()`` made strictly JSON-safe.

Checks may leave numpy scalars or arrays, tuples, paths or NaN in ``Signal.details``;
they are converted here so the file is always valid JSON (NaN / infinity become null).
"""
from __future__ import annotations

import json
import math
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..types import RiskReport


def report_to_json(report: "RiskReport", indent: int | None = 2) -> str:
    """UTF-8-ready JSON text of the report (``indent=None`` for the compact form)."""
    return dumps(report.to_dict(), indent=indent)


def dumps(data: Any, indent: int | None = 2) -> str:
    return json.dumps(json_safe(data), ensure_ascii=False, indent=indent, allow_nan=False)


def json_safe(value: Any) -> Any:
    """A copy of ``value`` made of dict / list / str / int / float / bool / None only."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((json_safe(v) for v in value), key=repr)
    if isinstance(value, PurePath):
        return str(value)
    if hasattr(value, "to_dict"):
        return json_safe(value.to_dict())
    # numpy without importing it: scalars have .item(), arrays .tolist()
    if hasattr(value, "tolist") and hasattr(value, "dtype"):
        return json_safe(value.tolist())
    if hasattr(value, "item") and hasattr(value, "dtype"):
        return json_safe(value.item())
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if hasattr(value, "items"):
        return {str(k): json_safe(v) for k, v in value.items()}
    return str(value)
