from __future__ import annotations

import pytest

from interview_guard.claims import load_claims
from interview_guard.config import AnalyzerConfig
from interview_guard.errors import InputError
from interview_guard.types import Evidence, Signal


def test_signal_validates_status_and_ranges():
    with pytest.raises(ValueError):
        Signal(check="c", name="n", status="maybe")
    with pytest.raises(ValueError):
        Signal(check="c", name="n", status="ok", score=1.5)
    s = Signal(check="c", name="n", status="flag", score=0.5, confidence=0.9,
               evidence=(Evidence("time_range", "x", 1.0, 2.0),), details={"k": [1, 2]})
    assert Signal.from_dict(s.to_dict()) == s


def test_config_toml_round_trip(tmp_path):
    cfg = AnalyzerConfig(device="cpu", checks=("face",))
    path = tmp_path / "cfg.toml"
    cfg.save(path)
    again = AnalyzerConfig.from_toml(path)
    assert again.device == "cpu" and again.checks == ("face",) and again.media == cfg.media


def test_config_errors(tmp_path):
    with pytest.raises(InputError, match="device"):
        AnalyzerConfig(device="tpu")
    with pytest.raises(InputError, match="unknown config key"):
        AnalyzerConfig.from_mapping({"media": {"fps_typo": 3}})
    bad = tmp_path / "bad.toml"
    bad.write_text("device = ")
    with pytest.raises(InputError, match="not valid TOML"):
        AnalyzerConfig.from_toml(bad)


def test_claims_toml_and_json(tmp_path):
    t = tmp_path / "c.toml"
    t.write_text('name = "Taro"\ntimezone = "Asia/Tokyo"\n[location]\ncity = "Osaka"\ncountry = "jp"\n'
                 '[[languages]]\ncode = "ja"\nlevel = "native"\n')
    c = load_claims(t)
    assert c.country == "JP" and c.language("ja").level == "native" and c.timezone == "Asia/Tokyo"
    j = tmp_path / "c.json"
    j.write_text('{"name": "X", "languages": ["en"]}')
    assert load_claims(j).languages[0].code == "en"
    j.write_text("{not json")
    with pytest.raises(InputError):
        load_claims(j)
