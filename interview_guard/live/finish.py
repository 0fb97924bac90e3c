"""The end of a live session: the full analysis of what was captured, like any recorded case.

The live timeline travels three ways (RiskReport has no ``live`` section yet):

* ``live_timeline.jsonl`` in the case folder: every snapshot, appended and flushed as it happened;
* the report's ``runtime``: ``timings_s["live.*"]`` (session length, face-indicator delay,
  transcript lag) and ``warnings`` lines "live: ..." (frames dropped, when each indicator first
  flagged, challenges asked, video gaps) — in report.json / report.html;
* an audit row ``live_session`` in the case store (the same summary as JSON, with the consent).
"""
from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError

if TYPE_CHECKING:
    from ..types import RiskReport
    from .session import LiveSession

logger = logging.getLogger(__name__)


def _pct(values, q: float) -> float | None:
    return None if not len(values) else round(float(np.percentile(np.asarray(values, float), q)), 4)


def live_summary(s: "LiveSession") -> dict[str, Any]:
    with s._lock:
        delays = [done - pushed for _, pushed, done in s.delays]
        lags = list(s.transcript_lags)
        return {
            "session_s": round(time.time() - s._started_wall, 2),
            "consent": s.consent, "record": s.options.record, "sample_fps": s.options.sample_fps,
            "frames_received": s.frames_received, "frames_dropped": s.frames_dropped,
            "frames_analyzed": s.frames_analyzed, "frames_sampled_out": s.frames_sampled_out,
            "audio_s": round(s.audio_received_s, 2),
            "recording_dropped": s.recorder.dropped if s.recorder is not None else 0,
            "face_delay_median_s": _pct(delays, 50), "face_delay_p95_s": _pct(delays, 95),
            "transcript_lag_median_s": _pct(lags, 50), "transcript_lag_p95_s": _pct(lags, 95),
            "events": list(s.events), "challenges": [{"kind": k, "t": round(t, 2)} for k, t in s.challenges],
            "messages": list(s._messages),
            "unavailable": {f: r for lane in s.lanes.values() for f, r in lane.failures.items()},
            "timeline": "live_timeline.jsonl" if s.case_dir is not None else None,
        }


def annotate(report: "RiskReport", summary: dict[str, Any]) -> "RiskReport":
    timings = dict(report.runtime.timings_s)
    for key in ("session_s", "face_delay_median_s", "face_delay_p95_s", "transcript_lag_median_s"):
        if summary.get(key) is not None:
            timings[f"live.{key}"] = float(summary[key])
    lines = [f"live: {summary['frames_received']} frames received, {summary['frames_analyzed']} analysed live, "
             f"{summary['frames_dropped']} dropped while busy"
             + (f"; timeline in {summary['timeline']}" if summary.get("timeline") else "")]
    for e in summary["events"]:
        if e["status"] == "flag":
            lines.append(f"live: {e['name']} flagged at {e['t']:.1f} s: {e['summary']}")
    for c in summary["challenges"]:
        lines.append(f"live: challenge asked: {c['kind'].replace('_', ' ')} at {c['t']:.1f} s")
    for m in summary["messages"]:
        if m.startswith("no video since") or "skipped live" in m or m.startswith("recording"):
            lines.append(f"live: {m}")
    warnings = tuple(report.runtime.warnings) + tuple(ln for ln in lines if ln not in report.runtime.warnings)
    return replace(report, runtime=replace(report.runtime, timings_s=timings, warnings=warnings))


def finish_session(s: "LiveSession") -> "RiskReport":
    from ..types import CaseInputs

    media: Path | None = None
    if s.recorder is not None:
        media = s.recorder.close()
    elif s.options.source_file is not None:
        media = Path(s.options.source_file)
    if media is None:
        s.close()
        raise InputError("the live session captured no video (nothing was pushed, or recording was off "
                         "without a source file): nothing to analyze")
    summary = live_summary(s)
    s._write_line({"event": "finish", "summary": {k: v for k, v in summary.items() if k != "events"}})
    try:
        inputs = CaseInputs(media=media, id_image=s.id_image, candidate_id=s.candidate_id,
                            case_id=s.options.case_id)
        report = annotate(s.analyzer.run(inputs), summary)
        store = getattr(s.analyzer, "store", None)
        if store is not None:
            try:
                store.audit(s.config.analyst, "live_session", {"case_id": report.case.case_id, **summary},
                            case_id=report.case.case_id)
            except Exception as e:
                logger.warning("could not record the live session in the store: %s", e)
        if s.case_dir is not None:
            from ..report import write_reports

            s.report_paths = write_reports(report, s.case_dir, s.config.report)
        return report
    finally:
        s.close()
