"""The app's "Live interview" tab: capture in the browser (or an RTMP/RTSP push), stream to a
``LiveSession`` of the live engine, show rolling indicators, and the full report after Stop.

Transport (see shared LIVE.md): a ``gr.HTML`` whose ``js_on_load`` (static/live_capture.js) captures
the camera + microphone (``getUserMedia``) or a shared tab with its audio (``getDisplayMedia``), and
calls this component's ``server_functions`` with JPEG frames (5 fps) and 16 kHz Int16 audio (0.5 s
chunks). Every payload carries the capture's own session id (``sid``): ``gr.Request`` has no session
hash there. The Start button's ``js`` hook starts the capture inside the click (the browser's
permission prompt is the only other click) and hands the new sid to the Python ``start`` as an input;
the capture waits (``live_ready``) until that session is open, or stops if it was refused.

Each browser tab gets its own ``LiveSession`` in :class:`LiveSessions` (a dict keyed by sid with a
lock); a session ends on Stop, when its page unloads, or after ``idle_timeout_s`` without traffic.
Every stream / timer listener has ``concurrency_limit=None`` (a limit of 1 starves a second
interviewer). The logic lives in the engine; this module only moves data and renders.
"""
from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported (as in ui.py)

import base64  # noqa: E402
import binascii  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from importlib import resources  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

import gradio as gr  # noqa: E402
import numpy as np  # noqa: E402

from ..errors import InputError, InterviewGuardError  # noqa: E402
from .live_render import CHALLENGES, CSS, fmt_t, live_panel_html  # noqa: E402

logger = logging.getLogger(__name__)

CONSENT_LABEL = "The candidate was told about and agreed to this check"
SOURCES = (("Camera and microphone", "camera"), ("Shared tab or window, with tab audio", "tab"),
           ("RTMP push (OBS, a meeting bot)", "rtmp"), ("RTSP push", "rtsp"))
INTRO = ("Rolling indicators while the interview runs, for the interviewer — **never a hiring decision**. "
         "Nothing is captured without the candidate's consent. Camera: the candidate's video through a virtual "
         "camera or this device. Shared tab: share the meeting's browser tab (Meet, Zoom or Teams on the web) "
         "and tick *Share tab audio*. RTMP / RTSP: push the meeting from OBS or a meeting bot to the address "
         "shown after Start. Press **Stop** for the full report.")
SAMPLE_FPS = 5.0
MAX_JPEG_CHARS = 3_000_000  # a data URL; a 640x480 JPEG at 0.7 is ~40-80 kB
MAX_AUDIO_SAMPLES = 16000 * 5
_SID = re.compile(r"^[A-Za-z0-9-]{16,64}$")
_DATA_URL = re.compile(r"^data:image/(jpeg|png|webp);base64,", re.IGNORECASE)


def capture_js() -> str:
    return resources.files(__package__).joinpath("static/live_capture.js").read_text(encoding="utf-8")


def default_opener(analyzer: Any, **kwargs: Any) -> Any:
    """``open_live_session`` of the live engine (imported lazily)."""
    from ..live import LiveOptions, open_live_session

    options = kwargs.pop("options")
    return open_live_session(analyzer, options=LiveOptions(**options), **kwargs)


def listen_host() -> str:
    """The address RTMP / RTSP listeners bind to (loopback unless INTERVIEW_GUARD_LIVE_HOST says otherwise)."""
    return os.environ.get("INTERVIEW_GUARD_LIVE_HOST", "").strip() or "127.0.0.1"


class PushListener:
    """An RTMP / RTSP listener (the engine's ``StreamSource``, in its own process) feeding one session.

    The address has a free port and a random stream key; a pump thread pushes what arrives."""

    def __init__(self, source: str, case_dir: Path, *, host: str | None = None, timeout_s: float = 600.0) -> None:
        import secrets
        import socket

        from ..live.sources import StreamSource

        host = host or listen_host()
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        self.url = f"{source}://{shown}:{port}/live/{secrets.token_urlsafe(9)}"
        self._source = StreamSource(self.url, sample_fps=SAMPLE_FPS, timeout_s=timeout_s)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def attach(self, session: Any, note: Callable[[str], None]) -> None:
        self._thread = threading.Thread(target=self._pump, args=(session, note), name="live-push-pump", daemon=True)
        self._thread.start()

    def _pump(self, session: Any, note: Callable[[str], None]) -> None:
        try:
            self._source.wait_connected()
            note("A sender connected to the push address.")
            for kind, t, data in self._source:
                if self._stop.is_set():
                    return
                if kind == "video":
                    session.push_frame(t, data)
                elif kind == "audio":
                    session.push_audio(t, data)
            if not self._stop.is_set():
                note("The pushed stream ended (or nothing arrived for a while); press Stop for the report.")
        except InterviewGuardError as e:
            if not self._stop.is_set():
                note(e.one_line())
        except Exception as e:  # a broken stream must not take the app down
            if not self._stop.is_set():
                logger.warning("push listener failed: %s: %s", type(e).__name__, e)
                note(f"The pushed stream could not be read: {type(e).__name__}: {' '.join(str(e).split())}")

    def close(self) -> None:
        self._stop.set()
        self._source.close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def default_listener(source: str, case_dir: Path) -> Any:
    return PushListener(source, case_dir)


# --------------------------------------------------------------------------- sessions
@dataclass
class LiveEntry:
    sid: str
    session: Any
    case_dir: Path
    source: str
    candidate_id: str | None
    case_id: str | None = None
    browser: str | None = None  # gradio session hash of the page that started it (for unload)
    last_seen: float = field(default_factory=time.monotonic)  # any traffic or timer tick (idle timeout)
    last_frame_t: float | None = None
    bad_frames: int = 0
    bad_audio: int = 0
    marks: list[tuple[str, float | None]] = field(default_factory=list)
    client_messages: list[str] = field(default_factory=list)
    listener: Any = None
    push_url: str | None = None
    finishing: bool = False

    def note(self, message: str) -> None:
        """A message for the panel (from the capture or the push listener)."""
        msg = "".join(ch for ch in " ".join(str(message)[:300].split()) if ch.isprintable())
        if msg and msg not in self.client_messages:
            self.client_messages.append(msg)
            del self.client_messages[:-10]

    def transport_messages(self) -> list[str]:
        out = list(self.client_messages[-5:])
        if self.bad_frames:
            out.append(f"{self.bad_frames} video frame(s) from the capture could not be read (not a JPEG/PNG image "
                       "or damaged); they were ignored.")
        if self.bad_audio:
            out.append(f"{self.bad_audio} audio chunk(s) could not be read (not 16 kHz 16-bit PCM); they were ignored.")
        return out


class LiveSessions:
    """Live sessions keyed by sid (one per browser capture): nothing is shared between them."""

    def __init__(self, opener: Callable[..., Any], *, analyzer: Callable[[], Any],
                 run_blocking: Callable[[Callable[[], Any]], Any] | None = None,
                 new_dir: Callable[[str], Path], listener: Callable[[str, Path], Any] = default_listener,
                 idle_timeout_s: float = 90.0, max_sessions: int = 4) -> None:
        self._opener = opener
        self._analyzer = analyzer
        self._run_blocking = run_blocking or (lambda fn: fn())
        self._new_dir = new_dir
        self._listener = listener
        self.idle_timeout_s = float(idle_timeout_s)
        self.max_sessions = int(max_sessions)
        self._lock = threading.Lock()
        self._entries: dict[str, LiveEntry] = {}
        self._refused: dict[str, str] = {}
        self._opened = threading.Condition(self._lock)
        self._closed = False
        self._reaper = threading.Thread(target=self._reap_loop, name="interview-guard-live-reaper", daemon=True)
        self._stop_reaper = threading.Event()
        self._reaper.start()

    # ---------------------------------------------------------------- lifecycle
    def start(self, sid: str, *, source: str, consent: bool, id_image: Path | None, candidate_id: str | None,
              browser: str | None = None, actor: str | None = None) -> LiveEntry:
        try:
            if not valid_sid(sid):
                raise InputError("the capture did not send a session id; reload the page and press Start again")
            if not consent:
                raise InputError("nothing is captured without the candidate's consent: tell the candidate about "
                                 "this check, tick the consent box, then press Start")
            if source not in {s for _, s in SOURCES}:
                raise InputError(f"unknown source {source!r}")
            if candidate_id is not None and (len(candidate_id) > 128 or not candidate_id.isprintable()):
                raise InputError("candidate id must be at most 128 printable characters")
            with self._lock:
                if self._closed:
                    raise InterviewGuardError("the app is shutting down")
                if sid in self._entries:
                    raise InputError("this capture is already running; press Stop first")
                if len(self._entries) >= self.max_sessions:
                    raise InputError(f"{self.max_sessions} live sessions are already running on this server; "
                                     "stop one first")
            case_dir = self._new_dir("live_")
            case_id = "live-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
            analyzer = self._analyzer()
            session = self._opener(analyzer, id_image=id_image, candidate_id=candidate_id, consent=CONSENT_LABEL,
                                   options={"case_dir": case_dir, "record": True, "sample_fps": SAMPLE_FPS,
                                            "case_id": case_id})
            entry = LiveEntry(sid=sid, session=session, case_dir=case_dir, source=source,
                              candidate_id=candidate_id, browser=browser, case_id=case_id)
            if source in ("rtmp", "rtsp"):
                try:
                    entry.listener = self._listener(source, case_dir)
                    entry.listener.attach(session, entry.note)
                    entry.push_url = str(entry.listener.url)
                except BaseException:
                    _quietly(session.close)
                    if entry.listener is not None:
                        _quietly(entry.listener.close)
                    raise
        except BaseException as e:
            with self._opened:
                self._refused[sid] = _one_line(e) if isinstance(e, Exception) else "start was interrupted"
                for old in list(self._refused)[:-64]:  # refusals nobody asked about (no capture waiting)
                    del self._refused[old]
                self._opened.notify_all()
            raise
        record_consent(analyzer, entry, actor)
        with self._opened:
            self._entries[sid] = entry
            self._opened.notify_all()
        return entry

    def ready(self, sid: str, wait_s: float = 10.0) -> dict:
        """For the capture: {"ok": True} once ``sid`` is open, {"error": ...} if it was refused."""
        if not valid_sid(sid):
            return {"error": "bad session id"}
        deadline = time.monotonic() + wait_s
        with self._opened:
            while True:
                if sid in self._entries:
                    self._entries[sid].last_seen = time.monotonic()
                    return {"ok": True}
                if sid in self._refused:
                    return {"error": "Not started: " + self._refused.pop(sid)}
                left = deadline - time.monotonic()
                if left <= 0:
                    return {"wait": True}
                self._opened.wait(left)

    def get(self, sid: str | None) -> LiveEntry | None:
        if not sid:
            return None
        with self._lock:
            entry = self._entries.get(sid)
            if entry is not None:
                entry.last_seen = time.monotonic()
            return entry

    def _pop(self, sid: str | None) -> LiveEntry | None:
        if not sid:
            return None
        with self._lock:
            return self._entries.pop(sid, None)

    def finish(self, sid: str | None) -> tuple[LiveEntry, Any]:
        """Stop capturing and run the full analysis; returns (entry, RiskReport)."""
        entry = self._pop(sid)
        if entry is None:
            raise InputError("no live session is running in this page (it was stopped or timed out)")
        entry.finishing = True
        try:
            if entry.listener is not None:
                _quietly(entry.listener.close)
            report = self._run_blocking(entry.session.finish)
        finally:
            _quietly(entry.session.close)
        return entry, report

    def discard(self, sid: str | None, why: str) -> bool:
        entry = self._pop(sid)
        if entry is None:
            return False
        logger.info("live session %s… closed without a report: %s", entry.sid[:8], why)
        if entry.listener is not None:
            _quietly(entry.listener.close)
        _quietly(entry.session.close)
        return True

    def discard_browser(self, browser: str | None) -> int:
        with self._lock:
            sids = [s for s, e in self._entries.items() if browser and e.browser == browser]
        return sum(self.discard(s, "the page was closed") for s in sids)

    def sweep(self) -> int:
        now = time.monotonic()
        with self._lock:
            stale = [s for s, e in self._entries.items() if now - e.last_seen > self.idle_timeout_s]
        return sum(self.discard(s, f"no traffic for {self.idle_timeout_s:.0f} s") for s in stale)

    def _reap_loop(self) -> None:
        while not self._stop_reaper.wait(min(10.0, max(0.5, self.idle_timeout_s / 3))):
            try:
                self.sweep()
            except Exception:  # the reaper must survive one bad session
                logger.exception("live session sweep failed")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            sids = list(self._entries)
        self._stop_reaper.set()
        for sid in sids:
            self.discard(sid, "the app is shutting down")

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    # ---------------------------------------------------------------- data from the capture
    def push_frame(self, payload: Any) -> dict:
        sid, t, err = _payload_head(payload)
        if err:
            return {"error": err}
        entry = self.get(sid)
        if entry is None:
            return {"error": "no live session (stopped or timed out)"}
        data = payload.get("jpeg")
        image = decode_data_url(data)
        if image is None:
            entry.bad_frames += 1
            return {"error": "frame is not a readable JPEG image"}
        try:
            entry.session.push_frame(t, image)
        except InterviewGuardError as e:
            entry.bad_frames += 1
            return {"error": _one_line(e)}
        entry.last_frame_t = t
        return {"ok": True}

    def push_audio(self, payload: Any) -> dict:
        sid, t, err = _payload_head(payload)
        if err:
            return {"error": err}
        entry = self.get(sid)
        if entry is None:
            return {"error": "no live session (stopped or timed out)"}
        pcm = decode_pcm16(payload.get("pcm16"))
        if pcm is None:
            entry.bad_audio += 1
            return {"error": "audio chunk is not base64 16-bit PCM"}
        try:
            entry.session.push_audio(t, pcm)
        except InterviewGuardError as e:
            entry.bad_audio += 1
            return {"error": _one_line(e)}
        return {"ok": True}

    def client_error(self, payload: Any) -> dict:
        if not isinstance(payload, dict):
            return {"error": "bad payload"}
        entry = self.get(payload.get("sid"))
        if entry is None:
            return {"ok": False}
        entry.note(str(payload.get("message", "")))
        return {"ok": True}

    def mark(self, sid: str | None, kind: str) -> tuple[LiveEntry, float | None]:
        if kind not in CHALLENGES:
            raise InputError(f"unknown challenge {kind!r}")
        entry = self.get(sid)
        if entry is None:
            raise InputError("start a live session first")
        entry.session.mark_challenge(kind)
        asked = getattr(entry.session, "challenges", None)  # the engine's (kind, t) list
        t = _float_or_none(asked[-1][1]) if asked else None
        if t is None:
            t = _float_or_none(getattr(_safe_snapshot(entry), "last_video_t", None)) or entry.last_frame_t
        entry.marks.append((kind, t))
        return entry, t

    def panel(self, sid: str | None, state: str = "live") -> str:
        entry = self.get(sid)
        if entry is None:
            return live_panel_html(None)
        snap = _safe_snapshot(entry)
        messages = entry.transport_messages()
        if snap is None:
            messages.insert(0, "The live engine did not answer this second; retrying.")
        extra = ""
        if entry.push_url:
            from html import escape

            extra = (f'<p class="ig-live-push">Push the meeting to <code>{escape(entry.push_url)}</code> '
                     "(OBS: Settings → Stream → Custom; a meeting bot: its RTMP/RTSP output).</p>")
        if snap is None:
            snap = {"t": 0.0, "indicators": (), "frames_received": 0}
        return live_panel_html(snap, marks=entry.marks, messages=messages, extra=extra, state=state)


def record_consent(analyzer: Any, entry: LiveEntry, actor: str | None) -> None:
    """An audit row ``live_consent`` when capture starts (the engine adds ``live_session`` at the end)."""
    store = getattr(analyzer, "store", None)
    if store is None:
        return
    actor = actor or getattr(getattr(analyzer, "config", None), "analyst", None) or "unknown"
    try:
        store.audit(actor, "live_consent", {"consent": CONSENT_LABEL, "source": entry.source,
                                            "candidate_id": entry.candidate_id}, case_id=entry.case_id)
    except Exception as e:  # never lose the session over the audit row; the finish row has the consent too
        logger.warning("could not record the consent in the audit log: %s", e)


def _safe_snapshot(entry: LiveEntry) -> Any:
    try:
        return entry.session.snapshot()
    except Exception as e:
        logger.warning("live snapshot failed: %s: %s", type(e).__name__, e)
        return None


def _quietly(fn: Callable[[], Any]) -> None:
    try:
        fn()
    except Exception as e:
        logger.warning("live: %s failed: %s", getattr(fn, "__name__", fn), e)


def _one_line(e: BaseException) -> str:
    if isinstance(e, InterviewGuardError):
        return e.one_line()
    return f"internal error: {type(e).__name__}: {' '.join(str(e).split())}"


def _float_or_none(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def valid_sid(sid: Any) -> bool:
    return isinstance(sid, str) and bool(_SID.match(sid))


def _payload_head(payload: Any) -> tuple[str | None, float, str | None]:
    if not isinstance(payload, dict):
        return None, 0.0, "bad payload (expected an object)"
    sid = payload.get("sid")
    if not valid_sid(sid):
        return None, 0.0, "bad or missing session id"
    t = _float_or_none(payload.get("t"))
    if t is None or t < 0 or t > 86400:
        return sid, 0.0, "bad timestamp"
    return sid, t, None


def decode_data_url(data: Any) -> np.ndarray | None:
    """A ``data:image/jpeg;base64,…`` URL -> BGR uint8 image, or None when it is not a readable image."""
    if not isinstance(data, str) or len(data) > MAX_JPEG_CHARS:
        return None
    m = _DATA_URL.match(data)
    if not m:
        return None
    try:
        raw = base64.b64decode(data[m.end():], validate=True)
    except (binascii.Error, ValueError):
        return None
    import cv2

    image = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.ndim != 3 or min(image.shape[:2]) < 16:
        return None
    return image


def decode_pcm16(data: Any) -> np.ndarray | None:
    """base64 little-endian Int16 mono 16 kHz -> int16 array, or None."""
    if not isinstance(data, str) or not data or len(data) > MAX_AUDIO_SAMPLES * 3:
        return None
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) % 2 or not raw:
        return None
    return np.frombuffer(raw, dtype="<i2").astype(np.int16)


def report_panel_html(report: Any, marks=()) -> str:
    """The panel after Stop: the full analysis' signals in the live layout."""
    indicators = []
    for s in report.signals:
        ev = next((e for e in s.evidence if e.t_start is not None), None)
        indicators.append({"name": s.name, "status": s.status, "score": s.score, "confidence": s.confidence,
                           "summary": s.summary, "evidence_t": ev.t_start if ev else None, "active": True})
    snap = {"t": max((e.t_end or e.t_start or 0.0 for s in report.signals for e in s.evidence
                      if e.t_start is not None), default=0.0),
            "indicators": indicators, "level": report.risk.level, "followups": report.followups,
            "frames_received": 0}
    return live_panel_html(snap, marks=marks, state="done")


# --------------------------------------------------------------------------- Gradio wiring
_START_JS = """(consent, source, id_image, candidate, sid) => {
  const live = window.__interviewGuardLive;
  const s = live ? live.begin(consent, source) : null;
  return [consent, source, id_image, candidate, s];
}"""
_STOP_JS = """(...args) => { const live = window.__interviewGuardLive; if (live) live.end(false); return args; }"""
_CAPTURE_HTML = ('<div class="ig-live-capture"><video class="ig-live-preview" muted playsinline></video>'
                 '<span class="ig-live-cstatus">Camera and screen are off until Start.</span></div>')
_CAPTURE_CSS = (".ig-live-capture{display:flex;gap:10px;align-items:center;font-size:.9em;opacity:.9}"
                ".ig-live-preview{width:160px;max-height:120px;background:#101828;border-radius:6px}")


def mount_live_tab(host: Any, config: Any, *, opener: Callable[..., Any] | None = None,
                   listener: Callable[[str, Path], Any] | None = None) -> LiveSessions:
    """Build the "Live interview" tab inside the current ``gr.Tabs`` and return its sessions.

    ``host``: the app's AnalyzerHost (its Analyzer, its worker thread and its temp dir)."""
    import gradio as gr

    from .render import badge_html, write_report_files

    sessions = LiveSessions(opener or _module_opener, analyzer=host.get_analyzer, run_blocking=host.run_blocking,
                            new_dir=host.new_dir, listener=listener or _module_listener)

    def live_frame(payload):
        return sessions.push_frame(payload)

    def live_audio(payload):
        return sessions.push_audio(payload)

    def live_ready(payload):
        return sessions.ready(payload.get("sid") if isinstance(payload, dict) else None)

    def live_client_error(payload):
        return sessions.client_error(payload)

    def start(consent, source, id_image, candidate, sid, request: gr.Request):
        candidate = (candidate or "").strip() or None
        actor = getattr(request, "username", None)
        try:
            entry = sessions.start(sid, source=source or "camera", consent=bool(consent),
                                   id_image=Path(id_image) if id_image else None, candidate_id=candidate,
                                   browser=getattr(request, "session_hash", None), actor=actor)
        except Exception as e:
            raise gr.Error(_one_line(e), title="Live session not started", print_exception=False) from None
        status = f"Live session started ({dict((v, k) for k, v in SOURCES)[entry.source].lower()})."
        if entry.push_url:
            status += f" Push the meeting to `{entry.push_url}`."
        hidden = gr.File(value=None, visible=False)
        return entry.sid, status, sessions.panel(entry.sid), gr.Timer(active=True), "", hidden, hidden

    def tick(sid):
        if sessions.get(sid) is None:  # stopped, timed out or closed with its page: stop ticking
            return live_panel_html(None), gr.Timer(active=False)
        return sessions.panel(sid), gr.Timer()

    def stop(sid):
        if sessions.get(sid) is None:
            raise gr.Error("no live session is running in this page (it was stopped or timed out)",
                           title="Live session", print_exception=False)
        keep = gr.update()
        yield (sid, "Stopping: the whole captured interview is being analysed…",
               sessions.panel(sid, state="finishing"), keep, keep, keep, gr.Timer(active=False))
        try:
            entry, report = sessions.finish(sid)
            html_path, json_path = _report_files(entry.case_dir, report)
        except Exception as e:
            msg = _one_line(e)
            yield (None, f"Stopped without a report: {msg}", live_panel_html(None, messages=[msg]), keep, keep,
                   keep, gr.Timer(active=False))
            return
        yield (None, "Stopped. The full analysis of the captured interview is below and in the case store.",
               report_panel_html(report, entry.marks), badge_html(report.risk, report.signals),
               gr.File(value=str(html_path), visible=True),
               gr.File(value=str(json_path), visible=True), gr.Timer(active=False))

    def _report_files(case_dir: Path, report: Any) -> tuple[Path, Path]:
        html, js = case_dir / "report.html", case_dir / "report.json"
        if html.is_file() and js.is_file():
            return html, js
        return write_report_files(report, case_dir, config)

    def mark(kind):
        def _mark(sid):
            try:
                _entry, t = sessions.mark(sid, kind)
            except Exception as e:
                raise gr.Error(_one_line(e), title="Challenge", print_exception=False) from None
            return f"{CHALLENGES[kind][0]} asked at {fmt_t(t)}: “{CHALLENGES[kind][1]}”", sessions.panel(sid)
        _mark.__name__ = f"mark_{kind}"
        return _mark

    def unload(request: gr.Request):
        sessions.discard_browser(getattr(request, "session_hash", None))

    with gr.Tab("Live interview", id="live", elem_id="live-tab"):
        gr.Markdown(INTRO)
        with gr.Row(equal_height=False):
            with gr.Column(scale=2, min_width=320):
                source = gr.Radio(choices=list(SOURCES), value="camera", label="Source", elem_id="live-source")
                id_image = gr.File(label="ID document image (optional)", height=110, elem_id="live-id-image")
                candidate = gr.Textbox(label="Candidate id (optional)", max_length=128, elem_id="live-candidate",
                                       placeholder="links analyses of the same candidate")
                consent = gr.Checkbox(label=CONSENT_LABEL, value=False, elem_id="live-consent")
                with gr.Row():
                    start_btn = gr.Button("Start", variant="primary", elem_id="live-start")
                    stop_btn = gr.Button("Stop", variant="stop", elem_id="live-stop")
                capture = gr.HTML(value="", html_template=_CAPTURE_HTML, css_template=_CAPTURE_CSS,
                                  js_on_load=capture_js(), elem_id="live-capture",
                                  server_functions=[live_frame, live_audio, live_ready, live_client_error])
                status = gr.Markdown(elem_id="live-status")
                gr.Markdown("**Guided challenges** — press when you ask, so the moment is marked:")
                with gr.Row():
                    challenge_btns = {k: gr.Button(label, size="sm", elem_id=f"live-challenge-{k}")
                                      for k, (label, _ask) in CHALLENGES.items()}
            with gr.Column(scale=3, min_width=420):
                badge = gr.HTML(elem_id="live-badge")  # the full report's badge, after Stop
                panel = gr.HTML(live_panel_html(None), elem_id="live-panel", label="Live indicators")
                with gr.Row():
                    report_html = gr.File(label="report.html", interactive=False, height=110, visible=False)
                    report_json = gr.File(label="report.json", interactive=False, height=110, visible=False)
        gr.HTML(f"<style>{CSS}</style>", visible=True, elem_id="live-style", padding=False)
        sid_state = gr.State(None)
        timer = gr.Timer(1.0, active=False)

    start_btn.click(start, inputs=[consent, source, id_image, candidate, capture],
                    outputs=[sid_state, status, panel, timer, badge, report_html, report_json], js=_START_JS,
                    api_visibility="private", concurrency_limit=None, show_progress="minimal")
    stop_btn.click(stop, inputs=[sid_state],
                   outputs=[sid_state, status, panel, badge, report_html, report_json, timer],
                   js=_STOP_JS, api_visibility="private", concurrency_limit=None)
    timer.tick(tick, inputs=[sid_state], outputs=[panel, timer], api_visibility="private", concurrency_limit=None,
               show_progress="hidden")
    for kind, btn in challenge_btns.items():
        btn.click(mark(kind), inputs=[sid_state], outputs=[status, panel], api_visibility="private",
                  concurrency_limit=None, show_progress="hidden")
    root = gr.context.Context.root_block
    if root is not None:
        root.unload(unload)
    return sessions


def _module_opener(analyzer: Any, **kwargs: Any) -> Any:  # late-bound so tests can monkeypatch the module
    return default_opener(analyzer, **kwargs)


def _module_listener(source: str, case_dir: Path) -> Any:
    return default_listener(source, case_dir)
