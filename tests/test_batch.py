"""Batch: manifest parsing, one failure does not stop the batch, reruns skip finished cases."""
from __future__ import annotations

import json

import pytest

from interview_guard import batch
from interview_guard.config import AnalyzerConfig
from interview_guard.errors import InputError
from interview_guard.types import CaseInfo, RiskAssessment, RiskReport, RuntimeInfo


class FakeAnalyzer:
    def __init__(self, calls):
        self.calls = calls
        self.config = AnalyzerConfig(store_path=None)

    def run(self, inputs):
        self.calls.append(inputs.case_id)
        if inputs.case_id == "bad":
            raise InputError("media is not a video")
        if inputs.case_id == "crash":
            raise RuntimeError("segfault-ish")
        return RiskReport(case=CaseInfo(inputs.case_id, None, "2026-01-01T00:00:00+00:00", "t", "p1"),
                          inputs=(), signals=(), risk=RiskAssessment("low", 0.1), followups=(),
                          runtime=RuntimeInfo("cpu", ("CPUExecutionProvider",)))

    def close(self):
        pass


@pytest.fixture
def manifest(tmp_path):
    for name in ("a.txt", "b.txt", "c.txt", "d.txt"):
        (tmp_path / name).write_text("x")
    p = tmp_path / "batch.csv"
    p.write_text("case_id,resume,candidate_id\nok1,a.txt,c1\nbad,b.txt,\ncrash,c.txt,\nok2,d.txt,c2\n")
    return p


def test_read_batch_errors(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("case_id,resume\n../evil,a.txt\n")
    with pytest.raises(InputError, match=r"m.csv:2: case_id"):
        batch.read_batch(p)
    p.write_text("case_id,resume\nx,\n")
    with pytest.raises(InputError, match="no input file"):
        batch.read_batch(p)
    p.write_text("resume\na\n")
    with pytest.raises(InputError, match="case_id column"):
        batch.read_batch(p)


def test_batch_survives_failures_and_resumes(manifest, tmp_path, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(batch, "_init_worker", lambda cfg: setattr(batch, "_WORKER_ANALYZER", FakeAnalyzer(calls)))
    items = batch.read_batch(manifest)
    assert items[0].inputs.resume == manifest.parent / "a.txt"
    out = tmp_path / "out"
    results = batch.run_batch(items, out)
    by = {r.case_id: r for r in results}
    assert by["ok1"].status == by["ok2"].status == "done"
    assert by["bad"].status == "failed" and "not a video" in by["bad"].error
    assert by["crash"].status == "failed" and "segfault-ish" in by["crash"].error
    assert json.loads((out / "ok1" / "report.json").read_text())["case"]["case_id"] == "ok1"
    # second run: finished cases are skipped, failed ones retried
    calls.clear()
    seen = []
    again = batch.run_batch(items, out, progress=lambda r, n, total: seen.append((n, total)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]  # skipped cases count too, in order
    assert sorted(calls) == ["bad", "crash"]
    assert {r.case_id: r.status for r in again}["ok1"] == "skipped"
    # a state line cut short by a crash is tolerated
    with open(out / batch.STATE_FILE, "a") as f:
        f.write('{"case_id": "ok')
    assert batch.done_cases(out) == {"ok1", "ok2"}
