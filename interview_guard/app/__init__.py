"""The Gradio app. Thin: builds CaseInputs from uploads, calls the Analyzer, renders the report.

    from interview_guard.app import build_app, launch_app
    launch_app(AnalyzerConfig())          # 127.0.0.1:7860, no share link, optional login

Names are imported lazily: importing gradio takes seconds, ``import interview_guard`` must not.
"""
from __future__ import annotations

from typing import Any

__all__ = ["build_app", "launch_app", "parse_auth", "AnalyzerHost"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import ui

        return getattr(ui, name)
    raise AttributeError(f"module 'interview_guard.app' has no attribute {name!r}")
