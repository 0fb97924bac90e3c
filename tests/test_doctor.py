"""interview-guard doctor: exit 0 only when every default model is verified."""
from __future__ import annotations

import hashlib
import json

import pytest

from interview_guard import cli

HEAD = '[manifest]\nversion = 1\ndestination = "models"\n'


def _manifest(tmp_path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    entry = ('\n[[model]]\nname = "{name}"\ntask = "t"\nlicence = "MIT"\ndefault = {default}\n'
             '  [[model.files]]\n  path = "m.bin"\n  sha256 = "{sha}"\n  size = {size}\n'
             '    [[model.files.sources]]\n    kind = "pypi"\n    package = "p"\n    version = "1"\n'
             '    members = ["p/m.bin"]\n')
    text = HEAD + entry.format(name="core", default="true", sha=digest, size=len(data)) \
        + entry.format(name="optional", default="false", sha=digest, size=len(data))
    p = tmp_path / "manifest.toml"
    p.write_text(text)
    return str(p)


@pytest.fixture
def fake_models(tmp_path, monkeypatch):
    data = b"weights"
    monkeypatch.setenv("INTERVIEW_GUARD_MANIFEST", _manifest(tmp_path, data))
    monkeypatch.setenv("INTERVIEW_GUARD_MODELS", str(tmp_path / "models"))
    return tmp_path / "models", data


def test_doctor_exits_3_with_the_fix_until_default_models_are_verified(fake_models, capsys):
    root, data = fake_models
    assert cli.main(["doctor", "--json"]) == 3
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["ok"] is False and report["fix"] == "interview-guard models fetch core"
    assert "interview-guard models fetch core" in captured.err
    assert {m["name"]: m["status"] for m in report["models"]} == {"core": "missing", "optional": "missing"}

    (root / "core").mkdir(parents=True)
    (root / "core" / "m.bin").write_bytes(b"weightz")  # right size, wrong bytes
    assert cli.main(["doctor", "--json"]) == 3
    report = json.loads(capsys.readouterr().out)
    assert report["models"][0]["status"] == "corrupt" and "sha256" in report["models"][0]["problem"]

    (root / "core" / "m.bin").write_bytes(data)
    assert cli.main(["doctor"]) == 0  # the optional model may be missing
    text = capsys.readouterr().out
    assert "core" in text and "verified" in text and "optional" in text
    assert "CPUExecutionProvider" in text


@pytest.mark.models
def test_doctor_on_the_real_models(models_ready, capsys):
    assert cli.main(["doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "CPUExecutionProvider" in report["onnxruntime"]["providers"]
    assert report["onnxruntime"]["auto_device"] in ("cpu", "cuda")
    assert report["media"]["decoders"]["h264"] is True
    by_name = {m["name"]: m for m in report["models"]}
    for name in models_ready.default_names():
        assert by_name[name]["verified"] is True, by_name[name]
        assert by_name[name]["sha256"] == models_ready.sha256(name)
    assert report["ok"] is True and report["fix"] is None
