"""The self-contained HTML report: one file, inline CSS and SVG, no scripts, no external URLs.

Every piece of text is escaped: summaries, file names, transcripts and log lines come from
resumes, messages and recordings the candidate controls.
"""
from __future__ import annotations

import json
import re
from html import escape
from typing import TYPE_CHECKING, Iterable, Sequence

from ..types import PURGED_REF
from .style import CSS
from .timeline import SPEECH_FILL, STATUS_FILL, fmt_range, fmt_time, render_timeline, timed_signals

if TYPE_CHECKING:
    from ..config import ReportOptions
    from ..types import Evidence, RiskReport, Signal

REVIEW_SENTENCE = "Signals for a human reviewer — verification needed. This is not a hiring decision."
# Strict: only base64 PNG / JPEG become <img>; anything else is shown as text.
_THUMBNAIL = re.compile(r"^data:image/(png|jpeg);base64,[A-Za-z0-9+/]+={0,2}$")
_MAX_REF_CHARS = 400
_MAX_DETAILS_CHARS = 3000

# Signal-name prefix -> family heading, in the order a reviewer reads them.
FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Face", ("face",)),
    ("Liveness and deepfake", ("liveness", "deepfake", "voice")),
    ("Speech", ("speech",)),
    ("ID document", ("document",)),
    ("Resume", ("resume",)),
    ("Network", ("network",)),
    ("Account and messages", ("account", "messages")),
)
_STATUS_RANK = {"flag": 0, "error": 1, "ok": 2, "skipped": 3}


def e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def family_of(name: str) -> str:
    prefix = name.split(".", 1)[0]
    for title, prefixes in FAMILIES:
        if prefix in prefixes:
            return title
    return prefix.replace("_", " ").capitalize() or "Other"


def group_signals(signals: Sequence["Signal"]) -> list[tuple[str, list["Signal"]]]:
    """(family, signals): known families in reading order, then others, then families with nothing
    evaluated; flagged signals first inside each family."""
    groups: dict[str, list] = {}
    for s in signals:
        groups.setdefault(family_of(s.name), []).append(s)
    order = [t for t, _ in FAMILIES if t in groups] + sorted(set(groups) - {t for t, _ in FAMILIES})
    # Families where nothing could be evaluated go last; the "Not covered" box already names them.
    order.sort(key=lambda t: all(s.status == "skipped" for s in groups[t]))
    return [(t, sorted(groups[t], key=lambda s: (_STATUS_RANK.get(s.status, 4), s.name))) for t in order]


def render_html(report: "RiskReport", options: "ReportOptions | None" = None) -> str:
    """The whole report as one HTML document (str). Without ``options``, the defaults of
    ReportOptions apply (a bounded number of thumbnails), never "unlimited"."""
    if options is None:
        from ..config import ReportOptions

        options = ReportOptions()
    thumbs_on = bool(options.thumbnails)
    budget = [max(0, int(options.max_thumbnails))]
    case = report.case
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Defence in depth: even if something slipped through escaping, nothing may load or run.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        'style-src \'unsafe-inline\'; img-src data:">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>Case {e(case.case_id)} · interview-guard review</title>",
        f"<style>{CSS}</style>", "</head>", "<body>",
        _header(report), "<main>", _risk(report), _notices(report), _coverage(report.signals),
        _timeline(report), _signals(report.signals, thumbs_on, budget), _followups(report),
        _transcript(report), _provenance(report),
        f'<footer>interview-guard report · schema {e(report.schema_version)} · {e(REVIEW_SENTENCE)}</footer>',
        "</main>", "</body>", "</html>",
    ]
    return "\n".join(p for p in parts if p)


# ---------------------------------------------------------------------------- sections
def _notices(report: "RiskReport") -> str:
    """Runtime warnings up front: a recording cut short or a check that could not load changes
    what the signals below can be trusted to cover."""
    if not report.runtime.warnings:
        return ""
    items = "".join(f"<li>{e(w)}</li>" for w in report.runtime.warnings)
    return (f'<section class="card" id="notices" style="border-left:4px solid #b45309">'
            f"<h2>Read first: limits of this analysis</h2><ul>{items}</ul></section>")


def _header(report: "RiskReport") -> str:
    c = report.case
    items = [("Case", c.case_id), ("Candidate", c.candidate_id or "not given"), ("Analyst", c.analyst),
             ("Analyzed", _when(c.analyzed_at)), ("Policy", c.policy_version)]
    meta = "".join(f"<div><dt>{e(k)}</dt><dd>{e(v)}</dd></div>" for k, v in items)
    return (f'<header class="top"><div class="wrap"><h1>Interview Guard <span>· case review</span></h1>'
            f'<dl class="meta">{meta}</dl></div></header>')


def _when(iso: str) -> str:
    """``2025-03-01 10:00:00 UTC`` from an ISO-8601 time; the text as given if unreadable."""
    from datetime import datetime, timezone

    try:
        dt = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%d %H:%M:%S") + " UTC"


def _risk(report: "RiskReport") -> str:
    r = report.risk
    level = r.level if r.level in ("low", "review", "high") else "review"
    counts = {s: sum(1 for x in report.signals if x.status == s) for s in ("flag", "ok", "error", "skipped")}
    count_text = (f"{counts['flag']} flagged · {counts['ok']} checked, nothing found · "
                  f"{counts['error']} failed · {counts['skipped']} not covered")
    reasons = "".join(f"<li>{e(x)}</li>" for x in r.reasons)
    reasons_html = (f'<h2 style="margin-top:16px">Top reasons</h2><ol class="reasons">{reasons}</ol>' if reasons
                    else '<p class="muted">No signal raised the risk level.</p>')
    return (f'<section class="card" id="risk"><div class="risk">'
            f'<div class="badge risk-{level}" id="risk-badge" data-level="{e(level)}">{e(level)}'
            f"<small>risk score {float(r.score):.2f}</small></div>"
            f'<div><div class="note">{e(REVIEW_SENTENCE)}</div><div class="counts">{e(count_text)}</div></div>'
            f"</div>{reasons_html}</section>")


def _coverage(signals: Sequence["Signal"]) -> str:
    missing = [s for s in signals if s.status in ("skipped", "error")]
    if not missing:
        return ""
    items = "".join(f"<li><code>{e(s.name)}</code> — {e(s.status)}: {e(s.summary)}</li>" for s in missing[:40])
    more = f"<li>… and {len(missing) - 40} more (see the table)</li>" if len(missing) > 40 else ""
    return (f'<section class="card" id="coverage"><h2>Not covered</h2><div class="notice">'
            f"These signals could not be evaluated; a reviewer should not read their absence as a clean result."
            f"<ul>{items}{more}</ul></div></section>")


def _timeline(report: "RiskReport") -> str:
    duration = next((i.duration_s for i in report.inputs if i.role == "media" and i.duration_s), None)
    svg = render_timeline(report.signals, report.transcript, duration)
    if not svg:
        return ('<section class="card" id="timeline"><h2>Timeline</h2>'
                '<p class="muted">No time-ranged evidence in this case.</p></section>')
    legend = (f'<div class="legend">x = time in the recording'
              f'<i style="background:{STATUS_FILL["flag"]}"></i>flagged'
              f'<i style="background:{STATUS_FILL["ok"]}"></i>checked, nothing found'
              f'<i style="background:{STATUS_FILL["error"]}"></i>failed'
              + (f'<i style="background:{SPEECH_FILL};opacity:.55"></i>speech' if report.transcript else "")
              + f" · {len(timed_signals(report.signals))} signals with times</div>")
    return f'<section class="card" id="timeline"><h2>Timeline</h2>{svg}{legend}</section>'


def _signals(signals: Sequence["Signal"], thumbs_on: bool, budget: list[int]) -> str:
    out = ['<section class="card" id="signals"><h2>Signals</h2>']
    for family, group in group_signals(signals):
        out.append(f'<h3 class="family">{e(family)}</h3>')
        out.append('<table class="signals"><colgroup><col class="c-name"><col class="c-status"><col class="c-score">'
                   '<col class="c-conf"><col></colgroup><thead><tr><th>Signal</th><th>Status</th><th>Score</th>'
                   "<th>Confidence</th><th>Summary and evidence</th></tr></thead><tbody>")
        out.extend(_signal_row(s, thumbs_on, budget) for s in group)
        out.append("</tbody></table>")
    if not signals:
        out.append('<p class="muted">No checks ran.</p>')
    out.append("</section>")
    return "".join(out)


def _signal_row(s: "Signal", thumbs_on: bool, budget: list[int]) -> str:
    dim = s.status in ("skipped", "error")
    if dim:
        score = conf = '<span class="muted">—</span>'
        label = "not evaluated" if s.status == "skipped" else "failed"
        body = f'<span class="reason">{e(label)}: {e(s.summary)}</span>'
    else:
        pct = max(0.0, min(1.0, float(s.score))) * 100
        score = f'<span class="bar"><i style="width:{pct:.0f}%"></i></span>{float(s.score):.2f}'
        conf = f"{float(s.confidence):.2f}"
        body = e(s.summary)
    if s.evidence:
        body += '<ul class="evidence">' + "".join(_evidence(ev, thumbs_on, budget) for ev in s.evidence) + "</ul>"
    extra = {k: v for k, v in s.details.items() if k not in ("reason", "error")}
    if extra:
        text = json.dumps(extra, ensure_ascii=False, indent=1, default=str, sort_keys=True)
        if len(text) > _MAX_DETAILS_CHARS:
            text = text[:_MAX_DETAILS_CHARS] + f"\n… ({len(text) - _MAX_DETAILS_CHARS} more characters)"
        body += f"<details><summary>details</summary><pre><code>{e(text)}</code></pre></details>"
    cls = f"signal status-{e(s.status)}" + (" dim" if dim else "")
    name = e(s.name).replace(".", ".<wbr>").replace("_", "_<wbr>")  # break long names at word joints
    return (f'<tr class="{cls}" data-signal="{e(s.name)}"><td class="name"><code>{name}</code></td>'
            f'<td class="status"><span class="pill pill-{e(s.status)}">{e(s.status)}</span></td>'
            f'<td class="num">{score}</td><td class="num">{conf}</td><td>{body}</td></tr>')


def _evidence(ev: "Evidence", thumbs_on: bool, budget: list[int]) -> str:
    bits = [f'<span class="ev-kind">{e(ev.kind)}</span>']
    when = fmt_range(ev.t_start, ev.t_end)
    if when:
        bits.append(f'<span class="ev-time">{e(when)}</span>')
    bits.append(e(ev.summary))
    ref = ev.ref
    if ref:
        if _THUMBNAIL.match(ref):
            if not thumbs_on:
                pass
            elif budget[0] > 0:
                budget[0] -= 1
                bits.append(f'<img class="thumb" alt="{e(ev.summary)}" src="{e(ref)}">')
            else:
                bits.append('<div class="muted">thumbnail not shown (report thumbnail limit reached)</div>')
        elif ref == PURGED_REF:
            bits.append('<div class="muted">thumbnail removed after the biometric retention period</div>')
        else:
            shown = ref if len(ref) <= _MAX_REF_CHARS else ref[:_MAX_REF_CHARS] + f"… ({len(ref)} characters)"
            bits.append(f"<div><code>{e(shown)}</code></div>")
    return "<li>" + " ".join(bits) + "</li>"


def _followups(report: "RiskReport") -> str:
    if not report.followups:
        return ('<section class="card" id="followups"><h2>Follow-up questions</h2>'
                '<p class="muted">No follow-up questions were suggested.</p></section>')
    items = "".join(f"<li>{e(f.question)} <span class=\"muted\">(from <code>{e(f.signal)}</code>)</span></li>"
                    for f in report.followups)
    return (f'<section class="card" id="followups"><h2>Follow-up questions</h2>'
            f'<ul class="followups">{items}</ul></section>')


def _transcript(report: "RiskReport") -> str:
    t = report.transcript
    if t is None:
        return ""
    lang = f"language {e(t.language)}" + (f" ({t.language_probability:.0%})" if t.language_probability else "")
    rows = "".join(f'<tr><td class="t">{e(fmt_range(s.start, s.end))}</td><td>{e(s.text.strip())}</td></tr>'
                   for s in t.segments if s.text.strip())
    body = (f'<table class="transcript"><tbody>{rows}</tbody></table>' if rows
            else '<p class="muted">No speech was transcribed.</p>')
    return (f'<section class="card" id="transcript"><h2>Transcript</h2>'
            f'<p class="muted">{lang} · automatic transcription, may contain errors</p>{body}</section>')


def _kv_table(rows: Iterable[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    return f'<table class="kv"><tbody>{body}</tbody></table>' if body else '<p class="muted">none</p>'


def _size(n: int | None) -> str:
    if n is None:
        return ""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def _provenance(report: "RiskReport") -> str:
    rt = report.runtime
    inputs = "".join(
        f"<tr><td>{e(i.role)}</td><td><code>{e(i.path)}</code></td><td>{e(i.kind)}</td>"
        f"<td>{e(_size(i.size_bytes))}</td>"
        f"<td>{e(fmt_time(i.duration_s) if i.duration_s else '')}</td>"
        f'<td class="hash"><code>{e(i.sha256)}</code></td></tr>' for i in report.inputs)
    models = "".join(
        f"<tr><td>{e(m.name)}</td><td>{e(m.provider or '')}</td><td class=\"hash\"><code>{e(m.sha256)}</code></td>"
        f"<td><code>{e(m.path)}</code></td></tr>" for m in rt.models)
    warnings = "".join(f"<li>{e(w)}</li>" for w in rt.warnings)
    return "".join([
        '<section class="card" id="provenance"><h2>Provenance</h2>',
        '<h3 class="family">Inputs</h3><table><thead><tr><th>Role</th><th>File</th><th>Kind</th><th>Size</th>'
        f"<th>Duration</th><th>SHA-256</th></tr></thead><tbody>{inputs}</tbody></table>",
        '<h3 class="family">Models</h3>' + (
            f"<table><thead><tr><th>Model</th><th>Provider</th><th>SHA-256</th><th>Path</th></tr></thead>"
            f"<tbody>{models}</tbody></table>" if models else '<p class="muted">No model was used.</p>'),
        '<h3 class="family">Run</h3>',
        _kv_table([("Policy version", report.case.policy_version), ("Report schema", report.schema_version),
                   ("Device", rt.device), ("Providers", ", ".join(rt.providers))]),
        '<h3 class="family">Versions</h3>', _kv_table(sorted(rt.versions.items())),
        '<h3 class="family">Timings (seconds)</h3>',
        _kv_table((k, f"{float(v):.3f}") for k, v in rt.timings_s.items()),
        '<h3 class="family">Runtime warnings</h3>',
        f'<ul>{warnings}</ul>' if warnings else '<p class="muted">none</p>',
        "</section>",
    ])
