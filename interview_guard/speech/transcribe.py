"""Standalone transcription (``interview-guard transcribe``): same VAD and windowed ASR as the
pipeline, streamed from the file chunk by chunk."""
from __future__ import annotations

import logging
from pathlib import Path

from ..config import AnalyzerConfig
from ..types import AudioChunk, Transcript
from .asr import AsrResult, AsrStream, asr_options, open_model
from .vad import VadStream, vad_options

logger = logging.getLogger(__name__)


def transcribe_result(path: str | Path, config: AnalyzerConfig | None = None, *, models=None,
                      runtime=None) -> AsrResult:
    """Transcribe one recording; returns the transcript with per-window languages and guard stats."""
    import numpy as np

    from .. import media
    from ..runtime.models import ModelStore
    from ..runtime.onnx import OnnxRuntime

    cfg = config or AnalyzerConfig()
    models = models or ModelStore(cfg.models_dir, overrides=cfg.model_overrides)
    own_runtime = runtime is None
    runtime = runtime or OnnxRuntime(cfg.device, threads=cfg.threads)
    try:
        info = media.probe(path, cfg.media)
        if not info.has_audio:
            from ..errors import InputError

            raise InputError(f"media file {path}: has no audio stream")
        vad = VadStream(runtime.session("silero-vad", models.path("silero-vad")), vad_options(cfg.speech))
        model, name, _ = open_model(cfg.speech, cfg.device, cfg.threads, models.path)
        asr = AsrStream(model, asr_options(cfg.speech), model_name=name)
        end_t = 0.0
        for chunk in media.iter_audio(info.path, cfg.media):
            asr.add(chunk, vad.add(chunk))
            end_t = chunk.t + chunk.duration
        asr.add(AudioChunk(t=end_t, samples=np.zeros(0, np.float32)), vad.flush())
        return asr.finish()
    finally:
        if own_runtime:
            runtime.close()


def transcribe(path: str | Path, config: AnalyzerConfig | None = None, **kw) -> Transcript:
    """``transcribe(path) -> Transcript`` (language, segments with words and timestamps)."""
    return transcribe_result(path, config, **kw).transcript
