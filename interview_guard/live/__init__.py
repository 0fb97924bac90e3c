"""Live mode: rolling identity-fraud indicators while an interview is streaming, then the full
analysis of what was captured (signals for a human reviewer; verification needed, never a verdict).

    from interview_guard.live import LiveOptions, open_live_session
    with open_live_session(analyzer, consent="...", options=LiveOptions(case_dir=Path("case"))) as s:
        s.push_frame(t, bgr); s.push_audio(t, pcm16k)
        s.snapshot()          # LiveSnapshot: indicators, level, follow-up questions, messages
        report = s.finish()   # RiskReport, stored and written like an ``analyze`` run

Sources (a file at real speed, RTMP / RTSP listeners) are in :mod:`interview_guard.live.sources`.
Heavy modules (PyAV, the models) load only when a session or source starts.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .options import CHALLENGES, Indicator, LiveOptions, LiveSnapshot, LiveTuning

if TYPE_CHECKING:
    from .session import LiveSession

__all__ = ["LiveOptions", "LiveTuning", "Indicator", "LiveSnapshot", "LiveSession", "open_live_session",
           "CHALLENGES"]


def open_live_session(analyzer, *, id_image: Path | str | None = None, candidate_id: str | None = None,
                      consent: str | None = None, options: LiveOptions | None = None) -> "LiveSession":
    """Start a :class:`LiveSession` on ``analyzer`` (its models, config, policy and store)."""
    from .session import LiveSession

    return LiveSession(analyzer, id_image=Path(id_image) if id_image else None, candidate_id=candidate_id,
                       consent=consent, options=options)


def __getattr__(name: str) -> Any:
    if name == "LiveSession":
        from .session import LiveSession

        return LiveSession
    raise AttributeError(name)
