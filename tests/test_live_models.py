"""Live mode with the real models on real faces, and an RTMP stream pushed by a PyAV sender.

Clips are built like tests/test_face_acceptance.py: registry photos with webcam-like motion,
640x480 at 25 fps; "switch" is Obama for 4 s then Biden for 4 s, "genuine" Obama for 8 s.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import socket
import time
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from interview_guard.cli import main as cli_main

try:
    from support import synth
except ImportError:  # before tests/support/ exists
    from interview_guard.vision import synth

pytestmark = pytest.mark.models

FR = "face-recognition-images"


@pytest.fixture(scope="module")
def clips(registry_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("live_clips")
    ob = cv2.imread(str(registry_data(FR, "obama.jpg")))
    bi = cv2.imread(str(registry_data(FR, "biden.jpg")))
    switch = synth.write_mp4(synth.portrait_clip(ob, 100, seed=1) + synth.portrait_clip(bi, 100, seed=2),
                             out / "switch.mp4", fps=25)
    genuine = synth.write_mp4(synth.portrait_clip(ob, 200, seed=5), out / "genuine.mp4", fps=25)
    return {"switch": switch, "genuine": genuine}


def run_live(clip: Path, out: Path, capsys) -> list[dict]:
    rc = cli_main(["live", str(clip), "--realtime", "--jsonl", "--out", str(out), "--device", "cpu"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    return [json.loads(line) for line in captured.out.splitlines() if line.strip()]


def _status(line: dict, name: str) -> dict:
    return next(s for s in line["signals"] if s["name"] == name)


def _check_stream(lines: list[dict]) -> dict:
    updates, final = lines[:-1], lines[-1]
    assert final["final"] is True and Path(final["report"]).is_file()
    ts = [u["t"] for u in updates]
    assert ts == sorted(ts) and ts[-1] >= 7.0
    assert max(b - a for a, b in zip(ts, ts[1:])) <= 2.0
    return final


def test_cli_live_flags_a_person_switch_within_3_s(clips, tmp_path, capsys, isolated_dirs, models_ready):
    lines = run_live(clips["switch"], tmp_path / "case", capsys)
    final = _check_stream(lines)
    flagged = [u["t"] for u in lines[:-1] if _status(u, "face.identity_consistency")["status"] == "flag"]
    assert flagged and flagged[0] <= 7.0, [(_status(u, "face.identity_consistency"), u["t"]) for u in lines[:-1]]
    assert all(_status(u, "face.identity_consistency")["status"] != "flag" for u in lines[:-1] if u["t"] < 4.0)
    report = json.loads(Path(final["report"]).read_text())
    sig = next(s for s in report["signals"] if s["name"] == "face.identity_consistency")
    assert sig["status"] == "flag"
    assert any(w.startswith("live: face.identity_consistency flagged") for w in report["runtime"]["warnings"])
    from interview_guard.store import Store

    with Store(isolated_dirs / "store.sqlite") as store:
        assert final["case_id"] in {a.case_id for a in store.analyses()}


def test_cli_live_genuine_clip_raises_no_flag(clips, tmp_path, capsys, isolated_dirs, models_ready):
    lines = run_live(clips["genuine"], tmp_path / "case", capsys)
    _check_stream(lines)
    for u in lines[:-1]:
        for s in u["signals"]:
            assert not (s["status"] == "flag" and s["score"] >= 0.7), (u["t"], s)
    last = lines[-2]
    assert _status(last, "face.identity_consistency")["status"] == "ok"
    assert _status(last, "face.presence")["status"] == "ok"
    assert last["level"] == "low"


# --------------------------------------------------------------------------- RTMP
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _push(url: str, clip: str, seconds: float) -> None:
    """A sender (OBS, a meeting bot): the clip over RTMP as FLV/H.264 + AAC, paced at real time."""
    import av

    for _ in range(80):  # the listener needs a moment to start in its own process
        try:
            out = av.open(url, "w", format="flv")
            break
        except Exception:
            time.sleep(0.25)
    else:
        raise RuntimeError("could not connect")
    vs = out.add_stream("libx264", rate=25)
    vs.width, vs.height, vs.pix_fmt = 640, 480, "yuv420p"
    vs.options = {"preset": "ultrafast", "tune": "zerolatency"}
    aus = out.add_stream("aac", rate=16000)
    aus.layout = "mono"
    start = time.monotonic()
    with av.open(clip) as src:
        for i, f in enumerate(src.decode(video=0)):
            if i / 25 >= seconds:
                break
            frame = av.VideoFrame.from_ndarray(f.to_ndarray(format="bgr24"), format="bgr24")
            frame.pts = i
            for p in vs.encode(frame):
                out.mux(p)
            af = av.AudioFrame.from_ndarray(np.zeros((1, 640), np.float32), format="flt", layout="mono")
            af.sample_rate, af.pts = 16000, i * 640
            for p in aus.encode(af):
                out.mux(p)
            time.sleep(max(0.0, start + (i + 1) / 25 - time.monotonic()))
    for s in (vs, aus):
        for p in s.encode():
            out.mux(p)
    out.close()


def test_rtmp_stream_reaches_the_session(clips, tmp_path):
    from interview_guard.config import AnalyzerConfig
    from interview_guard.features import FeatureSpec
    from interview_guard.live import LiveOptions, open_live_session
    from interview_guard.live.sources import StreamSource
    from interview_guard.pipeline import Analyzer

    class CountFaces:
        def add(self, frame, upstream):
            return SimpleNamespace(faces=(), t=frame.t)

        def finish(self):
            return None

    url = f"rtmp://127.0.0.1:{_free_port()}/live/test"
    cfg = AnalyzerConfig(store_path=None, device="cpu")
    sender = mp.get_context("spawn").Process(target=_push, args=(url, str(clips["switch"]), 4.0), daemon=True)
    with Analyzer(cfg, features={"faces": FeatureSpec("faces", "video", build=lambda env: CountFaces())},
                  checks={}) as analyzer, StreamSource(url, sample_fps=5, timeout_s=20) as source:
        sender.start()
        with open_live_session(analyzer, consent="test sender",
                               options=LiveOptions(case_dir=tmp_path / "case")) as session:
            for kind, t, data in source:
                if kind == "video":
                    assert data.shape[1] <= 640
                    session.push_frame(t, data)
                else:
                    session.push_audio(t, data)
            session.drain(10)
            snap = session.snapshot()
            assert snap.frames_received >= 15 and snap.last_video_t >= 3.0
            assert session.audio_received_s >= 3.0
    sender.join(10)


def test_stream_timeout_is_a_clear_error():
    from interview_guard.errors import InputError
    from interview_guard.live.sources import StreamSource

    t0 = time.monotonic()
    with pytest.raises(InputError, match="nothing connected"):
        with StreamSource(f"rtmp://127.0.0.1:{_free_port()}/live/none", timeout_s=2) as s:
            s.wait_connected()
    assert time.monotonic() - t0 < 15
