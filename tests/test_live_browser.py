"""The app's Live tab in headless Chromium, with the real models and the real live engine.

A real clip (registry photos: one person, then another from 4 s) reaches the app three ways:
Chromium's fake camera (a y4m file), a shared browser tab playing the clip (tab capture picked by
title), and an RTMP push from a PyAV process. Each time the live panel must flag
``face.identity_consistency``; the camera test also stops the session and checks the report and the
consent in the case store's audit log.
"""
from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.models]

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
FLAG = '#live-panel [data-signal="face.identity_consistency"][data-status="flag"]'
MEETING_TITLE = "IG-MEETING"
FPS = 10
SWITCH_S = 4.0
FLAG_TIMEOUT_MS = 60_000


def _synth():
    try:
        from support import synth  # type: ignore[import-not-found]
    except ImportError:
        from interview_guard.vision import synth
    return synth


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- media
@pytest.fixture(scope="module")
def clip_frames(registry_data) -> list[np.ndarray]:
    """640x480 BGR frames at 10 fps: obama for 4 s, then biden for 4 s."""
    import cv2

    synth = _synth()
    ob = cv2.imread(str(registry_data("face-recognition-images", "obama.jpg")))
    bi = cv2.imread(str(registry_data("face-recognition-images", "biden.jpg")))
    n = int(SWITCH_S * FPS)
    return synth.portrait_clip(ob, n, seed=1) + synth.portrait_clip(bi, n, seed=2)


def write_y4m(frames: list[np.ndarray], path: Path, fps: int = FPS) -> Path:
    import cv2

    h, w = frames[0].shape[:2]
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for img in frames:
            f.write(b"FRAME\n")
            f.write(cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def write_quiet_wav(path: Path, seconds: float = 8.0, rate: int = 48000) -> Path:
    """Low room noise: the audio lanes run, and no speech keeps Whisper idle on 2 cores."""
    x = (np.random.default_rng(0).normal(0, 60, int(seconds * rate))).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(x.tobytes())
    return path


def write_meeting_page(frames: list[np.ndarray], path: Path, fps: int = FPS) -> Path:
    """A page titled IG-MEETING that plays the clip on a canvas, looping (no codec needed)."""
    import cv2

    urls = ["data:image/jpeg;base64," + base64.b64encode(cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, 80])[1]
                                                         .tobytes()).decode("ascii") for f in frames]
    h, w = frames[0].shape[:2]
    path.write_text(f"""<!doctype html><html><head><meta charset="utf-8"><title>{MEETING_TITLE}</title>
<style>html,body{{margin:0;background:#000}}canvas{{display:block;width:100vw;height:100vh;object-fit:contain}}</style></head><body>
<canvas id="c" width="{w}" height="{h}"></canvas><script>
const urls = {json.dumps(urls)};
const imgs = urls.map(u => {{ const i = new Image(); i.src = u; return i; }});
const ctx = document.getElementById('c').getContext('2d');
let k = 0;
setInterval(() => {{ const i = imgs[k % imgs.length]; if (i.complete) ctx.drawImage(i, 0, 0); k++; }}, {1000 // fps});
</script></body></html>""", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- app + browser
@pytest.fixture(scope="module")
def live_app(models_ready, tmp_path_factory):
    from interview_guard.app.ui import launch_app
    from interview_guard.config import AnalyzerConfig

    d = tmp_path_factory.mktemp("live_app")
    config = AnalyzerConfig(device="cpu", store_path=d / "cases.sqlite")
    port = free_port()
    demo = launch_app(config, port=port, auth="", prevent_thread_lock=True, quiet=True)
    try:
        yield demo, f"http://127.0.0.1:{port}/", config
    finally:
        demo.close(verbose=False)


@pytest.fixture(scope="module")
def playwright():
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: run `make sysdeps`")
    with playwright_api.sync_playwright() as p:
        yield p


FAKE_DEVICES = ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream")


def launch(playwright, *extra: str, fake_devices: tuple[str, ...] = FAKE_DEVICES):
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              *fake_devices, *extra])


def open_live_tab(page, url: str, source: str | None = None) -> None:
    page.goto(url)
    page.get_by_role("tab", name="Live interview").click()
    page.locator("#live-consent input").check()
    if source is not None:
        page.locator("#live-source").get_by_label(source).check()


def report_console(page, lines: list[str]) -> None:
    page.on("console", lambda m: lines.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: lines.append(f"pageerror: {e}"))


def panel_text(page) -> str:
    try:
        return page.locator("#live-panel").inner_text(timeout=2000)
    except Exception as e:  # for failure messages only
        return f"(panel unreadable: {e})"


# --------------------------------------------------------------------------- tests
def test_camera_flags_the_switch_then_stop_stores_the_report(live_app, playwright, clip_frames, tmp_path):
    from interview_guard.store import Store

    demo, url, config = live_app
    y4m = write_y4m(clip_frames, tmp_path / "switch.y4m")
    wav = write_quiet_wav(tmp_path / "room.wav")
    browser = launch(playwright, f"--use-file-for-fake-video-capture={y4m}",
                     f"--use-file-for-fake-audio-capture={wav}")
    console: list[str] = []
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        report_console(page, console)
        open_live_tab(page, url)
        t0 = time.monotonic()
        page.locator("#live-start").click()
        try:
            page.wait_for_selector(FLAG, timeout=FLAG_TIMEOUT_MS)
        except playwright_api.TimeoutError:
            pytest.fail(f"no flag in the live panel:\n{panel_text(page)}\nconsole:\n" + "\n".join(console[-20:]))
        flagged_after = time.monotonic() - t0
        page.wait_for_timeout(1200)  # one more timer tick: the follow-up questions are in
        shots = Path(os.environ.get("IG_LIVE_SCREENSHOTS") or tmp_path)  # set it to keep the screenshots
        shots.mkdir(parents=True, exist_ok=True)
        page.locator("#live-panel").screenshot(path=str(shots / "live_panel.png"))
        text = panel_text(page)
        assert "Verification needed" in text and "face.identity_consistency" in text
        for verdict in ("fraud", "lying", "do not hire", "reject"):
            assert verdict not in text.lower()

        page.locator("#live-challenge-hand_wave").click()
        page.wait_for_selector('#live-panel [data-challenge="hand_wave"] .ig-asked:has-text("asked at")',
                               timeout=10_000)

        page.locator("#live-stop").click()
        page.wait_for_selector('#live-panel .ig-live[data-state="done"]', timeout=120_000)
        assert page.locator('#live-panel [data-signal="face.identity_consistency"]').get_attribute(
            "data-status") == "flag"
        badge = page.locator("#live-badge").inner_text()
        assert "Verification needed" in badge
        page.screenshot(path=str(shots / "live_after_stop.png"), full_page=True)
        print(f"camera: flagged {flagged_after:.1f} s after Start; stopped after {time.monotonic() - t0:.1f} s")
    finally:
        browser.close()

    with Store(config.store_path) as store:
        analyses = store.analyses(limit=5)
        assert analyses, "no analysis stored after Stop"
        latest = analyses[0]
        assert latest.case_id.startswith("live-")
        assert "face.identity_consistency" in latest.flagged
        actions = {(e.action, e.case_id): e for e in store.audit_log(limit=50)}
        consent = actions[("live_consent", latest.case_id)]
        assert "agreed to this check" in consent.detail
        end = actions[("live_session", latest.case_id)]
        assert "agreed to this check" in json.loads(end.detail)["consent"]
    workdir = demo.host.workdir
    assert any(workdir.glob("live_*/report.html")) and any(workdir.glob("live_*/report.json"))


def test_shared_tab_flags_the_switch(live_app, playwright, clip_frames, tmp_path):
    _demo, url, _config = live_app
    meeting = write_meeting_page(clip_frames, tmp_path / "meeting.html")
    # no fake devices here: with them getDisplayMedia returns Chromium's fake screen, not the tab
    browser = launch(playwright, f"--auto-select-tab-capture-source-by-title={MEETING_TITLE}", fake_devices=())
    console: list[str] = []
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        meet = context.new_page()
        meet.goto(meeting.as_uri())
        assert meet.title() == MEETING_TITLE
        page = context.new_page()
        report_console(page, console)
        open_live_tab(page, url, source="Shared tab or window, with tab audio")
        t0 = time.monotonic()
        page.locator("#live-start").click()
        page.wait_for_selector("#live-capture .ig-live-cstatus:has-text('Sending')", timeout=30_000)
        try:
            page.wait_for_selector(FLAG, timeout=FLAG_TIMEOUT_MS)
        except playwright_api.TimeoutError:
            pytest.fail(f"no flag in the live panel:\n{panel_text(page)}\nconsole:\n" + "\n".join(console[-20:]))
        print(f"tab: flagged {time.monotonic() - t0:.1f} s after Start")
        sent = page.evaluate("window.__interviewGuardLive.stats()")
        assert sent["sent"] > 0
        page.evaluate("window.__interviewGuardLive.end(true)")
    finally:
        browser.close()
    # closing the page unloads it: its session is closed without a report (no full analysis here)
    deadline = time.monotonic() + 10
    while len(_demo.live) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(_demo.live) == 0


PUSHER = r"""
import sys, time, av
url, src, loops = sys.argv[1], sys.argv[2], int(sys.argv[3])
with av.open(src) as inp:
    frames = [f.to_ndarray(format="bgr24") for f in inp.decode(video=0)]
fps = 10
for attempt in range(50):  # the listener's process may still be starting
    try:
        out = av.open(url, mode="w", format="flv")
        break
    except Exception:
        time.sleep(0.2)
else:
    sys.exit("could not connect to " + url)
st = out.add_stream("libx264", rate=fps)
st.width, st.height, st.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
st.options = {"preset": "ultrafast", "tune": "zerolatency", "g": str(fps)}
start = time.monotonic()
for i in range(loops * len(frames)):
    delay = start + i / fps - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    frame = av.VideoFrame.from_ndarray(frames[i % len(frames)], format="bgr24")
    frame.pts = i
    for p in st.encode(frame):
        out.mux(p)
for p in st.encode():
    out.mux(p)
out.close()
"""


def test_rtmp_push_flags_the_switch(live_app, playwright, clip_frames, tmp_path):
    demo, url, _config = live_app
    # The listener probes the stream for ~5 s before its first frame and then delivers that backlog
    # at once; a 4 s lead-in of the first person keeps the switch out of that burst.
    n = int(SWITCH_S * FPS)
    frames = clip_frames[:n] + clip_frames[:n] + clip_frames[n:]
    mp4 = _synth().write_mp4(frames, tmp_path / "switch.mp4", fps=FPS)
    browser = launch(playwright, fake_devices=())
    console: list[str] = []
    pusher = None
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        report_console(page, console)
        open_live_tab(page, url, source="RTMP push (OBS, a meeting bot)")
        t0 = time.monotonic()
        page.locator("#live-start").click()
        push_url = page.locator("#live-panel .ig-live-push code").inner_text(timeout=30_000)
        assert push_url.startswith("rtmp://127.0.0.1:") and "/live/" in push_url
        pusher = subprocess.Popen([sys.executable, "-c", PUSHER, push_url, str(mp4), "2"],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            page.wait_for_selector(FLAG, timeout=FLAG_TIMEOUT_MS)
        except playwright_api.TimeoutError:
            pusher_out = ""
            if pusher.poll() is not None:
                pusher_out = pusher.stdout.read()
            pytest.fail(f"no flag in the live panel:\n{panel_text(page)}\npusher:\n{pusher_out}\nconsole:\n"
                        + "\n".join(console[-20:]))
        print(f"rtmp: flagged {time.monotonic() - t0:.1f} s after Start")
    finally:
        if pusher is not None and pusher.poll() is None:
            pusher.kill()
            pusher.wait(timeout=10)
        browser.close()
    deadline = time.monotonic() + 10
    while len(demo.live) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(demo.live) == 0
