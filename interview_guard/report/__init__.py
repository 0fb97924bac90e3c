"""Reports: JSON per the contract, one self-contained HTML file, transcripts as SRT / VTT.

    paths = write_reports(report, Path("out"))   # out/report.json, out/report.html (+ .srt/.vtt)
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .htmlpage import REVIEW_SENTENCE, render_html
from .jsonio import json_safe, report_to_json
from .subtitles import to_srt, to_vtt

if TYPE_CHECKING:
    from ..config import ReportOptions
    from ..types import RiskReport

__all__ = ["ReportPaths", "write_reports", "report_to_json", "render_html", "to_srt", "to_vtt",
           "json_safe", "REVIEW_SENTENCE"]


@dataclass(frozen=True)
class ReportPaths:
    json: Path
    html: Path
    srt: Path | None = None
    vtt: Path | None = None


def write_reports(report: "RiskReport", out_dir: str | Path,
                  options: "ReportOptions | None" = None) -> ReportPaths:
    """Write report.json and report.html (and transcript.srt / .vtt when there is a transcript)."""
    from ..errors import InputError

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out must be a folder, but {out} is a file")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"cannot create the output folder {out}: {e.strerror or e}") from None
    json_path = _write_atomic(out / "report.json", report_to_json(report) + "\n")
    html_path = _write_atomic(out / "report.html", render_html(report, options))
    srt = vtt = None
    if report.transcript is not None and report.transcript.segments:
        srt = _write_atomic(out / "transcript.srt", to_srt(report.transcript))
        vtt = _write_atomic(out / "transcript.vtt", to_vtt(report.transcript))
    return ReportPaths(json=json_path, html=html_path, srt=srt, vtt=vtt)


def _write_atomic(path: Path, text: str) -> Path:
    # A reader (the app, a browser) never sees a half-written report.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
