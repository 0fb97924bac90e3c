"""Frozen dataclasses that flow between the rooms of the house.

Everything a report contains round-trips through ``to_dict`` / ``from_dict`` so the JSON
contract (``RiskReport.to_dict()``) is the single source of truth for the report schema.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Mapping, Sequence, Union

if TYPE_CHECKING:  # numpy is only needed for type hints here
    import numpy as np

SCHEMA_VERSION = "1.0"
# The evidence ref left where a thumbnail was deleted after the biometric retention period.
PURGED_REF = "purged:biometric-retention"
# A signal that does not state its confidence claims full confidence (``checks.base.signal`` agrees).
DEFAULT_CONFIDENCE = 1.0

SignalStatus = Literal["ok", "flag", "error", "skipped"]
SIGNAL_STATUSES: tuple[str, ...] = ("ok", "flag", "error", "skipped")
RiskLevel = Literal["low", "review", "high"]

JSONScalar = Union[str, int, float, bool, None]
JSONValue = Union[JSONScalar, Sequence["JSONValue"], Mapping[str, "JSONValue"]]


# --------------------------------------------------------------------------- media
@dataclass(frozen=True)
class Frame:
    """One decoded video frame. ``image`` is BGR uint8 (H, W, 3); ``t`` is seconds."""

    index: int
    t: float
    image: "np.ndarray"


@dataclass(frozen=True)
class AudioChunk:
    """A run of 16 kHz mono float32 samples starting at ``t`` seconds."""

    t: float
    samples: "np.ndarray"
    sample_rate: int = 16000

    @property
    def duration(self) -> float:
        return len(self.samples) / float(self.sample_rate)


@dataclass(frozen=True)
class MediaInfo:
    """What ``media.probe`` learned about a file before anything is decoded."""

    path: str
    container: str
    size_bytes: int
    duration_s: float | None
    has_video: bool
    has_audio: bool
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    audio_sample_rate: int | None = None


# --------------------------------------------------------------------------- speech
@dataclass(frozen=True)
class Word:
    start: float
    end: float
    word: str
    probability: float


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0


@dataclass(frozen=True)
class Transcript:
    language: str
    segments: tuple[Segment, ...]
    language_probability: float = 0.0
    duration_s: float = 0.0

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments).strip()


# --------------------------------------------------------------------------- links
@dataclass(frozen=True)
class Link:
    """A value that can tie this case to other candidates in the store.

    kind: face_embedding, voice_embedding, ip, device_id, account_id, document_number,
    email, phone, payout_account, profile_link, resume_fingerprint, resume_text.
    ``value`` is a string, or a list of floats for embeddings.
    """

    kind: str
    value: object
    source: str = ""


# --------------------------------------------------------------------------- signals
@dataclass(frozen=True)
class Evidence:
    """Something a reviewer can look at: a time range, a frame, a log line, a field.

    ``kind`` is one of: time_range, frame, image, log_line, field, text, link.
    ``ref`` is a pointer (a data: URI thumbnail, a "file:line", a field name, a case id).
    """

    kind: str
    summary: str
    t_start: float | None = None
    t_end: float | None = None
    ref: str | None = None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "summary": self.summary, "t_start": self.t_start,
                "t_end": self.t_end, "ref": self.ref}

    @classmethod
    def from_dict(cls, d: Mapping) -> "Evidence":
        return cls(kind=d["kind"], summary=d["summary"], t_start=d.get("t_start"),
                   t_end=d.get("t_end"), ref=d.get("ref"))


@dataclass(frozen=True)
class Signal:
    """One observation for the reviewer. ``score`` is how suspicious (0-1); ``confidence``
    how much the measurement can be trusted (0-1). ``details`` must be JSON-serialisable."""

    check: str
    name: str
    status: SignalStatus
    score: float = 0.0
    confidence: float = DEFAULT_CONFIDENCE
    summary: str = ""
    evidence: tuple[Evidence, ...] = ()
    details: Mapping[str, JSONValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in SIGNAL_STATUSES:
            raise ValueError(f"signal status must be one of {SIGNAL_STATUSES}, got {self.status!r}")
        if not 0.0 <= float(self.score) <= 1.0:
            raise ValueError(f"signal score must be within [0, 1], got {self.score!r} for {self.name}")
        if not 0.0 <= float(self.confidence) <= 1.0:
            raise ValueError(f"signal confidence must be within [0, 1], got {self.confidence!r}")

    def to_dict(self) -> dict:
        return {"check": self.check, "name": self.name, "status": self.status,
                "score": round(float(self.score), 4), "confidence": round(float(self.confidence), 4),
                "summary": self.summary, "evidence": [e.to_dict() for e in self.evidence],
                "details": dict(self.details)}

    @classmethod
    def from_dict(cls, d: Mapping) -> "Signal":
        return cls(check=d["check"], name=d["name"], status=d["status"], score=d.get("score", 0.0),
                   confidence=d.get("confidence", DEFAULT_CONFIDENCE), summary=d.get("summary", ""),
                   evidence=tuple(Evidence.from_dict(e) for e in d.get("evidence", ())),
                   details=dict(d.get("details", {})))


# --------------------------------------------------------------------------- case + report
@dataclass(frozen=True)
class CaseInputs:
    """Everything a case may bring. Only ``media`` or one of the other inputs is required."""

    media: Path | None = None
    id_image: Path | None = None
    resume: Path | None = None
    network_log: Path | None = None
    endpoints: Path | None = None
    accounts: Path | None = None
    reviews: Path | None = None
    messages: Path | None = None
    claims: Path | None = None
    interviewer_sample: Path | None = None
    candidate_id: str | None = None
    case_id: str | None = None

    FILE_FIELDS = ("media", "id_image", "resume", "network_log", "endpoints", "accounts",
                   "reviews", "messages", "claims", "interviewer_sample")

    def files(self) -> dict[str, Path]:
        return {k: Path(v) for k in self.FILE_FIELDS if (v := getattr(self, k)) is not None}


@dataclass(frozen=True)
class InputRecord:
    role: str
    path: str
    sha256: str
    kind: str
    size_bytes: int
    duration_s: float | None = None

    def to_dict(self) -> dict:
        return {"role": self.role, "path": self.path, "sha256": self.sha256, "kind": self.kind,
                "size_bytes": self.size_bytes, "duration_s": self.duration_s}

    @classmethod
    def from_dict(cls, d: Mapping) -> "InputRecord":
        kw: dict[str, Any] = {k: d.get(k) for k in ("role", "path", "sha256", "kind", "size_bytes", "duration_s")}
        return cls(**kw)


@dataclass(frozen=True)
class CaseInfo:
    case_id: str
    candidate_id: str | None
    analyzed_at: str  # ISO-8601 UTC
    analyst: str
    policy_version: str

    def to_dict(self) -> dict:
        return {"case_id": self.case_id, "candidate_id": self.candidate_id,
                "analyzed_at": self.analyzed_at, "analyst": self.analyst,
                "policy_version": self.policy_version}

    @classmethod
    def from_dict(cls, d: Mapping) -> "CaseInfo":
        kw: dict[str, Any] = {k: d.get(k) for k in ("case_id", "candidate_id", "analyzed_at", "analyst",
                                                    "policy_version")}
        return cls(**kw)


@dataclass(frozen=True)
class RiskAssessment:
    level: RiskLevel
    score: float
    reasons: tuple[str, ...] = ()
    note: str = "Signals for a human reviewer; verification needed. This is not a hiring decision."

    def to_dict(self) -> dict:
        return {"level": self.level, "score": round(float(self.score), 4),
                "reasons": list(self.reasons), "note": self.note}

    @classmethod
    def from_dict(cls, d: Mapping) -> "RiskAssessment":
        return cls(level=d["level"], score=d["score"], reasons=tuple(d.get("reasons", ())),
                   note=d.get("note", cls.note))


@dataclass(frozen=True)
class ModelUse:
    name: str
    path: str
    sha256: str
    provider: str | None = None

    def to_dict(self) -> dict:
        return {"name": self.name, "path": self.path, "sha256": self.sha256, "provider": self.provider}


@dataclass(frozen=True)
class RuntimeInfo:
    device: str
    providers: tuple[str, ...]
    models: tuple[ModelUse, ...] = ()
    versions: Mapping[str, str] = field(default_factory=dict)
    timings_s: Mapping[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"device": self.device, "providers": list(self.providers),
                "models": [m.to_dict() for m in self.models], "versions": dict(self.versions),
                "timings_s": {k: round(v, 4) for k, v in self.timings_s.items()},
                "warnings": list(self.warnings)}

    @classmethod
    def from_dict(cls, d: Mapping) -> "RuntimeInfo":
        return cls(device=d["device"], providers=tuple(d.get("providers", ())),
                   models=tuple(ModelUse(**m) for m in d.get("models", ())),
                   versions=dict(d.get("versions", {})), timings_s=dict(d.get("timings_s", {})),
                   warnings=tuple(d.get("warnings", ())))


@dataclass(frozen=True)
class Followup:
    """A question the interviewer can ask, tied to the signal that prompted it."""

    signal: str
    question: str

    def to_dict(self) -> dict:
        return {"signal": self.signal, "question": self.question}


@dataclass(frozen=True)
class RiskReport:
    case: CaseInfo
    inputs: tuple[InputRecord, ...]
    signals: tuple[Signal, ...]
    risk: RiskAssessment
    followups: tuple[Followup, ...]
    runtime: RuntimeInfo
    transcript: Transcript | None = None
    schema_version: str = SCHEMA_VERSION
    # Feature values a caller asked ``Analyzer.run`` for (e.g. the parsed ID document); not serialised.
    features: Mapping[str, object] = field(default_factory=dict, compare=False, repr=False)

    def signal(self, name: str) -> Signal | None:
        return next((s for s in self.signals if s.name == name), None)

    def to_dict(self) -> dict:
        d = {"schema_version": self.schema_version, "case": self.case.to_dict(),
             "inputs": [i.to_dict() for i in self.inputs],
             "signals": [s.to_dict() for s in self.signals], "risk": self.risk.to_dict(),
             "followups": [f.to_dict() for f in self.followups], "runtime": self.runtime.to_dict(),
             "transcript": None}
        if self.transcript is not None:
            d["transcript"] = transcript_to_dict(self.transcript)
        return d

    @classmethod
    def from_dict(cls, d: Mapping) -> "RiskReport":
        return cls(schema_version=d["schema_version"], case=CaseInfo.from_dict(d["case"]),
                   inputs=tuple(InputRecord.from_dict(i) for i in d.get("inputs", ())),
                   signals=tuple(Signal.from_dict(s) for s in d.get("signals", ())),
                   risk=RiskAssessment.from_dict(d["risk"]),
                   followups=tuple(Followup(**f) for f in d.get("followups", ())),
                   runtime=RuntimeInfo.from_dict(d["runtime"]),
                   transcript=transcript_from_dict(d["transcript"]) if d.get("transcript") else None)


def transcript_to_dict(t: Transcript) -> dict:
    return {"language": t.language, "language_probability": round(t.language_probability, 4),
            "duration_s": round(t.duration_s, 3), "text": t.text,
            "segments": [{"start": round(s.start, 3), "end": round(s.end, 3), "text": s.text,
                          "avg_logprob": round(s.avg_logprob, 4),
                          "no_speech_prob": round(s.no_speech_prob, 4),
                          "words": [{"start": round(w.start, 3), "end": round(w.end, 3),
                                     "word": w.word, "probability": round(w.probability, 4)}
                                    for w in s.words]} for s in t.segments]}


def transcript_from_dict(d: Mapping) -> Transcript:
    return Transcript(language=d["language"], language_probability=d.get("language_probability", 0.0),
                      duration_s=d.get("duration_s", 0.0),
                      segments=tuple(Segment(start=s["start"], end=s["end"], text=s["text"],
                                             avg_logprob=s.get("avg_logprob", 0.0),
                                             no_speech_prob=s.get("no_speech_prob", 0.0),
                                             words=tuple(Word(**w) for w in s.get("words", ())))
                                     for s in d.get("segments", ())))
