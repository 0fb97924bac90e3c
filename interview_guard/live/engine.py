"""The live session's feature plumbing: which stream extractors run, built from the SAME
feature registry specs and :class:`FeatureEnv` as ``FeatureResolver.run_stream``, and fed one
frame / chunk at a time in dependency order.

Lanes (each on its own thread in the session):

* video: ``faces`` every analysed frame, ``screen_cues`` (self-throttled), ``blend_boundary`` on
  one frame per ``tuning.blend_every_s``, ``fas_scores`` only when ONNX Runtime runs on CUDA;
* audio: ``speech_activity`` (VAD) and ``speaker_windows``;
* asr: ``asr`` fed with the VAD's per-chunk result (Whisper never blocks the VAD or the faces);
* voice: ``synthetic_voice`` on bursts of audio every ``heavy_every_s``.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

from ..errors import InterviewGuardError
from ..features import FeatureEnv, FeatureSpec, FeatureUnavailable

logger = logging.getLogger(__name__)

VIDEO_FEATURES = ("faces", "screen_cues", "blend_boundary", "fas_scores")
AUDIO_FEATURES = ("speech_activity", "speaker_windows")
LANES = {"video": VIDEO_FEATURES, "audio": AUDIO_FEATURES, "asr": ("asr",), "voice": ("synthetic_voice",)}
VOICE_BURST_S = 4.5  # one AASIST window (~4 s of speech) per heavy_every_s
FAS_CPU_NOTE = "the anti-spoofing model needs a GPU (13-20 s per call on CPU); it runs on the final report"


def live_config(config, sample_fps: float):
    """The analyzer's config with the live sampling rate (the extractors read it from there)."""
    return replace(config, media=replace(config.media, sample_fps=float(sample_fps)))


def on_cuda(runtime) -> bool:
    return any("CUDA" in str(p) for p in getattr(runtime, "providers", ()) or ())


@dataclass
class Lane:
    """The extractors of one lane, built in dependency order; failures are kept as reasons."""

    name: str
    specs: Mapping[str, FeatureSpec]
    env: FeatureEnv
    wanted: tuple[str, ...]
    extractors: dict[str, Any] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def build(self, skip: Mapping[str, str] | None = None,
              tune: Callable[[str, Any], None] | None = None) -> None:
        for name in self.wanted:
            if skip and name in skip:
                self.failures[name] = skip[name]
                continue
            spec = self.specs.get(name)
            if spec is None:
                self.failures[name] = f"no extractor provides {name}"
                continue
            local = [d for d in spec.depends if d in self.wanted]
            broken = [d for d in local if d not in self.extractors]
            if broken:
                self.failures[name] = f"needs {broken[0]}: {self.failures.get(broken[0], 'not running')}"
                continue
            if spec.build is None:  # only stream (video / audio) features reach a lane
                self.failures[name] = f"{name} is not a stream feature"
                continue
            try:
                ex = spec.build(self.env)
                if tune is not None:
                    tune(name, ex)
                self.extractors[name] = ex
            except FeatureUnavailable as e:
                self.failures[name] = e.reason
            except InterviewGuardError as e:
                self.failures[name] = e.one_line()
            except Exception as e:
                logger.debug("building %s failed", name, exc_info=True)
                self.failures[name] = f"{name} failed to start: {type(e).__name__}: {e}"

    def feed(self, item: Any, upstream: Mapping[str, Any] | None = None,
             only: set[str] | None = None) -> dict[str, Any]:
        """Push one item through this lane's extractors; ``upstream`` holds results of other lanes."""
        per_item: dict[str, Any] = dict(upstream or {})
        for name in list(self.extractors):
            if only is not None and name not in only:
                continue
            spec = self.specs[name]
            ups = {d: per_item.get(d) for d in spec.depends}
            t0 = time.perf_counter()
            try:
                per_item[name] = self.extractors[name].add(item, ups)
            except Exception as e:
                msg = e.one_line() if isinstance(e, InterviewGuardError) else f"{type(e).__name__}: {e}"
                logger.warning("live %s failed at t=%.2f: %s", name, getattr(item, "t", 0.0), msg)
                self.failures[name] = f"{name} failed at t={getattr(item, 't', 0.0):.1f} s: {msg}"
                del self.extractors[name]
            finally:
                self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t0
        return per_item

    def close(self) -> None:
        """Release what the extractors hold (MediaPipe graphs); their values are not needed."""
        for name, ex in list(self.extractors.items()):
            closer = getattr(getattr(ex, "analyzer", None), "close", None)
            try:
                if callable(closer):
                    closer()
            except Exception as e:
                logger.debug("closing %s: %s", name, e)
        self.extractors.clear()


def tune_for_live(tuning):
    """Shorter, greedy Whisper windows for the live transcript tail (the final report keeps the
    config's 30 s windows and beam size)."""

    def tune(name: str, ex: Any) -> None:
        stream = getattr(ex, "stream", None)
        opts = getattr(stream, "opts", None)
        if name == "asr" and stream is not None and opts is not None and hasattr(opts, "window_s"):
            stream.opts = replace(opts, window_s=float(tuning.asr_window_s),
                                  beam_size=min(int(opts.beam_size), int(tuning.asr_beam_size)))

    return tune


def id_embedding(specs: Mapping[str, FeatureSpec], env: FeatureEnv):
    """(embedding, note) of the ID photo's face via the ``id_face`` feature, or (None, reason)."""
    spec = specs.get("id_face")
    if env.inputs.id_image is None:
        return None, "no ID photo given"
    if spec is None or spec.compute is None:
        return None, "no extractor provides id_face"

    def get(name: str):
        raise FeatureUnavailable(f"{name} is not available live")

    try:
        still = spec.compute(env, get)
        return still.face.embedding, ""
    except FeatureUnavailable as e:
        return None, e.reason
    except InterviewGuardError as e:
        return None, e.one_line()
    except Exception as e:
        logger.debug("id_face failed", exc_info=True)
        return None, f"ID photo: {type(e).__name__}: {e}"
