"""Speech acceptance tests with the real models and real registry speech.

Media are assembled from real recordings (samples/data/speech.toml):
* LibriVox read speech (one male reader) with reference transcripts (pocketsphinx sdist);
* the pyannote two-speaker telephone sample: one of its speakers plays the interviewer;
* a codec2 radio recording (vk5qi, another man) plays a second voice in the candidate's role.
"""
from __future__ import annotations

import json
import re
import wave
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.models

SR = 16000
CLIPS = ("0870", "0880", "0890", "0920", "0930")


def _write(path: Path, x: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype(np.int16).tobytes())
    return path


def _gap(s=0.8):
    return np.zeros(int(s * SR), np.float32)


@pytest.fixture(scope="module")
def speech_media(registry_data, tmp_path_factory):
    from interview_guard import media

    out = tmp_path_factory.mktemp("speech")
    lv = {k: media.load_audio(registry_data("pocketsphinx-librivox",
                                            f"librivox/sense_and_sensibility_01_austen_64kb-{k}.wav")) for k in CLIPS}
    refs = [registry_data("pocketsphinx-librivox", f"librivox/sense_and_sensibility_01_austen_64kb-{k}.txt")
            .read_text().strip() for k in CLIPS]
    py = media.load_audio(registry_data("pyannote-sample", "sample.wav"))
    vk = media.load_audio(registry_data("codec2-speech", "wav/vk5qi.wav"))
    cut = lambda x, a, b: x[int(a * SR):int(b * SR)]  # noqa: E731
    # "Diane" in the pyannote RTTM (speaker90): interviewer turns, and a disjoint sample of her voice
    i1, i2, i3 = cut(py, 10.57, 13.0), cut(py, 18.6, 21.49), cut(py, 8.32, 9.9)
    b1, b2 = cut(vk, 0.5, 6.6), cut(vk, 6.6, 13.5)

    def build(parts):
        return np.concatenate(sum([[p, _gap()] for p in parts], [_gap(0.5)]))

    def times(parts, which):
        """(start, end) of the parts that are ``which`` (identity) in ``build(parts)``."""
        t, out = 0.5, []
        for p in parts:
            if any(p is w for w in which):
                out.append((t, t + len(p) / SR))
            t += len(p) / SR + 0.8
        return out

    two = [i1, lv["0870"], i2, b1, i3, lv["0890"], i1, b2, i2, lv["0920"]]

    return {
        "read": _write(out / "read.wav", build([lv[k] for k in CLIPS])),
        "refs": " ".join(refs),
        "two_voices": _write(out / "two_voices.wav", build(two)),
        "second_voice_times": times(two, (b1, b2)),
        "one_voice": _write(out / "one_voice.wav", build([i1, lv["0870"], i2, lv["0880"], i3, lv["0890"], i1,
                                                          lv["0930"], i2, lv["0920"]])),
        "interviewer": _write(out / "interviewer.wav", np.concatenate([cut(py, 13.0, 14.7), _gap(0.3),
                                                                       cut(py, 27.85, 30.0)])),
        "dir": out,
    }


def _config(tmp_path, model="whisper-tiny.en", **speech):
    from interview_guard.config import AnalyzerConfig, SpeechOptions

    return AnalyzerConfig(device="cpu", threads=2, store_path=None, checks=("speech",),
                          speech=SpeechOptions(asr_model=model, **speech))


def _analyze(cfg, **inputs):
    from interview_guard.pipeline import Analyzer
    from interview_guard.types import CaseInputs

    with Analyzer(cfg, use_store=False) as a:
        return a.analyze(CaseInputs(**inputs))


def _claims(tmp_path, code, level):
    p = tmp_path / f"claims_{code}.toml"
    p.write_text(f'name = "Test Candidate"\n[[languages]]\ncode = "{code}"\nlevel = "{level}"\n')
    return p


def test_transcribe_cli_wer_language_and_srt(models_ready, speech_media, tmp_path, capsys):
    """Acceptance: WER <= 10 % with whisper-base on real read English; language reported; SRT export."""
    from support.wer import wer

    from interview_guard import cli

    srt = tmp_path / "read.srt"
    code = cli.main(["transcribe", str(speech_media["read"]), "--json", "--device", "cpu", "--srt", str(srt)])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["language"] == "en" and out["language_probability"] > 0.8
    result = wer(speech_media["refs"], out["text"])
    assert result.wer <= 0.10, (result, out["text"])
    starts = [s["start"] for s in out["segments"]]
    assert starts == sorted(starts) and all(0 <= s["start"] < s["end"] <= out["duration_s"] + 0.01
                                            for s in out["segments"])
    assert all(s["words"] and s["avg_logprob"] > -1.0 for s in out["segments"])
    cues = re.findall(r"\d\d:\d\d:\d\d,\d\d\d --> \d\d:\d\d:\d\d,\d\d\d", srt.read_text())
    assert len(cues) == len(out["segments"])


def test_vad_matches_faster_whisper(models_ready, registry_data):
    from faster_whisper.vad import VadOptions as FwVad
    from faster_whisper.vad import get_speech_timestamps

    from interview_guard import media
    from interview_guard.runtime.onnx import OnnxRuntime
    from interview_guard.speech.vad import detect_speech

    audio = media.load_audio(registry_data("pyannote-sample", "sample.wav"))
    sess = OnnxRuntime("cpu", threads=2).session("silero-vad", models_ready.path("silero-vad"))
    ours = detect_speech(sess, audio, chunk_s=7.3)  # odd chunking: state must carry over
    ref = get_speech_timestamps(audio, FwVad(min_silence_duration_ms=250, min_speech_duration_ms=250,
                                             max_speech_duration_s=20, speech_pad_ms=0))
    assert [(round(s.start, 2), round(s.end, 2)) for s in ours.spans] == \
        [(round(r["start"] / SR, 2), round(r["end"] / SR, 2)) for r in ref]


def test_two_real_speakers_in_candidate_role_flag(models_ready, speech_media, tmp_path):
    """Acceptance: two different real speakers alternating in the candidate's role -> flag; plus the
    claimed-native-Japanese vs English-speech fluency inconsistency."""
    cfg = _config(tmp_path)
    report = _analyze(cfg, media=speech_media["two_voices"], interviewer_sample=speech_media["interviewer"],
                      claims=_claims(tmp_path, "ja", "native"))
    s = report.signal("speech.speaker_consistency")
    assert s.status == "flag", s
    assert s.details["role_method"] == "sample" and len(s.details["candidate_voices"]) == 2
    assert s.evidence and all(e.kind == "time_range" for e in s.evidence)
    # the evidence points at the second voice's turns (the vk5qi pieces), and only there
    b_turns = speech_media["second_voice_times"]
    assert all(any(e.t_start < b and e.t_end > a for a, b in b_turns) for e in s.evidence)
    fl = report.signal("speech.fluency_claim_consistency")
    assert fl.status == "flag" and "ja" in fl.summary and fl.score <= 0.5
    assert report.signal("speech.language_mismatch").status == "flag"
    # the same two voices, no interviewer sample: three voices, the interviewer found by turns
    report2 = _analyze(cfg, media=speech_media["two_voices"])
    assert report2.signal("speech.speaker_consistency").status == "flag"


def test_one_candidate_voice_is_ok_and_transcript_in_reports(models_ready, speech_media, tmp_path):
    """The control: same layout, one real reader answering -> ok. No claim -> fluency informational.
    The transcript with timestamps is in the JSON and HTML reports."""
    from interview_guard.report import write_reports
    from interview_guard.types import RiskReport

    report = _analyze(_config(tmp_path), media=speech_media["one_voice"],
                      interviewer_sample=speech_media["interviewer"])
    s = report.signal("speech.speaker_consistency")
    assert s.status == "ok", s
    fl = report.signal("speech.fluency_claim_consistency")
    assert fl.status == "ok" and fl.score == 0 and "en" in fl.details["measurements"]
    assert fl.details["scope"] == "candidate turns"
    lat = report.signal("speech.answer_latency")
    assert lat.status == "ok" and lat.details["answers"] >= 4
    assert 0.3 < lat.details["median_latency_s"] < 2.0  # the gaps were built 0.8 s long (+ VAD edges)
    paths = write_reports(report, tmp_path / "out")
    data = json.loads(Path(paths.json).read_text())
    tr = data["transcript"]
    assert tr["language"] == "en" and len(tr["segments"]) >= 5
    assert all("start" in seg and "end" in seg and seg["words"] for seg in tr["segments"])
    assert RiskReport.from_dict(data).transcript.segments[0].start == tr["segments"][0]["start"]
    html = Path(paths.html).read_text()
    assert "Dashwood" in html


def test_fluency_switched_off_is_skipped(models_ready, speech_media, tmp_path):
    from interview_guard.config import RiskOptions

    cfg = replace(_config(tmp_path), risk=RiskOptions(fluency_enabled=False))  # the one fluency switch
    report = _analyze(cfg, media=speech_media["read"], claims=_claims(tmp_path, "en", "native"))
    fl = report.signal("speech.fluency_claim_consistency")
    assert fl.status == "skipped" and "fluency_enabled" in fl.summary
    assert report.signal("speech.transcript").status == "ok"
