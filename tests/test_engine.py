"""The one engine entry point: names from the registry, per-case state, strict loading,
requested features, and a recording cut short said in the report (no models needed)."""
from __future__ import annotations

import json
import sys
from typing import ClassVar

import numpy as np
import pytest

from interview_guard import checks as check_registry
from interview_guard import features as feature_registry
from interview_guard.checks import expected_check_name, ok, registered_checks, resolve_check_names, signal_names
from interview_guard.cli import main as cli_main
from interview_guard.config import AnalyzerConfig
from interview_guard.errors import InputError
from interview_guard.features import FeatureSpec
from interview_guard.pipeline import Analyzer
from interview_guard.report import render_html
from interview_guard.types import CaseInputs


# --------------------------------------------------------------------------- names
def test_every_registered_check_follows_the_naming_rule():
    for name, cls in registered_checks().items():
        assert name == expected_check_name(cls.signals), name
        assert not (check_registry.wants(cls) & cls.needs), f"{name}: a feature is both needed and wanted"


def test_users_may_name_a_check_a_signal_or_a_family():
    assert resolve_check_names(["face"]) == ("face",)
    assert resolve_check_names(["face.id_photo_match"]) == ("face",)  # a signal selects its check
    assert set(resolve_check_names(["document"])) == {n for n in registered_checks() if n.startswith("document.")}
    assert resolve_check_names(["deepfake.face_swap", " DEEPFAKE.FACE_SWAP "]) == ("deepfake.face_swap",)
    with pytest.raises(InputError, match="unknown check.*liveness_presentation"):
        resolve_check_names(["liveness_presentation"])  # the old, inconsistent spelling is gone


def test_unknown_check_on_the_command_line_exits_2(tmp_path, capsys):
    claims = tmp_path / "claims.toml"
    claims.write_text('name = "A"\n', encoding="utf-8")
    assert cli_main(["analyze", "--claims", str(claims), "--checks", "face,nonsense", "--no-store", "--json"]) == 2
    err = capsys.readouterr().err
    assert "unknown check(s): nonsense" in err and "Traceback" not in err


def test_naming_rule_rejects_mixed_or_misnamed_checks():
    with pytest.raises(TypeError, match="naming rule says 'face.presence'"):
        check_registry.register_check(type("Bad", (), {"name": "face", "needs": frozenset(),
                                                       "signals": ("face.presence",), "run": lambda s, c: []}))
    with pytest.raises(TypeError, match="one family"):
        expected_check_name(("face.presence", "speech.transcript"))


def test_services_subsets_come_from_the_registry():
    from interview_guard import services

    assert set(services.id_checks()) == {n for n in registered_checks() if n.startswith("document.")}
    assert "network.anonymizer" in services.network_checks() and "account.payout_mismatch" in services.network_checks()
    assert all(s.split(".")[0] in {"network", "account", "messages"}
               for n in services.network_checks() for s in registered_checks()[n].signals)


# --------------------------------------------------------------------------- a tiny engine
class _CountFrames:
    def __init__(self) -> None:
        self.times: list[float] = []

    def add(self, frame, upstream):
        self.times.append(frame.t)
        return len(self.times)

    def finish(self):
        return tuple(self.times)


class FramesCheck:
    name: ClassVar[str] = "face.presence"
    needs: ClassVar[frozenset[str]] = frozenset({"frame_times"})
    wants: ClassVar[frozenset[str]] = frozenset({"frame_count"})
    signals: ClassVar[tuple[str, ...]] = ("face.presence",)

    def run(self, ctx):
        return [ok(self.name, self.name, f"{len(ctx.feature('frame_times'))} frames",
                   details={"count": ctx.optional("frame_count")})]


def _specs():
    return {"frame_times": FeatureSpec("frame_times", "video", build=lambda env: _CountFrames()),
            "frame_count": FeatureSpec("frame_count", "derived", depends=frozenset({"frame_times"}),
                                       compute=lambda env, get: len(get("frame_times")))}


def _mkv(path, seconds=4.0, fps=10):
    import av

    with av.open(str(path), "w") as c:
        s = c.add_stream("mpeg4", rate=fps)
        s.width = s.height = 64
        s.pix_fmt = "yuv420p"
        for i in range(int(seconds * fps)):
            img = np.random.default_rng(i).integers(0, 255, (64, 64, 3)).astype(np.uint8)
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


@pytest.fixture
def engine():
    cfg = AnalyzerConfig(store_path=None, device="cpu")
    with Analyzer(cfg, use_store=False, checks={"face.presence": FramesCheck}, features=_specs()) as a:
        yield a


def test_wanted_features_are_computed_even_when_only_one_check_runs(engine, tmp_path):
    report = engine.run(CaseInputs(media=_mkv(tmp_path / "a.mkv", 2.0)), checks=["face.presence"])
    (sig,) = report.signals
    assert sig.details["count"] == 10  # the optional feature was in the closure, not silently missing


def test_requested_features_come_back_and_their_errors_are_raised(engine, tmp_path):
    report = engine.run(CaseInputs(media=_mkv(tmp_path / "a.mkv", 2.0)), checks=(), features=("frame_count",))
    assert report.signals == () and report.features["frame_count"] == 10
    claims = tmp_path / "c.toml"
    claims.write_text('name = "A"\n', encoding="utf-8")
    with pytest.raises(InputError, match="no recording supplied"):
        engine.run(CaseInputs(claims=claims), checks=(), features=("frame_count",))


def test_one_analyzer_keeps_warnings_per_case_and_says_a_cut_short_recording(engine, tmp_path):
    full = _mkv(tmp_path / "full.mkv", 4.0)
    data = full.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: int(len(data) * 0.6)])  # a streamable file cut at 60 % of its bytes

    first = engine.run(CaseInputs(media=cut))
    (warning,) = [w for w in first.runtime.warnings if "cut short" in w]
    assert "of 4.0 s" in warning and "covered" in warning
    covered = float(warning.split("covered ")[1].split(" of")[0])
    assert 1.0 <= covered <= 3.0
    assert warning in render_html(first)  # the reviewer sees it in the HTML, not only on stderr

    second = engine.run(CaseInputs(media=full))
    assert second.runtime.warnings == ()  # nothing of case 1 leaks into case 2


def test_a_cuda_fallback_is_said_in_every_case_that_used_the_model(tmp_path, monkeypatch):
    from interview_guard.runtime import onnx as rt

    class FakeSession:
        def get_providers(self):
            return ["CPUExecutionProvider"]

    monkeypatch.setattr(rt, "available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    runtime = rt.OnnxRuntime("cuda", session_factory=lambda path, prov, opts: FakeSession())
    model = tmp_path / "m.onnx"
    model.write_bytes(b"x")

    def use_model(env, get):
        env.onnx_session("m")
        return 1

    class Models:
        def path(self, name):
            return model

        def sha256(self, name):
            return "0" * 64

    class UsesModel(FramesCheck):
        needs: ClassVar[frozenset[str]] = frozenset({"m"})
        wants: ClassVar[frozenset[str]] = frozenset()

        def run(self, ctx):
            ctx.feature("m")
            return [ok(self.name, self.name, "used")]

    specs = {"m": FeatureSpec("m", "derived", compute=use_model)}
    claims = tmp_path / "c.toml"
    claims.write_text('name = "A"\n', encoding="utf-8")
    with Analyzer(AnalyzerConfig(store_path=None, device="cuda"), runtime=runtime, models=Models(), use_store=False,
                  checks={"face.presence": UsesModel}, features=specs) as a:
        r1, r2 = a.run(CaseInputs(claims=claims)), a.run(CaseInputs(claims=claims))
    assert [w for w in r1.runtime.warnings if "asked for CUDA" in w] == [w for w in r2.runtime.warnings
                                                                         if "asked for CUDA" in w] != []


# --------------------------------------------------------------------------- strict loading
@pytest.fixture
def broken_check_module(tmp_path, monkeypatch):
    (tmp_path / "ig_broken_checks.py").write_text("raise RuntimeError('boom at import')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(check_registry, "CHECK_MODULES", check_registry.CHECK_MODULES + ("ig_broken_checks",))
    monkeypatch.setattr(check_registry, "_LOADED", False)
    monkeypatch.setattr(check_registry, "_IMPORT_ERRORS", {})
    yield
    sys.modules.pop("ig_broken_checks", None)


def test_a_check_module_that_fails_to_import_fails_doctor(broken_check_module, capsys):
    code = cli_main(["doctor", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert any("ig_broken_checks failed to load" in p and "boom at import" in p for p in out["problems"])


def test_a_check_module_that_fails_to_import_is_a_coverage_gap_in_every_report(broken_check_module, tmp_path):
    claims = tmp_path / "claims.toml"
    claims.write_text('name = "A"\n', encoding="utf-8")
    with Analyzer(AnalyzerConfig(store_path=None, device="cpu"), use_store=False) as a:
        report = a.run(CaseInputs(claims=claims))
    assert any("ig_broken_checks failed to load" in w for w in report.runtime.warnings)
    assert report.risk.reasons[0].startswith("Coverage gap: module ig_broken_checks failed to load")


def test_feature_modules_import_cleanly():
    feature_registry.load_feature_modules()
    assert feature_registry.import_errors() == {}
    assert check_registry.import_errors() == {} and len(signal_names()) >= 39


# --------------------------------------------------------------------------- settings
def test_a_config_saved_without_a_store_loads_back_without_one(tmp_path):
    path = tmp_path / "cfg.toml"
    AnalyzerConfig(store_path=None).save(path)
    assert AnalyzerConfig.from_toml(path).store_path is None


def test_html_without_options_is_bounded_by_the_report_defaults():
    from interview_guard.config import ReportOptions
    from interview_guard.types import CaseInfo, Evidence, RiskAssessment, RiskReport, RuntimeInfo, Signal

    jpeg = "data:image/jpeg;base64,AAAA"
    sig = Signal("face", "face.presence", "flag", 0.5, 1.0, "x",
                 evidence=tuple(Evidence("frame", f"f{i}", ref=jpeg) for i in range(100)))
    report = RiskReport(CaseInfo("c", None, "2026-01-01T00:00:00+00:00", "t", "p"), (), (sig,),
                        RiskAssessment("review", 0.5), (), RuntimeInfo("cpu", ()))
    assert render_html(report).count(jpeg) == ReportOptions().max_thumbnails
