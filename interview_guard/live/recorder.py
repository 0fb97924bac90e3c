"""Crash-safe recording of a live session: MPEG-TS (H.264 + AAC) written with PyAV.

MPEG-TS is a sequence of self-contained 188-byte packets with no index at the end, and the
muxer is opened with ``flush_packets=1``, so every encoded packet reaches the file at once: a
killed server leaves a file that decodes up to the last frame or two. The x264 encoder runs
``zerolatency`` (no look-ahead) with a keyframe every 2 s, so nothing waits in the encoder.

Encoding happens on the recorder's own thread; ``write_*`` only queue (and count what a full
queue had to drop), so a pushing caller never blocks.
"""
from __future__ import annotations

import logging
import queue
import threading
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from av.audio.stream import AudioStream
    from av.container import OutputContainer
    from av.video.stream import VideoStream

logger = logging.getLogger(__name__)

RECORDING_NAME = "recording.ts"
_STOP = object()


class Recorder:
    def __init__(self, path: Path, *, fps: float = 5.0, max_queue: int = 64, wait_s: float = 3.0) -> None:
        self.path = Path(path)
        self.wait_s = wait_s  # the streams are decided once both were seen, or after this much media
        self._pending: list[tuple[str, float, np.ndarray]] = []
        self.fps = fps
        self._q: queue.Queue = queue.Queue(maxsize=max_queue)
        self.dropped = 0
        self.frames = 0
        self.audio_s = 0.0
        self.error: str | None = None
        self.lost_audio_s = 0.0  # audio that came after the file was started without an audio stream
        self.lost_video = 0
        self._size: tuple[int, int] | None = None
        self._last_vt = -1.0
        self._audio_next = 0  # samples written (pts of the next audio frame)
        self._t0: float | None = None
        self._container: OutputContainer | None = None
        self._vs: VideoStream | None = None
        self._as: AudioStream | None = None
        self._thread = threading.Thread(target=self._run, name="live-recorder", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ producer side
    def write_frame(self, t: float, image: np.ndarray) -> None:
        self._put(("v", float(t), image))

    def write_audio(self, t: float, samples: np.ndarray) -> None:
        self._put(("a", float(t), samples))

    def _put(self, item) -> None:
        try:
            self._q.put_nowait(item)
        except queue.Full:
            self.dropped += 1

    def close(self) -> Path | None:
        """Stop, flush the encoders and close the file. Returns the path when anything was written."""
        if self._thread.is_alive():
            self._q.put(_STOP)
            self._thread.join(timeout=30)
        return self.path if self.frames or self.audio_s > 0 else None

    # ------------------------------------------------------------------ recorder thread
    def _run(self) -> None:
        try:
            while True:
                item = self._q.get()
                if item is _STOP:
                    break
                try:
                    self._accept(*item)
                except Exception as e:  # one bad item must not end the recording
                    logger.warning("recording: %s", e)
                    self.error = f"{type(e).__name__}: {e}"
        finally:
            try:
                if self._container is None and self._pending:
                    self._start()
            except Exception as e:
                self.error = f"{type(e).__name__}: {e}"
            self._close_container()

    def _accept(self, kind: str, t: float, data: np.ndarray) -> None:
        """Hold the first items until it is clear which streams the file has, then write."""
        if self._container is not None:
            self._write(kind, t, data)
            return
        self._pending.append((kind, t, data))
        kinds = {k for k, _, _ in self._pending}
        span = max(x[1] for x in self._pending) - min(x[1] for x in self._pending)
        if kinds == {"v", "a"} or span >= self.wait_s:
            self._start()

    def _start(self) -> None:
        pending, self._pending = self._pending, []
        video = [x for x in pending if x[0] == "v"]
        audio = any(x[0] == "a" for x in pending)
        h, w = video[0][2].shape[:2] if video else (0, 0)
        self._open(w - w % 2, h - h % 2, video=bool(video), audio=audio)
        self._t0 = min(x[1] for x in pending)
        for item in sorted(pending, key=lambda x: x[1]):
            self._write(*item)

    def _open(self, width: int, height: int, *, video: bool = True, audio: bool = True) -> None:
        import av

        self.path.parent.mkdir(parents=True, exist_ok=True)
        c = av.open(str(self.path), "w", format="mpegts", options={"flush_packets": "1"})
        vs = a = None
        if video:
            codec: Literal["libx264", "mpeg4"] = "libx264" if "libx264" in av.codecs_available else "mpeg4"
            vs = c.add_stream(codec, rate=max(1, int(round(self.fps))))
            vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
            vs.codec_context.time_base = Fraction(1, 1000)
            if codec == "libx264":
                vs.options = {"preset": "ultrafast", "tune": "zerolatency", "crf": "26",
                              "g": str(max(2, int(round(2 * self.fps))))}
        if audio:
            a = c.add_stream("aac", rate=16000)
            a.layout = "mono"
        self._container, self._vs, self._as = c, vs, a
        self._size = (width, height)

    def _origin(self, t: float) -> float:
        return self._t0 if self._t0 is not None else t

    def _write(self, kind: str, t: float, data: np.ndarray) -> None:
        import av

        if kind == "v":
            # _open sets the container, the size and the streams together
            if self._vs is None or self._container is None or self._size is None:
                self.lost_video += 1
                return
            h, w = data.shape[:2]
            t0 = self._origin(t)
            if t <= self._last_vt:  # pts must increase
                return
            self._last_vt = t
            tw, th = self._size
            if (w, h) != (tw, th):
                import cv2

                data = cv2.resize(data, (tw, th), interpolation=cv2.INTER_AREA)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(data[:th, :tw]), format="bgr24")
            frame.pts = int(round((t - t0) * 1000))
            frame.time_base = Fraction(1, 1000)
            for p in self._vs.encode(frame):
                self._container.mux(p)
            self.frames += 1
        else:
            if self._as is None or self._container is None:
                self.lost_audio_s += len(data) / 16000.0
                return
            t0 = self._origin(t)
            start = int(round((t - t0) * 16000))
            if start > self._audio_next + 1600:  # a gap of > 0.1 s: keep the clock, pad with silence
                data = np.concatenate([np.zeros(start - self._audio_next, np.float32), data])
            elif start < self._audio_next - 1600:
                return  # audio from before what is written already
            aframe = av.AudioFrame.from_ndarray(np.ascontiguousarray(data, np.float32)[None, :], format="flt",
                                                layout="mono")
            aframe.sample_rate = 16000
            aframe.pts = self._audio_next
            aframe.time_base = Fraction(1, 16000)
            self._audio_next += len(data)
            for p in self._as.encode(aframe):
                self._container.mux(p)
            self.audio_s = self._audio_next / 16000.0

    def _close_container(self) -> None:
        c = self._container
        if c is None:
            return
        try:
            for s in (self._vs, self._as):
                for p in (s.encode() if s is not None else ()):
                    c.mux(p)
        except Exception as e:
            logger.debug("flushing the recording: %s", e)
        try:
            c.close()
        except Exception as e:
            logger.warning("closing the recording: %s", e)
        self._container = None
