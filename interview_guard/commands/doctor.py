"""interview-guard doctor [--json]: what this machine can run, and whether the models are verified.

Exit 0 when every default model is present with the right sha256, else 3 with the fix command.
Everything else (GPU, Chromium, codecs) is informational: the tool runs without a GPU.
"""
from __future__ import annotations

import argparse
import platform
import shutil
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from ..cli import Output

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
DECODERS = ("h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "aac", "opus", "mp3", "pcm_s16le")


def register(sub) -> None:
    p = sub.add_parser("doctor", help="check Python, ONNX Runtime providers, devices, codecs and model files")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--rehash", action="store_true", help="hash every model file again (ignore .verified stamps)")
    p.set_defaults(func=run)


@dataclass(frozen=True)
class OnnxInfo:
    version: str | None
    providers: tuple[str, ...]
    auto_device: str  # what device=auto resolves to
    auto_providers: tuple[str, ...]
    error: str | None = None


@dataclass(frozen=True)
class CTranslate2Info:
    version: str | None
    cuda_devices: int
    error: str | None = None


@dataclass(frozen=True)
class MediaInfo:
    av_version: str | None
    ffmpeg: str | None
    decoders: dict[str, bool] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class ModelStatus:
    name: str
    default: bool
    present: bool
    verified: bool
    status: str
    sha256: str | None
    path: str
    problem: str | None = None


@dataclass(frozen=True)
class DoctorReport:
    python: str
    executable: str
    platform: str
    versions: dict[str, str]
    onnxruntime: OnnxInfo
    ctranslate2: CTranslate2Info
    media: MediaInfo
    chromium: str | None
    models_dir: str
    manifest: str
    models: tuple[ModelStatus, ...]
    data: tuple[ModelStatus, ...]
    ok: bool
    problems: tuple[str, ...]
    fix: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _onnx() -> OnnxInfo:
    from ..runtime.onnx import available_providers, device_name, resolve_providers

    try:
        import onnxruntime as ort

        providers = available_providers()
        auto = resolve_providers("auto", providers)
        return OnnxInfo(ort.__version__, tuple(providers), device_name(auto), tuple(auto))
    except Exception as e:  # a broken install is exactly what doctor must report
        return OnnxInfo(None, (), "cpu", (), f"{type(e).__name__}: {e}")


def _ctranslate2() -> CTranslate2Info:
    try:
        import ctranslate2

        return CTranslate2Info(ctranslate2.__version__, int(ctranslate2.get_cuda_device_count()))
    except Exception as e:
        return CTranslate2Info(None, 0, f"{type(e).__name__}: {e}")


def _media() -> MediaInfo:
    try:
        import av
        from av.codec import Codec
    except Exception as e:
        return MediaInfo(None, None, {}, f"{type(e).__name__}: {e}")
    decoders = {}
    for name in DECODERS:
        try:
            Codec(name, "r")
            decoders[name] = True
        except Exception:  # UnknownCodecError and friends: this FFmpeg build lacks it
            decoders[name] = False
    ffmpeg = None
    try:
        v = av.library_versions.get("libavcodec")
        ffmpeg = "libavcodec " + ".".join(str(x) for x in v) if v else None
    except Exception:
        pass
    return MediaInfo(av.__version__, ffmpeg, decoders)


def _chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _statuses(store, use_stamp: bool) -> tuple[ModelStatus, ...]:
    out = []
    for spec in store.specs():
        r = store.verify(spec.name, use_stamp=use_stamp)
        out.append(ModelStatus(spec.name, spec.default, r.status != "missing", r.ok, r.status, r.sha256, r.path,
                               None if r.ok else r.problem()))
    return tuple(out)


def module_load_errors() -> dict[str, str]:
    """Strict loading: every check and feature module must import (a broken one is a coverage gap)."""
    from .. import checks, features

    checks.load_check_modules()
    features.load_feature_modules()
    return {**checks.import_errors(), **features.import_errors()}


def collect(*, use_stamp: bool = True, models_dir=None) -> DoctorReport:
    """Gather the doctor report (no network, no model sessions)."""
    from ..errors import ModelError
    from ..pipeline import versions
    from ..runtime.models import ModelStore, data_store

    problems: list[str] = []
    try:
        store = ModelStore(models_dir)
        models = _statuses(store, use_stamp)
        root, manifest = str(store.root), ", ".join(str(p) for p in store.manifest.paths)
        bad = [m.name for m in models if m.default and not m.verified]
        fix = f"interview-guard models fetch {' '.join(bad)}" if bad else None
        problems += [f"model {m.name}: {m.problem or m.status}" for m in models if m.default and not m.verified]
    except (ModelError, ValueError) as e:
        models, root, manifest = (), "", ""
        fix = "interview-guard models fetch"
        problems.append(f"manifest: {e}")
    try:
        data = _statuses(data_store(), use_stamp)
    except (ModelError, ValueError):  # test data is optional for running the tool
        data = ()
    problems += [f"module {m} failed to load: {err} (its checks would be missing from every report)"
                 for m, err in sorted(module_load_errors().items())]
    onnx = _onnx()
    if onnx.error or "CPUExecutionProvider" not in onnx.providers:
        problems.append(f"onnxruntime: {onnx.error or 'no CPUExecutionProvider'}")
    return DoctorReport(
        python=platform.python_version(), executable=sys.executable,
        platform=f"{platform.system()} {platform.release()} {platform.machine()}",
        versions=versions(), onnxruntime=onnx, ctranslate2=_ctranslate2(), media=_media(),
        chromium=_chromium(), models_dir=root, manifest=manifest, models=models, data=data,
        ok=not problems, problems=tuple(problems), fix=fix)


def _text(r: DoctorReport) -> str:
    o, c, m = r.onnxruntime, r.ctranslate2, r.media
    lines = [f"python        {r.python} ({r.executable})", f"platform      {r.platform}",
             f"onnxruntime   {o.version or 'MISSING'}: {', '.join(o.providers) or o.error}",
             f"device auto   -> {o.auto_device} ({', '.join(o.auto_providers)})",
             f"ctranslate2   {c.version or 'MISSING'}: {c.cuda_devices} CUDA device(s)"
             + (f" ({c.error})" if c.error else ""),
             f"PyAV          {m.av_version or 'MISSING'} {m.ffmpeg or ''}; decoders: "
             + ", ".join(f"{k}{'' if v else ' (no)'}" for k, v in m.decoders.items()),
             f"chromium      {r.chromium or 'not found (only the HTML render test needs it: make sysdeps)'}",
             f"models        {r.models_dir}"]
    for s in r.models:
        lines.append((f"  {s.name:26} {s.status}{'' if s.default else ' (optional)'}"
                      + (f": {s.problem}" if s.problem and s.status != "missing" else "")).rstrip())
    if r.data:
        lines.append(f"test data     {sum(d.verified for d in r.data)}/{len(r.data)} entries verified"
                     + ("" if all(d.verified for d in r.data) else " (make data)"))
    lines.append("ok" if r.ok else "problems:\n" + "\n".join(f"  {p}" for p in r.problems))
    if r.fix:
        lines.append(f"run: {r.fix}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> Output:
    report = collect(use_stamp=not args.rehash)
    if report.fix:
        print(f"interview-guard: default models are missing or corrupt (fix: {report.fix})", file=sys.stderr)
    if any(p.startswith("module ") for p in report.problems):
        print("interview-guard: a check or feature module failed to load (see problems)", file=sys.stderr)
        return Output(report.to_dict(), _text(report), 1)
    return Output(report.to_dict(), _text(report), 0 if report.ok else 3)
