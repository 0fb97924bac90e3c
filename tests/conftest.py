"""Shared fixtures: fake ONNX sessions, registry data, isolated model/store dirs."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@dataclass
class FakeNode:
    name: str
    shape: list
    type: str = "tensor(float)"


class FakeSession:
    """Stands in for onnxruntime.InferenceSession (insightface-style): tests pre/post-processing
    without model files. ``fn(feeds) -> list of outputs``; ``calls`` records every feed."""

    def __init__(self, fn: Callable[[dict], list], inputs=(("input", [1, 3, 112, 112]),),
                 outputs=(("output", [1, 128]),), providers=("CPUExecutionProvider",)) -> None:
        self.fn = fn
        self._inputs = [FakeNode(n, s) for n, s in inputs]
        self._outputs = [FakeNode(n, s) for n, s in outputs]
        self._providers = list(providers)
        self.calls: list[dict] = []

    def run(self, output_names, input_feed):
        self.calls.append(dict(input_feed))
        return self.fn(dict(input_feed))

    def get_inputs(self):
        return self._inputs

    def get_outputs(self):
        return self._outputs

    def get_providers(self):
        return self._providers


@pytest.fixture
def fake_session_cls():
    return FakeSession


@pytest.fixture
def isolated_dirs(tmp_path, monkeypatch):
    """Private store / data locations so unit tests never touch the user's files."""
    monkeypatch.setenv("INTERVIEW_GUARD_STORE", str(tmp_path / "store.sqlite"))
    return tmp_path


def data_dir() -> Path:
    return Path(os.environ.get("INTERVIEW_GUARD_DATA") or Path.home() / ".cache" / "interview_guard" / "data")


@pytest.fixture(scope="session")
def registry_data():
    """Path of a file fetched from a registry package by ``make data`` (samples/data/*.toml).

    Missing data is a failure, not a skip: `make test` fetches it first."""

    def get(entry: str, path: str) -> Path:
        p = data_dir() / entry / path
        if not p.is_file():
            pytest.fail(f"registry data {entry}/{path} is missing: run `make data` "
                        f"(interview-guard models fetch --data)")
        return p

    return get


@pytest.fixture(scope="session")
def models_ready():
    """Fails (not skips) when the default models are not fetched: `make test` fetches them."""
    from interview_guard.runtime.models import ModelStore

    store = ModelStore()
    missing = [m for m in store.default_names() if not store.is_present(m)]
    if missing:
        pytest.fail(f"models missing: {', '.join(missing)}; run `interview-guard models fetch`")
    return store


@pytest.fixture
def rng():
    return np.random.default_rng(0)
