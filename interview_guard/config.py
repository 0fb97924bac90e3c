"""AnalyzerConfig and one options dataclass per check family; TOML load / save.

Options are frozen: a call that needs different options builds a new config with
``dataclasses.replace`` instead of mutating shared state.
"""
from __future__ import annotations

import dataclasses
import getpass
import os
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, Literal, Mapping

from .errors import InputError

Device = Literal["auto", "cpu", "cuda"]
DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")


def default_models_dir() -> Path:
    return Path(os.environ.get("INTERVIEW_GUARD_MODELS") or Path.home() / ".cache" / "interview_guard" / "models")


def default_data_dir() -> Path:
    return Path(os.environ.get("INTERVIEW_GUARD_DATA") or Path.home() / ".cache" / "interview_guard" / "data")


def default_store_path() -> Path:
    return Path(os.environ.get("INTERVIEW_GUARD_STORE")
                or Path.home() / ".local" / "share" / "interview_guard" / "cases.sqlite")


def default_analyst() -> str:
    try:
        return os.environ.get("INTERVIEW_GUARD_ANALYST") or getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"


@dataclass(frozen=True)
class MediaOptions:
    max_duration_s: float = 3 * 3600.0
    max_width: int = 4096
    max_height: int = 4096
    max_image_pixels: int = 4096 * 4096
    max_file_bytes: int = 8 * 1024**3
    sample_fps: float = 5.0
    audio_chunk_s: float = 30.0


@dataclass(frozen=True)
class FaceOptions:
    detector: Literal["mediapipe", "yunet"] = "mediapipe"
    min_face_px: int = 40
    match_threshold: float = 0.363  # SFace cosine threshold from OpenCV; see benchmarks/
    embedding_batch: int = 16
    max_faces: int = 6
    full_range: bool = True  # MediaPipe's full-range detector: also finds small faces (someone behind)
    min_identity_s: float = 1.0  # a face cluster must be seen this long to count as a person
    min_presence_share: float = 0.5  # face.presence flags below this share of time with a usable face
    max_absence_s: float = 20.0  # ... or when the face is gone longer than this in one stretch
    thumbnail_interval_s: float = 2.0  # how often a face crop is kept for evidence thumbnails
    max_face_thumbnails: int = 400  # memory bound for long recordings (the interval doubles past it)
    store_link_threshold: float = 0.5  # stricter cosine for linking a face to OTHER candidates in the store


@dataclass(frozen=True)
class LivenessOptions:
    fas_threshold: float = 0.1826
    external_model: str | None = None  # path to a user-supplied ONNX frame classifier
    external_threshold: float = 0.5  # the external model's probability of "fake" counted as fake
    external_max_frames: int = 240  # frames given to the external model per recording (spread evenly)
    fas_max_samples: int = 6  # FAS runs per recording: ~100 GFLOP each, so few and spread out
    fas_interval_s: float = 4.0  # at least this long between two FAS runs
    fas_min_face_px: float = 64.0  # smaller faces get no FAS verdict (out of the model's domain)
    screen_interval_s: float = 0.5  # screen-cue analysis rate
    flag_threshold: float = 0.5  # a liveness / deepfake score at or above this is a flag
    voice_margin_threshold: float = -5.0  # AASIST bona-fide minus spoof logit below this: synthetic-like
    voice_max_windows: int = 48  # 4 s windows scored per recording (thinned evenly beyond)


@dataclass(frozen=True)
class SpeechOptions:
    asr_model: str = "whisper-base"  # manifest name, faster-whisper model name, or local dir
    language: str | None = None  # None = detect
    beam_size: int = 5
    compute_type: str = "auto"  # int8 on CPU, float16 on CUDA
    vad: bool = True
    vad_threshold: float = 0.5  # Silero speech probability
    speaker_threshold: float = 0.62  # cosine: voices closer than this are one speaker
    interviewer_threshold: float = 0.6  # cosine to the --interviewer-sample voice


@dataclass(frozen=True)
class NetworkOptions:
    maxmind_dir: str | None = None  # user-supplied GeoIP2/GeoLite2/IP2Proxy .mmdb files
    churn_window_min: float = 30.0
    long_session_h: float = 14.0
    churn_max_ips: int = 5  # distinct IPs of one account within churn_window_min before it counts
    churn_max_countries: int = 3  # distinct countries of one account within churn_window_min
    travel_max_kmh: float = 1000.0  # faster than an airliner between two places is impossible travel
    travel_min_km: float = 1500.0  # country-level places (principal cities; borders can be close)
    travel_min_km_coords: float = 500.0  # places from City coordinates (minus accuracy radii)
    session_gap_min: float = 30.0  # events closer than this belong to one session
    daily_hours_limit: float = 16.0  # cumulative session hours in one UTC day
    weekly_hours_limit: float = 84.0
    operator_active_hours: int = 20  # active clock hours in one day that suggest several operators
    profile_change_window_days: float = 90.0
    profile_change_limit: int = 3  # name / contact / payout changes within the window
    participant_report_tz: str = "UTC"  # time zone of Zoom / Teams participant-report times
    cache_dir: str | None = None  # compiled IP tables; default ~/.cache/interview_guard/ipintel
    max_store_lookups: int = 200  # IPs / devices compared with the case store per analysis


@dataclass(frozen=True)
class DocumentOptions:
    ocr_min_confidence: float = 0.5
    max_pdf_pages: int = 50
    max_file_bytes: int = 25 * 1024**2  # resume / document files
    max_pdf_stream_bytes: int = 20 * 1024**2  # decompressed bytes per PDF stream
    max_zip_bytes: int = 100 * 1024**2  # DOCX: total uncompressed size of the zip members
    max_zip_ratio: float = 200.0  # DOCX: per-member compression ratio above this is a zip bomb
    max_zip_members: int = 5000
    max_text_chars: int = 2_000_000  # text kept from one resume
    ela_ratio_threshold: float = 1.9  # photo vs page error level; see benchmarks/results/documents.md
    recapture_threshold: float = 4.5  # chroma spectral peak prominence (log units) of a screen photo
    expiry_soon_days: int = 30
    template_similarity: float = 0.8  # estimated Jaccard of resume shingles counted as template reuse


@dataclass(frozen=True)
class RiskOptions:
    policy: str | None = None  # path to a policy TOML; None = the built-in default policy
    # The one fluency switch (guardrail): false = fluency is neither measured nor reported nor weighed.
    fluency_enabled: bool = True


@dataclass(frozen=True)
class ReportOptions:
    thumbnails: bool = True
    max_thumbnails: int = 24


# Biometric data (face / voice embeddings, thumbnails) retention: the one default; the store
# purge command and the docs read it from here.
DEFAULT_RETENTION_DAYS = 90.0


@dataclass(frozen=True)
class AnalyzerConfig:
    device: Device = "auto"
    models_dir: Path = field(default_factory=default_models_dir)
    model_overrides: Mapping[str, str] = field(default_factory=dict)  # model name -> user path
    store_path: Path | None = field(default_factory=default_store_path)  # None = no store
    analyst: str = field(default_factory=default_analyst)
    retention_days: float = DEFAULT_RETENTION_DAYS  # biometric data kept this long; `store purge`
    checks: tuple[str, ...] | None = None  # None = every registered check
    threads: int = 0  # 0 = let ONNX Runtime / CTranslate2 decide
    media: MediaOptions = field(default_factory=MediaOptions)
    face: FaceOptions = field(default_factory=FaceOptions)
    liveness: LivenessOptions = field(default_factory=LivenessOptions)
    speech: SpeechOptions = field(default_factory=SpeechOptions)
    network: NetworkOptions = field(default_factory=NetworkOptions)
    documents: DocumentOptions = field(default_factory=DocumentOptions)
    risk: RiskOptions = field(default_factory=RiskOptions)
    report: ReportOptions = field(default_factory=ReportOptions)

    def __post_init__(self) -> None:
        if self.device not in DEVICES:
            raise InputError(f"device must be one of {', '.join(DEVICES)}, got {self.device!r}")
        if self.media.sample_fps <= 0 or self.media.sample_fps > 60:
            raise InputError(f"media.sample_fps must be in (0, 60], got {self.media.sample_fps}")

    # ------------------------------------------------------------------ TOML
    @classmethod
    def from_toml(cls, path: str | Path) -> "AnalyzerConfig":
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"config file not found: {p}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise InputError(f"config file {p} is not valid TOML: {e}") from None
        return cls.from_mapping(data)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "AnalyzerConfig":
        return _build(cls, data, "")

    def to_mapping(self) -> dict[str, Any]:
        return _dump(self)

    def to_toml(self) -> str:
        return _toml_dumps(self.to_mapping())

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_toml(), encoding="utf-8")


def _build(cls: type, data: Mapping[str, Any], prefix: str):
    known = {f.name: f for f in fields(cls)}
    unknown = set(data) - set(known)
    if unknown:
        raise InputError(f"unknown config key(s) {', '.join(sorted(prefix + k for k in unknown))}")
    kwargs: dict[str, Any] = {}
    defaults = cls()
    for name, value in data.items():
        current = getattr(defaults, name)
        if is_dataclass(current):
            if not isinstance(value, Mapping):
                raise InputError(f"config [{prefix}{name}] must be a table")
            kwargs[name] = _build(type(current), value, f"{prefix}{name}.")
        elif isinstance(current, Path) or name in ("models_dir", "store_path"):
            kwargs[name] = Path(value) if value not in (None, "") else None
        elif isinstance(current, tuple) or name == "checks":
            kwargs[name] = tuple(value) if value is not None else None
        else:
            kwargs[name] = value
    return cls(**kwargs)


def _dump(obj) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(obj):
        v = getattr(obj, f.name)
        if is_dataclass(v):
            out[f.name] = _dump(v)
        elif isinstance(v, Path):
            out[f.name] = str(v)
        elif v is None and f.name == "store_path":
            out[f.name] = ""  # TOML has no null: "" loads back as "no store", not the default path
        elif isinstance(v, tuple):
            out[f.name] = list(v)
        elif isinstance(v, Mapping):
            out[f.name] = dict(v)
        else:
            out[f.name] = v
    return out


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _toml_dumps(d: Mapping[str, Any], prefix: str = "") -> str:
    # None has no TOML spelling: omitted keys fall back to their defaults on load.
    lines = [f"{k} = {_toml_value(v)}" for k, v in d.items()
             if v is not None and not isinstance(v, Mapping)]
    for k, v in d.items():
        if isinstance(v, Mapping):
            body = _toml_dumps(v, f"{prefix}{k}.")
            lines.append(f"\n[{prefix}{k}]\n{body}" if body.strip() else f"\n[{prefix}{k}]")
    return "\n".join(lines) + ("\n" if lines else "")


def replace(cfg: AnalyzerConfig, **changes: Any) -> AnalyzerConfig:
    """``dataclasses.replace`` re-exported so callers need not import dataclasses."""
    return dataclasses.replace(cfg, **changes)
