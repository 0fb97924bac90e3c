"""deepfake.external_model: a user-supplied ONNX frame classifier, tested with tiny models built here."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from interview_guard.config import AnalyzerConfig, LivenessOptions
from interview_guard.features import FeatureSpec
from interview_guard.runtime.onnx import OnnxRuntime
from interview_guard.vision.external import ExternalClassifier, fake_probability


def brightness_model(path: Path, size: int = 32, two_class: bool = False, dims: int = 4) -> Path:
    """A tiny ONNX 'deepfake detector': P(fake) = mean pixel value (input RGB 0..1)."""
    import onnx
    from onnx import TensorProto, helper

    shape = [1, 3, size, size] if dims == 4 else [1, 3 * size * size]
    inp = helper.make_tensor_value_info("image", TensorProto.FLOAT, shape)
    nodes = [helper.make_node("ReduceMean", ["image"], ["p"], keepdims=1)]
    if two_class:
        one = helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])
        nodes += [helper.make_node("Constant", [], ["one"], value=one),
                  helper.make_node("Sub", ["one", "p"], ["q"]),
                  helper.make_node("Reshape", ["q", "s"], ["q2"]), helper.make_node("Reshape", ["p", "s"], ["p2"]),
                  helper.make_node("Concat", ["q2", "p2"], ["prob"], axis=1)]
        init = [helper.make_tensor("s", TensorProto.INT64, [2], [1, 1])]
        out = helper.make_tensor_value_info("prob", TensorProto.FLOAT, [1, 2])
    else:
        nodes += [helper.make_node("Reshape", ["p", "s"], ["prob"])]
        init = [helper.make_tensor("s", TensorProto.INT64, [2], [1, 1])]
        out = helper.make_tensor_value_info("prob", TensorProto.FLOAT, [1, 1])
    graph = helper.make_graph(nodes, "brightness", [inp], [out], initializer=init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def test_classifier_reads_the_declared_size_and_rgb_0_1(tmp_path):
    sess = OnnxRuntime("cpu").session("external-deepfake", brightness_model(tmp_path / "m.onnx", size=48))
    clf = ExternalClassifier(sess)
    assert (clf.height, clf.width) == (48, 48)
    img = np.zeros((100, 100, 3), np.uint8)
    img[:, :, 2] = 255  # red in BGR -> the R plane is 1.0
    x = clf.prepare(img)
    assert x.shape == (1, 3, 48, 48) and x.dtype == np.float32
    assert x[0, 0].mean() == pytest.approx(1.0) and x[0, 2].mean() == pytest.approx(0.0)
    bright = np.full((120, 120, 3), 250, np.uint8)
    assert clf.probability(bright, (30, 30, 60, 60)) == pytest.approx(250 / 255, abs=0.01)


def test_two_class_output_uses_the_fake_column(tmp_path):
    sess = OnnxRuntime("cpu").session("external-deepfake", brightness_model(tmp_path / "m2.onnx", two_class=True))
    clf = ExternalClassifier(sess)
    assert clf.probability(np.full((128, 128, 3), 51, np.uint8), (32, 32, 64, 64)) == pytest.approx(0.2, abs=0.01)


def test_output_reading_rules():
    assert fake_probability(np.array([[0.3]])) == pytest.approx(0.3)
    assert fake_probability(np.array([[2.0, 0.0]])) == pytest.approx(1 / (1 + np.exp(2.0)))  # logits -> softmax
    assert fake_probability(np.array([[4.0]])) == pytest.approx(1 / (1 + np.exp(-4.0)))  # a logit
    with pytest.raises(ValueError, match="1 or 2 values"):
        fake_probability(np.zeros((1, 5)))


def test_rejects_a_model_without_nchw_input(tmp_path):
    sess = OnnxRuntime("cpu").session("external-deepfake", brightness_model(tmp_path / "flat.onnx", dims=2))
    with pytest.raises(ValueError, match="NCHW"):
        ExternalClassifier(sess)


# --------------------------------------------------------------------------- through the Analyzer
@dataclass(frozen=True)
class _Q:
    usable: bool = True
    size_px: float = 80.0
    score: float = 0.9


@dataclass(frozen=True)
class _Face:
    bbox: tuple = (40.0, 30.0, 80.0, 80.0)
    quality: _Q = _Q()
    landmarks: None = None
    embedding: None = None


@dataclass(frozen=True)
class _FrameFaces:
    primary: _Face | None


class _FakeFaces:
    def add(self, frame, upstream):
        return _FrameFaces(_Face())

    def finish(self):
        return None


def _analyze(tmp_path, value: int, model: Path | None):
    from interview_guard.checks import registered_checks
    from interview_guard.features import registry
    importlib.import_module("interview_guard.vision.liveness_features")  # registers the feature
    from support.synth import write_mp4

    from interview_guard.pipeline import Analyzer
    from interview_guard.types import CaseInputs

    clip = write_mp4([np.full((120, 160, 3), value, np.uint8)] * 10, tmp_path / f"clip{value}.mp4", fps=5)
    specs = {"faces": FeatureSpec("faces", "video", build=lambda env: _FakeFaces()),
             "external_model_scores": registry()["external_model_scores"]}
    checks = {"deepfake.external_model": registered_checks()["deepfake.external_model"]}
    cfg = AnalyzerConfig(store_path=None, liveness=LivenessOptions(external_model=str(model) if model else None))
    with Analyzer(cfg, use_store=False, checks=checks, features=specs) as analyzer:
        return analyzer.analyze(CaseInputs(media=clip))


def test_external_model_flags_through_the_pipeline(tmp_path, isolated_dirs):
    model = brightness_model(tmp_path / "bright.onnx")
    report = _analyze(tmp_path, 240, model)
    sig = report.signal("deepfake.external_model")
    assert sig.status == "flag" and sig.score == 1.0
    assert sig.details["frames"] >= 8 and sig.details["input_size"] == [32, 32]
    assert sig.evidence and sig.evidence[0].ref.startswith("data:image/jpeg;base64,")
    used = next(m for m in report.runtime.models if m.name == "external-deepfake")
    # a user-supplied model is recorded with its real path and sha256 (provenance)
    import hashlib
    assert used.path == str(model) and used.sha256 == hashlib.sha256(model.read_bytes()).hexdigest()
    dark = _analyze(tmp_path, 20, model).signal("deepfake.external_model")
    assert dark.status == "ok" and dark.score == 0.0


def test_external_model_not_configured_is_skipped(tmp_path, isolated_dirs):
    sig = _analyze(tmp_path, 100, None).signal("deepfake.external_model")
    assert sig.status == "skipped" and "external_model" in sig.summary


def test_external_model_missing_file_is_an_error(tmp_path, isolated_dirs):
    sig = _analyze(tmp_path, 100, tmp_path / "nope.onnx").signal("deepfake.external_model")
    assert sig.status == "error" and "not found" in sig.summary
