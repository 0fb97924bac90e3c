"""Analyzer: work out the needed features, compute each once, run checks, fuse, store.

Data flows one way: inputs -> features -> checks -> fusion -> report / store.
A check never decodes media or opens sessions itself; it asks for features by name.
"""
from __future__ import annotations

import hashlib
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from . import features as feature_registry
from .checks import CaseContext, errored, registered_checks, skipped
from .config import AnalyzerConfig
from .errors import InputError, InterviewGuardError
from .features import FeatureEnv, FeatureSpec, FeatureUnavailable
from .types import (CaseInfo, CaseInputs, InputRecord, MediaInfo, ModelUse, RiskReport, RuntimeInfo,
                    Signal)

logger = logging.getLogger(__name__)

Progress = Callable[[str, float | None, str], None]


def _no_progress(stage: str, fraction: float | None, message: str) -> None:
    logger.debug("%s %s %s", stage, fraction, message)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


@dataclass
class _Timer:
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t0


class FeatureResolver:
    """Computes each feature at most once per case; remembers failures as well."""

    def __init__(self, env: FeatureEnv, specs: Mapping[str, FeatureSpec], timer: _Timer) -> None:
        self.env = env
        self.specs = specs
        self.timer = timer
        self.values: dict[str, Any] = {}
        self.failures: dict[str, FeatureUnavailable] = {}

    def get(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        if name in self.failures:
            raise self.failures[name]
        spec = self.specs.get(name)
        if spec is None:
            self.failures[name] = FeatureUnavailable(f"no extractor provides feature {name!r}", error=True)
            raise self.failures[name]
        if spec.kind != "derived":  # stream features come only from the stream pass
            self.failures[name] = FeatureUnavailable(f"{name} was not computed (no {spec.kind} stream)")
            raise self.failures[name]
        try:
            with self.timer.stage(f"feature.{name}"):
                value = spec.compute(self.env, self.get)
        except FeatureUnavailable as e:
            self.failures[name] = e
            raise
        except InterviewGuardError as e:
            self.failures[name] = FeatureUnavailable(e.one_line(), error=True)
            raise self.failures[name] from e
        except Exception as e:
            logger.debug("feature %s failed", name, exc_info=True)
            self.failures[name] = FeatureUnavailable(f"{name} failed: {type(e).__name__}: {e}", error=True)
            raise self.failures[name] from e
        self.values[name] = value
        return value

    def run_stream(self, kind: str, names: list[str], items: Iterator[Any], progress: Progress,
                   total_s: float | None) -> int:
        """Push every item through the extractors of ``names`` (in dependency order)."""
        extractors: dict[str, Any] = {}
        for name in names:
            spec = self.specs[name]
            broken = [d for d in spec.depends if d in self.failures]
            if broken:
                self.failures[name] = FeatureUnavailable(f"needs {broken[0]}: {self.failures[broken[0]].reason}",
                                                         error=self.failures[broken[0]].error)
                continue
            try:
                with self.timer.stage(f"feature.{name}"):
                    extractors[name] = spec.build(self.env)
            except FeatureUnavailable as e:
                self.failures[name] = e
            except InterviewGuardError as e:
                self.failures[name] = FeatureUnavailable(e.one_line(), error=True)
            except Exception as e:
                logger.debug("building %s failed", name, exc_info=True)
                self.failures[name] = FeatureUnavailable(f"{name} failed to start: {type(e).__name__}: {e}", error=True)
        if not extractors:
            return 0
        count = 0
        decode_key = f"decode.{kind}"
        it = iter(items)
        while True:
            t0 = time.perf_counter()
            try:
                item = next(it)
            except StopIteration:
                self.timer.timings[decode_key] = self.timer.timings.get(decode_key, 0.0) + time.perf_counter() - t0
                break
            except InputError:
                if count == 0:
                    raise
                logger.warning("%s decoding stopped early after %d items (damaged file?)", kind, count)
                self.env.runtime.warnings.append(f"{kind} stream ended early after {count} items (damaged file?)")
                break
            self.timer.timings[decode_key] = self.timer.timings.get(decode_key, 0.0) + time.perf_counter() - t0
            count += 1
            per_item: dict[str, Any] = {}
            for name in list(extractors):
                spec = self.specs[name]
                upstream = {d: per_item.get(d) for d in spec.depends}
                if any(d in self.failures for d in spec.depends):
                    self.failures[name] = FeatureUnavailable(f"a feature {name} needs failed", error=True)
                    del extractors[name]
                    continue
                try:
                    with self.timer.stage(f"feature.{name}"):
                        per_item[name] = extractors[name].add(item, upstream)
                except Exception as e:
                    logger.debug("%s failed on an item", name, exc_info=True)
                    msg = e.one_line() if isinstance(e, InterviewGuardError) else f"{type(e).__name__}: {e}"
                    self.failures[name] = FeatureUnavailable(f"{name} failed at t={getattr(item, 't', 0):.2f}s: {msg}",
                                                             error=True)
                    del extractors[name]
            if total_s and count % 25 == 0:
                progress(kind, min(1.0, getattr(item, "t", 0.0) / total_s), f"{kind} t={getattr(item, 't', 0.0):.1f}s")
        for name, ex in extractors.items():
            try:
                with self.timer.stage(f"feature.{name}"):
                    self.values[name] = ex.finish()
            except FeatureUnavailable as e:
                self.failures[name] = e
            except Exception as e:
                logger.debug("finishing %s failed", name, exc_info=True)
                msg = e.one_line() if isinstance(e, InterviewGuardError) else f"{type(e).__name__}: {e}"
                self.failures[name] = FeatureUnavailable(f"{name} failed: {msg}", error=True)
        progress(kind, 1.0, f"{kind}: {count} items")
        return count


class Analyzer:
    """Analyze one case at a time. Reuses model sessions across cases; close() when done."""

    def __init__(self, config: AnalyzerConfig | None = None, *, runtime=None, models=None,
                 store=None, use_store: bool = True, progress: Progress | None = None,
                 checks: Mapping[str, type] | None = None,
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

    def selected_checks(self) -> dict[str, type]:
        checks = self._checks if self._checks is not None else registered_checks()
        if self.config.checks is None:
            return checks
        unknown = [c for c in self.config.checks if c not in checks]
        if unknown:
            raise InputError(f"unknown check(s): {', '.join(unknown)}; known: {', '.join(sorted(checks))}")
        return {k: v for k, v in checks.items() if k in self.config.checks}

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

    # ------------------------------------------------------------------ main entry
    def analyze(self, inputs: CaseInputs) -> RiskReport:
        from . import media
        from .risk import fuse

        timer = _Timer()
        t_start = time.perf_counter()
        with timer.stage("probe"):
            records, media_info = self._describe_inputs(inputs)
        case_id = inputs.case_id or "case-" + hashlib.sha256(
            "|".join(sorted(r.sha256 for r in records)).encode()).hexdigest()[:12]
        checks = self.selected_checks()
        specs = self._features if self._features is not None else feature_registry.registry()
        needed = feature_registry.closure(set().union(*(c.needs for c in checks.values())) if checks else set(), specs)
        env = FeatureEnv(config=self.config, runtime=self.runtime, models=self.models, inputs=inputs,
                         media=media_info, store=self.store)
        resolver = FeatureResolver(env, specs, timer)
        self.progress("plan", 0.0, f"{len(checks)} checks, features: {', '.join(needed) or 'none'}")

        video = [n for n in needed if n in specs and specs[n].kind == "video"]
        audio = [n for n in needed if n in specs and specs[n].kind == "audio"]
        mopts = self.config.media
        if video:
            if media_info is None or not media_info.has_video:
                why = "no recording supplied" if media_info is None else "the recording has no video stream"
                for n in video:
                    resolver.failures[n] = FeatureUnavailable(why)
            else:
                frames = media.iter_frames(media_info.path, mopts)
                resolver.run_stream("video", video, frames, self.progress, media_info.duration_s)
        if audio:
            if media_info is None or not media_info.has_audio:
                why = "no recording supplied" if media_info is None else "the recording has no audio stream"
                for n in audio:
                    resolver.failures[n] = FeatureUnavailable(why)
            else:
                chunks = media.iter_audio(media_info.path, mopts)
                resolver.run_stream("audio", audio, chunks, self.progress, media_info.duration_s)

        signals: list[Signal] = []
        links = []
        for i, (name, cls) in enumerate(sorted(checks.items())):
            self.progress("checks", i / max(1, len(checks)), name)
            ctx = CaseContext(config=self.config, inputs=inputs, case_id=case_id,
                              candidate_id=inputs.candidate_id, _get=resolver.get, store=self.store)
            with timer.stage(f"check.{name}"):
                signals.extend(self._run_check(cls, ctx))
            links.extend(ctx.links)

        with timer.stage("risk"):
            assessment, followups = fuse(signals, self.policy,
                                         fluency_enabled=self.config.risk.fluency_enabled)
        transcript = resolver.values.get("transcript")
        timer.timings["total"] = time.perf_counter() - t_start
        report = RiskReport(
            case=CaseInfo(case_id=case_id, candidate_id=inputs.candidate_id,
                          analyzed_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                          analyst=self.config.analyst, policy_version=self.policy.version),
            inputs=tuple(records), signals=tuple(signals), risk=assessment, followups=tuple(followups),
            runtime=self._runtime_info(env, timer), transcript=transcript)
        if self.store is not None:
            try:
                self.store.record_analysis(report, links)
            except Exception as e:  # the report is worth more than its archive copy
                logger.warning("could not save the analysis to the store: %s", e)
                report = _with_warning(report, f"store: {e}")
        self.progress("done", 1.0, f"risk {assessment.level}")
        return report

    def _run_check(self, cls: type, ctx: CaseContext) -> list[Signal]:
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

    def _runtime_info(self, env: FeatureEnv, timer: _Timer) -> RuntimeInfo:
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
                           warnings=tuple(self.runtime.warnings))

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
    from dataclasses import replace

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
        inputs = CaseInputs(**{k: Path(v) if k in CaseInputs.FILE_FIELDS and v is not None else v
                               for k, v in kw.items()})
    with Analyzer(config) as analyzer:
        return analyzer.analyze(inputs)
