"""Rules every check family follows: names, declared optional features, one home for tuning constants,
one copy of the shared helpers."""
from __future__ import annotations

import ast
import base64
import dataclasses
import importlib
import inspect

import pytest

from interview_guard.checks import registered_checks

CALIBRATIONS = {  # module -> (dataclass name, default instance name)
    "interview_guard.checks.face": ("FaceCalibration", "FACE"),
    "interview_guard.checks.liveness": ("LivenessCalibration", "LIVENESS"),
    "interview_guard.checks.speech": ("SpeechCalibration", "SPEECH"),
    "interview_guard.checks.network_calibration": ("NetworkCalibration", "NETWORK"),
    "interview_guard.checks.account": ("AccountCalibration", "ACCOUNT"),
    "interview_guard.checks.documents": ("DocumentCalibration", "DOCUMENTS"),
    "interview_guard.checks.resume": ("ResumeCalibration", "RESUME"),
}


def test_check_names_follow_the_rule():
    """One signal: the check is named after it. Several: after their common family prefix."""
    for name, cls in registered_checks().items():
        assert cls.name == name
        if len(cls.signals) == 1:
            assert name == cls.signals[0], name
        else:
            families = {s.split(".", 1)[0] for s in cls.signals}
            assert len(families) == 1 and name == families.pop(), name


def _optional_features(tree: ast.AST) -> tuple[set[str], set[str]]:
    """(feature names read with ctx.optional / ctx.has, names of plain functions called) in ``tree``."""
    wanted, calls = set(), set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if (isinstance(f, ast.Attribute) and f.attr in ("optional", "has") and isinstance(f.value, ast.Name)
                and f.value.id == "ctx" and node.args and isinstance(node.args[0], ast.Constant)):
            wanted.add(node.args[0].value)
        elif isinstance(f, ast.Name):
            calls.add(f.id)
    return wanted, calls


@pytest.mark.parametrize("module", sorted({c.__module__ for c in registered_checks().values()}))
def test_checks_declare_the_optional_features_they_read(module):
    mod = importlib.import_module(module)
    tree = ast.parse(inspect.getsource(mod))
    functions = {n.name: _optional_features(n) for n in tree.body if isinstance(n, ast.FunctionDef)}
    for cls in (c for c in registered_checks().values() if c.__module__ == module):
        node = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__)
        wanted, todo = _optional_features(node)
        seen: set[str] = set()
        while todo:  # module-level helpers the check calls, transitively
            fn = todo.pop()
            if fn in seen or fn not in functions:
                continue
            seen.add(fn)
            wanted |= functions[fn][0]
            todo |= functions[fn][1]
        declared = getattr(cls, "wants", frozenset())
        assert isinstance(declared, frozenset)
        assert wanted <= declared | cls.needs, (cls.name, sorted(wanted - declared - cls.needs))
        if not wanted:
            assert "wants" not in vars(cls), cls.name


def test_resume_claim_consistency_reads_the_claims_feature_not_the_file():
    source = inspect.getsource(importlib.import_module("interview_guard.checks.resume"))
    assert "load_claims" not in source and "inputs.claims" not in source


@pytest.mark.parametrize("module", sorted(CALIBRATIONS))
def test_calibration_is_frozen_with_a_default_instance(module):
    mod = importlib.import_module(module)
    cls_name, instance = CALIBRATIONS[module]
    cls = getattr(mod, cls_name)
    default = getattr(mod, instance)
    assert dataclasses.is_dataclass(cls) and type(default) is cls
    first = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(default, first, 0.0)
    assert cls() == default


def test_shared_helpers_have_one_definition():
    from interview_guard import util
    from interview_guard.checks import face, liveness
    from interview_guard.vision import blending, quality, screen

    for mod in (liveness, blending, quality, screen):
        assert mod.smoothstep is util.smoothstep
    from interview_guard.checks import base

    assert base.data_uri is util.data_uri  # every evidence thumbnail goes through CaseContext.thumbnail
    for mod in (face, liveness):
        assert not hasattr(mod, "data_uri")


def test_smoothstep_and_data_uri():
    from interview_guard.util import data_uri, smoothstep

    assert smoothstep(0.0, 1.0, -1.0) == 0.0 and smoothstep(0.0, 1.0, 2.0) == 1.0
    assert smoothstep(0.0, 1.0, 0.5) == pytest.approx(0.5)
    assert smoothstep(1.0, 0.0, 0.25) == pytest.approx(smoothstep(0.0, 1.0, 0.75))  # falling ramp
    assert smoothstep(2.0, 2.0, 2.0) == 1.0 and smoothstep(2.0, 2.0, 1.9) == 0.0  # a step
    assert data_uri(None) is None and data_uri(b"") is None
    uri = data_uri(b"\xff\xd8jpeg")
    assert uri.startswith("data:image/jpeg;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]) == b"\xff\xd8jpeg"
