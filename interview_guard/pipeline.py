"""Analyzer: work out the needed features, compute each once, run checks, fuse, store.

Data flows one way: inputs -> features -> checks -> fusion -> report / store.
A check never decodes media or opens sessions itself; it asks for features by name.
"""
from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from . import checks as check_registry
from . import features as feature_registry
from .checks import CaseContext, errored, skipped
from .checks.base import Check, ThumbnailBudget
from .config import AnalyzerConfig
from .errors import FeatureUnavailable, InputError, InterviewGuardError
from .features import FeatureEnv, FeatureSpec
from .hashing import sha256_file
from .resolver import CaseTimer, FeatureResolver, Progress
from .types import CaseInfo, CaseInputs, InputRecord, MediaInfo, ModelUse, RiskReport, RuntimeInfo, Signal

logger = logging.getLogger(__name__)


def _no_progress(stage: str, fraction: float | None, message: str) -> None:
    logger.debug("%s %s %s", stage, fraction, message)


class Analyzer:
    """Analyze one case at a time. Reuses model sessions across cases; close() when done."""

    def __init__(self, config: AnalyzerConfig | None = None, *, runtime=None, models=None,
                 store=None, use_store: bool = True, progress: Progress | None = None,
                 checks: Mapping[str, type[Check]] | None = None,
                 features: Mapping[str, FeatureSpec] | None = None) -> None:
        from .runtime.models import ModelStore
        from .runtime.onnx import OnnxRuntime

        self.config = config or AnalyzerConfig()
        self.runtime = runtime or OnnxRuntime(self.config.device, threads=self.config.threads)
        self.models = models or ModelStore(self.config.models_dir, overrides=self.config.model_overrides)
        self._store = store
        self._use_store = use_store and (store is not None or self.config.store_path is not None)
        self.progress = progress or _no_progress
        self._policy = None
        # Registries are injectable so tests (and embedders) can run a custom set.
        self._checks = dict(checks) if checks is not None else None
        self._features = dict(features) if features is not None else None

    # ------------------------------------------------------------------ helpers
    @property
    def store(self):
        if self._store is None and self._use_store:
            from .store import Store

            self._store = Store(self.config.store_path)
        return self._store

    @property
    def policy(self):
        if self._policy is None:
            from .risk import load_policy

            self._policy = load_policy(self.config.risk.policy)
        return self._policy

    def check_registry(self) -> Mapping[str, type[Check]]:
        return self._checks if self._checks is not None else check_registry.registered_checks()

    def feature_specs(self) -> Mapping[str, FeatureSpec]:
        """The feature registry this Analyzer uses (an injected one in tests and embedders)."""
        return self._features if self._features is not None else feature_registry.registry()

    def select_checks(self, names: Iterable[str] | None = None) -> dict[str, type[Check]]:
        """The checks to run: ``names`` (check, signal or family names), else the config's list,
        else every registered check. Unknown names raise InputError (exit 2)."""
        checks = self.check_registry()
        chosen = names if names is not None else self.config.checks
        if chosen is None:
            return dict(checks)
        return {n: checks[n] for n in check_registry.resolve_check_names(chosen, checks)}

    def _describe_inputs(self, inputs: CaseInputs) -> tuple[list[InputRecord], MediaInfo | None]:
        from . import media

        files = inputs.files()
        if not files:
            raise InputError("nothing to analyze: give a recording or at least one other input")
        records: list[InputRecord] = []
        media_info: MediaInfo | None = None
        for role, path in files.items():
            if not path.exists():
                raise InputError(f"{role.replace('_', ' ')} not found: {path}")
            if not path.is_file():
                raise InputError(f"{role.replace('_', ' ')} is not a file: {path}")
            size = path.stat().st_size
            if size == 0:
                raise InputError(f"{role.replace('_', ' ')} is empty (0 bytes): {path}")
            kind, duration = role, None
            if role in ("media", "interviewer_sample"):
                info = media.probe(path, self.config.media)
                kind = "video" if info.has_video else "audio"
                duration = info.duration_s
                if role == "media":
                    media_info = info
            elif role == "id_image":
                # a scanned ID may come as a PDF: documents/ reads its pages under its own limits
                with open(path, "rb") as f:
                    is_pdf = f.read(5) == b"%PDF-"
                kind = "pdf" if is_pdf else media.check_image(path, self.config.media)
            records.append(InputRecord(role=role, path=str(path), sha256=sha256_file(path), kind=kind,
                                       size_bytes=size, duration_s=duration))
        return records, media_info

    # ------------------------------------------------------------------ the engine's one entry point
    def run(self, inputs: CaseInputs, checks: Iterable[str] | None = None, features: Iterable[str] = (), *,
            record: bool = True, progress: Progress | None = None) -> RiskReport:
        """Analyze one case: run ``checks`` (default: the config's, else all) and compute the
        ``features`` a caller wants back (``report.features``), each feature at most once.

        Every entry point (analyze, check-id, check-resume, check-network, transcribe, faces
        compare, the app, batch, live) calls this. Per-case state (warnings, timings, models
        used) lives in this call, never on the Analyzer. A requested feature that cannot be
        computed raises its error (bad input: exit 2). ``record=False`` keeps the analysis out
        of the case store (the store is still read for cross-candidate checks). ``progress``
        overrides the Analyzer's progress callback for this call only."""
        from .risk import fuse

        progress = progress or self.progress

        timer = CaseTimer()
        t_start = time.perf_counter()
        with timer.stage("probe"):
            records, media_info = self._describe_inputs(inputs)
        case_id = inputs.case_id or "case-" + hashlib.sha256(
            "|".join(sorted(r.sha256 for r in records)).encode()).hexdigest()[:12]
        selected = self.select_checks(checks)
        wanted = tuple(features)
        specs = self.feature_specs()
        roots = set(wanted).union(*(cls.needs | check_registry.wants(cls) for cls in selected.values()))
        needed = feature_registry.closure(roots, specs)
        env = FeatureEnv(config=self.config, runtime=self.runtime, models=self.models, inputs=inputs,
                         media=media_info, store=self.store)
        for w in self.runtime.device_warnings:
            env.warn(w)
        load_errors = self._load_errors()
        for module, err in load_errors.items():
            env.warn(f"module {module} failed to load ({err}): its checks did not run (coverage gap)")
        resolver = FeatureResolver(env, specs, timer)
        progress("plan", 0.0, f"{len(selected)} checks, features: {', '.join(needed) or 'none'}")
        self._stream_pass(resolver, env, needed, specs, media_info, progress)
        values = {name: self._requested(resolver, name) for name in wanted}

        signals: list[Signal] = []
        links = []
        thumbnails = ThumbnailBudget(bool(self.config.report.thumbnails),
                                                         self.config.report.max_thumbnails)
        for i, (name, cls) in enumerate(sorted(selected.items())):
            progress("checks", i / max(1, len(selected)), name)
            ctx = CaseContext(config=self.config, inputs=inputs, case_id=case_id,
                              candidate_id=inputs.candidate_id, _get=resolver.get, store=self.store,
                              thumbnails=thumbnails)
            with timer.stage(f"check.{name}"):
                signals.extend(self._run_check(cls, ctx))
            links.extend(ctx.links)
        if load_errors and selected and checks is None and self.config.checks is None:
            signals.extend(self._unloaded_signals(signals, load_errors))

        with timer.stage("risk"):
            assessment, followups = fuse(signals, self.policy, fluency_enabled=self.config.risk.fluency_enabled)
        if load_errors:  # strict loading: a module that did not load is a gap the reviewer must see first
            gaps = tuple(f"Coverage gap: module {m} failed to load; its checks did not run"
                         for m in sorted(load_errors))
            assessment = replace(assessment, reasons=gaps + assessment.reasons)
        timer.timings["total"] = time.perf_counter() - t_start
        report = RiskReport(
            case=CaseInfo(case_id=case_id, candidate_id=inputs.candidate_id,
                          analyzed_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                          analyst=self.config.analyst, policy_version=self.policy.version),
            inputs=tuple(records), signals=tuple(signals), risk=assessment, followups=tuple(followups),
            runtime=self._runtime_info(env, timer), transcript=resolver.values.get("transcript"),
            features=values)
        if record and self.store is not None:
            try:
                self.store.record_analysis(report, links)
            except Exception as e:  # the report is worth more than its archive copy
                logger.warning("could not save the analysis to the store: %s", e)
                report = _with_warning(report, f"store: {e}")
        progress("done", 1.0, f"risk {assessment.level}")
        return report

    def analyze(self, inputs: CaseInputs) -> RiskReport:
        """The full analysis of one case with the configured checks (``run`` with its defaults)."""
        return self.run(inputs)

    def live(self, **kwargs: Any):
        """A LiveSession on this Analyzer: push frames and audio, snapshot, finish (see ``live/``)."""
        from .live import open_live_session

        return open_live_session(self, **kwargs)

    def _load_errors(self) -> dict[str, str]:
        if self._checks is not None and self._features is not None:  # an injected registry: nothing loaded
            return {}
        return {**check_registry.import_errors(), **feature_registry.import_errors()}

    def _unloaded_signals(self, produced: list[Signal], load_errors: Mapping[str, str]) -> list[Signal]:
        """``error`` signals for policy signals no loaded check emits, so fusion names the gap."""
        seen = {s.name for s in produced}
        why = "; ".join(f"{m}: {e}" for m, e in sorted(load_errors.items()))
        return [errored(name.split(".", 1)[0], name, f"not evaluated: a check module failed to load ({why})")
                for name in sorted(self.policy.weights) if name not in seen]

    def _stream_pass(self, resolver: FeatureResolver, env: FeatureEnv, needed: list[str],
                     specs: Mapping[str, FeatureSpec], media_info: MediaInfo | None, progress: Progress) -> None:
        """Decode the recording once per stream kind and feed every stream extractor."""
        from . import media

        mopts = self.config.media
        for kind in ("video", "audio"):
            names = [n for n in needed if n in specs and specs[n].kind == kind]
            if not names:
                continue
            has = media_info is not None and (media_info.has_video if kind == "video" else media_info.has_audio)
            if media_info is None or not has:
                why = "no recording supplied" if media_info is None else f"the recording has no {kind} stream"
                for n in names:
                    resolver.failures[n] = FeatureUnavailable(why)
                continue
            items: Iterator[Any]
            if kind == "video":
                items, span = media.iter_frames(media_info.path, mopts), 1.0 / mopts.sample_fps
            else:
                items, span = media.iter_audio(media_info.path, mopts), 0.0
            coverage = resolver.run_stream(kind, names, items, progress, media_info.duration_s, span)
            warning = coverage.shortfall_warning(media_info.duration_s)
            if warning:
                env.warn(warning)

    @staticmethod
    def _requested(resolver: FeatureResolver, name: str) -> Any:
        try:
            return resolver.get(name)
        except FeatureUnavailable as e:
            cause = e.__cause__
            if isinstance(cause, InterviewGuardError):
                raise cause from None
            raise InputError(e.reason) from None

    def _run_check(self, cls: type[Check], ctx: CaseContext) -> list[Signal]:
        try:
            produced = list(cls().run(ctx))
        except FeatureUnavailable as e:
            make = errored if e.error else skipped
            return [make(cls.name, s, e.reason) for s in cls.signals]
        except InterviewGuardError as e:
            return [errored(cls.name, s, e.one_line()) for s in cls.signals]
        except Exception as e:
            logger.warning("check %s failed: %s", cls.name, e, exc_info=logger.isEnabledFor(logging.DEBUG))
            return [errored(cls.name, s, f"{type(e).__name__}: {e}") for s in cls.signals]
        seen = {s.name for s in produced}
        # every declared signal appears once, so a reviewer sees what was covered
        return produced + [skipped(cls.name, s, "not evaluated for this case") for s in cls.signals if s not in seen]

    def _runtime_info(self, env: FeatureEnv, timer: CaseTimer) -> RuntimeInfo:
        models = []
        loaded_from = {r.model: r.path for r in self.runtime.records()}
        for name, provider in sorted(env.models_used.items()):
            try:
                path, digest = str(self.models.path(name)), self.models.sha256(name)
            except Exception:  # not a manifest model: a user-supplied file (e.g. external classifier)
                path = loaded_from.get(name, "")
                digest = self._file_digest(path) if path else ""
            models.append(ModelUse(name=name, path=path, sha256=digest, provider=provider))
        return RuntimeInfo(device=self.runtime.device_used, providers=tuple(self.runtime.providers),
                           models=tuple(models), versions=versions(), timings_s=dict(timer.timings),
                           warnings=tuple(env.warnings))

    def _file_digest(self, path: str) -> str:
        key = (path, Path(path).stat().st_mtime_ns) if Path(path).is_file() else None
        if key is None:
            return ""
        cache = self.__dict__.setdefault("_digests", {})
        if key not in cache:
            cache[key] = sha256_file(Path(path))
        return cache[key]

    def close(self) -> None:
        self.runtime.close()
        if self._store is not None:
            self._store.close()

    def __enter__(self) -> "Analyzer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _with_warning(report: RiskReport, warning: str) -> RiskReport:
    return replace(report, runtime=replace(report.runtime, warnings=report.runtime.warnings + (warning,)))


def versions() -> dict[str, str]:
    import platform
    from importlib import metadata

    out = {"python": platform.python_version()}
    for pkg in ("interview-guard", "onnxruntime", "onnxruntime-gpu", "numpy", "mediapipe", "faster-whisper",
                "ctranslate2", "opencv-contrib-python", "av", "gradio"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


def analyze(inputs: CaseInputs | None = None, config: AnalyzerConfig | None = None, **kw: Any) -> RiskReport:
    """One-shot convenience: ``analyze(media=Path(...), resume=...)``."""
    if inputs is None:
        fields: dict[str, Any] = {k: Path(v) if k in CaseInputs.FILE_FIELDS and v is not None else v
                                  for k, v in kw.items()}
        inputs = CaseInputs(**fields)
    with Analyzer(config) as analyzer:
        return analyzer.analyze(inputs)
