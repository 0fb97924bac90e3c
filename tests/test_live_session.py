"""LiveSession with fake stream extractors: rolling decisions, faults, recording, finish, CLI errors.

The fakes stand in for the registry's ``faces`` / ``speech_activity`` / ``asr`` extractors: a frame's
mean brightness says which person is in it (person A dark, person B bright), so the tests run in
seconds without models. The real models run in tests/test_live_models.py.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from interview_guard.config import AnalyzerConfig
from interview_guard.errors import InputError
from interview_guard.features import FeatureSpec
from interview_guard.live import LiveOptions, LiveTuning, open_live_session
from interview_guard.live.indicators import FaceTracker
from interview_guard.pipeline import Analyzer
from interview_guard.types import Segment

DIM = 128
A = np.zeros(DIM, np.float32)
A[0] = 1.0
B = np.zeros(DIM, np.float32)
B[1] = 1.0


def _face(emb, usable=True):
    return SimpleNamespace(bbox=(100.0, 80.0, 200.0, 220.0), embedding=emb,
                           quality=SimpleNamespace(usable=usable, score=0.9))


class FakeFaces:
    """Dark frames show person A, bright frames person B, mid-grey frames two people."""

    def add(self, frame, upstream):
        m = float(frame.image.mean())
        if m < 5:
            faces = ()
        elif m < 100:
            faces = (_face(A),)
        elif m < 150:
            faces = (_face(A), _face(B))
        else:
            faces = (_face(B),)
        return SimpleNamespace(faces=faces, t=frame.t)

    def finish(self):
        return None


class FakeVad:
    def add(self, chunk, upstream):
        return SimpleNamespace(closed=(), open_since=None)

    def finish(self):
        return None


class FakeAsr:
    def __init__(self):
        self.stream = SimpleNamespace(windows=[SimpleNamespace(language="en", language_probability=0.9)])
        self.n = 0

    def add(self, chunk, upstream):
        self.n += 1
        return (Segment(start=chunk.t, end=chunk.t + chunk.duration, text=f"word{self.n}"),)

    def finish(self):
        return None


def fake_specs():
    return {"faces": FeatureSpec("faces", "video", build=lambda env: FakeFaces()),
            "speech_activity": FeatureSpec("speech_activity", "audio", build=lambda env: FakeVad()),
            "asr": FeatureSpec("asr", "audio", depends=frozenset({"speech_activity"}), build=lambda env: FakeAsr())}


@pytest.fixture
def analyzer(tmp_path):
    cfg = AnalyzerConfig(store_path=tmp_path / "store.sqlite", device="cpu", checks=())
    with Analyzer(cfg, features=fake_specs(), checks={}) as a:
        yield a


def frame(level: int) -> np.ndarray:
    return np.full((120, 160, 3), level, np.uint8)


def feed(session, levels, fps=5.0, t0=0.0):
    for k, lv in enumerate(levels):
        session.wait_video_idle(5)
        session.push_frame(t0 + k / fps, frame(lv))
    session.drain(10)


def opts(tmp_path, **kw):
    kw.setdefault("case_dir", tmp_path / "case")
    return LiveOptions(**kw)


def test_switch_of_person_flags_after_persistence_and_one_bad_frame_does_not(analyzer, tmp_path):
    with open_live_session(analyzer, consent="verbal, 10:00", options=opts(tmp_path)) as s:
        assert s.wait_ready(10)
        # 3 s of A with one stray B frame at 2.6 s, then B from 3.0 s
        levels = [50] * 13 + [200] + [50] + [200] * 10
        feed(s, levels[:15])
        assert s.snapshot().indicator("face.identity_consistency").status == "ok"
        feed(s, levels[15:], t0=3.0)
        ic = s.snapshot().indicator("face.identity_consistency")
        assert ic.status == "flag" and ic.score >= 0.7
        assert ic.evidence_t == pytest.approx(3.0)
        # flagged by the persistence rule: 1 s of a different face
        assert s.faces.decided["face.identity_consistency"] == pytest.approx(4.0)
        snap = s.snapshot()
        assert snap.level in ("review", "high") and snap.followups


def test_multiple_people_needs_sustained_frames(analyzer, tmp_path):
    with open_live_session(analyzer, consent="ok", options=opts(tmp_path)) as s:
        s.wait_ready(10)
        feed(s, [50] * 12 + [120] + [50] * 3)
        assert s.snapshot().indicator("face.multiple_people").status == "ok"
        feed(s, [120] * 6, t0=4.0)
        mp = s.snapshot().indicator("face.multiple_people")
        assert mp.status == "flag" and mp.evidence_t == pytest.approx(4.0)


def test_no_video_goes_pending_with_a_message(analyzer, tmp_path):
    tuning = LiveTuning(no_video_s=0.3)
    with open_live_session(analyzer, consent="ok", options=opts(tmp_path, tuning=tuning)) as s:
        s.wait_ready(10)
        feed(s, [50] * 15)
        assert s.snapshot().indicator("face.presence").status == "ok"
        time.sleep(0.5)
        snap = s.snapshot()
        assert snap.indicator("face.presence").status == "pending"
        assert snap.indicator("face.identity_consistency").status == "pending"
        assert any(m.startswith("no video since 2.8") for m in snap.messages), snap.messages


def test_bad_data_is_a_message_not_an_exception(analyzer, tmp_path):
    with open_live_session(analyzer, consent="ok", options=opts(tmp_path)) as s:
        s.push_frame(0.0, np.zeros((10, 10), np.uint8))
        s.push_frame(0.1, np.zeros((120, 160, 3), np.float32))
        s.push_frame(float("nan"), frame(50))
        s.push_frame(0.2, "not an image")
        s.push_audio(0.0, np.zeros((2, 800), np.float32))
        s.push_audio(0.0, np.zeros(800, np.int32))
        s.push_audio(0.0, np.array([np.nan] * 10, np.float32))
        s.push_audio(0.5, (np.ones(8000) * 1000).astype(np.int16))  # int16 accepted
        msgs = s.snapshot().messages
        assert sum(m.startswith("frame ignored") for m in msgs) == 4
        assert sum(m.startswith("audio ignored") for m in msgs) == 3
        assert s.frames_received == 0 and s.audio_received_s == pytest.approx(0.5)
        with pytest.raises(InputError):
            s.mark_challenge("smile")
        s.mark_challenge("hand_wave")
        assert s.challenges[-1][0] == "hand_wave"


def test_consent_is_required_to_record(analyzer, tmp_path):
    with pytest.raises(InputError, match="consent"):
        open_live_session(analyzer, consent=None, options=opts(tmp_path))
    with pytest.raises(InputError, match="consent"):
        open_live_session(analyzer, consent="  ", options=opts(tmp_path))
    # no recording: no consent needed (a file being replayed)
    open_live_session(analyzer, consent=None, options=opts(tmp_path, record=False)).close()


def test_finish_with_nothing_captured_is_a_clear_error(analyzer, tmp_path):
    s = open_live_session(analyzer, consent="ok", options=opts(tmp_path))
    with pytest.raises(InputError, match="captured no video"):
        s.finish()


def test_finish_analyzes_the_recording_stores_it_and_writes_the_case_folder(analyzer, tmp_path):
    case = tmp_path / "case"
    with open_live_session(analyzer, consent="verbal", candidate_id="cand-1", options=opts(tmp_path)) as s:
        s.wait_ready(10)
        for k in range(30):  # 6 s: A then B, with audio
            s.push_audio(k * 0.2, np.zeros(3200, np.float32))
            s.wait_video_idle(5)
            s.push_frame(k * 0.2, frame(50 if k < 15 else 200))
        s.drain(10)
        s.mark_challenge("head_turn")
        report = s.finish()
    assert report.case.candidate_id == "cand-1"
    assert (case / "report.json").is_file() and (case / "report.html").is_file()
    assert (case / "recording.ts").is_file()
    data = json.loads((case / "report.json").read_text())
    assert any(w.startswith("live: face.identity_consistency flagged") for w in data["runtime"]["warnings"])
    assert any("challenge asked: head turn" in w for w in data["runtime"]["warnings"])
    assert "live.face_delay_p95_s" in data["runtime"]["timings_s"]
    rec = next(i for i in report.inputs if i.role == "media")
    assert rec.kind == "video" and rec.duration_s == pytest.approx(5.8, abs=0.5)
    lines = [json.loads(x) for x in (case / "live_timeline.jsonl").read_text().splitlines()]
    assert lines[0]["event"] == "start" and lines[0]["consent"] == "verbal"
    assert lines[-1]["event"] == "finish"
    store = analyzer.store
    assert [a.case_id for a in store.analyses()] == [report.case.case_id]
    audit = [e for e in store.audit_log(case_id=report.case.case_id) if e.action == "live_session"]
    assert audit and json.loads(audit[0].detail)["frames_received"] == 30


def test_transcript_tail_and_fas_inactive_on_cpu(analyzer, tmp_path):
    with open_live_session(analyzer, consent="ok", options=opts(tmp_path)) as s:
        s.wait_ready(10)
        for k in range(30):
            s.push_audio(k * 0.5, np.zeros(8000, np.float32))
        s.drain(10)
        tr = s.snapshot().indicator("speech.transcript")
        assert tr.status == "ok" and tr.summary.startswith("[en 90%]") and tr.summary.endswith("word30")
        assert len(tr.summary.split()) <= 2 + 1 + 20
        pa = s.snapshot().indicator("liveness.presentation_attack")
        assert pa.status == "error"  # no screen_cues extractor among the fakes: named, not hidden
        assert "screen_cues" in pa.summary
        assert "GPU" in s.lanes["video"].failures["fas_scores"]


def test_two_sessions_share_no_state(analyzer, tmp_path):
    s1 = open_live_session(analyzer, consent="ok", options=opts(tmp_path, case_dir=tmp_path / "c1"))
    s2 = open_live_session(analyzer, consent="ok", options=opts(tmp_path, case_dir=tmp_path / "c2"))
    try:
        assert s1.wait_ready(10) and s2.wait_ready(10)
        for k in range(30):
            t = k * 0.2
            for s, lv in ((s1, 50 if k < 15 else 200), (s2, 50)):
                s.wait_video_idle(5)
                s.push_frame(t, frame(lv))
        s1.drain(10)
        s2.drain(10)
        assert s1.snapshot().indicator("face.identity_consistency").status == "flag"
        assert s2.snapshot().indicator("face.identity_consistency").status == "ok"
        assert s1.faces is not s2.faces
        assert s1.lanes["video"].extractors["faces"] is not s2.lanes["video"].extractors["faces"]
        assert s1.frames_received == s2.frames_received == 30
    finally:
        s1.close()
        s2.close()


def test_snapshot_json_line_shape(analyzer, tmp_path):
    with open_live_session(analyzer, consent="ok", options=opts(tmp_path)) as s:
        s.wait_ready(10)
        feed(s, [50] * 5)
        d = s.snapshot().to_dict()
    json.dumps(d)
    assert {"t", "signals", "level"} <= set(d)
    assert d["level"] in ("low", "review", "high")
    for sig in d["signals"]:
        assert {"name", "status", "score", "confidence", "summary"} <= set(sig)
        assert sig["status"] in ("ok", "flag", "skipped", "pending", "inactive", "error")


def test_frames_arriving_while_busy_are_dropped_and_counted(tmp_path):
    class Slow(FakeFaces):
        def add(self, frame, upstream):
            time.sleep(0.2)
            return super().add(frame, upstream)

    cfg = AnalyzerConfig(store_path=None, device="cpu")
    with Analyzer(cfg, features={"faces": FeatureSpec("faces", "video", build=lambda env: Slow())}, checks={}) as a:
        with open_live_session(a, options=LiveOptions(record=False, sample_fps=30)) as s:
            s.wait_ready(10)
            t0 = time.monotonic()
            for k in range(20):
                s.push_frame(k / 30, frame(50))
                time.sleep(1 / 30)
            assert time.monotonic() - t0 < 2.0  # never blocked by the slow extractor
            s.drain(5)
            assert s.frames_received == 20 and s.frames_dropped >= 10
            assert s.frames_analyzed + s.frames_dropped == 20


def test_id_tracker_flags_an_id_photo_mismatch():
    tr = FaceTracker(match_threshold=0.363, min_identity_s=1.0, max_absence_s=20, sample_fps=5,
                     tuning=LiveTuning(), id_embedding=A)
    for k in range(15):
        tr.add(k / 5, SimpleNamespace(faces=(_face(B),)))
    ind = {i.name: i for i in tr.indicators(None)}
    assert ind["face.id_photo_match"].status == "flag"
    assert ind["face.identity_consistency"].status == "ok"
    tr2 = FaceTracker(match_threshold=0.363, min_identity_s=1.0, max_absence_s=20, sample_fps=5,
                      tuning=LiveTuning(), id_embedding=A)
    for k in range(15):
        tr2.add(k / 5, SimpleNamespace(faces=(_face(A),)))
    assert {i.name: i for i in tr2.indicators(None)}["face.id_photo_match"].status == "ok"


RECORD_AND_CRASH = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    from pathlib import Path
    from interview_guard.live.recorder import Recorder
    r = Recorder(Path(sys.argv[1]), fps=5)
    for k in range(50):   # 10 s of frames and audio
        r.write_frame(k * 0.2, np.full((120, 160, 3), (k * 5) % 255, np.uint8))
        r.write_audio(k * 0.2, np.zeros(3200, np.float32))
        time.sleep(0.02)
    deadline = time.time() + 60
    while r.frames + r.dropped < 50 and time.time() < deadline:   # every frame went through the encoder
        time.sleep(0.02)
    print(r.frames, r.dropped)
    sys.stdout.flush()
    os._exit(9)   # a crash: no close, no trailer
""")


def test_recording_survives_a_crash(tmp_path):
    import av

    path = tmp_path / "recording.ts"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    rc = subprocess.run([sys.executable, "-c", RECORD_AND_CRASH, str(path)], env=env, timeout=120).returncode
    assert rc == 9
    with av.open(str(path)) as c:
        times = [f.time for f in c.decode(video=0)]
    assert len(times) >= 47  # all but the last frame or two
    from interview_guard import media

    info = media.probe(path, AnalyzerConfig().media)
    assert info.has_video and info.has_audio and info.duration_s >= 9.0


def test_cli_rejects_bad_sources(tmp_path, capsys, isolated_dirs):
    from interview_guard.cli import main

    assert main(["live", str(tmp_path / "missing.mp4")]) == 2
    assert "source not found" in capsys.readouterr().err
    assert main(["live", "rtmp://127.0.0.1:1935/live/key"]) == 2
    assert "--consent" in capsys.readouterr().err
    assert main(["live", "rtmp://127.0.0.1/live/key", "--consent", "ok"]) == 2
    assert "port" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("hello")
    assert main(["live", str(tmp_path / "notes.txt")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("interview-guard:")
