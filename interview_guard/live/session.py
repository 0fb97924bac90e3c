"""LiveSession: push frames and audio from a stream, read rolling indicators, finish with the
full analysis of what was captured.

    with open_live_session(analyzer, consent="recorded verbally 10:02", options=LiveOptions(case_dir=d)) as s:
        s.push_frame(t, bgr); s.push_audio(t, pcm16k)       # never block; bad data -> a message
        snap = s.snapshot()                                   # cheap, every second from a UI timer
        report = s.finish()                                   # full analysis, stored like any case

Threads: ``video`` (the newest frame only: frames arriving while it is busy are dropped and
counted), ``audio`` (VAD + voice prints), ``asr`` (Whisper) and ``voice`` (AASIST), plus the
recorder. Each session owns its extractors, trackers and threads: two sessions share nothing
but the analyzer's read-only model sessions.
"""
from __future__ import annotations

import json
import logging
import math
import queue
import threading
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from . import indicators as ind
from .options import CHALLENGES, LiveOptions, LiveSnapshot

if TYPE_CHECKING:
    from ..report import ReportPaths

logger = logging.getLogger(__name__)

TIMELINE_NAME = "live_timeline.jsonl"
_STOP = object()


class LiveSession:
    def __init__(self, analyzer, *, id_image: Path | None = None, candidate_id: str | None = None,
                 consent: str | None = None, options: LiveOptions | None = None) -> None:
        from ..features import FeatureEnv
        from ..types import CaseInputs
        from .engine import live_config

        self.options = opts = options or LiveOptions()
        if opts.record and not (consent and consent.strip()):
            raise InputError("a live session records the candidate: give the consent that was obtained "
                             "(consent text), or turn recording off")
        if id_image is not None and not Path(id_image).is_file():
            raise InputError(f"ID image not found: {id_image}")
        self.analyzer = analyzer
        self.consent = consent
        self.id_image = Path(id_image) if id_image else None
        self.candidate_id = candidate_id
        self.tuning = opts.tuning
        self.config = live_config(analyzer.config, opts.sample_fps)
        self.specs = dict(analyzer.feature_specs())
        self.env = FeatureEnv(config=self.config, runtime=analyzer.runtime, models=analyzer.models,
                              inputs=CaseInputs(id_image=self.id_image, candidate_id=candidate_id), store=None)
        self.case_dir = Path(opts.case_dir) if opts.case_dir else None
        if opts.record and self.case_dir is None:
            import tempfile

            self.case_dir = Path(tempfile.mkdtemp(prefix="interview-guard-live-"))
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._latest: tuple[float, np.ndarray, float] | None = None
        self._stopping = False
        self._video_busy = False
        self._finished = False
        self.frames_received = self.frames_dropped = self.frames_analyzed = self.frames_sampled_out = 0
        self._last_sampled_t = -1e9
        self.audio_received_s = 0.0
        self.last_video_t: float | None = None
        self.last_audio_t: float | None = None
        self._last_frame_wall: float | None = None
        self._started_wall = time.time()
        self._messages: deque[str] = deque(maxlen=self.tuning.max_messages)
        self.delays: deque[tuple[float, float, float]] = deque(maxlen=50_000)  # (t, push wall, done wall)
        self.transcript_lags: deque[float] = deque(maxlen=10_000)
        self._audio_walls: deque[tuple[float, float]] = deque(maxlen=4096)  # (chunk end t, push wall)
        self.challenges: list[tuple[str, float]] = []
        self.timeline: deque[dict] = deque(maxlen=900)
        self.events: list[dict] = []  # first flag / status change per indicator, kept whole
        self._last_status: dict[str, str] = {}
        self._last_timeline_wall = 0.0
        fo, lo, so = self.config.face, self.config.liveness, self.config.speech
        self.faces = ind.FaceTracker(match_threshold=fo.match_threshold, min_identity_s=fo.min_identity_s,
                                     max_absence_s=fo.max_absence_s, sample_fps=opts.sample_fps, tuning=self.tuning,
                                     id_note="loading the ID photo" if self.id_image else "no ID photo given")
        self.screen = ind.ScreenTracker(lo.flag_threshold, self.tuning, fas_threshold=lo.fas_threshold)
        self.blend = ind.BlendTracker(lo.flag_threshold, self.tuning.blend_every_s)
        self.transcript = ind.TranscriptTail()
        self.voices = ind.VoiceTracker(so.speaker_threshold, self.tuning.expected_voices)
        self.synthetic = ind.SyntheticVoiceTracker(
            lo.flag_threshold, lo.voice_margin_threshold,
            note=f"sampled: about {4:.0f} s of speech every {opts.heavy_every_s:g} s")
        self.lanes: dict[str, Any] = {}
        self._ready = {k: threading.Event() for k in ("video", "audio", "asr", "voice")}
        self._audio_q: queue.Queue = queue.Queue()
        self._asr_q: queue.Queue = queue.Queue()
        self._voice_q: queue.Queue = queue.Queue()
        self._backlog = {"audio": 0.0, "asr": 0.0, "voice": 0.0}
        self.recorder = None
        self.report_paths: ReportPaths | None = None  # once finish() wrote the case folder
        self._timeline_f = None
        if self.case_dir is not None:
            self.case_dir.mkdir(parents=True, exist_ok=True)
            self._timeline_f = open(self.case_dir / TIMELINE_NAME, "a", encoding="utf-8")
            self._write_line({"event": "start", "wall": round(self._started_wall, 3), "consent": consent,
                              "candidate_id": candidate_id, "record": opts.record})
        if opts.record and self.case_dir is not None:  # recording always has a case folder (above)
            from .recorder import RECORDING_NAME, Recorder

            self.recorder = Recorder(self.case_dir / RECORDING_NAME, fps=opts.sample_fps)
        self._threads = [threading.Thread(target=fn, name=f"live-{n}", daemon=True) for n, fn in
                         (("video", self._video_loop), ("audio", self._audio_loop), ("asr", self._asr_loop),
                          ("voice", self._voice_loop), ("refresh", self._refresh_loop))]
        for th in self._threads:
            th.start()

    # ------------------------------------------------------------------ pushing
    def message(self, text: str) -> None:
        with self._lock:
            if not self._messages or self._messages[-1] != text:
                self._messages.append(text)
        logger.info("live: %s", text)

    def push_frame(self, t: float, image_bgr: np.ndarray) -> None:
        """Hand a BGR uint8 (H, W, 3) frame to the session; returns at once."""
        try:
            t, image = self._check_frame(t, image_bgr)
        except Exception as e:
            self.message(f"frame ignored: {e}")
            return
        now = time.time()
        with self._cond:
            if self._stopping:
                return
            if self.last_video_t is not None and t <= self.last_video_t:
                self._messages.append(f"frame ignored: time {t:.2f} s is not after {self.last_video_t:.2f} s")
                return
            self.frames_received += 1
            self.last_video_t = t
            self._last_frame_wall = time.monotonic()
            if t - self._last_sampled_t >= 0.999 / self.options.sample_fps:
                self._last_sampled_t = t
                if self._latest is not None:
                    self.frames_dropped += 1
                self._latest = (t, image, now)
                self._cond.notify_all()
            else:
                self.frames_sampled_out += 1
        if self.recorder is not None:
            self.recorder.write_frame(t, image)

    def _check_frame(self, t, image) -> tuple[float, np.ndarray]:
        t = float(t)
        if not math.isfinite(t) or t < 0:
            raise ValueError(f"bad time {t!r}")
        if not isinstance(image, np.ndarray):
            raise ValueError(f"expected a numpy array, got {type(image).__name__}")
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected a BGR image of shape (H, W, 3), got {image.shape}")
        if image.dtype != np.uint8:
            raise ValueError(f"expected uint8 pixels, got {image.dtype}")
        h, w = image.shape[:2]
        mo = self.config.media
        if h < 16 or w < 16 or w > mo.max_width or h > mo.max_height:
            raise ValueError(f"frame size {w}x{h} outside 16x16 .. {mo.max_width}x{mo.max_height}")
        return t, np.ascontiguousarray(image)

    def push_audio(self, t: float, pcm16k: np.ndarray) -> None:
        """Hand 16 kHz mono samples (float32 in [-1, 1], or int16) starting at ``t``; returns at once."""
        from ..types import AudioChunk

        try:
            t = float(t)
            if not math.isfinite(t) or t < 0:
                raise ValueError(f"bad time {t!r}")
            x = np.asarray(pcm16k)
            if x.ndim == 2 and 1 in x.shape:
                x = x.reshape(-1)
            if x.ndim != 1:
                raise ValueError(f"expected mono samples (N,), got shape {x.shape}")
            if x.dtype == np.int16:
                x = x.astype(np.float32) / 32768.0
            elif x.dtype in (np.float32, np.float64):
                x = x.astype(np.float32, copy=False)
            else:
                raise ValueError(f"expected float32 or int16 samples, got {x.dtype}")
            if not np.isfinite(x).all():
                raise ValueError("samples contain NaN or infinity")
        except Exception as e:
            self.message(f"audio ignored: {e}")
            return
        if not len(x) or self._stopping:
            return
        chunk = AudioChunk(t=t, samples=np.clip(x, -1.0, 1.0))
        with self._lock:
            self.audio_received_s += chunk.duration
            self.last_audio_t = t + chunk.duration
            self._audio_walls.append((t + chunk.duration, time.time()))
        if self.recorder is not None:
            self.recorder.write_audio(t, chunk.samples)
        self._enqueue("audio", self._audio_q, chunk)

    def _enqueue(self, lane: str, q: queue.Queue, chunk, upstream=None) -> None:
        with self._lock:
            if self._backlog[lane] > self.tuning.max_audio_backlog_s:
                self._messages.append(f"{lane}: more than {self.tuning.max_audio_backlog_s:.0f} s of audio waiting;"
                                      f" audio at {chunk.t:.1f} s skipped live (the final report has it)")
                return
            self._backlog[lane] += chunk.duration
        q.put((chunk, upstream))

    def mark_challenge(self, kind: str) -> None:
        """Note that the interviewer asked for a liveness challenge now (hand_wave, head_turn, read_sentence)."""
        if kind not in CHALLENGES:
            raise InputError(f"unknown challenge {kind!r}; one of {', '.join(CHALLENGES)}")
        with self._lock:
            t = max(self.last_video_t or 0.0, self.last_audio_t or 0.0)
            self.challenges.append((kind, t))
            self._messages.append(f"challenge asked: {kind.replace('_', ' ')} at {t:.1f} s")
        self._write_line({"event": "challenge", "kind": kind, "t": round(t, 2)})

    # ------------------------------------------------------------------ workers
    def _video_loop(self) -> None:
        from ..types import Frame
        from .engine import FAS_CPU_NOTE, VIDEO_FEATURES, Lane, id_embedding, on_cuda

        lane = Lane("video", self.specs, self.env, self._wanted(VIDEO_FEATURES))
        skip = {} if on_cuda(self.env.runtime) else {"fas_scores": FAS_CPU_NOTE}
        lane.build(skip)
        emb, note = id_embedding(self.specs, self.env) if self.id_image else (None, "no ID photo given")
        with self._lock:
            self.lanes["video"] = lane
            self.faces.id_embedding = None if emb is None else ind.unit_vector(np.asarray(emb, np.float32))
            self.faces.id_note = note
            self.screen.fas_note = lane.failures.get("fas_scores", "")
        if note and self.id_image:
            self.message(f"ID photo not usable: {note}")
        self._ready["video"].set()
        next_blend = -1e9
        next_fas = -1e9
        index = 0
        while True:
            with self._cond:
                while self._latest is None and not self._stopping:
                    self._cond.wait(0.5)
                if self._stopping:
                    break
                latest = self._latest
                if latest is None:  # not reached: the wait ends with a frame or a stop
                    continue
                t, image, pushed = latest
                self._latest = None
                self._video_busy = True
            only = {"faces", "screen_cues"}
            if t >= next_blend:
                only.add("blend_boundary")
            if t >= next_fas:
                only.add("fas_scores")
            per = lane.feed(Frame(index=index, t=t, image=image), only=only)
            index += 1
            with self._lock:
                if "faces" in per:
                    self.faces.add(t, per["faces"])
                self.screen.add(t, per.get("screen_cues"))
                if per.get("blend_boundary") is not None:
                    self.blend.add(t, per["blend_boundary"])
                    next_blend = t + self.tuning.blend_every_s
                if per.get("fas_scores") is not None:
                    self.screen.add_fas(t, per["fas_scores"])
                    next_fas = t + self.options.heavy_every_s
                self.frames_analyzed += 1
                self.delays.append((t, pushed, time.time()))
                self._video_busy = False
                self._cond.notify_all()
        lane.close()

    def _audio_loop(self) -> None:
        from .engine import AUDIO_FEATURES, VOICE_BURST_S, Lane

        lane = Lane("audio", self.specs, self.env, self._wanted(AUDIO_FEATURES))
        lane.build()
        with self._lock:
            self.lanes["audio"] = lane
        self._ready["audio"].set()
        every = self.options.heavy_every_s
        while (item := self._audio_q.get()) is not _STOP:
            chunk, _ = item
            per = lane.feed(chunk)
            up = {"speech_activity": per.get("speech_activity")}
            self._enqueue("asr", self._asr_q, chunk, up)
            if (chunk.t % every) < VOICE_BURST_S:
                self._enqueue("voice", self._voice_q, chunk, up)
            with self._lock:
                self.voices.add(per.get("speaker_windows") or ())
                self._backlog["audio"] -= chunk.duration

    def _asr_loop(self) -> None:
        from .engine import Lane, tune_for_live

        self._ready["audio"].wait()
        lane = Lane("asr", self.specs, self.env, self._wanted(("asr",)))
        lane.build(self._missing_vad(), tune=tune_for_live(self.tuning))
        with self._lock:
            self.lanes["asr"] = lane
        self._ready["asr"].set()
        while (item := self._asr_q.get()) is not _STOP:
            chunk, up = item
            per = lane.feed(chunk, up)
            segs = per.get("asr") or ()
            with self._lock:
                self._backlog["asr"] -= chunk.duration
            if not segs:
                continue
            ex = lane.extractors.get("asr")
            win = getattr(getattr(ex, "stream", None), "windows", None)
            lang, p = (win[-1].language, win[-1].language_probability) if win else ("", 0.0)
            now = time.time()
            with self._lock:
                self.transcript.add(segs, lang, p)
                end = max(float(s.end) for s in segs)
                pushed = next((w for te, w in self._audio_walls if te >= end), None)
                if pushed is not None:
                    self.transcript_lags.append(now - pushed)

    def _voice_loop(self) -> None:
        from .engine import Lane

        self._ready["audio"].wait()
        lane = Lane("voice", self.specs, self.env, self._wanted(("synthetic_voice",)))
        lane.build(self._missing_vad())
        with self._lock:
            self.lanes["voice"] = lane
        self._ready["voice"].set()
        seen = 0
        while (item := self._voice_q.get()) is not _STOP:
            chunk, up = item
            lane.feed(chunk, up)
            with self._lock:
                self._backlog["voice"] -= chunk.duration
            scorer = getattr(lane.extractors.get("synthetic_voice"), "scorer", None)
            windows = list(getattr(scorer, "windows", ()) or ())
            if len(windows) != seen:
                with self._lock:
                    self.synthetic.windows = windows
                seen = len(windows)

    def _missing_vad(self) -> dict[str, str]:
        audio = self.lanes.get("audio")
        if audio is not None and "speech_activity" in audio.failures and self.config.speech.vad:
            reason = f"needs speech_activity: {audio.failures['speech_activity']}"
            return {n: reason for n in ("asr", "synthetic_voice")}
        return {}

    def _wanted(self, names) -> tuple[str, ...]:
        sel = self.options.features
        return tuple(n for n in names if sel is None or n in sel)

    def _refresh_loop(self) -> None:
        while not self._stopping:
            time.sleep(self.options.refresh_s)
            if self._stopping:
                break
            try:
                self.snapshot()
            except Exception:  # the timeline must never take the session down
                logger.warning("live snapshot failed", exc_info=True)

    # ------------------------------------------------------------------ reading
    def snapshot(self) -> LiveSnapshot:
        from .snapshot import build_snapshot

        snap = build_snapshot(self)
        self._remember(snap)
        return snap

    def _remember(self, snap: LiveSnapshot) -> None:
        """Status changes always; the whole snapshot into the timeline at most once per refresh."""
        d = snap.to_dict()
        changed = False
        with self._lock:
            for i in snap.indicators:
                if self._last_status.get(i.name) != i.status:
                    changed = True
                    self._last_status[i.name] = i.status
                    if i.status in ("flag", "error"):
                        self.events.append({"t": d["t"], "name": i.name, "status": i.status, "summary": i.summary})
            del self.events[:-500]
            if not changed and snap.wall_t - self._last_timeline_wall < 0.9 * self.options.refresh_s:
                return
            self._last_timeline_wall = snap.wall_t
            self.timeline.append(d)
        self._write_line(d)

    def _write_line(self, obj: dict) -> None:
        f = self._timeline_f
        if f is None:
            return
        with self._lock:
            try:
                f.write(json.dumps(obj, ensure_ascii=False) + "\n")
                f.flush()
            except (OSError, ValueError) as e:
                logger.debug("timeline write: %s", e)

    def wait_ready(self, timeout: float = 120.0) -> bool:
        """Block until every lane has built its extractors (models loaded). For tests and tools."""
        end = time.monotonic() + timeout
        return all(ev.wait(max(0.0, end - time.monotonic())) for ev in self._ready.values())

    def wait_video_idle(self, timeout: float = 30.0) -> bool:
        """Wait until the video worker took the newest frame (paces a file fed as fast as possible)."""
        end = time.monotonic() + timeout
        with self._cond:
            while (self._latest is not None or self._video_busy) and not self._stopping:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def drain(self, timeout: float = 60.0) -> None:
        """Wait until queued audio and the newest frame are processed (for file sources / tests)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                idle = self._latest is None and not self._video_busy and \
                    all(v <= 1e-6 for v in self._backlog.values())
            if idle and all(q.unfinished_tasks == 0 or q.empty() for q in (self._audio_q, self._asr_q, self._voice_q)):
                time.sleep(0.05)
                with self._lock:
                    if self._latest is None and not self._video_busy and \
                            all(v <= 1e-6 for v in self._backlog.values()):
                        return
            time.sleep(0.02)

    # ------------------------------------------------------------------ ending
    def _stop(self) -> None:
        with self._cond:
            if self._stopping:
                return
            self._stopping = True
            self._cond.notify_all()
        for q in (self._audio_q, self._asr_q, self._voice_q):
            q.put(_STOP)
        for th in self._threads:
            th.join(timeout=60)
            if th.is_alive():
                logger.warning("live thread %s did not stop", th.name)
        for lane in list(self.lanes.values()):
            lane.close()

    def finish(self):
        """Stop, close the recording, run the full analysis and write the case folder."""
        from .finish import finish_session

        if self._finished:
            raise InputError("this live session is finished already")
        self.drain(5.0)
        self.snapshot()  # the last rolling state goes into the timeline and the report
        self._stop()
        self._finished = True
        return finish_session(self)

    def close(self) -> None:
        self._stop()
        if self.recorder is not None:
            self.recorder.close()
        f, self._timeline_f = self._timeline_f, None
        if f is not None:
            f.close()

    def __enter__(self) -> "LiveSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
