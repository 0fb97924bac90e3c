"""A LiveSession's snapshot: the indicators now, the risk level by the policy's fusion, follow-ups."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

from . import indicators as ind
from .options import Indicator, LiveSnapshot

if TYPE_CHECKING:
    from .session import LiveSession

# indicator -> the stream features it needs (any failure of these makes it an error)
NEEDS = {ind.PRESENCE: ("faces",), ind.MULTIPLE: ("faces",), ind.CONSISTENCY: ("faces",),
         ind.ID_MATCH: ("faces",), ind.PRESENTATION: ("faces", "screen_cues"),
         ind.FACE_SWAP: ("faces", "blend_boundary"), ind.TRANSCRIPT: ("speech_activity", "asr"),
         ind.SPEAKER: ("speech_activity", "speaker_windows"), ind.VOICE: ("speech_activity", "synthetic_voice")}
LANE_OF = {"faces": "video", "screen_cues": "video", "blend_boundary": "video", "fas_scores": "video",
           "speech_activity": "audio", "speaker_windows": "audio", "asr": "asr", "synthetic_voice": "voice"}


def _unavailable(s: "LiveSession", name: str) -> Indicator | None:
    """Why an indicator cannot run (not selected, failed to start, still loading), or None."""
    sel = s.options.features
    for feat in NEEDS[name]:
        if feat == "speech_activity" and not s.config.speech.vad:
            continue
        if sel is not None and feat not in sel:
            return Indicator(name, "inactive", active=False, summary="not selected for this live session",
                             note=f"{feat} is not in the live feature list; runs on the final report")
        lane = s.lanes.get(LANE_OF[feat])
        if lane is None:
            return Indicator(name, "pending", summary="loading models")
        reason = lane.failures.get(feat)
        if reason:
            return Indicator(name, "error", active=False, summary=reason,
                             note="not available live; the final report tries again")
    return None


def indicators_of(s: "LiveSession") -> list[Indicator]:
    stale = None
    if s.frames_received and s._last_frame_wall is not None and \
            time.monotonic() - s._last_frame_wall > s.tuning.no_video_s:
        stale = s.last_video_t
        _note(s, f"no video since {stale:.1f} s")
    elif not s.frames_received and time.time() - s._started_wall > s.tuning.no_video_s:
        _note(s, "no video received yet")
    face = {i.name: i for i in s.faces.indicators(stale)}
    out: list[Indicator] = []
    for name in ind.ALL_INDICATORS:
        why = _unavailable(s, name)
        if why is not None:
            out.append(why)
            continue
        if name in face:
            out.append(face[name])
        elif name == ind.ID_MATCH:
            out.append(Indicator(name, "pending", summary="waiting for video"))
        elif name == ind.PRESENTATION:
            i = s.screen.indicator()
            out.append(_pending_if_stale(i, stale))
        elif name == ind.FACE_SWAP:
            out.append(_pending_if_stale(s.blend.indicator(), stale))
        elif name == ind.TRANSCRIPT:
            out.append(s.transcript.indicator())
        elif name == ind.SPEAKER:
            out.append(s.voices.indicator())
        elif name == ind.VOICE:
            out.append(s.synthetic.indicator())
    return out


def _note(s: "LiveSession", msg: str) -> None:
    if msg not in s._messages:
        s._messages.append(msg)


def _pending_if_stale(i: Indicator, stale: float | None) -> Indicator:
    if stale is None or i.status == "flag":
        return i
    return Indicator(i.name, "pending", summary=f"no video since {stale:.1f} s", note=i.note)


def fuse_indicators(indicators: list[Indicator], policy, fluency_enabled: bool = True):
    """Risk level and follow-up questions by the policy's fusion, indicators taken as signals."""
    from ..risk import fuse
    from ..types import Signal

    signals = [Signal(check=ind.CHECK_OF.get(i.name, i.name.split(".")[0]), name=i.name, status=i.status,
                      score=min(1.0, max(0.0, float(i.score))), confidence=min(1.0, max(0.0, float(i.confidence))),
                      summary=i.summary)
               for i in indicators if i.status in ("ok", "flag", "error")]
    return fuse(signals, policy, fluency_enabled=fluency_enabled)


def build_snapshot(s: "LiveSession") -> LiveSnapshot:
    with s._lock:
        indicators = indicators_of(s)
        assessment, followups = fuse_indicators(indicators, s.analyzer.policy, s.config.risk.fluency_enabled)
        t = max(s.last_video_t or 0.0, s.last_audio_t or 0.0)
        messages = list(s._messages)
        if s.recorder is not None and s.recorder.error:
            messages.append(f"recording: {s.recorder.error}")
        return LiveSnapshot(t=t, indicators=tuple(indicators), level=assessment.level,
                            followups=tuple(f.question for f in followups), messages=tuple(messages[-8:]),
                            frames_received=s.frames_received, frames_dropped=s.frames_dropped,
                            frames_analyzed=s.frames_analyzed, last_video_t=s.last_video_t,
                            last_audio_t=s.last_audio_t, risk_score=float(assessment.score), wall_t=time.time())
