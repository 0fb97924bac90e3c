"""Live-session benchmark: a real-time 5 fps feed of a real face with real speech, on this machine.

Measures the delay from a frame's push to the face indicator that used it (median / p95), frames
dropped, transcript lag behind the speech (wall time from pushing the audio that ends a segment to
the segment appearing), CPU share of the process and resident memory at start / middle / end (flat
= no leak). Writes benchmarks/results/live.md.

    python benchmarks/bench_live.py              # 3 minutes
    python benchmarks/bench_live.py --minutes 30

Feed: Obama's registry photo with webcam-like motion (640x480, 5 fps, ping-pong loop) and the
LibriVox readings fetched by `make data`, looped, pushed in 0.5 s chunks at real time.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

from interview_guard.config import AnalyzerConfig, MediaOptions, default_data_dir  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def cpu_s() -> float:
    t = os.times()
    return t.user + t.system


def feed_media(fps: float):
    import cv2

    try:
        from support import synth
    except ImportError:
        from interview_guard.vision import synth
    from interview_guard import media

    photo = default_data_dir() / "face-recognition-images" / "obama.jpg"
    wavs = sorted(default_data_dir().glob("pocketsphinx-librivox/**/*.wav"))
    if not photo.is_file() or not wavs:
        raise SystemExit("registry data missing: run `make data` first")
    frames = synth.portrait_clip(cv2.imread(str(photo)), int(10 * fps), seed=7)
    frames = frames + frames[::-1]
    audio = np.concatenate([np.concatenate([media.load_audio(w, MediaOptions()), np.zeros(8000, np.float32)])
                            for w in wavs])
    return frames, audio


def pct(values, q):
    return float(np.percentile(values, q)) if len(values) else float("nan")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--fps", type=float, default=5.0)
    ap.add_argument("--out", default=str(HERE / "results" / "live.md"))
    args = ap.parse_args(argv)

    from interview_guard.live import LiveOptions, open_live_session
    from interview_guard.pipeline import Analyzer

    frames, audio = feed_media(args.fps)
    seconds = args.minutes * 60.0
    work = Path(tempfile.mkdtemp(prefix="bench-live-"))
    cfg = AnalyzerConfig(store_path=work / "store.sqlite", device="cpu")
    rss = []
    with Analyzer(cfg) as analyzer:
        session = open_live_session(analyzer, consent="benchmark (synthetic feed)",
                                    options=LiveOptions(sample_fps=args.fps, case_dir=work / "case"))
        session.wait_ready(300)
        rss.append(("start (models loaded)", 0.0, rss_mb()))
        cpu0, wall0 = cpu_s(), time.monotonic()
        chunk = 8000
        k_frame = k_audio = 0
        next_rss = seconds / 6
        snaps = 0
        while True:
            now = time.monotonic() - wall0
            if now >= seconds:
                break
            t_frame = k_frame / args.fps
            t_audio = k_audio * chunk / 16000.0
            due_audio = t_audio + chunk / 16000.0  # a chunk is pushed once it has been "spoken"
            if t_frame <= due_audio:
                if now < t_frame:
                    time.sleep(t_frame - now)
                session.push_frame(t_frame, frames[k_frame % len(frames)])
                k_frame += 1
            else:
                if now < due_audio:
                    time.sleep(due_audio - now)
                i = (k_audio * chunk) % (len(audio) - chunk)
                session.push_audio(t_audio, audio[i:i + chunk])
                k_audio += 1
            if time.monotonic() - wall0 >= snaps:
                session.snapshot()
                snaps += 1
            if now >= next_rss:
                rss.append(("", now, rss_mb()))
                next_rss += seconds / 6
        wall = time.monotonic() - wall0
        cpu = cpu_s() - cpu0
        rss.append(("end", wall, rss_mb()))
        snap = session.snapshot()
        delays = [done - pushed for _, pushed, done in session.delays]
        lags = list(session.transcript_lags)
        lanes = {n: dict(lane.timings) for n, lane in session.lanes.items()}
        tr = snap.indicator("speech.transcript")
        session.close()

    face_frames = max(1, session.frames_analyzed)
    per_frame = {k: v / face_frames * 1000 for k, v in lanes.get("video", {}).items()}
    lines = [
        "# Live session (real-time feed)", "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d} on {platform.machine()} with {os.cpu_count()} CPU cores "
        f"(`{platform.processor() or platform.platform()}`), CPU only, Python {platform.python_version()}; "
        f"`python benchmarks/bench_live.py --minutes {args.minutes:g}`.",
        "",
        f"Feed: a real face (registry photo with webcam-like motion, 640x480) at {args.fps:g} fps and LibriVox "
        f"speech in 0.5 s chunks, pushed at real time for {wall / 60:.1f} min. Models: MediaPipe + SFace (faces), "
        "screen cues, blending boundary (1 per s), Silero VAD, speaker embedder, Whisper base int8 "
        "(live windows of 4 s, greedy), AASIST (bursts); FAS is off on CPU.", "",
        "| measure | value |", "|---|---|",
        f"| frames pushed / analysed / dropped while busy | {session.frames_received} / {session.frames_analyzed} / "
        f"{session.frames_dropped} |",
        f"| face indicator delay, median | {pct(delays, 50) * 1000:.0f} ms |",
        f"| face indicator delay, p95 | {pct(delays, 95) * 1000:.0f} ms |",
        f"| face indicator delay, max | {max(delays) * 1000 if delays else float('nan'):.0f} ms |",
        f"| transcript lag behind speech, median | {pct(lags, 50):.1f} s |",
        f"| transcript lag behind speech, p95 | {pct(lags, 95):.1f} s |",
        f"| transcript segments live | {len(lags)} |",
        f"| CPU share of the process | {cpu / wall:.2f} cores of {os.cpu_count()} "
        f"({cpu / wall / (os.cpu_count() or 1):.0%}) |",
        "| RSS over the session | " + ", ".join(f"{t / 60:.1f} min {mb:.0f} MB" + (f" ({label})" if label else "")
                                              for label, t, mb in rss) + " |",
        "", "Per analysed frame, video lane: " + ", ".join(f"{k} {v:.1f} ms" for k, v in per_frame.items()) + ".",
        "", "Audio lanes, total seconds of work: " + "; ".join(
            f"{lane}: " + ", ".join(f"{k} {v:.1f} s" for k, v in t.items())
            for lane, t in lanes.items() if lane != "video")
        + ".", "",
        f"Last transcript tail: {tr.summary if tr else ''}", "",
        "Goal: p95 <= 1 s for the face indicators, transcript <= 5 s behind. The delay is push -> the "
        "indicator state updated by that frame (what the next `snapshot()` returns).", ""]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
