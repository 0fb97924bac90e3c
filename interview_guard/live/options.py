"""Options and results of a live session (frozen dataclasses, no heavy imports)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

IndicatorStatus = Literal["ok", "flag", "skipped", "pending", "inactive", "error"]
INDICATOR_STATUSES: tuple[str, ...] = ("ok", "flag", "skipped", "pending", "inactive", "error")
CHALLENGES: tuple[str, ...] = ("hand_wave", "head_turn", "read_sentence")


@dataclass(frozen=True)
class LiveTuning:
    """The few numbers the rolling indicators need beyond AnalyzerConfig (which still gives the
    similarity thresholds, the flag threshold and the minimum identity time)."""

    establish_s: float = 2.0  # the identity "at the start" is the usable faces of the first seconds ...
    establish_min_samples: int = 3  # ... at least this many
    persist_s: float = 1.0  # a mismatch must hold this long (usable faces in a row) before it flags
    persist_min_samples: int = 3
    recent_s: float = 5.0  # rolling window for "the person on camera now" (ID match, faces, screen)
    no_video_s: float = 3.0  # no frame for longer -> "no video since t", face indicators pending
    blend_every_s: float = 1.0  # blending-boundary evidence on one frame per this many seconds
    asr_window_s: float = 4.0  # live transcript windows (the final report uses Whisper's 30 s)
    asr_beam_size: int = 1  # greedy decoding for the live tail (the final report uses the config's beam)
    expected_voices: int = 2  # interviewer + candidate on one mixed audio track
    max_audio_backlog_s: float = 120.0  # older queued audio is dropped (with a message) past this
    max_messages: int = 20


@dataclass(frozen=True)
class LiveOptions:
    sample_fps: float = 5.0  # frames analysed per second at most (newer frames replace older ones)
    refresh_s: float = 1.0  # how often the session's rolling summary (and timeline) is refreshed
    record: bool = True  # write the pushed media to case_dir (needs consent)
    case_dir: Path | None = None  # recording, live_timeline.jsonl, report.json / .html / .srt
    heavy_every_s: float = 10.0  # sparse sampling of costly models (FAS on a GPU, synthetic voice)
    case_id: str | None = None
    source_file: Path | None = None  # a file being played: finish() analyzes it when nothing was recorded
    features: tuple[str, ...] | None = None  # None = every live feature available
    tuning: LiveTuning = field(default_factory=LiveTuning)

    def __post_init__(self) -> None:
        from ..errors import InputError

        if not 0 < self.sample_fps <= 30:
            raise InputError(f"live sample_fps must be in (0, 30], got {self.sample_fps}")
        if not 0.1 <= self.refresh_s <= 2.0:
            raise InputError(f"live refresh_s must be within [0.1, 2] s, got {self.refresh_s}")
        if self.heavy_every_s <= 0:
            raise InputError(f"live heavy_every_s must be positive, got {self.heavy_every_s}")


@dataclass(frozen=True)
class Indicator:
    name: str  # a signal name, e.g. "face.identity_consistency"
    status: IndicatorStatus
    score: float = 0.0
    confidence: float = 0.0
    summary: str = ""
    evidence_t: float | None = None
    active: bool = True
    note: str = ""

    def to_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "score": round(float(self.score), 4),
                "confidence": round(float(self.confidence), 4), "summary": self.summary,
                "evidence_t": None if self.evidence_t is None else round(float(self.evidence_t), 2),
                "active": self.active, "note": self.note}


@dataclass(frozen=True)
class LiveSnapshot:
    t: float  # media seconds of the newest item seen
    indicators: tuple[Indicator, ...]
    level: str  # low | review | high (verification needed; never a verdict)
    followups: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()
    frames_received: int = 0
    frames_dropped: int = 0
    frames_analyzed: int = 0
    last_video_t: float | None = None
    last_audio_t: float | None = None
    risk_score: float = 0.0
    wall_t: float = 0.0  # time.time() when taken

    def indicator(self, name: str) -> Indicator | None:
        return next((i for i in self.indicators if i.name == name), None)

    def to_dict(self) -> dict:
        """The ``--jsonl`` line: t, signals (name, status, score, confidence, summary), level, ..."""
        return {"t": round(float(self.t), 2),
                "signals": [{"name": i.name, "status": i.status, "score": round(float(i.score), 3),
                             "confidence": round(float(i.confidence), 3), "summary": i.summary,
                             **({"note": i.note} if i.note else {}),
                             **({"evidence_t": round(i.evidence_t, 2)} if i.evidence_t is not None else {})}
                            for i in self.indicators],
                "level": self.level, "risk_score": round(float(self.risk_score), 4),
                "followups": list(self.followups), "messages": list(self.messages),
                "frames_received": self.frames_received, "frames_dropped": self.frames_dropped,
                "frames_analyzed": self.frames_analyzed,
                "last_video_t": None if self.last_video_t is None else round(self.last_video_t, 2),
                "last_audio_t": None if self.last_audio_t is None else round(self.last_audio_t, 2)}
