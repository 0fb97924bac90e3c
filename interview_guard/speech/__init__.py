"""Speech: Silero VAD, faster-whisper ASR with hallucination guards, spoken language, fluency
(only as consistency with the candidate's own claim), speaker embeddings and answer timing.

``transcribe(path, config=None) -> Transcript`` is the standalone entry point; the pipeline uses
the stream extractors registered in :mod:`interview_guard.speech.features`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .transcribe import transcribe, transcribe_result

__all__ = ["transcribe", "transcribe_result"]


def __getattr__(name: str):
    if name in __all__:
        from . import transcribe as _t

        return getattr(_t, name)
    raise AttributeError(name)
