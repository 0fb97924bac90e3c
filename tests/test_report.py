"""Report JSON, HTML and subtitles from hand-built RiskReports (no models, no media)."""
from __future__ import annotations

import base64
import io
import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from interview_guard.config import ReportOptions
from interview_guard.report import REVIEW_SENTENCE, render_html, report_to_json, to_srt, to_vtt, write_reports
from interview_guard.report.subtitles import srt_time, vtt_time
from interview_guard.report.timeline import LABEL_W, RIGHT_PAD, WIDTH, fmt_range, fmt_time
from interview_guard.types import (
    CaseInfo,
    Evidence,
    Followup,
    InputRecord,
    ModelUse,
    RiskAssessment,
    RiskReport,
    RuntimeInfo,
    Segment,
    Signal,
    Transcript,
    Word,
)

XSS = '<script>alert("pwned")</script>'


def png_data_uri(color=(200, 30, 30), size=24) -> str:
    from PIL import Image

    img = Image.new("RGB", (size, size), color)
    for i in range(size):  # a diagonal so the thumbnail is not a flat square
        img.putpixel((i, i), (255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def sample_report(level: str = "review", *, summary_extra: str = "", analyzed_at: str = "2025-03-01T10:00:00+00:00",
                  case_id: str = "case-1", candidate_id: str | None = "cand-7", with_thumb: bool = True,
                  transcript: bool = True) -> RiskReport:
    thumb = png_data_uri() if with_thumb else None
    signals = (
        Signal("face", "face.identity_consistency", "flag", score=0.82, confidence=0.9,
               summary="Two different faces appear" + summary_extra,
               evidence=(Evidence("time_range", "identity B on screen", 75.2, 83.0, thumb),
                         Evidence("frame", "switch back to identity A", 95.0, 95.0, None)),
               details={"identities": 2, "switches": [75.2, 95.0]}),
        Signal("face", "face.presence", "ok", score=0.0, confidence=0.95, summary="One face present 98% of the time",
               evidence=(Evidence("time_range", "face visible", 0.0, 118.0),)),
        Signal("liveness", "deepfake.face_swap", "skipped", summary="no deepfake model configured",
               details={"reason": "no deepfake model configured"}),
        Signal("speech", "speech.language_mismatch", "error", summary="ASR failed: out of memory",
               details={"error": "ASR failed: out of memory"}),
        Signal("network", "network.remote_access", "flag", score=0.6, confidence=0.7,
               summary="AnyDesk connection during the interview",
               evidence=(Evidence("log_line", "AnyDesk.exe -> 203.0.113.9:7070", None, None, "endpoints.csv:14"),)),
        Signal("network", "network.anonymizer", "ok", score=0.0, confidence=0.8, summary="no VPN/proxy seen"),
    )
    tr = Transcript(language="en", language_probability=0.97, duration_s=120.0, segments=(
        Segment(0.5, 4.25, " Hello, thanks for having me.",
                words=(Word(0.5, 0.9, "Hello", 0.99),), avg_logprob=-0.2),
        Segment(61.0, 65.5, " I worked at Acme & Co <remote> since 2019."),
    )) if transcript else None
    return RiskReport(
        case=CaseInfo(case_id=case_id, candidate_id=candidate_id, analyzed_at=analyzed_at, analyst="alice",
                      policy_version="default-1"),
        inputs=(InputRecord("media", "/cases/interview.mp4", "a" * 64, "video", 12_345_678, 120.0),
                InputRecord("resume", "/cases/resume.pdf", "b" * 64, "resume", 40_000)),
        signals=signals,
        risk=RiskAssessment(level=level, score=0.71, reasons=("face.identity_consistency: two faces",
                                                              "network.remote_access: AnyDesk")),
        followups=(Followup("face.identity_consistency", "Please turn your camera to show the room."),),
        runtime=RuntimeInfo(device="cpu", providers=("CPUExecutionProvider",),
                            models=(ModelUse("sface", "/m/sface.onnx", "c" * 64, "CPUExecutionProvider"),),
                            versions={"python": "3.11.2", "numpy": "1.26.4"},
                            timings_s={"decode.video": 1.5, "total": 9.25},
                            warnings=("CUDA requested but not available; using CPU",)),
        transcript=tr)


class _TagBalance(HTMLParser):
    VOID = {"meta", "img", "br", "hr", "input", "link", "col", "wbr", "line", "rect"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in self.VOID:
            if tag in self.stack:
                self.stack.remove(tag)
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()


# ------------------------------------------------------------------------------- JSON
def test_json_round_trips_and_has_contract_keys():
    report = sample_report()
    text = report_to_json(report)
    data = json.loads(text)
    assert data["schema_version"] == "1.0"
    assert data["risk"]["level"] == "review"
    assert data["runtime"]["models"][0]["sha256"] == "c" * 64
    assert data["runtime"]["timings_s"]["total"] == 9.25
    assert data["transcript"]["segments"][1]["text"].startswith(" I worked")
    assert text.startswith("{\n  ")  # indent 2
    assert RiskReport.from_dict(data) == report


def test_json_is_numpy_and_nan_safe():
    base = sample_report()
    sig = Signal("face", "face.multiple_people", "flag", score=0.5, confidence=0.5, summary="x",
                 details={"max_faces": np.int64(3), "sims": np.array([0.5, 0.25], dtype=np.float32),
                          "bad": float("nan"), "inf": np.float32("inf"), "t": (1, 2)})
    report = RiskReport(base.case, base.inputs, base.signals + (sig,), base.risk, base.followups, base.runtime)
    text = report_to_json(report)
    data = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    d = data["signals"][-1]["details"]
    assert d == {"max_faces": 3, "sims": [0.5, 0.25], "bad": None, "inf": None, "t": [1, 2]}


# ------------------------------------------------------------------------------- HTML
def test_html_has_badge_sentence_and_grouped_signal_rows():
    html = render_html(sample_report("high"))
    assert 'class="badge risk-high"' in html and 'data-level="high"' in html
    assert REVIEW_SENTENCE in html
    assert REVIEW_SENTENCE == "Signals for a human reviewer — verification needed. This is not a hiring decision."
    rows = re.findall(r'<tr class="signal status-(\w+)[^"]*" data-signal="([^"]+)"', html)
    assert len(rows) == 6
    # families in reading order, all-skipped families last, flagged first inside a family
    heads = re.findall(r'<h3 class="family">([^<]+)</h3>', html.split('id="signals"')[1].split("</section>")[0])
    assert heads == ["Face", "Speech", "Network", "Liveness and deepfake"]
    assert "<code>face.<wbr>identity_<wbr>consistency</code>" in html
    names = [n for _, n in rows]
    assert names.index("network.remote_access") < names.index("network.anonymizer")
    assert names.index("face.identity_consistency") < names.index("face.presence")
    for level in ("low", "review"):
        assert f'class="badge risk-{level}"' in render_html(sample_report(level))


def test_html_escapes_attacker_text_everywhere():
    base = sample_report(summary_extra=XSS, candidate_id=XSS, case_id='x"><img src=x onerror=alert(1)>')
    sig = Signal("resume", "resume.timeline", "flag", score=0.4, confidence=0.5, summary=XSS,
                 evidence=(Evidence("field", XSS, None, None, ref=XSS),
                           Evidence("image", "svg attempt", None, None, "data:image/svg+xml;base64,PHN2Zz4="),
                           Evidence("image", "attr break", None, None, 'data:image/png;base64,AAAA" onerror="x')),
                 details={"note": XSS})
    tr = Transcript("en", (Segment(1.0, 2.0, XSS),))
    report = RiskReport(base.case,
                        base.inputs + (InputRecord("claims", f"/tmp/{XSS}.toml", "d" * 64, "claims", 10),),
                        base.signals + (sig,),
                        RiskAssessment("high", 0.9, reasons=(XSS,)),
                        (Followup("resume.timeline", XSS),), base.runtime, transcript=tr)
    html = render_html(report)
    assert "<script" not in html.lower()
    assert not re.search(r"<[a-z]+[^>]*\sonerror=", html)  # no injected event handler attribute
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html
    assert '<img src=x' not in html
    # only the genuine PNG thumbnail becomes an image; svg and the broken URI stay text
    imgs = re.findall(r"<img [^>]*>", html)
    assert len(imgs) == 1 and 'src="data:image/png;base64,iVBOR' in imgs[0]
    assert "data:image/svg+xml;base64,PHN2Zz4=</code>" in html
    assert 'AAAA&quot; onerror=&quot;x</code>' in html
    parser = _TagBalance()
    parser.feed(html)
    assert parser.errors == [] and parser.stack == []


def test_html_is_self_contained():
    html = render_html(sample_report())
    urls = re.findall(r"(?:https?:)?//[\w.-]+", html)
    assert set(urls) <= {"http://www.w3.org"}, urls  # only the SVG namespace, never fetched
    assert "<link" not in html and "<script" not in html and "@import" not in html
    assert "Content-Security-Policy" in html


def test_html_evidence_times_thumbnails_and_log_refs():
    html = render_html(sample_report())
    assert '<span class="ev-time">01:15–01:23</span>' in html
    assert '<span class="ev-time">01:35</span>' in html  # a point in time, not a range
    assert '<img class="thumb" alt="identity B on screen" src="data:image/png;base64,' in html
    assert "<code>endpoints.csv:14</code>" in html
    assert fmt_time(3725.9) == "1:02:05" and fmt_time(None) == "--:--" and fmt_time(59.99) == "00:59"
    assert fmt_range(5.0, 5.0) == "00:05" and fmt_range(None, 3.0) == ""


def test_skipped_and_error_signals_are_dimmed_with_their_reason():
    html = render_html(sample_report())
    row = re.search(r'<tr class="signal status-skipped dim" data-signal="deepfake.face_swap">.*?</tr>', html).group(0)
    assert "not evaluated: no deepfake model configured" in row
    row = re.search(r'<tr class="signal status-error dim" data-signal="speech.language_mismatch">.*?</tr>',
                    html).group(0)
    assert "failed: ASR failed: out of memory" in row
    cov = html.split('id="coverage"')[1].split("</section>")[0]
    assert "deepfake.face_swap" in cov and "speech.language_mismatch" in cov and "face.presence" not in cov


def test_timeline_svg_places_ranges_on_media_time():
    html = render_html(sample_report())
    svg = re.search(r'<svg class="timeline".*?</svg>', html, re.S).group(0)
    labels = re.findall(r'font-family="monospace" fill="#1f2d3d">([^<]+)</text>', svg)
    assert labels == ["face.identity_consistency", "face.presence", "speech (transcript)"]
    plot_w = WIDTH - LABEL_W - RIGHT_PAD
    flagged = re.findall(r'<rect class="ev ev-flag" x="([\d.]+)" y="\d+" width="([\d.]+)"[^>]*fill="#c0392b"', svg)
    assert len(flagged) == 2
    x0, w = map(float, flagged[0])
    assert x0 == pytest.approx(LABEL_W + plot_w * 75.2 / 120.0, abs=0.1)
    assert w == pytest.approx(plot_w * (83.0 - 75.2) / 120.0, abs=0.2)
    assert float(flagged[1][1]) >= 3.0  # a point still gets a visible mark
    assert 'class="ev ev-ok"' in svg and "ev-flag" not in svg.split("face.presence")[1].split("speech")[0]
    assert "01:00" in svg and "02:00" in svg  # axis ticks in mm:ss


def test_timeline_absent_without_timed_evidence():
    base = sample_report(transcript=False)
    sigs = tuple(s for s in base.signals if not any(e.t_start is not None for e in s.evidence))
    html = render_html(RiskReport(base.case, base.inputs, sigs, base.risk, base.followups, base.runtime))
    assert "<svg" not in html and "No time-ranged evidence" in html


def test_followups_transcript_and_provenance():
    html = render_html(sample_report())
    assert "Please turn your camera to show the room." in html
    tr = html.split('id="transcript"')[1].split("</section>")[0]
    assert "00:00–00:04" in tr and "01:01–01:05" in tr and "Acme &amp; Co &lt;remote&gt;" in tr
    assert "language en (97%)" in tr
    prov = html.split('id="provenance"')[1].split("</section>")[0]
    for needle in ("a" * 64, "b" * 64, "c" * 64, "CPUExecutionProvider", "default-1",
                   "CUDA requested but not available", "11.8 MB", "02:00", "9.250", "1.26.4"):
        assert needle in prov, needle
    assert 'id="transcript"' not in render_html(sample_report(transcript=False))


def test_thumbnail_options_limit_images():
    report = sample_report()
    assert "<img" not in render_html(report, ReportOptions(thumbnails=False))
    html = render_html(report, ReportOptions(thumbnails=True, max_thumbnails=0))
    assert "<img" not in html and "thumbnail limit" in html
    assert html.count("<img") == 0 and render_html(report, ReportOptions(max_thumbnails=5)).count("<img") == 1


def test_purged_thumbnail_is_explained():
    base = sample_report()
    sig = Signal("face", "face.id_photo_match", "ok", summary="matches",
                 evidence=(Evidence("image", "ID photo", None, None, "purged:biometric-retention"),))
    html = render_html(RiskReport(base.case, base.inputs, (sig,), base.risk, (), base.runtime))
    assert "removed after the biometric retention period" in html


def test_write_reports_writes_utf8_files(tmp_path):
    report = sample_report(candidate_id="Zoë 山田")
    paths = write_reports(report, tmp_path / "out" / "nested")
    assert paths.json.name == "report.json" and paths.html.name == "report.html"
    data = json.loads(paths.json.read_bytes().decode("utf-8"))
    assert data["case"]["candidate_id"] == "Zoë 山田"
    assert "Zoë 山田" in paths.html.read_text(encoding="utf-8")
    assert paths.srt.read_text(encoding="utf-8").startswith("1\n00:00:00,500 --> 00:00:04,250\n")
    assert paths.vtt.read_text(encoding="utf-8").startswith("WEBVTT\n")
    assert not [p for p in paths.json.parent.iterdir() if p.name.startswith(".")]  # no temp files left
    paths2 = write_reports(sample_report(transcript=False), tmp_path / "plain")
    assert paths2.srt is None and paths2.vtt is None


def test_write_reports_rejects_a_file_as_out_dir(tmp_path):
    from interview_guard.errors import InputError

    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(InputError, match="must be a folder"):
        write_reports(sample_report(), f)


# ------------------------------------------------------------------------------- subtitles
def test_subtitle_timestamps():
    assert srt_time(0) == "00:00:00,000"
    assert srt_time(3661.5) == "01:01:01,500"
    assert srt_time(59.9996) == "00:01:00,000"  # rounds once, never "00:00:59,1000"
    assert vtt_time(7322.042) == "02:02:02.042"
    assert srt_time(-1) == "00:00:00,000"


def test_to_srt_exact():
    tr = Transcript("en", (Segment(0.5, 4.25, " Hello,\n\nthere. "), Segment(10.0, 9.0, "   "),
                           Segment(3599.9994, 3601.0, "a --> b <i>")))
    assert to_srt(tr) == ("1\n00:00:00,500 --> 00:00:04,250\nHello, there.\n\n"
                          "2\n00:59:59,999 --> 01:00:01,000\na --> b <i>\n")


def test_to_vtt_exact_and_escaped():
    tr = Transcript("en", (Segment(0.5, 4.25, "Q&A <b>now</b>"), Segment(5.0, 4.0, "end before start")))
    assert to_vtt(tr) == ("WEBVTT\n\n00:00:00.500 --> 00:00:04.250\nQ&amp;A &lt;b&gt;now&lt;/b&gt;\n\n"
                          "00:00:05.000 --> 00:00:05.000\nend before start\n")
    assert to_vtt(Transcript("en", ())) == "WEBVTT\n"
