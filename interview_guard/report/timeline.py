"""The timeline plot: inline SVG, x = media time, one row per signal with time-ranged evidence."""
from __future__ import annotations

import math
from html import escape
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from ..types import Signal, Transcript

WIDTH = 960
LABEL_W = 230
RIGHT_PAD = 16
ROW_H = 24
AXIS_H = 28
MIN_MARK_PX = 3.0
_TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)
STATUS_FILL = {"flag": "#c0392b", "error": "#7f8c8d", "ok": "#8fa3b8", "skipped": "#c8ced6"}
SPEECH_FILL = "#2e86c1"


def fmt_time(t: float | None) -> str:
    """``mm:ss`` (``h:mm:ss`` from one hour on); ``--:--`` when unknown."""
    if t is None or not math.isfinite(t):
        return "--:--"
    total = int(max(0.0, t))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def fmt_range(t_start: float | None, t_end: float | None) -> str:
    if t_start is None:
        return ""
    if t_end is None or t_end <= t_start:
        return fmt_time(t_start)
    return f"{fmt_time(t_start)}–{fmt_time(t_end)}"


def timed_signals(signals: Sequence["Signal"]) -> list["Signal"]:
    """Signals with at least one time-ranged evidence item, flagged ones first."""
    rank = {"flag": 0, "error": 1, "ok": 2, "skipped": 3}
    timed = [s for s in signals if any(e.t_start is not None for e in s.evidence)]
    return sorted(timed, key=lambda s: (rank.get(s.status, 4), s.name))


def _extent(signals: Sequence["Signal"], transcript: "Transcript | None", duration: float | None) -> float:
    if duration and math.isfinite(duration) and duration > 0:
        return float(duration)
    ends = [e.t_end if e.t_end is not None else e.t_start
            for s in signals for e in s.evidence if e.t_start is not None]
    if transcript is not None:
        ends += [seg.end for seg in transcript.segments]
        ends.append(transcript.duration_s)
    finite = [float(t) for t in ends if t is not None and math.isfinite(t)]
    return max(finite + [1.0])


def _tick_step(extent: float) -> int:
    return next((s for s in _TICK_STEPS if extent / s <= 10), _TICK_STEPS[-1])


def render_timeline(signals: Sequence["Signal"], transcript: "Transcript | None" = None,
                    duration: float | None = None) -> str:
    """SVG markup (empty string when nothing has a time)."""
    rows = timed_signals(signals)
    speech = [seg for seg in transcript.segments if seg.text.strip()] if transcript is not None else []
    if not rows and not speech:
        return ""
    extent = _extent(rows, transcript, duration)
    plot_w = WIDTH - LABEL_W - RIGHT_PAD
    n_rows = len(rows) + (1 if speech else 0)
    height = AXIS_H + n_rows * ROW_H + 8

    def x(t: float) -> float:
        return LABEL_W + plot_w * min(max(t, 0.0), extent) / extent

    parts = [f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" role="img" '
             f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
             f'aria-label="Timeline of time-ranged evidence">',
             "<title>Timeline of time-ranged evidence (x = media time)</title>"]
    step = _tick_step(extent)
    tick = 0
    while tick <= extent + 1e-9:
        tx = x(tick)
        parts.append(f'<line x1="{tx:.1f}" y1="{AXIS_H - 6}" x2="{tx:.1f}" y2="{height - 4}" '
                     f'stroke="#e3e7ec" stroke-width="1"/>')
        parts.append(f'<text x="{tx:.1f}" y="{AXIS_H - 10}" font-size="11" text-anchor="middle" '
                     f'fill="#5d6d7e">{fmt_time(tick)}</text>')
        tick += step
    y = AXIS_H
    for i, sig in enumerate(rows):
        fill = STATUS_FILL.get(sig.status, "#8fa3b8")
        if i % 2 == 0:
            parts.append(f'<rect x="0" y="{y}" width="{WIDTH}" height="{ROW_H}" fill="#f7f9fb"/>')
        parts.append(f'<text x="8" y="{y + ROW_H * 0.68:.1f}" font-size="12" font-family="monospace" '
                     f'fill="#1f2d3d">{escape(sig.name)}</text>')
        for ev in sig.evidence:
            if ev.t_start is None or not math.isfinite(ev.t_start):
                continue
            end = ev.t_end if ev.t_end is not None and math.isfinite(ev.t_end) else ev.t_start
            x0, x1 = x(ev.t_start), x(max(end, ev.t_start))
            w = max(x1 - x0, MIN_MARK_PX)
            tip = f"{sig.name} [{sig.status}] {fmt_range(ev.t_start, ev.t_end)}: {ev.summary}"
            parts.append(f'<rect class="ev ev-{escape(sig.status)}" x="{x0:.1f}" y="{y + 5}" width="{w:.1f}" '
                         f'height="{ROW_H - 10}" rx="2" fill="{fill}"><title>{escape(tip)}</title></rect>')
        y += ROW_H
    if speech:
        parts.append(f'<text x="8" y="{y + ROW_H * 0.68:.1f}" font-size="12" font-family="monospace" '
                     f'fill="#1f2d3d">speech (transcript)</text>')
        for seg in speech:
            x0, x1 = x(seg.start), x(max(seg.end, seg.start))
            tip = f"{fmt_range(seg.start, seg.end)}: {seg.text.strip()}"
            parts.append(f'<rect class="speech" x="{x0:.1f}" y="{y + 8}" width="{max(x1 - x0, MIN_MARK_PX):.1f}" '
                         f'height="{ROW_H - 16}" fill="{SPEECH_FILL}" opacity="0.55">'
                         f'<title>{escape(tip)}</title></rect>')
        y += ROW_H
    parts.append(f'<line x1="{LABEL_W}" y1="{AXIS_H - 4}" x2="{LABEL_W}" y2="{height - 4}" stroke="#aab4bf"/>')
    parts.append("</svg>")
    return "".join(parts)
