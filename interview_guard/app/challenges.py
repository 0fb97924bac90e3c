"""The app's "Liveness challenges" tab: what to ask the candidate, and how it went.

Pure functions (no Gradio import). The tab lists the challenges of
:mod:`interview_guard.vision.challenge`; after an analysis it reads the report JSON and shows the
challenge moments found in the recording (``liveness.challenge_response`` details), plus the other
liveness / deepfake signals, all escaped.
"""
from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any, Mapping

LIVENESS_SIGNALS = ("liveness.challenge_response", "liveness.presentation_attack", "deepfake.face_swap",
                    "deepfake.temporal_artifacts", "deepfake.lip_sync", "deepfake.external_model", "voice.synthetic")


def challenges_markdown() -> str:
    from ..vision.challenge import CHALLENGES

    rows = "\n".join(f"{i}. **{escape(c.ask)}** — {escape(c.why)}." for i, c in enumerate(CHALLENGES, 1))
    return ("### Ask during the interview\n"
            "Real-time face swaps break on poses and occlusions they were not trained on. Ask for one or two "
            "of these, politely, as a routine step for every candidate:\n\n" + rows +
            "\n\nAfter analysis, the moments found in the recording and how the face held up appear below. "
            "A failure is a reason to verify identity, never a decision.")


def challenge_results_html(report: Mapping[str, Any] | None) -> str:
    """Results of the challenge check and the other liveness signals of one report (dict form)."""
    if not report:
        return '<p class="ig-challenges">Run an analysis to see which challenges were found.</p>'
    signals = {s.get("name"): s for s in report.get("signals", ()) if isinstance(s, Mapping)}
    ch = signals.get("liveness.challenge_response")
    parts = ['<div class="ig-challenges">']
    if ch is None:
        parts.append("<p>The challenge check did not run for this case.</p>")
    else:
        details = ch.get("details") or {}
        moments = details.get("moments") or []
        parts.append(f"<p><b>{escape(str(ch.get('status', '')))}</b>: {escape(str(ch.get('summary', '')))}</p>")
        if moments:
            parts.append("<table><thead><tr><th>challenge</th><th>time (s)</th><th>result</th></tr></thead><tbody>")
            for m in moments:
                failures = m.get("failures") or []
                result = ("held up" if not failures
                          else "failed: " + ", ".join(str(f).replace("_", " ") for f in failures))
                parts.append(f"<tr><td>{escape(str(m.get('challenge', '')).replace('_', ' '))}</td>"
                             f"<td>{_num(m.get('t_start'))}–{_num(m.get('t_end'))}</td><td>{escape(result)}</td></tr>")
            parts.append("</tbody></table>")
        missing = details.get("suggested") or []
        if missing:
            parts.append("<p>Not seen in this recording (ask next time): "
                         + "; ".join(escape(str(s.get("ask", ""))) for s in missing) + "</p>")
    others = [signals[n] for n in LIVENESS_SIGNALS[1:] if n in signals]
    if others:
        parts.append("<ul>")
        for s in others:
            parts.append(f"<li><code>{escape(str(s.get('name')))}</code> {escape(str(s.get('status')))} "
                         f"(score {_num(s.get('score'))}): {escape(str(s.get('summary', '')))}</li>")
        parts.append("</ul>")
    parts.append("</div>")
    return "".join(parts)


def challenge_results_from_file(path: str | Path | None) -> str:
    """Read report.json (the app's download output) and render the results."""
    if not path:
        return challenge_results_html(None)
    try:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return '<p class="ig-challenges">The report could not be read.</p>'
    return challenge_results_html(report if isinstance(report, Mapping) else None)


def _num(v: Any) -> str:
    try:
        return f"{float(v):.1f}"
    except (TypeError, ValueError):
        return "?"
