"""Shared pieces of media I/O: allowlists, path checks, opening a container safely, error wording.

Formats are decided by content: FFmpeg probes the bytes and ``format_whitelist`` refuses any demuxer
not listed here *before* it reads the header, so playlist / concat / image demuxers never run and
no nested protocol (http, concat:, subfile:) can be reached from a crafted file.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from ..config import MediaOptions
from ..errors import InputError, require_file

if TYPE_CHECKING:
    import av.container

logger = logging.getLogger(__name__)

# FFmpeg demuxer names. "mov,mp4,m4a,3gp,3g2,mj2" is one demuxer (QuickTime / MP4 family).
ALLOWED_CONTAINERS: tuple[str, ...] = (
    "mov", "mp4", "m4a", "3gp", "3g2", "mj2",  # phone, QuickTime, Zoom, Teams, OBS
    "matroska", "webm",  # browser MediaRecorder, OBS
    "avi", "flv", "mpegts",
    "wav", "w64", "aiff", "mp3", "ogg", "flac", "aac",
)
# Canonical codec names (avcodec_get_name), so decoder aliases such as libdav1d count as av1.
ALLOWED_VIDEO_CODECS: frozenset[str] = frozenset({
    "h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "mjpeg", "mpeg1video", "mpeg2video", "h263",
    "theora", "prores",
})
ALLOWED_AUDIO_CODECS: frozenset[str] = frozenset({
    "aac", "mp3", "mp2", "opus", "vorbis", "flac", "alac", "amr_nb", "amr_wb", "ac3", "eac3",
})  # plus every pcm_* (see audio_codec_allowed)

MOV_FAMILY = frozenset({"mov", "mp4", "m4a", "3gp", "3g2", "mj2"})
SAMPLE_RATE = 16000

_OPEN_OPTIONS = {
    "format_whitelist": ",".join(ALLOWED_CONTAINERS),
    "protocol_whitelist": "file",
}


def format_names(container) -> set[str]:
    return set(container.format.name.split(","))


def video_codec_allowed(name: str) -> bool:
    return name in ALLOWED_VIDEO_CODECS


def audio_codec_allowed(name: str) -> bool:
    return name in ALLOWED_AUDIO_CODECS or name.startswith("pcm_")


def codec_name(stream, path: Path) -> str:
    """Canonical codec name; InputError when FFmpeg could not identify the stream's codec."""
    ctx = stream.codec_context
    if ctx is None or ctx.codec is None:
        raise InputError(f"media file {path}: the {stream.type} stream has no usable codec "
                         "information (damaged or truncated file, or an unknown codec)")
    return getattr(ctx.codec, "canonical_name", None) or ctx.codec.name


def check_file(path: str | Path, opts: MediaOptions, what: str = "media file") -> Path:
    """Existence, type and size checks shared by every entry point; returns the Path."""
    return require_file(path, what, opts.max_file_bytes, "media.max_file_bytes")


def sniff_kind(path: Path) -> str | None:
    """A human hint for files FFmpeg refused: what the first bytes look like."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return None
    if head.startswith(b"%PDF-"):
        return "a PDF document"
    signatures = ((b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
                  (b"GIF8", "a GIF image"), (b"BM", "a BMP image"), (b"II*\x00", "a TIFF image"),
                  (b"MM\x00*", "a TIFF image"), (b"PK\x03\x04", "a ZIP archive (or DOCX)"),
                  (b"#EXTM3U", "an M3U playlist"), (b"ffconcat", "an FFmpeg concat script"))
    for magic, kind in signatures:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP image"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text and all(c.isprintable() or c in "\r\n\t" for c in text):
        return "text"
    return None


def _ffmpeg_reason(target: str) -> str | None:
    """Re-open once with FFmpeg's log captured to learn *why* it failed ("moov atom not found")."""
    import av
    import av.logging

    previous = av.logging.get_level()
    try:
        av.logging.set_level(av.logging.ERROR)
        with av.logging.Capture(local=True) as logs:
            try:
                av.open(target, options=dict(_OPEN_OPTIONS)).close()
            except Exception:
                pass
    finally:
        av.logging.set_level(previous)
    reasons = [msg.strip() for level, _name, msg in logs if level <= av.logging.ERROR and msg.strip()]
    return reasons[0] if reasons else None


@contextmanager
def open_container(path: Path, what: str = "media file") -> Iterator["av.container.InputContainer"]:
    """av.open with the allowlists; FFmpeg errors become one-line InputErrors; always closed."""
    import av

    target = "file:" + str(path.resolve())  # "file:" so names with ':' are never read as protocols
    try:
        container = av.open(target, mode="r", options=dict(_OPEN_OPTIONS))
    except av.error.ArgumentError:  # format_whitelist refused the demuxer FFmpeg picked
        kind = sniff_kind(path)
        if kind and kind != "text":
            raise InputError(f"{what} {path}: is {kind}, not an audio/video recording") from None
        raise InputError(f"{what} {path}: not an allowed audio/video format; accepted containers: "
                         "MP4/MOV/M4A/3GP, MKV/WebM, AVI, FLV, MPEG-TS, WAV, AIFF, MP3, OGG, FLAC, AAC",
                         fix="convert it to MP4 (H.264/AAC) or WAV") from None
    except av.error.FFmpegError as e:
        kind = sniff_kind(path)
        if kind == "text":
            raise InputError(f"{what} {path}: not a media file PyAV can open (the content is text)") from None
        if kind:
            raise InputError(f"{what} {path}: not a media file PyAV can open (it is {kind})") from None
        reason = _ffmpeg_reason(target) or ffmpeg_error_text(e)
        if "moov atom not found" in reason:
            raise InputError(f"{what} {path}: truncated or damaged MP4/MOV (moov atom not found); "
                             "the recording was probably cut off before it was finalised") from None
        raise InputError(f"{what} {path}: not a media file PyAV can open ({reason})") from None
    except OSError as e:  # permission denied and friends
        raise InputError(f"{what} {path}: cannot be read ({e.strerror or e})") from None
    try:
        yield container
    finally:
        container.close()


def media_origin(container) -> float:
    """Seconds that map to t=0: the container's start time, so audio and video share one clock."""
    if container.start_time is not None:
        return container.start_time / 1_000_000.0
    return 0.0


def stream_time(pts: int | None, time_base: Fraction | None, origin: float) -> float | None:
    if pts is None or time_base is None:
        return None
    return float(pts * time_base) - origin


def first_video_stream(container):
    """The first real video stream; cover art in MP3/M4A (attached_pic) does not count."""
    import av.stream

    attached = av.stream.Disposition.attached_pic
    for s in container.streams.video:
        if not (s.disposition & attached):
            return s
    return None


def first_audio_stream(container):
    return container.streams.audio[0] if container.streams.audio else None


def decodable_stream(container, path: Path, kind: str):
    """The first video / audio stream, with an accepted codec, set up for threaded decoding."""
    stream = first_video_stream(container) if kind == "video" else first_audio_stream(container)
    if stream is None:
        raise InputError(f"media file {path}: has no {kind} stream")
    name = codec_name(stream, path)
    if not (video_codec_allowed(name) if kind == "video" else audio_codec_allowed(name)):
        raise InputError(f"media file {path}: {kind} codec {name!r} is not accepted")
    stream.thread_type = "AUTO"  # frame + slice threads: the decoder is the floor of the pipeline
    return stream


def ffmpeg_error_text(e: Exception) -> str:
    text = getattr(e, "strerror", None) or str(e)
    return " ".join(str(text).split())


def stated_duration(container, stream) -> float | None:
    """The length the file claims for ``stream`` (seconds), if it claims one."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000.0
    return None


def warn_if_short(path: Path, kind: str, end_t: float | None, stated: float | None, step: float) -> None:
    """A stream that ends well before the length its header states was probably cut off."""
    if stated is None or end_t is None:
        return
    if end_t + step < stated - max(1.0, 0.05 * stated):
        logger.warning("%s: %s ended at t=%.1f s, before the %.1f s the file states "
                       "(truncated or damaged?)", path, kind, end_t + step, stated)
