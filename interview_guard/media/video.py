"""iter_frames(): stream a video as timestamped BGR frames, sampled at a fixed rate by timestamps.

Frames are decoded one at a time (never the whole video in memory); only the sampled ones are
converted to BGR arrays. Sampling uses presentation timestamps, so variable-frame-rate recordings
(phones, browsers) are sampled evenly in time, not in frame count.
"""
from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from ..config import MediaOptions
from ..errors import InputError, LimitExceeded
from ..types import Frame
from ._common import (
    check_file,
    decodable_stream,
    ffmpeg_error_text,
    media_origin,
    open_container,
    stated_duration,
    stream_time,
    warn_if_short,
)

logger = logging.getLogger(__name__)

_SLOT_EPS = 1e-6  # t * fps lands a hair below an integer through float rounding (6/30 * 5)


def iter_frames(path: str | Path, opts: MediaOptions | None = None,
                fps: float | None = None) -> Iterator[Frame]:
    """Yield ``Frame(index, t, image)`` at most once per 1/``fps`` seconds of presentation time.

    ``index`` is the source frame number, ``t`` seconds from the start of the recording, ``image``
    a contiguous BGR uint8 array, upright (a phone's rotation flag is applied). The first frame
    is always included. ``fps`` defaults to ``opts.sample_fps``; pass a rate above the source
    rate to get every frame. The file is closed when the iterator ends or is closed.
    """
    opts = opts or MediaOptions()
    rate = opts.sample_fps if fps is None else fps
    if not (isinstance(rate, (int, float)) and math.isfinite(rate) and rate > 0):
        raise ValueError(f"fps must be a positive number, got {rate!r}")
    p = check_file(path, opts)
    return _frames(p, opts, float(rate))


def _frames(p: Path, opts: MediaOptions, rate: float) -> Iterator[Frame]:
    import av

    with open_container(p) as c:
        stream = decodable_stream(c, p, "video")
        origin = media_origin(c)
        tb = stream.time_base
        step = 1.0 / float(stream.average_rate) if stream.average_rate else 1.0 / 30.0
        decoded = c.decode(stream)
        index, last_slot, last_t = -1, -1, None
        try:
            while True:
                try:
                    frame = next(decoded)
                except StopIteration:
                    warn_if_short(p, "video", last_t, stated_duration(c, stream), step)
                    return
                except av.error.FFmpegError as e:
                    if index < 0:
                        raise InputError(f"media file {p}: the video stream cannot be decoded "
                                         f"({ffmpeg_error_text(e)})") from None
                    logger.warning("%s: video decoding stopped at t=%.2f s after %d frames (damaged "
                                   "or truncated file): %s", p, last_t or 0.0, index + 1,
                                   ffmpeg_error_text(e))
                    return
                index += 1
                t = stream_time(frame.pts, tb, origin)
                if t is None:  # no timestamp: assume the nominal frame spacing
                    t = 0.0 if last_t is None else last_t + step
                t = max(t, 0.0)
                last_t = t
                if t > opts.max_duration_s + 1.0:  # the header understated the length
                    raise LimitExceeded(f"media file {p}: runs past {opts.max_duration_s / 60:.1f} min "
                                        "(media.max_duration_s)")
                slot = math.floor(t * rate + _SLOT_EPS)
                if slot <= last_slot:
                    continue
                last_slot = slot
                if frame.width > opts.max_width or frame.height > opts.max_height:
                    raise LimitExceeded(f"media file {p}: frame at t={t:.2f} s is {frame.width}x"
                                        f"{frame.height}, over {opts.max_width}x{opts.max_height}")
                yield Frame(index=index, t=t, image=to_bgr(frame))
        finally:
            decoded.close()  # type: ignore[attr-defined]  # PyAV's stubs say Iterator; decode() returns a generator


def to_bgr(frame) -> np.ndarray:
    """A decoded av.VideoFrame as a contiguous, upright BGR uint8 array."""
    image = frame.to_ndarray(format="bgr24")
    quarter_turns = round(getattr(frame, "rotation", 0) / 90) % 4  # display matrix: counter-clockwise degrees
    if quarter_turns:
        image = np.rot90(image, quarter_turns)
    return np.ascontiguousarray(image)


def frames_from_array(images: Iterable[np.ndarray], fps: float, start_index: int = 0) -> Iterator[Frame]:
    """Wrap already-decoded BGR images (a webcam, a test) as Frames ``1/fps`` seconds apart."""
    if not (math.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a positive number, got {fps!r}")
    for i, image in enumerate(images, start=start_index):
        image = np.asarray(image)
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"frame {i}: expected a BGR uint8 array (H, W, 3), got "
                             f"{image.dtype} {image.shape}")
        yield Frame(index=i, t=(i - start_index) / fps, image=np.ascontiguousarray(image))
