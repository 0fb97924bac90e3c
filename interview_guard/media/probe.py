"""probe(): learn what a recording is, enforce the limits, and prove it decodes — before any analysis.

A damaged file should fail here with one clear line, not twenty minutes into an analysis, so probe
decodes the first video frame and the first audio frame, and for MP4/MOV (whose index promises a
length) it reads the last packets to catch files cut off after the index was written.
"""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from ..config import MediaOptions
from ..errors import InputError, LimitExceeded
from ..types import MediaInfo
from ._common import (
    MOV_FAMILY,
    audio_codec_allowed,
    check_file,
    codec_name,
    ffmpeg_error_text,
    first_audio_stream,
    first_video_stream,
    format_names,
    media_origin,
    open_container,
    video_codec_allowed,
)

logger = logging.getLogger(__name__)

# How many packets probe may read looking for the first decodable frame of each stream
# (open-GOP recordings can start with a few seconds of undecodable inter frames).
FIRST_FRAME_PACKET_BUDGET = 2000


def probe(path: str | Path, opts: MediaOptions | None = None) -> MediaInfo:
    """Describe ``path`` (container, codecs, size, duration) after checking it is safe to decode.

    Raises InputError (missing, empty, not media, no streams, undecodable, truncated) or
    LimitExceeded (file size, duration, frame size), each with one line naming the file.
    """
    opts = opts or MediaOptions()
    p = check_file(path, opts)
    size = p.stat().st_size
    tail_cut_tolerated = _check_mp4_boxes(p, size)
    with open_container(p) as c:
        video, audio = first_video_stream(c), first_audio_stream(c)
        if video is None and audio is None:
            if not c.streams and format_names(c) & MOV_FAMILY:  # a moov cut off mid-way lists no track
                raise InputError(f"media file {p}: has no audio or video track; its MP4/MOV index is "
                                 "empty or cut off (truncated or damaged file?)")
            raise InputError(f"media file {p}: has no audio or video stream (container {c.format.name})")
        vcodec = codec_name(video, p) if video is not None else None
        acodec = codec_name(audio, p) if audio is not None else None
        if vcodec is not None and not video_codec_allowed(vcodec):
            raise InputError(f"media file {p}: video codec {vcodec!r} is not accepted",
                             fix="re-encode the video as H.264, HEVC, VP8/VP9 or AV1")
        if acodec is not None and not audio_codec_allowed(acodec):
            raise InputError(f"media file {p}: audio codec {acodec!r} is not accepted",
                             fix="re-encode the audio as AAC, Opus, MP3, FLAC or PCM")
        width = height = None
        if video is not None:
            width, height = video.codec_context.width or None, video.codec_context.height or None
            _check_frame_size(p, width, height, opts)
        duration, estimated = _header_duration(c, video, audio)
        if duration is not None and duration > opts.max_duration_s:
            raise LimitExceeded(_too_long(p, duration, opts, estimated))
        first_video = _decode_first_frames(c, p, video, audio)
        if first_video is not None:
            width, height = first_video.width, first_video.height
            if round(getattr(first_video, "rotation", 0) / 90) % 2:  # portrait phone video: shown rotated
                width, height = height, width
            _check_frame_size(p, width, height, opts)
        indexed = duration is not None and not estimated and format_names(c) & MOV_FAMILY
        if duration is not None and indexed and not tail_cut_tolerated:
            for stream in (video, audio):
                if stream is not None:
                    _check_tail(c, p, stream, duration, size)
        fps = None
        if video is not None:
            rate = video.average_rate or video.guessed_rate
            fps = float(rate) if rate else None
        info = MediaInfo(path=str(p), container=c.format.name, size_bytes=size, duration_s=duration,
                         has_video=video is not None, has_audio=audio is not None, width=width,
                         height=height, fps=fps, video_codec=vcodec, audio_codec=acodec,
                         audio_sample_rate=audio.codec_context.sample_rate if audio is not None else None)
    if duration is None:
        duration = _scan_duration(p, opts)
        logger.info("%s: the container does not state a duration; estimated %.1f s from packet "
                    "timestamps", p, duration)
        info = dataclasses.replace(info, duration_s=duration)
    elif estimated:
        logger.info("%s: duration estimated as %.1f s from the frame count", p, duration)
    return info


def _check_mp4_boxes(p: Path, size: int) -> bool:
    """MP4/MOV/M4A/3GP is a list of boxes, each stating its length: if the last one runs past the
    end of the file, the recording was cut off (moov index or media data missing). Fragmented MP4
    (OBS, browsers) is made to survive that, so a cut-off last fragment is only a warning (True)."""
    try:
        cut = mp4_cut_off_box(p, size)
    except OSError as e:
        raise InputError(f"media file {p}: cannot be read ({e.strerror or e})") from None
    if cut is None:
        return False
    kind, missing, fragmented = cut
    if fragmented:
        logger.warning("%s: the last fragment ('%s' box) is cut off, %d bytes short; reading up to it",
                       p, kind, missing)
        return True
    what = "its index (moov box)" if kind == "moov" else f"its '{kind}' box"
    raise InputError(f"media file {p}: truncated MP4/MOV: {what} needs {missing} more bytes than the "
                     "file has (the recording was cut off or not fully copied)")


def mp4_cut_off_box(p: Path, size: int) -> tuple[str, int, bool] | None:
    """(box type, bytes missing, fragmented?) for an ISO-BMFF file whose last top-level box is cut
    off; None when complete, not ISO-BMFF, or not judgeable (trailing junk, box to end of file)."""
    with open(p, "rb") as f:
        head = f.read(8)
        if len(head) < 8 or head[4:8] not in _ISOBMFF_FIRST_BOXES:
            return None
        pos, fragmented = 0, False
        for _ in range(_MAX_TOP_LEVEL_BOXES):
            if pos + 8 > size:
                return None
            f.seek(pos)
            header = f.read(16)
            length, kind = int.from_bytes(header[:4], "big"), header[4:8]
            if not all(32 <= b < 127 for b in kind):
                return None  # trailing junk after the last box: no verdict
            if length == 1 and len(header) == 16:  # 64-bit size follows the type
                length = int.from_bytes(header[8:16], "big")
            if length == 0:  # "extends to the end of the file"
                return None
            if length < 8:
                return None  # malformed; FFmpeg will judge
            fragmented = fragmented or kind == b"moof"
            if pos + length > size:
                return kind.decode("latin-1"), pos + length - size, fragmented
            pos += length
    return None


_ISOBMFF_FIRST_BOXES = frozenset({b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"styp"})
_MAX_TOP_LEVEL_BOXES = 200_000  # a 3 h fragmented MP4 has ~10k fragments


def _too_long(p: Path, duration: float, opts: MediaOptions, estimated: bool) -> str:
    about = "about " if estimated else ""
    return (f"media file {p}: {about}{duration / 60:.1f} min long, over the limit of "
            f"{opts.max_duration_s / 60:.1f} min (media.max_duration_s)")


def _check_frame_size(p: Path, width: int | None, height: int | None, opts: MediaOptions) -> None:
    if width and height and (width > opts.max_width or height > opts.max_height):
        raise LimitExceeded(f"media file {p}: frames are {width}x{height}, over the limit of "
                            f"{opts.max_width}x{opts.max_height} (media.max_width / max_height)",
                            fix="downscale the video, e.g. to 1920x1080")


def _header_duration(c, video, audio) -> tuple[float | None, bool]:
    """Duration the file states, else an estimate from the frame count; (None, True) if neither."""
    if c.duration is not None and c.duration > 0:
        return c.duration / 1_000_000.0, False
    for s in (video, audio):
        if s is not None and s.duration and s.time_base:
            return float(s.duration * s.time_base), False
    if video is not None and video.frames and video.average_rate:
        return video.frames / float(video.average_rate), True
    return None, True


def _decode_first_frames(c, p: Path, video, audio):
    """Decode the first frame of each stream; returns the first video frame (or None)."""
    import av

    wanted = [s for s in (video, audio) if s is not None]
    got: dict[int, object] = {}
    kind = wanted[0].type
    budget = FIRST_FRAME_PACKET_BUDGET
    try:
        for packet in c.demux(*wanted):
            kind = packet.stream.type
            if packet.stream.index in got:
                continue
            for frame in packet.decode():
                got[packet.stream.index] = frame
                break
            budget -= 1
            if len(got) == len(wanted) or budget <= 0:
                break
    except av.error.FFmpegError as e:
        raise InputError(f"media file {p}: the {kind} stream cannot be decoded "
                         f"({ffmpeg_error_text(e)}); the file is damaged or truncated") from None
    for s in wanted:
        if s.index not in got:
            if budget <= 0:  # gave up looking; the stream pass will tell
                logger.info("%s: no %s frame within the first %d packets", p, s.type,
                            FIRST_FRAME_PACKET_BUDGET)
                continue
            raise InputError(f"media file {p}: the {s.type} stream has no decodable frame; "
                             "the file is damaged or truncated")
    return got.get(video.index) if video is not None else None


def _check_tail(c, p: Path, stream, container_duration: float, size: int) -> None:
    """MP4/MOV: the index says how long the file is; make sure the last packets are really there."""
    import av

    tb = stream.time_base
    if not tb:
        return
    length = float(stream.duration * tb) if stream.duration else container_duration
    start = stream.start_time or 0
    target = start + int(max(0.0, length - 0.5) / tb)
    try:
        c.seek(target, stream=stream, any_frame=True, backward=True)
    except av.error.FFmpegError:
        return  # cannot seek: nothing to conclude
    truncated = False
    try:
        for packet in c.demux(stream):
            if packet.size == 0:  # the flush packet at end of file: no data where the index points
                truncated = True
                break
            pos = packet.pos
            truncated = packet.is_corrupt or (pos is not None and pos >= 0 and pos + packet.size > size)
            break
    except av.error.FFmpegError:
        truncated = True
    if truncated:
        raise InputError(f"media file {p}: truncated: its index promises {length:.1f} s of {stream.type} "
                         "but the data ends early (the file was cut off)")


def _scan_duration(p: Path, opts: MediaOptions) -> float:
    """Demux (no decoding) to the end to find the last timestamp, for files without a duration
    (e.g. WebM from a browser's MediaRecorder). Stops as soon as the duration limit is passed."""
    import av

    end = 0.0
    with open_container(p) as c:
        origin = media_origin(c)
        streams = [s for s in (first_video_stream(c), first_audio_stream(c)) if s is not None]
        try:
            for packet in c.demux(*streams):
                if packet.pts is None or packet.time_base is None:
                    continue
                t = float((packet.pts + (packet.duration or 0)) * packet.time_base) - origin
                if t > end:
                    end = t
                    if end > opts.max_duration_s:
                        raise LimitExceeded(_too_long(p, end, opts, True).replace("about ", "at least "))
        except av.error.FFmpegError as e:
            logger.warning("%s: stopped reading at %.1f s while measuring the duration: %s", p, end,
                           ffmpeg_error_text(e))
    return end
