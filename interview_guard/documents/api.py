"""One-call entry points for the CLI and the app: an ID image or a resume, checked on its own.

They compute the same features and run the same checks as the Analyzer, with a private
FeatureEnv. Reading the input happens first and outside the checks, so a bad file raises its
InputError (exit 2) instead of turning into ``error`` signals. The store is optional
(cross-candidate checks are then ``skipped``) and nothing is recorded in it.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

from ..config import AnalyzerConfig
from ..types import CaseInputs, Signal

logger = logging.getLogger(__name__)

ID_CHECKS = ("document.mrz", "document.viz_mrz_consistency", "document.expiry", "document.photo_integrity",
             "document.duplicate")
RESUME_CHECKS = ("resume.timeline", "resume.claim_consistency", "resume.template_reuse", "resume.contact_reuse")


@dataclass(frozen=True)
class IdCheck:
    document: object  # IdDocument
    signals: tuple[Signal, ...]

    def to_dict(self) -> dict:
        d = self.document.to_dict()
        mrz = d.pop("mrz")
        return {"mrz": mrz if mrz is not None else {"valid": False, "found": False}, "fields": d.pop("fields"),
                "signals": [s.to_dict() for s in self.signals], **d}


@dataclass(frozen=True)
class ResumeCheck:
    resume: object  # Resume
    signals: tuple[Signal, ...]

    def to_dict(self) -> dict:
        return {"resume": self.resume.to_dict(), "claims": asdict(self.resume.to_claims()),
                "signals": [s.to_dict() for s in self.signals]}


def _env(inputs: CaseInputs, cfg: AnalyzerConfig, runtime, models, store):
    from ..features import FeatureEnv
    from ..runtime.models import ModelStore
    from ..runtime.onnx import OnnxRuntime

    return FeatureEnv(config=cfg, runtime=runtime or OnnxRuntime(cfg.device, threads=cfg.threads),
                      models=models or ModelStore(cfg.models_dir, overrides=cfg.model_overrides),
                      inputs=inputs, store=store)


def _run_checks(env, first: str, compute: Callable, check_names: Sequence[str]) -> tuple[object, tuple[Signal, ...]]:
    from .. import features as feature_registry
    from ..checks import CaseContext, errored, registered_checks, skipped
    from ..errors import InterviewGuardError
    from ..features import FeatureUnavailable
    from ..pipeline import FeatureResolver, _Timer

    resolver = FeatureResolver(env, feature_registry.registry(), _Timer())
    value = compute(env, resolver.get)  # raises InputError / ModelError for the caller
    resolver.values[first] = value
    checks = registered_checks()
    signals: list[Signal] = []
    for name in check_names:
        cls = checks.get(name)
        if cls is None:
            continue
        ctx = CaseContext(config=env.config, inputs=env.inputs, case_id=env.inputs.case_id or "standalone",
                          candidate_id=env.inputs.candidate_id, _get=resolver.get, store=env.store)
        try:
            produced = list(cls().run(ctx))
        except FeatureUnavailable as e:
            produced = [(errored if e.error else skipped)(cls.name, s, e.reason) for s in cls.signals]
        except InterviewGuardError as e:
            produced = [errored(cls.name, s, e.one_line()) for s in cls.signals]
        except Exception as e:  # same isolation as the Analyzer: one check cannot sink the others
            logger.warning("check %s failed: %s", name, e)
            produced = [errored(cls.name, s, f"{type(e).__name__}: {e}") for s in cls.signals]
        signals.extend(produced)
    return value, tuple(signals)


def check_id(path: str | Path, config: AnalyzerConfig | None = None, *, store=None, runtime=None,
             models=None, candidate_id: str | None = None) -> IdCheck:
    """Read an ID image (or the scan in a PDF) and run the document checks."""
    from .features import id_document_feature

    cfg = config or AnalyzerConfig()
    env = _env(CaseInputs(id_image=Path(path), candidate_id=candidate_id), cfg, runtime, models, store)
    doc, signals = _run_checks(env, "id_document", id_document_feature, ID_CHECKS)
    return IdCheck(doc, signals)


def check_resume(path: str | Path, config: AnalyzerConfig | None = None, *, store=None,
                 candidate_id: str | None = None) -> ResumeCheck:
    """Read a resume and run the resume checks (the cross-candidate ones need ``store``)."""
    from .features import resume_feature

    cfg = config or AnalyzerConfig()
    env = _env(CaseInputs(resume=Path(path), candidate_id=candidate_id), cfg, None, None, store)
    resume, signals = _run_checks(env, "resume", resume_feature, RESUME_CHECKS)
    return ResumeCheck(resume, signals)
