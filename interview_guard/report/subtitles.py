"""Transcripts as SubRip (.srt) and WebVTT (.vtt) subtitles."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from ..types import Transcript


def _split_ms(t: float) -> tuple[int, int, int, int]:
    # Round once to whole milliseconds so 59.9996 s becomes 01:00.000, never 00:59.1000.
    ms = int(round(max(0.0, t) * 1000)) if math.isfinite(t) else 0
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return h, m, s, ms


def srt_time(t: float) -> str:
    h, m, s, ms = _split_ms(t)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def vtt_time(t: float) -> str:
    h, m, s, ms = _split_ms(t)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def _cues(transcript: "Transcript") -> Iterator[tuple[float, float, str]]:
    for seg in transcript.segments:
        # A blank line ends a cue in both formats, so a cue's text is kept on one line.
        text = " ".join(seg.text.split())
        if not text:
            continue
        start = max(0.0, float(seg.start))
        yield start, max(start, float(seg.end)), text


def to_srt(transcript: "Transcript") -> str:
    """SubRip: numbered cues, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``."""
    blocks = [f"{i}\n{srt_time(a)} --> {srt_time(b)}\n{text}\n"
              for i, (a, b, text) in enumerate(_cues(transcript), start=1)]
    return "\n".join(blocks)


def to_vtt(transcript: "Transcript") -> str:
    """WebVTT: ``WEBVTT`` header, ``HH:MM:SS.mmm --> HH:MM:SS.mmm``, cue text escaped."""
    out = ["WEBVTT", ""]
    for a, b, text in _cues(transcript):
        safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        out += [f"{vtt_time(a)} --> {vtt_time(b)}", safe, ""]
    return "\n".join(out)
