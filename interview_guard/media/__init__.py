"""Media I/O: probe before decoding, limits, sampled timestamped frames, 16 kHz mono audio, images.

Formats and codecs are decided by content (what FFmpeg / Pillow detect in the bytes), never by the
file extension, and only allowlisted demuxers, codecs and image formats are ever used::

    from interview_guard import media
    info = media.probe("call.webm", opts)                 # MediaInfo, or InputError / LimitExceeded
    for frame in media.iter_frames(info.path, opts):      # Frame(index, t, BGR image), 5 fps default
        ...
    for chunk in media.iter_audio(info.path, opts):       # AudioChunk(t, 16 kHz mono float32)
        ...
    kind = media.check_image("id.jpg", opts)              # "jpeg"; pixel cap from the header alone
    bgr = media.load_image("id.jpg", opts)

PyAV and Pillow are imported only when a function runs.
"""
from __future__ import annotations

from ._common import ALLOWED_AUDIO_CODECS, ALLOWED_CONTAINERS, ALLOWED_VIDEO_CODECS, SAMPLE_RATE
from .audio import LOAD_AUDIO_MAX_S, iter_audio, load_audio
from .image import ALLOWED_IMAGE_FORMATS, check_image, load_image
from .probe import probe
from .video import frames_from_array, iter_frames, to_bgr

__all__ = [
    "probe", "iter_frames", "iter_audio", "load_audio", "check_image", "load_image",
    "frames_from_array", "to_bgr", "SAMPLE_RATE", "LOAD_AUDIO_MAX_S", "ALLOWED_CONTAINERS",
    "ALLOWED_VIDEO_CODECS", "ALLOWED_AUDIO_CODECS", "ALLOWED_IMAGE_FORMATS",
]
