"""Where live media comes from: a file (at real speed or as fast as possible) or an RTMP / RTSP
stream received by a PyAV listener in its own process.

Every source yields ``("video", t, bgr)`` and ``("audio", t, pcm16k_float32)`` events in time
order, then stops. A listening ``av.open`` blocks its whole process (LIVE.md), so the listener
runs in a spawned child that decodes, samples and downsizes there and sends frames over a
queue; the parent gives up with a clear error when nobody connects within the timeout.
"""
from __future__ import annotations

import heapq
import logging
import queue
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import numpy as np

from ..errors import InputError

logger = logging.getLogger(__name__)

STREAM_SCHEMES = ("rtmp", "rtsp")
AUDIO_CHUNK_S = 0.5


def is_stream_url(source: str) -> bool:
    return urlsplit(str(source)).scheme.lower() in STREAM_SCHEMES


# --------------------------------------------------------------------------- file
def file_events(path: str | Path, media_opts, *, sample_fps: float, realtime: bool = False,
                audio: bool = True) -> Iterator[tuple[str, float, np.ndarray]]:
    """Frames (at ``sample_fps``) and 0.5 s audio chunks of a file, merged in time order.
    ``realtime``: paced by the wall clock, as a camera would deliver them."""
    from .. import media

    info = media.probe(path, media_opts)  # InputError for a missing / damaged / unsupported file
    streams = []
    if info.has_video:
        streams.append((("video", f.t, f.image) for f in media.iter_frames(info.path, media_opts, fps=sample_fps)))
    if info.has_audio and audio:
        streams.append((("audio", c.t, c.samples) for c in media.iter_audio(info.path, media_opts,
                                                                              chunk_s=AUDIO_CHUNK_S)))
    if not streams:
        raise InputError(f"{path}: no video or audio stream")
    start = time.monotonic()
    for kind, t, data in heapq.merge(*streams, key=lambda e: e[1]):
        if realtime:
            # an audio chunk is complete only at its end time
            due = t + (len(data) / 16000.0 if kind == "audio" else 0.0)
            delay = start + due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        yield kind, float(t), data


# --------------------------------------------------------------------------- RTMP / RTSP
def check_stream_url(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in STREAM_SCHEMES:
        raise InputError(f"not a stream URL (rtmp:// or rtsp://): {url}")
    if not parts.hostname:
        raise InputError(f"the stream URL needs the address to listen on, e.g. {scheme}://127.0.0.1:1935/live/key")
    if parts.port is None:
        raise InputError(f"the stream URL needs a port, e.g. {scheme}://{parts.hostname}:"
                         f"{1935 if scheme == 'rtmp' else 8554}{parts.path or '/live/key'}")
    return url


def listen_options(url: str, timeout_s: float) -> tuple[str | None, dict[str, str]]:
    """(format, options) for a listening ``av.open`` (verified with PyAV 18, LIVE.md)."""
    if urlsplit(url).scheme.lower() == "rtmp":
        return "flv", {"listen": "1"}
    return None, {"rtsp_flags": "listen", "listen_timeout": str(int(max(1, timeout_s)))}


def _receive(url: str, q, sample_fps: float, timeout_s: float, max_side: int) -> None:  # pragma: no cover - child
    """Child process: listen, decode, sample, downsize, send."""
    try:
        import av
        import cv2

        fmt, options = listen_options(url, timeout_s)
        container = av.open(url, format=fmt, options=options)
    except Exception as e:
        q.put(("error", 0.0, f"{type(e).__name__}: {e}"))
        return
    try:
        q.put(("connected", 0.0, None))
        vstreams = [s for s in container.streams if s.type == "video"][:1]
        astreams = [s for s in container.streams if s.type == "audio"][:1]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=16000) if astreams else None
        origin = None
        next_t = -1e9
        for packet in container.demux(*(vstreams + astreams)):
            for frame in packet.decode():
                # only video and audio streams are demuxed: no subtitle frames come here
                if not isinstance(frame, (av.VideoFrame, av.AudioFrame)) or frame.time is None:
                    continue
                origin = frame.time if origin is None else origin
                t = max(0.0, float(frame.time - origin))
                if isinstance(frame, av.VideoFrame):
                    if t < next_t:
                        continue
                    next_t = t + 0.999 / sample_fps
                    img: np.ndarray = frame.to_ndarray(format="bgr24")
                    h, w = img.shape[:2]
                    if max(h, w) > max_side:
                        s = max_side / float(max(h, w))
                        img = cv2.resize(img, (int(w * s), int(h * s)), interpolation=cv2.INTER_AREA)
                    try:
                        q.put(("video", t, img), timeout=1.0)
                    except queue.Full:
                        pass  # the parent is behind: newer frames matter more
                elif resampler is not None:  # an audio frame; the resampler exists whenever audio does
                    for out in resampler.resample(frame):
                        q.put(("audio", t, out.to_ndarray().reshape(-1).astype(np.float32)))
        q.put(("end", 0.0, None))
    except Exception as e:
        q.put(("error", 0.0, f"{type(e).__name__}: {e}"))
    finally:
        container.close()


class StreamSource:
    """An RTMP / RTSP listener in a spawned process. Iterate for events; ``close()`` ends it."""

    def __init__(self, url: str, *, sample_fps: float = 5.0, timeout_s: float = 30.0, max_side: int = 640) -> None:
        import multiprocessing as mp

        self.url = check_stream_url(url)
        self.timeout_s = float(timeout_s)
        ctx = mp.get_context("spawn")
        self._q = ctx.Queue(maxsize=64)
        self._proc = ctx.Process(target=_receive, args=(self.url, self._q, float(sample_fps), self.timeout_s,
                                                        int(max_side)), name="live-listener", daemon=True)
        self._proc.start()
        self.connected = False

    def wait_connected(self) -> None:
        """Block until a sender connects; InputError after ``timeout_s`` (the child is stopped)."""
        deadline = time.monotonic() + self.timeout_s + 3.0  # + the spawned child's start-up
        while not self.connected:
            try:
                kind, _, data = self._q.get(timeout=0.2)
            except queue.Empty:
                if time.monotonic() > deadline or not self._proc.is_alive():
                    self.close()
                    raise InputError(f"nothing connected to {self.url} within {self.timeout_s:.0f} s") from None
                continue
            if kind == "error":
                self.close()
                if "timed out" in str(data).lower() or "timeout" in str(data).lower() or "Errno 110" in str(data):
                    raise InputError(f"nothing connected to {self.url} within {self.timeout_s:.0f} s")
                raise InputError(f"cannot receive {self.url}: {data}")
            self.connected = kind == "connected"

    def __iter__(self) -> Iterator[tuple[str, float, np.ndarray]]:
        self.wait_connected()
        idle_since = time.monotonic()
        while True:
            try:
                kind, t, data = self._q.get(timeout=0.5)
            except queue.Empty:
                if not self._proc.is_alive() or time.monotonic() - idle_since > self.timeout_s:
                    logger.info("stream %s: nothing received for %.0f s; ending", self.url, self.timeout_s)
                    return
                continue
            idle_since = time.monotonic()
            if kind in ("end",):
                return
            if kind == "error":
                logger.info("stream %s ended: %s", self.url, data)
                return
            yield kind, float(t), data

    def close(self) -> None:
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(timeout=5)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join(timeout=5)

    def __enter__(self) -> "StreamSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
