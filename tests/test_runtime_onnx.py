"""runtime/onnx.py: provider selection, CUDA fallback, session cache, injection; plus real sessions."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from interview_guard.errors import InputError, ModelError
from interview_guard.runtime import onnx as rt
from interview_guard.runtime.onnx import CPU, CUDA, OnnxRuntime, resolve_providers

WITH_CUDA = ["TensorrtExecutionProvider", CUDA, CPU]
CPU_ONLY = ["AzureExecutionProvider", CPU]


@pytest.fixture
def providers(monkeypatch):
    """Set what this onnxruntime build pretends to offer."""

    def set_(names):
        monkeypatch.setattr(rt, "available_providers", lambda: list(names))

    return set_


@pytest.fixture
def model_file(tmp_path):
    p = tmp_path / "m.onnx"
    p.write_bytes(b"not parsed by the fake factory")
    return p


@pytest.mark.parametrize("available, device, expected", [
    (WITH_CUDA, "auto", [CUDA, CPU]),
    (WITH_CUDA, "cuda", [CUDA, CPU]),
    (WITH_CUDA, "cpu", [CPU]),
    (CPU_ONLY, "auto", [CPU]),
    (CPU_ONLY, "cuda", [CPU]),
    (CPU_ONLY, "cpu", [CPU]),
])
def test_resolve_providers(providers, available, device, expected):
    providers(available)
    assert resolve_providers(device) == expected
    assert OnnxRuntime(device).providers == expected
    assert rt.device_name(expected) == ("cuda" if expected[0] == CUDA else "cpu")


def test_cuda_requested_without_cuda_build_warns(providers, caplog):
    providers(CPU_ONLY)
    with caplog.at_level(logging.WARNING, logger="interview_guard.runtime.onnx"):
        assert resolve_providers("cuda") == [CPU]
    assert any("gpu extra" in r.getMessage() for r in caplog.records)


def test_bad_device_is_an_input_error():
    with pytest.raises(InputError, match="auto, cpu or cuda"):
        resolve_providers("tpu", [CPU])


def test_session_that_falls_back_to_cpu_is_recorded(providers, model_file, fake_session_cls):
    providers(WITH_CUDA)
    asked: list[list[str]] = []

    def factory(path, prov, options):
        asked.append(list(prov))
        return fake_session_cls(lambda feeds: [np.zeros((1, 128), np.float32)], providers=(CPU,))

    runtime = OnnxRuntime("cuda", session_factory=factory)
    assert runtime.device_used == "cuda"  # resolved, nothing ran yet
    runtime.session("sface", model_file)
    assert asked == [[CUDA, CPU]]
    assert runtime.device_used == "cpu"
    assert "asked for CUDAExecutionProvider" in runtime.fallback_warning("sface")
    (record,) = runtime.records()
    assert record.fell_back and record.used == (CPU,) and record.requested == (CUDA, CPU)


def test_session_on_cuda_is_not_a_fallback(providers, model_file, fake_session_cls):
    providers(WITH_CUDA)
    runtime = OnnxRuntime("auto", session_factory=lambda p, prov, o: fake_session_cls(
        lambda f: [], providers=(CUDA, CPU)))
    runtime.session("sface", model_file)
    assert runtime.device_used == "cuda" and runtime.fallback_warning("sface") is None
    assert not runtime.records()[0].fell_back


def test_cache_returns_the_same_session(providers, model_file, fake_session_cls):
    providers(CPU_ONLY)
    made = []

    def factory(path, prov, options):
        made.append(path)
        return fake_session_cls(lambda f: [])

    runtime = OnnxRuntime("auto", session_factory=factory)
    a = runtime.session("sface", model_file)
    b = runtime.session("sface", model_file)
    assert a is b and made == [str(model_file)]
    runtime.close()
    c = runtime.session("sface", model_file)
    assert c is not a and len(made) == 2


def test_inject_wins_without_a_file(providers, tmp_path, fake_session_cls):
    providers(CPU_ONLY)

    def factory(*a):
        raise AssertionError("an injected model must not be loaded")

    runtime = OnnxRuntime("cpu", session_factory=factory)
    fake = fake_session_cls(lambda f: [np.ones((1, 128), np.float32)])
    runtime.inject("sface", fake)
    assert runtime.session("sface", tmp_path / "does-not-exist.onnx") is fake


def test_missing_file_and_load_failure_are_model_errors(providers, tmp_path, model_file):
    providers(CPU_ONLY)
    runtime = OnnxRuntime("cpu", session_factory=lambda *a: (_ for _ in ()).throw(RuntimeError("bad graph")))
    with pytest.raises(ModelError) as e:
        runtime.session("sface", tmp_path / "nope.onnx")
    assert e.value.fix == "interview-guard models fetch sface"
    with pytest.raises(ModelError, match="bad graph") as e:
        runtime.session("sface", model_file)
    assert e.value.fix == "interview-guard models verify sface"


@pytest.mark.models
def test_real_cpu_sessions_for_yunet_and_sface(models_ready):
    runtime = OnnxRuntime("cpu")
    yunet = runtime.session("yunet", models_ready.path("yunet"))
    (inp,) = yunet.get_inputs()
    outs = yunet.run(None, {inp.name: np.zeros(inp.shape, np.float32)})
    assert len(outs) == len(yunet.get_outputs()) and all(np.isfinite(o).all() for o in outs)

    sface = runtime.session("sface", models_ready.path("sface"))
    assert [i.name for i in sface.get_inputs()] == ["data"]  # the transform removed the weight inputs
    (emb,) = sface.run(None, {"data": np.zeros((1, 3, 112, 112), np.float32)})
    assert emb.shape == (1, 128) and np.isfinite(emb).all()
    assert sface.get_providers()[0] == CPU and runtime.device_used == "cpu" and runtime.device_warnings == ()
    runtime.close()


def test_cuda_request_without_cuda_is_recorded_as_a_warning(monkeypatch):
    monkeypatch.setattr(rt, "available_providers", lambda: ["CPUExecutionProvider"])
    runtime = OnnxRuntime("cuda")
    assert runtime.providers == ["CPUExecutionProvider"] and runtime.device_used == "cpu"
    assert any("device=cuda requested" in w for w in runtime.device_warnings)
    assert not OnnxRuntime("auto").device_warnings  # auto falling back to CPU is not a surprise
