"""HTML of the Live tab's panel: one element per indicator, messages, follow-ups, challenges.

Pure functions of a live snapshot (no Gradio import), duck-typed on the engine's ``LiveSnapshot``
(t, indicators, level, followups, messages, frames_received, frames_dropped, last_video_t) so the
unit tests can hand it a plain object. Everything that comes from the engine or the browser is
escaped. Wording is neutral: signals to verify, never a verdict.
"""
from __future__ import annotations

from html import escape
from typing import Any, Iterable, Mapping, Sequence

from .render import VERIFICATION_SENTENCE

# kind -> (button label, what the interviewer says). The kinds are the engine's mark_challenge kinds.
CHALLENGES: dict[str, tuple[str, str]] = {
    "hand_wave": ("Hand wave", "Please pass your hand slowly in front of your face."),
    "head_turn": ("Head turn", "Please turn your head slowly to one side until we see your profile, then back."),
    "read_sentence": ("Read a sentence", "Please read this sentence aloud for me (paste a short sentence in "
                                         "the chat)."),
}

STATUS_LABEL = {  # words next to the colour: never colour alone
    "flag": "verify", "ok": "nothing found", "pending": "collecting", "inactive": "not live",
    "skipped": "skipped", "error": "not evaluated",
}
_STATUS_STYLE = {  # border, background
    "flag": ("#f04438", "#fef3f2"), "ok": ("#12b76a", "#ecfdf3"), "pending": ("#98a2b3", "#f9fafb"),
    "inactive": ("#d0d5dd", "#f9fafb"), "skipped": ("#d0d5dd", "#f9fafb"), "error": ("#f79009", "#fffaeb"),
}
_STATUS_ORDER = {"flag": 0, "error": 1, "ok": 2, "pending": 3, "skipped": 4, "inactive": 5}
_LEVEL_STYLE = {"low": ("#12b76a", "#05603a"), "review": ("#f79009", "#93370d"), "high": ("#f04438", "#912018")}

CSS = """
#live-panel .ig-live{font-size:15px;line-height:1.4}
#live-panel .ig-live-head{display:flex;gap:12px;align-items:baseline;flex-wrap:wrap;margin-bottom:6px}
#live-panel .ig-live-level{font-weight:700;letter-spacing:.04em;padding:2px 8px;border-radius:6px;border:2px solid}
#live-panel .ig-live-verify{font-weight:600}
#live-panel .ig-live-meta{opacity:.75;font-size:.9em}
#live-panel .ig-live-messages{margin:4px 0 8px 0;padding:6px 10px 6px 28px;border-radius:8px;
  background:#fffaeb;border:1px solid #fec84b;color:#7a2e0e}
#live-panel .ig-live-indicators{list-style:none;margin:0;padding:0;display:grid;gap:6px}
#live-panel .ig-ind{border-left:6px solid;border-radius:6px;padding:6px 10px}
#live-panel .ig-ind-top{display:flex;gap:8px;align-items:baseline;flex-wrap:wrap}
#live-panel .ig-ind-status{font-weight:700;text-transform:uppercase;font-size:.8em;letter-spacing:.05em;min-width:9.5em}
#live-panel .ig-ind-name{font-family:ui-monospace,monospace;font-size:.9em}
#live-panel .ig-ind-when{opacity:.75;font-size:.85em;margin-left:auto}
#live-panel .ig-ind-note{opacity:.75;font-size:.85em}
#live-panel .ig-live-skipped{margin:8px 0 0 0;font-size:.85em;opacity:.8}
#live-panel .ig-live-followups,#live-panel .ig-live-challenges{margin-top:10px;padding:8px 12px;border-radius:8px;
  border:1px solid #d0d5dd}
#live-panel .ig-live-followups ol,#live-panel .ig-live-challenges ul{margin:4px 0 0 20px;padding:0}
"""


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def fmt_t(t: Any) -> str:
    """Seconds since the start of the session as ``m:ss`` (``12.3 s`` under a minute)."""
    try:
        v = float(t)
    except (TypeError, ValueError):
        return "?"
    if v != v or v < 0:  # NaN or negative
        return "?"
    if v < 60:
        return f"{v:.1f} s"
    m, s = divmod(int(round(v)), 60)
    return f"{m}:{s:02d}"


def _num(v: Any) -> str:
    try:
        return f"{float(v):.2f}"
    except (TypeError, ValueError):
        return "–"


def indicator_html(ind: Any) -> str:
    name = str(_get(ind, "name", ""))
    status = str(_get(ind, "status", "pending"))
    border, bg = _STATUS_STYLE.get(status, _STATUS_STYLE["pending"])
    label = STATUS_LABEL.get(status, status)
    summary = str(_get(ind, "summary", "") or "")
    evidence_t = _get(ind, "evidence_t")
    active = _get(ind, "active", True)
    note = str(_get(ind, "note", "") or "")
    when = f"at {fmt_t(evidence_t)}" if evidence_t is not None else ""
    score = ""
    if status in ("flag", "ok"):
        score = f" · score {_num(_get(ind, 'score'))}, confidence {_num(_get(ind, 'confidence'))}"
    notes = []
    if not active and status in ("inactive", "error"):
        notes.append("not running live" + (f": {note}" if note else "") + " — covered by the full analysis after Stop")
    elif note and note != summary:
        notes.append(note)
    return (f'<li class="ig-ind" data-signal="{escape(name)}" data-status="{escape(status)}" '
            f'data-active="{"true" if active else "false"}" style="border-color:{border};background:{bg}">'
            f'<div class="ig-ind-top"><span class="ig-ind-status">{escape(label)}</span>'
            f'<span class="ig-ind-name">{escape(name)}</span>'
            + (f'<span class="ig-ind-when">{escape(when)}</span>' if when else "")
            + "</div>"
            + (f'<div class="ig-ind-summary">{escape(summary)}{escape(score)}</div>' if summary or score else "")
            + "".join(f'<div class="ig-ind-note">{escape(n)}</div>' for n in notes)
            + "</li>")


def skipped_chip(ind: Any) -> str:
    """A skipped indicator, compact: name and why (the input it needs was not supplied)."""
    name = str(_get(ind, "name", ""))
    why = str(_get(ind, "summary", "") or "")
    return (f'<span class="ig-ind-chip" data-signal="{escape(name)}" data-status="skipped" title="{escape(why)}">'
            f'<code>{escape(name)}</code>' + (f" ({escape(why)})" if why else "") + "</span>")


def challenges_html(marks: Sequence[tuple[str, float | None]], flagged: bool) -> str:
    """Guided challenges: what to ask, and the moments the interviewer pressed a challenge button."""
    if not marks and not flagged:
        return ""
    asked: dict[str, list[float | None]] = {}
    for kind, t in marks:
        asked.setdefault(kind, []).append(t)
    items = []
    for kind, (label, ask) in CHALLENGES.items():
        times = asked.get(kind)
        when = (" — asked at " + ", ".join(fmt_t(t) for t in times)) if times else ""
        items.append(f'<li data-challenge="{escape(kind)}"><b>{escape(label)}</b>: “{escape(ask)}”'
                     f'<span class="ig-asked">{escape(when)}</span></li>')
    lead = ("A signal needs verification. Ask one of these, politely, as a routine step, and press its button "
            "when you ask so the moment is marked:" if flagged else "Guided challenges asked so far:")
    return f'<div class="ig-live-challenges"><p style="margin:0">{escape(lead)}</p><ul>{"".join(items)}</ul></div>'


def followups_block(followups: Iterable[Any]) -> str:
    items = []
    for f in followups or ():
        q = _get(f, "question", f if isinstance(f, str) else "")
        sig = _get(f, "signal", "")
        items.append(f'<li>{escape(str(q))}'
                     + (f' <span style="opacity:.6;font-size:.85em">({escape(str(sig))})</span>' if sig else "")
                     + "</li>")
    if not items:
        return ""
    return ('<div class="ig-live-followups"><p style="margin:0">Neutral follow-up questions to verify '
            f'(ask, don\'t accuse):</p><ol>{"".join(items)}</ol></div>')


def live_panel_html(snapshot: Any | None, *, marks: Sequence[tuple[str, float | None]] = (),
                    messages: Sequence[str] = (), state: str = "live", extra: str = "") -> str:
    """The live panel. ``snapshot`` None: idle placeholder. ``messages``: the app's own (transport) ones,
    shown with the engine's. ``state``: "live", "finishing" or "done". ``extra``: trusted HTML (e.g. the
    RTMP push address) placed under the header."""
    if snapshot is None:
        msgs = "".join(f"<li>{escape(m)}</li>" for m in messages)
        return ('<div class="ig-live" data-state="idle"><p>Not capturing. Tick the consent box, choose the source '
                'and press <b>Start</b>. Indicators for a human reviewer appear here while the interview runs. '
                f'{escape(VERIFICATION_SENTENCE)}</p>'
                + (f'<ul class="ig-live-messages">{msgs}</ul>' if msgs else "") + "</div>")
    indicators = sorted(_get(snapshot, "indicators", ()) or (),
                        key=lambda i: (_STATUS_ORDER.get(str(_get(i, "status")), 9), str(_get(i, "name"))))
    flagged = any(_get(i, "status") == "flag" for i in indicators)
    level = _get(snapshot, "level")
    level_html = ""
    if level:
        border, fg = _LEVEL_STYLE.get(str(level), ("#98a2b3", "#475467"))
        level_html = (f'<span class="ig-live-level" data-level="{escape(str(level))}" '
                      f'style="border-color:{border};color:{fg}">{escape(str(level).upper())}</span>')
    received = int(_get(snapshot, "frames_received", 0) or 0)
    dropped = int(_get(snapshot, "frames_dropped", 0) or 0)
    state_word = {"live": "LIVE", "finishing": "FINISHING", "done": "STOPPED"}.get(state, state.upper())
    if state == "done":
        meta = f"{state_word} · the full analysis of the captured interview"
    else:
        meta = (f"{state_word} · {fmt_t(_get(snapshot, 't', 0.0))} · {received} frames received"
                + (f", {dropped} skipped to keep up" if dropped else ""))
    all_msgs = [str(m) for m in (_get(snapshot, "messages", ()) or ())] + [str(m) for m in messages]
    all_msgs = list(dict.fromkeys(all_msgs))  # drop repeats, keep the first order
    parts = [f'<div class="ig-live" data-state="{escape(state)}" data-flagged="{"true" if flagged else "false"}">',
             (f'<div class="ig-live-head"><span class="ig-live-meta">{escape(meta)}</span></div>'
              if state == "done" else  # the report's badge above says the level and the sentence
              f'<div class="ig-live-head">{level_html}'
              f'<span class="ig-live-verify">{escape(VERIFICATION_SENTENCE)}</span>'
              f'<span class="ig-live-meta">{escape(meta)}</span></div>'), extra]
    if all_msgs:
        parts.append('<ul class="ig-live-messages">' + "".join(f"<li>{escape(m)}</li>" for m in all_msgs) + "</ul>")
    shown = [i for i in indicators if _get(i, "status") != "skipped"]
    skipped = [i for i in indicators if _get(i, "status") == "skipped"]
    if shown:
        parts.append('<ul class="ig-live-indicators">' + "".join(indicator_html(i) for i in shown) + "</ul>")
    if skipped:
        parts.append('<p class="ig-live-skipped"><b>Skipped</b> (input not supplied): '
                     + ", ".join(skipped_chip(i) for i in skipped) + "</p>")
    if not indicators:
        parts.append("<p>Waiting for the first frames…</p>")
    if flagged:
        parts.append(followups_block(_get(snapshot, "followups", ()) or ()))
    parts.append(challenges_html(marks, flagged))
    parts.append("</div>")
    return "".join(parts)
