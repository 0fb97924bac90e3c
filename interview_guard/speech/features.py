"""Speech features for the pipeline.

Audio stream extractors (fed one ``AudioChunk`` at a time, never the whole file):

* ``speech_activity`` -> per chunk ``VadChunk``; final ``SpeechActivity`` (spans, 32 ms probs)
* ``asr`` (needs speech_activity) -> per chunk the ``Segment``s finished; final ``AsrResult``
* ``speaker_windows`` (needs speech_activity) -> per chunk ``SpanEmbeddings``; final ``SpeakerWindows``

Derived: ``transcript`` (types.Transcript, goes into the report), ``speech_language``,
``interviewer_voice``, ``speakers``, ``fluency``, ``answer_latency``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..features import FeatureEnv, FeatureUnavailable, feature
from ..types import AudioChunk, Transcript
from .vad import SpeechSpan, VadChunk

logger = logging.getLogger(__name__)


def _upstream_vad(upstream: Mapping[str, Any], chunk: AudioChunk, use_vad: bool) -> VadChunk:
    vad = upstream.get("speech_activity")
    if use_vad and vad is not None:
        return vad
    # VAD switched off: every chunk is one span of "speech"
    end = chunk.t + chunk.duration
    return VadChunk(t=chunk.t, probs=np.zeros(0, np.float32), probs_t0=chunk.t,
                    closed=(SpeechSpan(chunk.t, end),) if chunk.duration > 0 else (), open_since=None)


# --------------------------------------------------------------------------- VAD
class _VadExtractor:
    def __init__(self, stream) -> None:
        self.stream = stream

    def add(self, item: AudioChunk, upstream: Mapping[str, Any]) -> VadChunk:
        return self.stream.add(item)

    def finish(self):
        return self.stream.finish()


@feature("speech_activity", "audio", description="Silero VAD: speech spans and 32 ms speech probabilities")
def build_speech_activity(env: FeatureEnv) -> _VadExtractor:
    from .vad import VadStream, vad_options

    return _VadExtractor(VadStream(env.onnx_session("silero-vad"), vad_options(env.config.speech)))


# --------------------------------------------------------------------------- ASR
class _VadGatedExtractor:
    """Feeds a stream (ASR, speaker windows) each chunk with the VAD's result for it."""

    def __init__(self, stream, use_vad: bool) -> None:
        self.stream = stream
        self.use_vad = use_vad

    def add(self, item: AudioChunk, upstream: Mapping[str, Any]):
        return self.stream.add(item, _upstream_vad(upstream, item, self.use_vad))

    def finish(self):
        return self.stream.finish()


@feature("asr", "audio", depends={"speech_activity"},
         description="faster-whisper, window by window at VAD silences, with hallucination guards")
def build_asr(env: FeatureEnv) -> _VadGatedExtractor:
    from .asr import MANIFEST_MODELS, AsrStream, asr_options, open_model

    speech = env.config.speech
    model, name, device = open_model(speech, env.config.device, env.config.threads, env.model_path)
    if env.config.device == "cuda" and device != "cuda":
        env.warn(f"device=cuda requested but CTranslate2 has no CUDA device here; "
                                    f"Whisper ran on {device}")
    if speech.asr_model in MANIFEST_MODELS:
        env.models_used[speech.asr_model] = f"ctranslate2:{device}"
    else:
        env.models_used[name] = f"ctranslate2:{device}"
    return _VadGatedExtractor(AsrStream(model, asr_options(speech), model_name=name), speech.vad)


@feature("transcript", "derived", depends={"asr"}, description="the transcript shown in the report")
def transcript_feature(env: FeatureEnv, get) -> Transcript:
    return get("asr").transcript


@feature("speech_language", "derived", depends={"asr", "claims"},
         description="spoken language per stretch: Whisper language ID checked by lingua")
def speech_language_feature(env: FeatureEnv, get):
    from .language import language_profile

    claims = get("claims")
    return language_profile(get("asr").windows, [lc.code for lc in claims.languages])


# --------------------------------------------------------------------------- speakers
def speaker_options(speech):
    from .speaker import SpeakerOptions

    return SpeakerOptions(cluster_threshold=float(speech.speaker_threshold),
                          interviewer_threshold=float(speech.interviewer_threshold))


@feature("speaker_windows", "audio", depends={"speech_activity"},
         description="256-d speaker embeddings of 0.83 s windows inside speech spans")
def build_speaker_windows(env: FeatureEnv) -> _VadGatedExtractor:
    from .embedder import SpeakerEmbedder
    from .speaker import SpeakerStream

    embedder = SpeakerEmbedder(env.onnx_session("speaker-embedder"))
    return _VadGatedExtractor(SpeakerStream(embedder, speaker_options(env.config.speech)), env.config.speech.vad)


@feature("interviewer_voice", "derived", description="voice vector of the --interviewer-sample recording")
def interviewer_voice_feature(env: FeatureEnv, get) -> np.ndarray:
    from .. import media
    from .embedder import SpeakerEmbedder
    from .speaker import embed_clip
    from .vad import detect_speech, vad_options

    path = env.require_input("interviewer_sample", "interviewer sample")
    audio = media.load_audio(path, env.config.media)
    activity = detect_speech(env.onnx_session("silero-vad"), audio, opts=vad_options(env.config.speech))
    vec = embed_clip(SpeakerEmbedder(env.onnx_session("speaker-embedder")), audio, activity.spans)
    if vec is None:
        raise FeatureUnavailable(f"the interviewer sample {path} has no usable speech (need > 1 s)", error=True)
    return vec


@dataclass(frozen=True)
class SpeakerAnalysis:
    """Voices, turns, who is who, and whether the candidate side holds more than one voice."""

    diarization: Any  # speaker.Diarization
    roles: Any  # speaker.Roles
    change: Any  # speaker.VoiceChange

    def candidate_turns(self) -> list[tuple[float, float]]:
        side = set(self.roles.candidate)
        return [(t.start, t.end) for t in self.diarization.turns if t.speaker in side]

    def interviewer_turns(self) -> list[tuple[float, float]]:
        side = set(self.roles.interviewer)
        return [(t.start, t.end) for t in self.diarization.turns if t.speaker in side]


@feature("speakers", "derived", depends={"speaker_windows"},
         description="voices (clustered embeddings), turns, interviewer vs candidate")
def speakers_feature(env: FeatureEnv, get) -> SpeakerAnalysis:
    from .speaker import assign_roles, candidate_voices, diarize

    opts = speaker_options(env.config.speech)
    windows = get("speaker_windows")
    if not windows.spans:
        raise FeatureUnavailable("no speech long enough for speaker embeddings")
    diar = diarize(windows, opts)
    try:
        interviewer = get("interviewer_voice")
    except FeatureUnavailable as e:
        if e.error:
            raise
        interviewer = None
    try:
        transcript = get("transcript")
    except FeatureUnavailable:
        transcript = None
    roles = assign_roles(diar, interviewer, transcript, opts)
    return SpeakerAnalysis(diarization=diar, roles=roles, change=candidate_voices(diar, roles, opts))


# --------------------------------------------------------------------------- fluency + timing
@feature("fluency", "derived", depends={"asr", "speech_activity", "speech_language", "speakers"},
         description="speech/articulation rate, pauses, fillers, lexical profile, ASR confidence per language")
def fluency_feature(env: FeatureEnv, get):
    from .fluency import FluencyReport, measure

    if not env.config.risk.fluency_enabled:
        raise FeatureUnavailable("fluency measurement is turned off (risk.fluency_enabled = false)")
    asr = get("asr")
    activity = get("speech_activity")
    profile = get("speech_language")
    try:
        scope = get("speakers").candidate_turns()
        scope_name = "candidate turns"
    except FeatureUnavailable:
        scope, scope_name = None, "all speech"
    by_lang: dict[str, list] = {}
    for w in asr.windows:
        lang = next((s.language for s in profile.stretches if s.start <= (w.start + w.end) / 2 <= s.end),
                    w.language)
        if lang == "uncertain":
            continue
        by_lang.setdefault(lang, []).extend(w.segments)
    measures = {}
    for lang, segs in by_lang.items():
        m = measure(segs, activity.spans, lang, scope or None)
        if m is not None:
            measures[lang] = m
    return FluencyReport(by_language=measures, scope=scope_name,
                         seconds_by_language=profile.seconds_by_language())


@feature("answer_latency", "derived", depends={"speakers", "transcript", "speech_activity"},
         description="time from a question's end to the answer's start; reading-like cadence")
def answer_latency_feature(env: FeatureEnv, get):
    from .latency import measure_latency

    speakers = get("speakers")
    return measure_latency(speakers.interviewer_turns(), speakers.candidate_turns(),
                           get("transcript"), get("speech_activity").spans)
