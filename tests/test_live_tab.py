"""The Live tab without a browser: panel rendering, payload decoding, the per-capture session
registry (with a fake engine session) and the Gradio wiring (elem ids, concurrency limits)."""
from __future__ import annotations

import base64
import json
import time
import types
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("gradio")
from interview_guard.app import live_render, live_tab  # noqa: E402
from interview_guard.app.live_render import fmt_t, live_panel_html  # noqa: E402
from interview_guard.app.live_tab import LiveSessions, decode_data_url, decode_pcm16  # noqa: E402
from interview_guard.errors import InputError  # noqa: E402

EVIL = "<script>alert(1)</script>"
SID_A = "a" * 8 + "-0000-4000-8000-" + "a" * 12
SID_B = "b" * 8 + "-0000-4000-8000-" + "b" * 12


def ind(name, status, **kw):
    base = {"score": 0.0, "confidence": 0.0, "summary": "", "evidence_t": None, "active": True, "note": ""}
    return types.SimpleNamespace(name=name, status=status, **(base | kw))


def snap(indicators, **kw):
    base = {"t": 12.5, "level": "review", "followups": ("Please hold your ID next to your face.",),
            "messages": (), "frames_received": 60, "frames_dropped": 2, "last_video_t": 12.4}
    return types.SimpleNamespace(indicators=tuple(indicators), **(base | kw))


def jpeg_url(img=None) -> str:
    img = np.full((48, 64, 3), 120, np.uint8) if img is None else img
    return "data:image/jpeg;base64," + base64.b64encode(cv2.imencode(".jpg", img)[1].tobytes()).decode()


# --------------------------------------------------------------------------- rendering
def test_panel_has_one_element_per_indicator_with_signal_and_status():
    html = live_panel_html(snap([
        ind("face.identity_consistency", "flag", score=0.9, confidence=0.8, summary="a different person from 4.1 s",
            evidence_t=4.1),
        ind("face.presence", "ok", summary="a face is visible"),
        ind("speech.transcript", "pending", summary="no speech transcribed yet"),
        ind("deepfake.external_model", "inactive", active=False, note="needs a GPU"),
    ]), marks=[("hand_wave", 7.25)])
    assert 'data-signal="face.identity_consistency" data-status="flag"' in html
    assert 'data-signal="face.presence" data-status="ok"' in html
    assert 'data-signal="speech.transcript" data-status="pending"' in html
    assert 'data-signal="deepfake.external_model" data-status="inactive" data-active="false"' in html
    assert html.index("face.identity_consistency") < html.index("face.presence")  # flags first
    assert "at 4.1 s" in html and "score 0.90, confidence 0.80" in html
    assert "not running live: needs a GPU" in html
    assert "Verification needed — this is not a hiring decision." in html
    assert 'data-level="review"' in html and ">REVIEW<" in html
    assert "Please hold your ID next to your face." in html  # follow-up shown because something flags
    assert 'data-challenge="hand_wave"' in html and "asked at 7.2 s" in html
    assert "60 frames received, 2 skipped to keep up" in html


def test_panel_without_a_flag_has_no_followups_and_escapes_everything():
    html = live_panel_html(snap([ind("face.presence", "ok", summary=EVIL, note=EVIL)], messages=(EVIL,),
                                level=None), messages=["no video since 3.0 s"])
    assert EVIL not in html and "&lt;script&gt;" in html
    assert "ig-live-followups" not in html and "ig-live-challenges" not in html
    assert "no video since 3.0 s" in html
    for verdict in ("fraud", "liar", "lying", "do not hire", "reject", "emotion", "accent"):
        assert verdict not in html.lower()


def test_idle_panel_and_time_format():
    html = live_panel_html(None)
    assert 'data-state="idle"' in html and "consent" in html
    assert fmt_t(3.04) == "3.0 s" and fmt_t(75) == "1:15" and fmt_t(None) == "?" and fmt_t(float("nan")) == "?"
    assert set(live_render.CHALLENGES) == {"hand_wave", "head_turn", "read_sentence"}


def test_skipped_indicators_are_compact_but_still_one_element_each():
    html = live_panel_html(snap([ind("document.mrz", "skipped", summary="no ID image supplied"),
                                 ind("resume.timeline", "skipped", summary="no resume supplied"),
                                 ind("face.presence", "ok")]))
    assert 'data-signal="document.mrz" data-status="skipped"' in html
    assert 'data-signal="resume.timeline" data-status="skipped"' in html
    assert "(no ID image supplied)" in html and html.count('class="ig-ind"') == 1


def test_challenges_listed_with_their_moments_even_before_a_flag():
    html = live_render.challenges_html([("head_turn", 3.0), ("head_turn", 65.0)], flagged=False)
    assert "asked at 3.0 s, 1:05" in html and "Guided challenges asked so far" in html
    assert live_render.challenges_html([], flagged=False) == ""


# --------------------------------------------------------------------------- decoding
def test_decode_data_url():
    img = np.zeros((40, 50, 3), np.uint8)
    img[:, :25] = 255
    out = decode_data_url(jpeg_url(img))
    assert out.shape == (40, 50, 3) and out.dtype == np.uint8 and out[:, :20].mean() > 200
    assert decode_data_url("data:image/jpeg;base64,!!!notbase64") is None
    assert decode_data_url("data:image/jpeg;base64," + base64.b64encode(b"not a jpeg").decode()) is None
    assert decode_data_url("data:text/html;base64,PGI+") is None
    assert decode_data_url(None) is None and decode_data_url(123) is None
    assert decode_data_url("data:image/jpeg;base64," + "A" * (live_tab.MAX_JPEG_CHARS + 4)) is None
    tiny = jpeg_url(np.zeros((8, 8, 3), np.uint8))
    assert decode_data_url(tiny) is None


def test_decode_pcm16():
    x = (np.arange(8000) % 200 - 100).astype("<i2")
    out = decode_pcm16(base64.b64encode(x.tobytes()).decode())
    assert out.dtype == np.int16 and np.array_equal(out, x)
    assert decode_pcm16(base64.b64encode(b"\x01\x02\x03").decode()) is None  # odd byte count
    assert decode_pcm16("") is None and decode_pcm16("***") is None and decode_pcm16(None) is None


# --------------------------------------------------------------------------- sessions
class FakeSession:
    def __init__(self, analyzer, **kw):
        self.analyzer, self.kw = analyzer, kw
        self.frames, self.audio, self.challenges = [], [], []
        self.finished = self.closed = False

    def push_frame(self, t, image):
        self.frames.append((t, image))

    def push_audio(self, t, pcm):
        self.audio.append((t, pcm))

    def mark_challenge(self, kind):
        self.challenges.append((kind, self.frames[-1][0] if self.frames else 0.0))

    def snapshot(self):
        status = "flag" if len(self.frames) >= 2 else "pending"
        return snap([ind("face.identity_consistency", status, summary=f"{len(self.frames)} frames")],
                    frames_received=len(self.frames), messages=())

    def finish(self):
        self.finished = True
        return "REPORT"

    def close(self):
        self.closed = True


class FakeStore:
    def __init__(self):
        self.rows = []

    def audit(self, actor, action, detail, case_id=None):
        self.rows.append((actor, action, detail, case_id))


@pytest.fixture
def sessions(tmp_path):
    opened: list[FakeSession] = []
    analyzer = types.SimpleNamespace(store=FakeStore(), config=types.SimpleNamespace(analyst="alice"))
    threads = []

    def opener(a, **kw):
        opened.append(FakeSession(a, **kw))
        return opened[-1]

    def run_blocking(fn):
        threads.append(fn)
        return fn()

    counter = iter(range(1000))

    def new_dir(prefix):
        d = tmp_path / f"{prefix}{next(counter)}"
        d.mkdir()
        return d

    reg = LiveSessions(opener, analyzer=lambda: analyzer, run_blocking=run_blocking, new_dir=new_dir,
                       idle_timeout_s=60)
    reg.opened, reg.analyzer, reg.blocking = opened, analyzer, threads
    yield reg
    reg.close()


def start(reg, sid=SID_A, **kw):
    args = {"source": "camera", "consent": True, "id_image": None, "candidate_id": "cand-1"} | kw
    return reg.start(sid, **args)


def test_nothing_starts_without_consent_and_the_capture_is_told(sessions):
    with pytest.raises(InputError, match="consent"):
        start(sessions, consent=False)
    assert not sessions.opened and len(sessions) == 0
    r = sessions.ready(SID_A, wait_s=0.1)
    assert r["error"].startswith("Not started: nothing is captured without the candidate's consent")
    assert sessions.push_frame({"sid": SID_A, "t": 0.1, "jpeg": jpeg_url()}) == {
        "error": "no live session (stopped or timed out)"}


def test_start_opens_an_engine_session_with_consent_and_records_it(sessions):
    entry = start(sessions)
    s = sessions.opened[0]
    assert s.kw["consent"] == live_tab.CONSENT_LABEL and s.kw["candidate_id"] == "cand-1"
    assert s.kw["options"]["record"] is True and s.kw["options"]["sample_fps"] == live_tab.SAMPLE_FPS
    assert s.kw["options"]["case_dir"] == entry.case_dir and entry.case_dir.is_dir()
    assert entry.case_id.startswith("live-") and s.kw["options"]["case_id"] == entry.case_id
    assert sessions.ready(SID_A) == {"ok": True}
    actor, action, detail, case_id = sessions.analyzer.store.rows[0]
    assert (actor, action, case_id) == ("alice", "live_consent", entry.case_id)
    assert detail["consent"] == live_tab.CONSENT_LABEL and detail["source"] == "camera"
    with pytest.raises(InputError, match="already running"):
        start(sessions)


@pytest.mark.parametrize("kw, match", [({"source": "carrier-pigeon"}, "unknown source"),
                                       ({"candidate_id": "x" * 129}, "candidate id")])
def test_bad_start_inputs(sessions, kw, match):
    with pytest.raises(InputError, match=match):
        start(sessions, **kw)


def test_bad_session_id_is_refused(sessions):
    with pytest.raises(InputError, match="session id"):
        start(sessions, sid="short")
    assert sessions.ready("../../etc") == {"error": "bad session id"}


def test_frames_and_audio_reach_only_their_own_session(sessions):
    start(sessions, SID_A)
    start(sessions, SID_B, candidate_id="cand-2")
    a, b = sessions.opened
    assert sessions.push_frame({"sid": SID_A, "t": 0.2, "jpeg": jpeg_url()}) == {"ok": True}
    pcm = base64.b64encode(np.zeros(8000, "<i2").tobytes()).decode()
    assert sessions.push_audio({"sid": SID_B, "t": 0.0, "pcm16": pcm}) == {"ok": True}
    assert len(a.frames) == 1 and not a.audio and not b.frames and len(b.audio) == 1
    t, img = a.frames[0]
    assert t == pytest.approx(0.2) and img.shape == (48, 64, 3)
    assert b.audio[0][1].dtype == np.int16 and b.audio[0][1].shape == (8000,)


def test_bad_stream_data_gets_clear_messages_never_a_traceback(sessions):
    start(sessions)
    assert sessions.push_frame("nonsense") == {"error": "bad payload (expected an object)"}
    assert sessions.push_frame({"sid": SID_A, "t": "soon", "jpeg": jpeg_url()}) == {"error": "bad timestamp"}
    assert sessions.push_frame({"sid": SID_A, "t": -1, "jpeg": jpeg_url()}) == {"error": "bad timestamp"}
    assert sessions.push_frame({"sid": SID_A, "t": 1.0, "jpeg": "data:image/jpeg;base64,AAAA"}) == {
        "error": "frame is not a readable JPEG image"}
    assert sessions.push_audio({"sid": SID_A, "t": 1.0, "pcm16": "%%%"}) == {
        "error": "audio chunk is not base64 16-bit PCM"}
    assert sessions.client_error({"sid": SID_A, "message": "NotAllowedError: Permission denied\n" + EVIL})["ok"]
    html = sessions.panel(SID_A)
    assert "1 video frame(s) from the capture could not be read" in html
    assert "1 audio chunk(s) could not be read" in html
    assert "NotAllowedError: Permission denied" in html and EVIL not in html
    assert "Traceback" not in html


def test_snapshot_failure_is_a_message(sessions):
    start(sessions)

    def boom():
        raise RuntimeError("engine hiccup")

    sessions.opened[0].snapshot = boom
    html = sessions.panel(SID_A)
    assert "did not answer this second" in html and "Traceback" not in html


def test_challenge_marks_use_the_engine_moment(sessions):
    start(sessions)
    sessions.push_frame({"sid": SID_A, "t": 3.5, "jpeg": jpeg_url()})
    _entry, t = sessions.mark(SID_A, "head_turn")
    assert t == pytest.approx(3.5) and sessions.opened[0].challenges == [("head_turn", 3.5)]
    assert "asked at 3.5 s" in sessions.panel(SID_A)
    with pytest.raises(InputError, match="unknown challenge"):
        sessions.mark(SID_A, "sing")
    with pytest.raises(InputError, match="start a live session"):
        sessions.mark(SID_B, "hand_wave")


def test_finish_runs_on_the_analyzer_thread_and_removes_the_session(sessions):
    start(sessions)
    entry, report = sessions.finish(SID_A)
    s = sessions.opened[0]
    assert report == "REPORT" and s.finished and s.closed and len(sessions.blocking) == 1
    assert len(sessions) == 0 and 'data-state="idle"' in sessions.panel(SID_A)
    with pytest.raises(InputError, match="no live session"):
        sessions.finish(SID_A)


def test_idle_sessions_time_out_and_pages_clean_up(sessions):
    start(sessions, SID_A, browser="page-1")
    start(sessions, SID_B, browser="page-2")
    assert sessions.discard_browser("page-1") == 1 and sessions.opened[0].closed
    sessions.idle_timeout_s = 0.05
    time.sleep(0.1)
    assert sessions.sweep() == 1 and sessions.opened[1].closed and len(sessions) == 0


def test_session_limit(sessions):
    sessions.max_sessions = 1
    start(sessions, SID_A)
    with pytest.raises(InputError, match="1 live sessions are already running"):
        start(sessions, SID_B)


def test_push_sources_start_a_listener_and_show_its_address(tmp_path):
    class Listener:
        url = "rtmp://127.0.0.1:19350/live/k3y"
        closed = False

        def attach(self, session, note):
            self.session = session
            note("A sender connected to the push address.")

        def close(self):
            Listener.closed = True

    opened = []
    reg = LiveSessions(lambda a, **kw: opened.append(FakeSession(a, **kw)) or opened[-1],
                       analyzer=lambda: types.SimpleNamespace(store=None), new_dir=lambda p: tmp_path,
                       listener=lambda source, case_dir: Listener())
    try:
        entry = reg.start(SID_A, source="rtmp", consent=True, id_image=None, candidate_id=None)
        assert entry.push_url == Listener.url
        html = reg.panel(SID_A)
        assert "rtmp://127.0.0.1:19350/live/k3y" in html and "A sender connected" in html
        reg.finish(SID_A)
        assert Listener.closed
    finally:
        reg.close()


def test_report_panel_after_stop_uses_the_report_signals():
    from interview_guard.checks.base import flag, ok
    from interview_guard.risk import fuse, load_policy
    from interview_guard.types import CaseInfo, Evidence, RiskReport, RuntimeInfo

    signals = (flag("face", "face.identity_consistency", "a different person from 4.0 s", score=0.9,
                    confidence=0.9, evidence=(Evidence("time_range", "switch", 4.0, 8.0),)),
               ok("face", "face.presence", "a face is visible"))
    policy = load_policy()
    risk, followups = fuse(signals, policy)
    report = RiskReport(case=CaseInfo("live-x", None, "2026-11-02T10:00:00+00:00", "t", policy.version), inputs=(),
                        signals=signals, risk=risk, followups=tuple(followups), runtime=RuntimeInfo("cpu", ()))
    html = live_tab.report_panel_html(report, [("hand_wave", 5.0)])
    assert 'data-state="done"' in html and "STOPPED" in html and "frames received" not in html
    assert 'data-signal="face.identity_consistency" data-status="flag"' in html and "at 4.0 s" in html
    assert "asked at 5.0 s" in html


# --------------------------------------------------------------------------- wiring
def test_app_mounts_the_live_tab_with_unlimited_stream_listeners():
    from interview_guard.app.ui import build_app

    demo = build_app(analyzer_factory=lambda: object())
    try:
        cfg = demo.get_config_file()
        ids = {c["props"].get("elem_id") for c in cfg["components"]}
        assert {"live-consent", "live-start", "live-stop", "live-panel", "live-capture", "live-source",
                "live-challenge-hand_wave", "live-challenge-head_turn", "live-challenge-read_sentence"} <= ids
        capture = next(c for c in cfg["components"] if c["props"].get("elem_id") == "live-capture")
        assert set(capture["props"]["server_fns"]) >= {"live_frame", "live_audio", "live_ready", "live_client_error"}
        live_fns = [f for f in demo.fns.values() if getattr(f.fn, "__qualname__", "").startswith("mount_live_tab")]
        assert len(live_fns) >= 6
        for f in live_fns:
            if f.name != "unload":
                assert f.concurrency_limit is None, f.name
        assert isinstance(demo.live, LiveSessions)
    finally:
        demo.close()
    assert demo.live._stop_reaper.is_set()


def test_capture_js_is_package_data_and_uses_the_verified_transport():
    js = live_tab.capture_js()
    assert "toDataURL('image/jpeg', 0.7)" in js and "getDisplayMedia" in js and "getUserMedia" in js
    assert "AudioWorklet" in js and "server.live_frame" in js and "server.live_audio" in js
    assert "toBlob" not in js.replace("toBlob stalls", "")  # toBlob stalls ~900 ms/frame on tab capture
    assert json.dumps(live_tab.SOURCES)  # plain data for the radio
    assert Path(live_tab.__file__).with_name("static").joinpath("live_capture.js").is_file()


# --------------------------------------------------------------------------- browser, fake engine
def _y4m(path: Path, n: int = 20) -> Path:
    with open(path, "wb") as f:
        f.write(b"YUV4MPEG2 W320 H240 F10:1 Ip A1:1 C420jpeg\n")
        for i in range(n):
            f.write(b"FRAME\n" + bytes([(i * 12) % 256]) * (320 * 240) + b"\x80" * (320 * 240 // 2))
    return path


@pytest.mark.browser
def test_two_interviewers_at_once_share_nothing_and_no_consent_captures_nothing(tmp_path, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    import socket

    from interview_guard.app.ui import launch_app

    chromium = "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.fail("chromium is missing: run `make sysdeps`")
    opened: list[FakeSession] = []
    monkeypatch.setattr(live_tab, "default_opener", lambda a, **kw: opened.append(FakeSession(a, **kw)) or opened[-1])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = launch_app(None, port=port, auth="", analyzer_factory=lambda: types.SimpleNamespace(store=None),
                      prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=[
                "--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={_y4m(tmp_path / 'grey.y4m')}"])
            try:
                pages = [browser.new_context().new_page() for _ in range(2)]
                for page in pages:
                    page.goto(url)
                    page.get_by_role("tab", name="Live interview").click()
                # without consent: refused, and the capture never asks for the camera
                pages[0].locator("#live-start").click()
                # the error toast
                pages[0].get_by_text("tell the candidate about this check").first.wait_for(timeout=10_000)
                assert not opened
                assert "Nothing is captured" in pages[0].locator("#live-capture").inner_text()
                for page in pages:
                    page.locator("#live-consent input").check()
                    page.locator("#live-start").click()
                for k, page in enumerate(pages):
                    try:
                        page.wait_for_selector(
                            '#live-panel [data-signal="face.identity_consistency"][data-status="flag"]', timeout=30_000)
                    except sync_api.TimeoutError:
                        pytest.fail(f"page {k}: {page.locator('#live-capture').inner_text()} | "
                                    f"{page.locator('#live-panel').inner_text()} | {len(opened)} sessions")
                assert len(opened) == 2 and len(demo.live) == 2
                assert all(len(s.frames) >= 2 for s in opened)
                sids = [pg.evaluate("window.__interviewGuardLive.stats().sid") for pg in pages]
                assert sids[0] != sids[1] and all(demo.live.get(s) is not None for s in sids)
                # each page's panel shows its own session's counts
                for sid, page in zip(sids, pages):
                    assert demo.live.get(sid).session in opened
                    page.locator("#live-challenge-head_turn").click()
                    page.wait_for_selector('#live-panel [data-challenge="head_turn"] .ig-asked:has-text("asked at")',
                                           timeout=10_000)
                assert [len(s.challenges) for s in opened] == [1, 1]
            finally:
                browser.close()
        deadline = time.monotonic() + 10
        while len(demo.live) and time.monotonic() < deadline:  # closing the pages ends their sessions
            time.sleep(0.2)
        assert len(demo.live) == 0 and all(s.closed for s in opened)
    finally:
        demo.close(verbose=False)
