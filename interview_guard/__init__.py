"""interview_guard: candidate identity-fraud signals for remote hiring.

Produces signals with evidence for a human reviewer; never a hire / no-hire verdict.
Public API (imported lazily so ``import interview_guard`` stays cheap)::

    from interview_guard import analyze, Analyzer, CaseInputs, RiskReport
"""
from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["analyze", "Analyzer", "AnalyzerConfig", "CaseInputs", "RiskReport", "Signal", "__version__"]

_LAZY = {
    "analyze": ("interview_guard.pipeline", "analyze"),
    "Analyzer": ("interview_guard.pipeline", "Analyzer"),
    "AnalyzerConfig": ("interview_guard.config", "AnalyzerConfig"),
    "CaseInputs": ("interview_guard.types", "CaseInputs"),
    "RiskReport": ("interview_guard.types", "RiskReport"),
    "Signal": ("interview_guard.types", "Signal"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        return getattr(importlib.import_module(mod), attr)
    raise AttributeError(f"module 'interview_guard' has no attribute {name!r}")
