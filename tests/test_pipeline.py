"""Analyzer with fake features and checks: computed once, skipped vs error, isolation."""
from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from interview_guard import media
from interview_guard.checks import flag, ok
from interview_guard.config import AnalyzerConfig
from interview_guard.errors import InputError
from interview_guard.features import FeatureSpec
from interview_guard.pipeline import Analyzer
from interview_guard.types import CaseInputs, Frame, MediaInfo


class Counter:
    def __init__(self) -> None:
        self.calls: dict[str, int] = {}

    def bump(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1


def make_checks(counter: Counter):
    class UsesShared:
        name: ClassVar[str] = "uses_shared"
        needs: ClassVar[frozenset[str]] = frozenset({"shared"})
        signals: ClassVar[tuple[str, ...]] = ("demo.a",)

        def run(self, ctx):
            return [ok(self.name, "demo.a", f"shared={ctx.feature('shared')}")]

    class AlsoShared:
        name: ClassVar[str] = "also_shared"
        needs: ClassVar[frozenset[str]] = frozenset({"shared"})
        signals: ClassVar[tuple[str, ...]] = ("demo.b",)

        def run(self, ctx):
            return [flag(self.name, "demo.b", "found something", score=0.8)]

    class NeedsResume:
        name: ClassVar[str] = "needs_resume"
        needs: ClassVar[frozenset[str]] = frozenset({"resume_text"})
        signals: ClassVar[tuple[str, ...]] = ("demo.c", "demo.d")

        def run(self, ctx):
            ctx.feature("resume_text")
            return []

    class Explodes:
        name: ClassVar[str] = "explodes"
        needs: ClassVar[frozenset[str]] = frozenset()
        signals: ClassVar[tuple[str, ...]] = ("demo.e",)

        def run(self, ctx):
            raise RuntimeError("boom")

    class BrokenFeature:
        name: ClassVar[str] = "broken_feature"
        needs: ClassVar[frozenset[str]] = frozenset({"broken"})
        signals: ClassVar[tuple[str, ...]] = ("demo.f",)

        def run(self, ctx):
            return [ok(self.name, "demo.f", str(ctx.feature("broken")))]

    return {c.name: c for c in (UsesShared, AlsoShared, NeedsResume, Explodes, BrokenFeature)}


def make_features(counter: Counter):
    def shared(env, get):
        counter.bump("shared")
        return get("base") + 1

    def base(env, get):
        counter.bump("base")
        return 41

    def resume_text(env, get):
        path = env.require_input("resume", "resume")
        return path.read_text()

    def broken(env, get):
        raise ValueError("corrupt table")

    return {s.name: s for s in (
        FeatureSpec("shared", "derived", frozenset({"base"}), compute=shared),
        FeatureSpec("base", "derived", compute=base),
        FeatureSpec("resume_text", "derived", compute=resume_text),
        FeatureSpec("broken", "derived", compute=broken),
    )}


@pytest.fixture
def claims_file(tmp_path):
    p = tmp_path / "claims.toml"
    p.write_text('name = "Test Person"\n')
    return p


def analyzer(counter, **kw):
    cfg = AnalyzerConfig(store_path=None)
    return Analyzer(cfg, use_store=False, checks=make_checks(counter), features=make_features(counter), **kw)


def test_features_computed_once_and_every_signal_reported(claims_file):
    counter = Counter()
    report = analyzer(counter).analyze(CaseInputs(claims=claims_file))
    assert counter.calls == {"shared": 1, "base": 1}
    by_name = {s.name: s for s in report.signals}
    assert set(by_name) == {"demo.a", "demo.b", "demo.c", "demo.d", "demo.e", "demo.f"}
    assert by_name["demo.a"].status == "ok" and "shared=42" in by_name["demo.a"].summary
    assert by_name["demo.b"].status == "flag"
    # a missing input is skipped with the reason, for every signal the check declares
    assert by_name["demo.c"].status == by_name["demo.d"].status == "skipped"
    assert "no resume supplied" in by_name["demo.c"].summary
    # an exception inside a check, or inside a feature, is an error; the report survives
    assert by_name["demo.e"].status == "error" and "boom" in by_name["demo.e"].summary
    assert by_name["demo.f"].status == "error" and "corrupt table" in by_name["demo.f"].summary
    assert report.risk.level in ("low", "review", "high")
    assert "check.explodes" in report.runtime.timings_s and "feature.shared" in report.runtime.timings_s


def test_checks_selected_by_config(claims_file):
    counter = Counter()
    cfg = AnalyzerConfig(store_path=None, checks=("uses_shared",))
    report = Analyzer(cfg, use_store=False, checks=make_checks(counter),
                      features=make_features(counter)).analyze(CaseInputs(claims=claims_file))
    assert [s.name for s in report.signals] == ["demo.a"]
    bad = AnalyzerConfig(store_path=None, checks=("nope",))
    with pytest.raises(InputError, match="unknown check"):
        Analyzer(bad, use_store=False, checks=make_checks(counter),
                 features=make_features(counter)).analyze(CaseInputs(claims=claims_file))


def test_bad_inputs_are_input_errors(tmp_path):
    counter = Counter()
    a = analyzer(counter)
    with pytest.raises(InputError, match="nothing to analyze"):
        a.analyze(CaseInputs())
    with pytest.raises(InputError, match="not found"):
        a.analyze(CaseInputs(resume=tmp_path / "missing.pdf"))
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        a.analyze(CaseInputs(resume=empty))


class FrameCounter:
    """A video extractor that counts frames and returns a per-frame value for dependants."""

    def __init__(self) -> None:
        self.n = 0

    def add(self, frame, upstream):
        self.n += 1
        return frame.index * 10

    def finish(self):
        return self.n


class UpstreamSum:
    def __init__(self) -> None:
        self.total = 0

    def add(self, frame, upstream):
        self.total += upstream["frame_count"]

    def finish(self):
        return self.total


class FailsMidway:
    def add(self, frame, upstream):
        if frame.index == 2:
            raise RuntimeError("decoder state lost")

    def finish(self):
        return "never"


def test_stream_features_share_one_decode(tmp_path, monkeypatch):
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not really a video; media is faked")
    info = MediaInfo(path=str(video), container="mp4", size_bytes=10, duration_s=1.0, has_video=True,
                     has_audio=False, width=8, height=8, fps=5.0)
    decodes = []

    def fake_iter_frames(path, opts, fps=None):
        decodes.append(path)
        for i in range(5):
            yield Frame(index=i, t=i / 5, image=np.zeros((8, 8, 3), np.uint8))

    monkeypatch.setattr(media, "probe", lambda path, opts: info)
    monkeypatch.setattr(media, "iter_frames", fake_iter_frames)

    class VideoCheck:
        name: ClassVar[str] = "video_check"
        needs: ClassVar[frozenset[str]] = frozenset({"frame_count", "upstream_sum", "fails"})
        signals: ClassVar[tuple[str, ...]] = ("demo.v", "demo.fails")

        def run(self, ctx):
            out = [ok(self.name, "demo.v", f"{ctx.feature('frame_count')} {ctx.feature('upstream_sum')}")]
            ctx.feature("fails")
            return out

    class AudioCheck:
        name: ClassVar[str] = "audio_check"
        needs: ClassVar[frozenset[str]] = frozenset({"audio_level"})
        signals: ClassVar[tuple[str, ...]] = ("demo.audio",)

        def run(self, ctx):
            return [ok(self.name, "demo.audio", str(ctx.feature("audio_level")))]

    feats = {
        "frame_count": FeatureSpec("frame_count", "video", build=lambda env: FrameCounter()),
        "upstream_sum": FeatureSpec("upstream_sum", "video", frozenset({"frame_count"}),
                                    build=lambda env: UpstreamSum()),
        "fails": FeatureSpec("fails", "video", build=lambda env: FailsMidway()),
        "audio_level": FeatureSpec("audio_level", "audio", build=lambda env: FrameCounter()),
    }
    a = Analyzer(AnalyzerConfig(store_path=None), use_store=False,
                 checks={"video_check": VideoCheck, "audio_check": AudioCheck}, features=feats)
    report = a.analyze(CaseInputs(media=video))
    assert len(decodes) == 1  # one decode feeds every video extractor
    by = {s.name: s for s in report.signals}
    # VideoCheck raised FeatureUnavailable(error) for "fails" -> every declared signal is error
    assert by["demo.fails"].status == "error" and "decoder state lost" in by["demo.fails"].summary
    assert by["demo.audio"].status == "skipped" and "no audio stream" in by["demo.audio"].summary
    assert report.inputs[0].kind == "video"


def test_report_round_trips(claims_file):
    counter = Counter()
    report = analyzer(counter).analyze(CaseInputs(claims=claims_file, candidate_id="cand-7"))
    from interview_guard.types import RiskReport

    again = RiskReport.from_dict(report.to_dict())
    assert again.to_dict() == report.to_dict()
    assert report.case.candidate_id == "cand-7" and report.case.case_id.startswith("case-")
    assert report.inputs[0].sha256 and len(report.inputs[0].sha256) == 64
