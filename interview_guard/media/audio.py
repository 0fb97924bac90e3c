"""iter_audio() / load_audio(): any accepted audio track as 16 kHz mono float32.

Chunks carry their start time on the recording's clock (the same clock as video frames), and
gaps in the audio timestamps (dropped packets in browser or conferencing recordings) are filled
with silence so later chunks stay aligned with the video.
"""
from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np

from ..config import MediaOptions
from ..errors import InputError, LimitExceeded
from ..types import AudioChunk
from ._common import (
    SAMPLE_RATE,
    check_file,
    decodable_stream,
    ffmpeg_error_text,
    media_origin,
    open_container,
    stated_duration,
    stream_time,
    warn_if_short,
)

if TYPE_CHECKING:
    import av

logger = logging.getLogger(__name__)

LOAD_AUDIO_MAX_S = 3600.0  # load_audio holds everything in memory: 1 h = 230 MB of float32
GAP_TOLERANCE_S = 0.1  # timestamp jumps smaller than this are jitter, not missing audio


def iter_audio(path: str | Path, opts: MediaOptions | None = None,
               chunk_s: float | None = None) -> Iterator[AudioChunk]:
    """Yield ``AudioChunk(t, samples)`` of ``chunk_s`` seconds (the last one shorter).

    Works for audio-only files and for the first audio track of a video. The file is closed when
    the iterator ends or is closed.
    """
    opts = opts or MediaOptions()
    seconds = opts.audio_chunk_s if chunk_s is None else chunk_s
    if not (isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"chunk_s must be a positive number, got {seconds!r}")
    p = check_file(path, opts)
    return _chunks(p, opts, max(1, round(seconds * SAMPLE_RATE)))


class _Chunker:
    """Collects resampled samples and cuts them into fixed-size chunks."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.parts: list[np.ndarray] = []
        self.pending = 0
        self.emitted = 0  # samples already handed out
        self.t0: float | None = None  # time of the first sample

    def push(self, samples: np.ndarray) -> Iterator[AudioChunk]:
        if samples.size:
            self.parts.append(samples)
            self.pending += samples.size
        while self.pending >= self.size:
            yield self._cut(self.size)

    def flush(self) -> Iterator[AudioChunk]:
        if self.pending:
            yield self._cut(self.pending)

    @property
    def end_t(self) -> float:
        return (self.t0 or 0.0) + (self.emitted + self.pending) / SAMPLE_RATE

    def _cut(self, n: int) -> AudioChunk:
        joined = np.concatenate(self.parts) if len(self.parts) > 1 else self.parts[0]
        chunk, rest = joined[:n], joined[n:]
        self.parts = [rest] if rest.size else []
        self.pending -= n
        t = (self.t0 or 0.0) + self.emitted / SAMPLE_RATE
        self.emitted += n
        return AudioChunk(t=t, samples=np.ascontiguousarray(chunk, dtype=np.float32), sample_rate=SAMPLE_RATE)


class _Resampler:
    """To 16 kHz float32, then the channel average (what librosa / Whisper call mono: dual-mono
    stays at its level, unlike FFmpeg's downmix which adds +3 dB). Rebuilt if the input format
    changes mid-stream."""

    def __init__(self) -> None:
        self._resampler: av.AudioResampler | None = None
        self._key: tuple[str, str, int] | None = None

    def resample(self, frame) -> np.ndarray:
        key = (frame.format.name, frame.layout.name, frame.sample_rate)
        out = []
        if key != self._key:
            out.append(self.flush())
            import av

            self._resampler = av.AudioResampler(format="fltp", layout=frame.layout, rate=SAMPLE_RATE)
            self._key = key
        assert self._resampler is not None  # built above for the first frame
        out.extend(_mono(f) for f in self._resampler.resample(frame))
        return _join(out)

    def flush(self) -> np.ndarray:
        if self._resampler is None:
            return np.zeros(0, np.float32)
        return _join([_mono(f) for f in self._resampler.resample(None)])


def _mono(frame) -> np.ndarray:
    planes = frame.to_ndarray()  # (channels, samples) for planar float
    if planes.shape[0] == 1:
        return planes[0]
    return planes.mean(axis=0, dtype=np.float32)


def _join(parts: list[np.ndarray]) -> np.ndarray:
    parts = [p for p in parts if p.size]
    if not parts:
        return np.zeros(0, np.float32)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _chunks(p: Path, opts: MediaOptions, chunk_samples: int) -> Iterator[AudioChunk]:
    import av

    with open_container(p) as c:
        stream = decodable_stream(c, p, "audio")
        origin = media_origin(c)
        tb = stream.time_base
        chunker = _Chunker(chunk_samples)
        resampler = _Resampler()
        limit = opts.max_duration_s + 1.0
        decoded = c.decode(stream)
        frames, damaged = 0, False
        expected_t: float | None = None  # where the next frame should start if nothing is missing
        try:
            while True:
                try:
                    frame = next(decoded)
                except StopIteration:
                    break
                except av.error.FFmpegError as e:
                    if frames == 0:
                        raise InputError(f"media file {p}: the audio stream cannot be decoded "
                                         f"({ffmpeg_error_text(e)})") from None
                    logger.warning("%s: audio decoding stopped at t=%.2f s (damaged or truncated "
                                   "file): %s", p, chunker.end_t, ffmpeg_error_text(e))
                    damaged = True
                    break
                frames += 1
                t = stream_time(frame.pts, tb, origin)
                if chunker.t0 is None:
                    chunker.t0 = max(0.0, t or 0.0)
                elif t is not None and expected_t is not None and t - expected_t > GAP_TOLERANCE_S:
                    gap = t - expected_t
                    if chunker.end_t + gap > limit:
                        raise LimitExceeded(f"media file {p}: audio runs past "
                                            f"{opts.max_duration_s / 60:.1f} min (media.max_duration_s)")
                    logger.debug("%s: %.2f s of audio missing at t=%.2f s; filling with silence",
                                 p, gap, expected_t)
                    missing = round(gap * SAMPLE_RATE)
                    while missing > 0:  # in chunk-sized pieces: a long gap never sits in memory whole
                        piece = min(missing, chunker.size)
                        yield from chunker.push(np.zeros(piece, np.float32))
                        missing -= piece
                if t is not None:
                    expected_t = t + frame.samples / float(frame.sample_rate)
                elif expected_t is not None:
                    expected_t += frame.samples / float(frame.sample_rate)
                yield from chunker.push(resampler.resample(frame))
                if chunker.end_t > limit:
                    raise LimitExceeded(f"media file {p}: audio runs past "
                                        f"{opts.max_duration_s / 60:.1f} min (media.max_duration_s)")
            yield from chunker.push(resampler.flush())
            if frames and not damaged:
                warn_if_short(p, "audio", chunker.end_t, stated_duration(c, stream), 0.0)
            yield from chunker.flush()
        finally:
            decoded.close()  # type: ignore[attr-defined]  # PyAV's stubs say Iterator; decode() returns a generator


def load_audio(path: str | Path, opts: MediaOptions | None = None) -> np.ndarray:
    """The whole audio track as one 16 kHz mono float32 array; sample i is at i/16000 s on the
    recording's clock (leading silence is added if the audio starts late). Up to one hour."""
    from .probe import probe

    opts = opts or MediaOptions()
    info = probe(path, opts)
    if not info.has_audio:
        raise InputError(f"media file {path}: has no audio stream")
    too_long = LimitExceeded(f"media file {path}: longer than {LOAD_AUDIO_MAX_S / 60:.0f} min, too long "
                             "to load into memory at once; stream it with media.iter_audio()")
    if info.duration_s is not None and info.duration_s > LOAD_AUDIO_MAX_S:
        raise too_long
    parts: list[np.ndarray] = []
    total = 0
    for chunk in iter_audio(path, opts, chunk_s=60.0):
        if not parts and chunk.t > 0:
            parts.append(np.zeros(round(chunk.t * SAMPLE_RATE), np.float32))
            total += parts[0].size
        parts.append(chunk.samples)
        total += chunk.samples.size
        if total > LOAD_AUDIO_MAX_S * SAMPLE_RATE:
            raise too_long
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)
