"""Thin services on top of the one engine entry point, ``Analyzer.run``.

Each one picks a subset of checks (derived from the registry by family) and the features it
wants back, so ``check-id``, ``check-resume``, ``check-network``, ``transcribe`` and
``faces compare`` compute exactly what ``analyze`` computes for the same input. A bad file
raises its InputError (exit 2) from the requested feature instead of becoming ``error``
signals. None of them records an analysis in the case store; the store, when given, is read
for the cross-candidate checks.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .checks import checks_in_families
from .config import AnalyzerConfig
from .errors import InputError
from .types import CaseInputs, RiskReport, Signal

if TYPE_CHECKING:
    from .documents.idcard import IdDocument
    from .documents.resume import Resume
    from .pipeline import Analyzer
    from .speech.asr import AsrResult
    from .types import Transcript
    from .vision.records import StillFace

logger = logging.getLogger(__name__)

ID_FAMILIES = ("document",)
RESUME_FAMILIES = ("resume",)
NETWORK_FAMILIES = ("network", "account", "messages")


def id_checks() -> tuple[str, ...]:
    return checks_in_families(*ID_FAMILIES)


def resume_checks() -> tuple[str, ...]:
    return checks_in_families(*RESUME_FAMILIES)


def network_checks() -> tuple[str, ...]:
    return checks_in_families(*NETWORK_FAMILIES)


@dataclass(frozen=True)
class IdCheck:
    document: "IdDocument"
    signals: tuple[Signal, ...]

    def to_dict(self) -> dict:
        d = self.document.to_dict()
        mrz = d.pop("mrz")
        return {"mrz": mrz if mrz is not None else {"valid": False, "found": False}, "fields": d.pop("fields"),
                "signals": [s.to_dict() for s in self.signals], **d}


@dataclass(frozen=True)
class ResumeCheck:
    resume: "Resume"
    signals: tuple[Signal, ...]

    def to_dict(self) -> dict:
        return {"resume": self.resume.to_dict(), "claims": asdict(self.resume.to_claims()),
                "signals": [s.to_dict() for s in self.signals]}


@dataclass(frozen=True)
class CompareResult:
    similarity: float
    same_person: bool
    threshold: float
    faces: tuple[int, int]  # faces found on each image
    a: "StillFace"
    b: "StillFace"

    def to_dict(self) -> dict:
        return {"similarity": round(self.similarity, 4), "same_person": self.same_person,
                "threshold": self.threshold, "faces": list(self.faces),
                "quality": [self.a.face.quality.to_dict(), self.b.face.quality.to_dict()]}


def _engine(config: AnalyzerConfig | None, analyzer: "Analyzer | None", store=None) -> "Analyzer":
    from .pipeline import Analyzer

    if analyzer is not None:
        return analyzer
    return Analyzer(config or AnalyzerConfig(), store=store, use_store=store is not None)


def _run(config: AnalyzerConfig | None, analyzer: "Analyzer | None", inputs: CaseInputs, checks, features,
         store=None) -> RiskReport:
    engine = _engine(config, analyzer, store)
    try:
        return engine.run(inputs, checks=checks, features=features, record=False)
    finally:
        if analyzer is None:
            engine.close()


def check_id(path: str | Path, config: AnalyzerConfig | None = None, *, store=None, analyzer=None,
             candidate_id: str | None = None) -> IdCheck:
    """Read an ID image (or the scan in a PDF) and run the document checks."""
    report = _run(config, analyzer, CaseInputs(id_image=Path(path), candidate_id=candidate_id), id_checks(),
                  ("id_document",), store)
    return IdCheck(report.features["id_document"], report.signals)  # type: ignore[arg-type]


def check_resume(path: str | Path, config: AnalyzerConfig | None = None, *, store=None, analyzer=None,
                 candidate_id: str | None = None) -> ResumeCheck:
    """Read a resume and run the resume checks (the cross-candidate ones need ``store``)."""
    report = _run(config, analyzer, CaseInputs(resume=Path(path), candidate_id=candidate_id), resume_checks(),
                  ("resume",), store)
    return ResumeCheck(report.features["resume"], report.signals)  # type: ignore[arg-type]


def check_network(inputs: CaseInputs, config: AnalyzerConfig | None = None, *, use_store: bool = False,
                  analyzer=None) -> RiskReport:
    """Network, device, account and message signals from logs (no recording needed).

    ``use_store``: compare with, and record into, the configured case store like ``analyze``."""
    from .pipeline import Analyzer

    if not inputs.files():
        raise InputError("nothing to check: give an events file or at least one of --endpoints, --accounts, "
                         "--reviews, --messages")
    engine = analyzer or Analyzer(config or AnalyzerConfig(), use_store=use_store)
    try:
        return engine.run(inputs, checks=network_checks(), record=use_store)
    finally:
        if analyzer is None:
            engine.close()


def transcribe_result(path: str | Path, config: AnalyzerConfig | None = None, *, analyzer=None) -> "AsrResult":
    """Transcribe one recording: the pipeline's own VAD + windowed ASR, nothing else computed."""
    report = _run(config, analyzer, CaseInputs(media=Path(path)), (), ("asr",))
    return report.features["asr"]  # type: ignore[return-value]


def transcribe(path: str | Path, config: AnalyzerConfig | None = None, **kw) -> "Transcript":
    """``transcribe(path) -> Transcript`` (language, segments with words and timestamps)."""
    return transcribe_result(path, config, **kw).transcript


def compare_faces(path_a: str | Path, path_b: str | Path, config: AnalyzerConfig | None = None, *,
                  analyzer=None) -> CompareResult:
    """Cosine similarity of the largest face of each image against the configured threshold.

    Each image goes through the engine as a still (the ``id_face`` feature), so detection,
    alignment and embedding are the ones ``face.id_photo_match`` uses."""
    from .vision.embed import cosine

    cfg = config or AnalyzerConfig()
    engine = _engine(cfg, analyzer)
    try:
        a = _still(engine, path_a, "image A")
        b = _still(engine, path_b, "image B")
    finally:
        if analyzer is None:
            engine.close()
    # the id_face feature keeps only faces that have an embedding
    assert a.face.embedding is not None and b.face.embedding is not None
    sim = cosine(a.face.embedding, b.face.embedding)
    threshold = float(engine.config.face.match_threshold)
    return CompareResult(similarity=sim, same_person=sim >= threshold, threshold=threshold,
                         faces=(a.n_faces, b.n_faces), a=a, b=b)


def _still(engine: "Analyzer", path: str | Path, what: str) -> "StillFace":
    try:
        report = engine.run(CaseInputs(id_image=Path(path)), checks=(), features=("id_face",), record=False)
    except InputError as e:
        # the feature speaks of "the ID image"; here the user gave two plain images
        raise InputError(e.message.replace("the ID image", what).replace("ID image", what),
                         fix=e.fix or "use a photo where one face is clearly visible (at least 40 px wide)") from None
    return report.features["id_face"]  # type: ignore[return-value]
