"""HTML and table fragments for the app: risk badge, signals table rows, follow-up list.

Pure functions of report objects (no Gradio import), so they are cheap to test. Every value that
comes from a report is escaped: summaries can quote file contents (resume text, log lines).
"""
from __future__ import annotations

from collections import Counter
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from ..types import Followup, RiskAssessment, RiskReport, Signal

if TYPE_CHECKING:
    from ..config import AnalyzerConfig

SIGNAL_HEADERS: tuple[str, ...] = ("name", "status", "score", "confidence", "summary")
VERIFICATION_SENTENCE = "Verification needed — this is not a hiring decision."

_LEVEL_STYLE = {  # background, border, text; the level is also written out, never colour alone
    "low": ("#ecfdf3", "#12b76a", "#05603a"),
    "review": ("#fffaeb", "#f79009", "#93370d"),
    "high": ("#fef3f2", "#f04438", "#912018"),
}
_LEVEL_HINT = {
    "low": "No strong signals; usual checks apply.",
    "review": "Some signals need a reviewer's look; use the follow-up questions.",
    "high": "Several signals point the same way; verify identity before going further.",
}
_STATUS_ORDER = {"flag": 0, "error": 1, "ok": 2, "skipped": 3}


def badge_html(risk: RiskAssessment, signals: Sequence[Signal] | None = None) -> str:
    """The risk badge: level, score, the verification sentence, reasons and coverage."""
    bg, border, fg = _LEVEL_STYLE.get(risk.level, _LEVEL_STYLE["review"])
    reasons = "".join(f"<li>{escape(r)}</li>" for r in risk.reasons)
    reasons_block = (f'<ul class="ig-reasons" style="margin:8px 0 0 18px;padding:0">{reasons}</ul>'
                     if reasons else '<p style="margin:8px 0 0 0">No signal was flagged.</p>')
    if signals is None:
        coverage = ""
    else:
        coverage = coverage_line(signals) or "No check produced a signal for these inputs: nothing was evaluated."
    return (
        f'<div class="ig-badge" data-level="{escape(risk.level)}" role="status" '
        f'style="border:2px solid {border};background:{bg};color:{fg};border-radius:10px;padding:14px 16px">'
        f'<div style="display:flex;align-items:baseline;gap:14px;flex-wrap:wrap">'
        f'<span class="ig-level" style="font-size:1.6em;font-weight:700;letter-spacing:.04em">'
        f'{escape(risk.level.upper())}</span>'
        f'<span class="ig-score" style="font-size:1.1em">risk score {risk.score:.2f}</span>'
        f'<span style="opacity:.85">{escape(_LEVEL_HINT.get(risk.level, ""))}</span></div>'
        f'<p class="ig-verify" style="margin:6px 0 0 0;font-weight:600">{escape(VERIFICATION_SENTENCE)}</p>'
        f'{reasons_block}'
        + (f'<p class="ig-coverage" style="margin:8px 0 0 0;font-size:.9em;opacity:.85">{escape(coverage)}</p>'
           if coverage else "")
        + f'<p class="ig-note" style="margin:8px 0 0 0;font-size:.85em;opacity:.8">{escape(risk.note)}</p>'
        "</div>")


def coverage_line(signals: Iterable[Signal]) -> str:
    counts: Counter[str] = Counter(s.status for s in signals)
    total = sum(counts.values())
    parts = [f"{counts[k]} {label}" for k, label in (("flag", "flagged"), ("ok", "checked, nothing found"),
                                                    ("skipped", "skipped (input missing)"),
                                                    ("error", "could not be evaluated"))
             if counts.get(k)]
    return f"{total} signals: " + ", ".join(parts) if total else ""


def signal_rows(signals: Iterable[Signal]) -> list[list]:
    """Rows for the signals table, flags first (strongest first), then errors, ok, skipped."""
    ordered = sorted(signals, key=lambda s: (_STATUS_ORDER.get(s.status, 9),
                                             -(s.score * s.confidence) if s.status == "flag" else 0.0))
    return [[s.name, s.status, round(float(s.score), 3), round(float(s.confidence), 3), s.summary]
            for s in ordered]


def followups_html(followups: Sequence[Followup]) -> str:
    if not followups:
        return '<p class="ig-followups-empty">No follow-up questions: nothing was flagged.</p>'
    items = "".join(f'<li><span>{escape(f.question)}</span> '
                    f'<span style="opacity:.6;font-size:.85em">({escape(f.signal)})</span></li>'
                    for f in followups)
    return ('<div class="ig-followups"><p style="margin:0 0 4px 0">Questions the interviewer can ask '
            f'to verify (neutral; ask, don\'t accuse):</p><ol style="margin:0 0 0 20px">{items}</ol></div>')


def placeholder_badge() -> str:
    return ('<div class="ig-badge" data-level="none" style="border:2px dashed #98a2b3;border-radius:10px;'
            'padding:14px 16px;color:#475467">No analysis yet. Add a recording and/or documents, then '
            f'press <b>Analyze</b>. {escape(VERIFICATION_SENTENCE)}</div>')


def write_report_files(report: RiskReport, out_dir: Path, config: "AnalyzerConfig") -> tuple[Path, Path]:
    """report.html and report.json in ``out_dir`` (the config's [report] options honoured)."""
    from ..report import write_reports

    paths = write_reports(report, out_dir, config.report)
    return Path(paths.html), Path(paths.json)
