"""Fluency maths, speaker clustering and roles, answer latency, claim consistency, the speech
check on fake features, and the transcribe command (all without models)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from interview_guard.claims import Claims, LanguageClaim
from interview_guard.speech.embedder import l2n, log_mel, mel_filterbank, mel_windows
from interview_guard.speech.fluency import (
    FluencyReport,
    cjk_units,
    claim_findings,
    english_syllables,
    measure,
    repetitions,
)
from interview_guard.speech.latency import answers, cadence, measure_latency
from interview_guard.speech.speaker import (
    Diarization,
    SpanEmbeddings,
    SpeakerOptions,
    SpeakerTurn,
    SpeakerWindows,
    Voice,
    assign_roles,
    candidate_voices,
    cluster,
    diarize,
    turn_accuracy,
)
from interview_guard.speech.vad import SpeechSpan
from interview_guard.types import Segment, Transcript, Word


def words_seg(start, texts, step=0.4, lp=-0.2, prob=0.9):
    ws = tuple(Word(start + i * step, start + i * step + step * 0.8, " " + t, prob) for i, t in enumerate(texts))
    return Segment(start=start, end=ws[-1].end, text="".join(w.word for w in ws), words=ws, avg_logprob=lp,
                   no_speech_prob=0.01)


# --------------------------------------------------------------------------- fluency
def test_syllables_and_morae():
    assert [english_syllables(w) for w in ("cat", "table", "make", "beautiful", "I")] == [1, 2, 1, 3, 1]
    assert cjk_units("きょう", "ja") == 2 and cjk_units("日本", "ja") == pytest.approx(3.4)
    assert cjk_units("你好", "zh") == 2 and cjk_units("안녕", "ko") == 2


def test_repetitions():
    assert repetitions(["i", "i", "think", "in", "the", "in", "the", "end"]) == 2
    assert repetitions(["no", "repeats", "here"]) == 0


def test_measure_rates_and_pauses():
    # 10 one-syllable words in two spans of 2 s separated by a 1 s pause
    seg = words_seg(0.0, ["one", "two", "three", "four", "five"], step=0.4)
    seg2 = words_seg(3.0, ["six", "sev", "eight", "nine", "ten"], step=0.4)
    spans = [SpeechSpan(0.0, 2.0), SpeechSpan(3.0, 5.0)]
    m = measure([seg, seg2], spans, "en", scope=[(0.0, 5.0)])
    assert m.units == 10 and m.words == 10
    assert m.phonation_s == pytest.approx(4.0) and m.speaking_s == pytest.approx(5.0)
    assert m.articulation_rate == pytest.approx(2.5) and m.speech_rate == pytest.approx(2.0)
    assert m.pauses.count == 1 and m.pauses.median_s == pytest.approx(1.0) and m.pauses.long_share == 1.0
    assert m.pauses.per_min == pytest.approx(12.0) and m.pauses.mean_length_of_run == pytest.approx(5.0)
    assert m.mean_word_probability == pytest.approx(0.9)


def test_measure_skips_low_confidence_and_counts_fillers():
    good = words_seg(0.0, ["um", "I", "I", "think", "so"])
    bad = words_seg(3.0, ["garbled", "words"], lp=-1.6)
    m = measure([good, bad], [SpeechSpan(0.0, 2.0), SpeechSpan(3.0, 4.0)], "en")
    assert m.words == 5 and m.filler_per_100w == pytest.approx(20.0) and m.repetition_per_100w == pytest.approx(20.0)
    assert measure([bad], [], "en") is None


def test_lexical_profile_english_and_japanese():
    from interview_guard.speech.fluency import lexical_profile

    en = lexical_profile("the cat sat on the perspicacious mat", "en")
    assert en.tokens == 7 and en.bands[">=6"] > 0.2 and en.bands["<3"] > 0
    ja = lexical_profile("私は日本語を話します", "ja")
    assert ja.tokens >= 4 and ja.mean_zipf > 4


def _measures(lang="en", art=4.5, ppm=10.0, mlr=12.0, prob=0.9, low=0.05, fill=1.0, phon=40.0):
    from interview_guard.speech.fluency import FluencyMeasures, LexicalProfile, PauseStats

    return FluencyMeasures(language=lang, unit="syllables", words=100, units=art * phon, speaking_s=phon * 1.2,
                           phonation_s=phon, speech_rate=art / 1.2, articulation_rate=art,
                           pauses=PauseStats(10, ppm, 0.5, 1.0, 0.1, mlr), filler_per_100w=fill,
                           repetition_per_100w=0.0, mean_word_probability=prob, low_probability_share=low,
                           lexical=LexicalProfile(100, 5.5, {}))


def test_claim_findings():
    native_en = [LanguageClaim("en", "native")]
    ok_rep = FluencyReport({"en": _measures()}, "all speech", {"en": 60.0})
    assert claim_findings(ok_rep, native_en)[0].status == "consistent"
    slow = FluencyReport({"en": _measures(art=2.0, ppm=30.0, mlr=3.0, prob=0.6)}, "all speech", {"en": 60.0})
    f = claim_findings(slow, native_en)[0]
    assert f.status == "inconsistent" and set(f.outside) >= {"articulation_rate", "pauses_per_min"}
    assert claim_findings(slow, [LanguageClaim("en", "intermediate")])[0].status == "modest_claim"
    assert claim_findings(ok_rep, [LanguageClaim("ja", "native")])[0].status == "not_heard"
    little = FluencyReport({"en": _measures(phon=5.0)}, "all speech", {"en": 6.0})
    assert claim_findings(little, native_en)[0].status == "not_enough_speech"
    assert claim_findings(FluencyReport({"ja": _measures("ja")}, "x", {"ja": 60.0}),
                          [LanguageClaim("ja", "native")])[0].status == "no_reference"


# --------------------------------------------------------------------------- embedder front end
def test_mel_front_end_shapes_and_filterbank():
    fb = mel_filterbank()
    assert fb.shape == (40, 257) and (fb >= 0).all() and (fb.sum(axis=1) > 0).all()
    audio = np.sin(2 * np.pi * 440 * np.arange(16000) / 16000).astype(np.float32)
    feat = log_mel(audio)
    assert feat.shape == (1 + (16000 - 512) // 160, 40)
    assert mel_windows(feat).shape == (1 + (len(feat) - 80) // 40, 80, 40)
    assert int(np.argmax(feat[10])) == int(np.argmax(fb[:, round(440 / 16000 * 512)]))  # 440 Hz band wins
    assert mel_windows(feat[:50]).shape[0] == 0


# --------------------------------------------------------------------------- clustering
def _dirs(rng, k, dim=256):
    return [l2n(rng.normal(size=dim)) for _ in range(k)]


def test_cluster_separates_directions(rng):
    a, b = _dirs(rng, 2)
    x = np.stack([l2n(a + 0.3 * l2n(rng.normal(size=256))) for _ in range(6)]
                 + [l2n(b + 0.3 * l2n(rng.normal(size=256))) for _ in range(4)])
    labels = cluster(x, 0.6)
    assert len(set(labels[:6])) == 1 and len(set(labels[6:])) == 1 and labels[0] != labels[6]
    assert len(set(cluster(x, 0.999))) == 10  # nothing is that similar
    assert cluster(np.zeros((0, 256)), 0.5).shape == (0,)


def _windows(rng, plan, dirs):
    """plan: [(start, end, voice index)] -> SpeakerWindows with noisy vectors every 0.4 s."""
    spans = []
    for a, b, v in plan:
        n = int((b - a - 0.83) / 0.4) + 1
        vecs = np.stack([l2n(dirs[v] + 0.2 * l2n(rng.normal(size=256))) for _ in range(n)])
        spans.append(SpanEmbeddings(SpeechSpan(a, b), vecs, a + 0.415 + 0.4 * np.arange(n)))
    return SpeakerWindows(tuple(spans))


def test_diarize_roles_and_voice_change(rng):
    dirs = _dirs(rng, 3)
    plan = [(0, 4, 0), (5, 12, 1), (13, 16, 0), (17, 24, 2), (25, 28, 0), (29, 36, 1), (37, 40, 0), (41, 48, 2)]
    diar = diarize(_windows(rng, plan, dirs))
    assert len(diar.voices) == 3
    ref = [(a, b, f"s{v}") for a, b, v in plan]
    assert turn_accuracy(diar.turns, ref) > 0.9
    # with a sample of the interviewer's voice (voice 0 in the plan)
    roles = assign_roles(diar, dirs[0])
    assert roles.method == "sample" and len(roles.interviewer) == 1
    change = candidate_voices(diar, roles)
    assert change.changed and len(change.voices) == 2
    # without a sample: the interviewer is whoever asks questions (text ends with "?")
    t = Transcript("en", tuple(Segment(a, b, " question?" if v == 0 else " answer.") for a, b, v in plan))
    roles2 = assign_roles(diar, None, t)
    assert roles2.method == "questions" and roles2.interviewer == roles.interviewer
    assert candidate_voices(diar, roles2).changed


def test_one_candidate_voice_is_not_a_change(rng):
    dirs = _dirs(rng, 2)
    plan = [(0, 4, 0), (5, 12, 1), (13, 16, 0), (17, 24, 1), (25, 28, 0), (29, 36, 1)]
    diar = diarize(_windows(rng, plan, dirs))
    roles = assign_roles(diar, dirs[0])
    assert not candidate_voices(diar, roles).changed
    roles2 = assign_roles(diar)  # two voices, no sample: interviewer + candidate
    assert roles2.method == "two_voices" and not candidate_voices(diar, roles2).changed


def test_small_second_voice_is_ignored():
    v0, v1 = l2n(np.eye(256)[0]), l2n(np.eye(256)[1])
    diar = Diarization(turns=(SpeakerTurn(0, 60, 0), SpeakerTurn(61, 63, 1)),
                       voices=(Voice(0, 60.0, 1, v0), Voice(1, 2.0, 1, v1)), threshold=0.6)
    roles = assign_roles(diar, None)
    change = candidate_voices(diar, type(roles)(interviewer=(), candidate=(0, 1), method="test"))
    assert not change.changed  # 2 s out of 62 is below both the share and the seconds floor
    assert SpeakerOptions().min_voice_s > 2.0


# --------------------------------------------------------------------------- latency
def test_answers_and_latency():
    inter = [(0.0, 3.0), (10.0, 12.0), (20.0, 22.0)]
    cand = [(4.0, 9.0), (12.5, 19.0), (25.5, 30.0)]
    ans = answers(inter, cand)
    assert [round(a.latency, 1) for a in ans] == [1.0, 0.5, 3.5]
    rep = measure_latency(inter, cand, None, [])
    assert rep.median_s == pytest.approx(1.0) and rep.long_share == pytest.approx(1 / 3)
    assert json.dumps(rep.to_dict())


def test_reading_cadence_boundary_share():
    spans = [SpeechSpan(0, 2), SpeechSpan(2.5, 4), SpeechSpan(4.5, 6)]
    words = (Word(1.5, 2.0, " one.", 0.9), Word(3.6, 4.0, " two", 0.9), Word(5.5, 6.0, " three.", 0.9))
    t = Transcript("en", (Segment(0, 6, " one. two three.", words),))
    n, share, _ = cadence([(0, 6)], t, spans)
    assert n == 2 and share == pytest.approx(0.5)


# --------------------------------------------------------------------------- the check on fake features
def _ctx(features, claims=Claims(), risk_fluency=True, store=None, candidate=None):
    from interview_guard.checks.base import CaseContext
    from interview_guard.config import AnalyzerConfig, RiskOptions
    from interview_guard.features import FeatureUnavailable
    from interview_guard.types import CaseInputs

    values = dict(features, claims=claims)

    def get(name):
        v = values.get(name)
        if v is None:
            raise FeatureUnavailable(f"{name} missing")
        if isinstance(v, Exception):
            raise v
        return v

    cfg = AnalyzerConfig(store_path=None, risk=RiskOptions(fluency_enabled=risk_fluency))
    return CaseContext(config=cfg, inputs=CaseInputs(), case_id="case-1", candidate_id=candidate, _get=get,
                       store=store)


def _signals(ctx):
    from interview_guard.checks.speech import SpeechCheck

    return {s.name: s for s in SpeechCheck().run(ctx)}


def test_fluency_signal_modes():
    from interview_guard.features import FeatureUnavailable

    report = FluencyReport({"en": _measures()}, "candidate turns", {"en": 60.0})
    s = _signals(_ctx({"fluency": report}))["speech.fluency_claim_consistency"]
    assert s.status == "ok" and s.score == 0 and "informational" in s.summary
    assert s.details["measurements"]["en"]["articulation_rate"] == 4.5
    s = _signals(_ctx({"fluency": report}, Claims(languages=(LanguageClaim("ja", "native"),))))[
        "speech.fluency_claim_consistency"]
    assert s.status == "flag" and 0 < s.score <= 0.5 and "ja" in s.summary
    s = _signals(_ctx({"fluency": report}, risk_fluency=False))["speech.fluency_claim_consistency"]
    assert s.status == "skipped" and "policy" in s.summary
    off = FeatureUnavailable("fluency measurement is turned off (speech.fluency_enabled = false)")
    s = _signals(_ctx({"fluency": off}))["speech.fluency_claim_consistency"]
    assert s.status == "skipped" and "fluency_enabled" in s.summary


def test_missing_features_skip_only_their_signals():
    sigs = _signals(_ctx({}))
    assert len(sigs) == 5 and all(s.status == "skipped" for s in sigs.values())


class FakeStore:
    def __init__(self, rows):
        self.rows = rows

    def candidate_embeddings(self, candidate_id, kind):
        assert kind == "voice_embedding"
        return self.rows


def test_speaker_signal_flags_voice_change_and_links():
    from interview_guard.speech.features import SpeakerAnalysis
    from interview_guard.speech.speaker import Roles

    v0, v1, v2 = (l2n(np.eye(256)[i]) for i in range(3))
    voices = (Voice(0, 30.0, 3, v0), Voice(1, 20.0, 4, v1), Voice(2, 15.0, 2, v2))
    turns = (SpeakerTurn(0, 5, 1), SpeakerTurn(6, 16, 0), SpeakerTurn(17, 20, 1), SpeakerTurn(21, 29, 2))
    diar = Diarization(turns, voices, 0.62)
    roles = Roles(interviewer=(1,), candidate=(0, 2), method="sample", interviewer_similarity=0.9)
    sa = SpeakerAnalysis(diar, roles, candidate_voices(diar, roles))
    ctx = _ctx({"speakers": sa})
    s = _signals(ctx)["speech.speaker_consistency"]
    assert s.status == "flag" and s.score >= 0.45 and any(e.t_start == 21 for e in s.evidence)
    assert [lk.kind for lk in ctx.links] == ["voice_embedding"] and len(ctx.links[0].value) == 256
    # one candidate voice, but an earlier interview of this candidate had another voice
    roles1 = Roles(interviewer=(1, 2), candidate=(0,), method="sample", interviewer_similarity=0.9)
    sa1 = SpeakerAnalysis(diar, roles1, candidate_voices(diar, roles1))
    store = FakeStore([("case-0", list(v2)), ("case-1", list(v0))])
    s = _signals(_ctx({"speakers": sa1}, store=store, candidate="cand-7"))["speech.speaker_consistency"]
    assert s.status == "flag" and "earlier interview" in s.summary
    assert s.details["across_interviews"][0]["case_id"] == "case-0"
    store_same = FakeStore([("case-0", list(v0))])
    assert _signals(_ctx({"speakers": sa1}, store=store_same, candidate="cand-7"))[
        "speech.speaker_consistency"].status == "ok"


def test_language_signal():
    from interview_guard.speech.language import LanguageProfile, LanguageStretch

    st = lambda a, b, lang, s: LanguageStretch(a, b, lang, s, lang, 0.95, lang, 0.9, "text")  # noqa: E731
    prof = LanguageProfile((st(0, 60, "en", 50.0), st(60, 120, "ko", 45.0)))
    s = _signals(_ctx({"speech_language": prof}, Claims(languages=(LanguageClaim("en", "native"),))))[
        "speech.language_mismatch"]
    assert s.status == "flag" and "ko" in s.summary and s.evidence[0].t_start == 60
    s = _signals(_ctx({"speech_language": prof}, Claims(languages=(LanguageClaim("en"), LanguageClaim("ko")))))[
        "speech.language_mismatch"]
    assert s.status == "ok"
    s = _signals(_ctx({"speech_language": prof}))["speech.language_mismatch"]
    assert s.status == "ok" and s.score == 0


def test_transcribe_command(tmp_path, monkeypatch, capsys):
    import interview_guard.services as tmod
    from interview_guard import cli

    t = Transcript("en", (Segment(1.0, 2.5, " Hello there.", (Word(1.0, 1.5, " Hello", 0.9),), -0.2, 0.01),),
                   language_probability=0.98, duration_s=3.0)
    seen = {}

    def fake(path, cfg):
        seen["model"], seen["lang"] = cfg.speech.asr_model, cfg.speech.language
        return t

    monkeypatch.setattr(tmod, "transcribe", fake)
    media = tmp_path / "a.wav"
    media.write_bytes(b"RIFF")
    srt, vtt = tmp_path / "a.srt", tmp_path / "a.vtt"
    code = cli.main(["transcribe", str(media), "--json", "--model", "whisper-tiny.en", "--language", "EN",
                     "--srt", str(srt), "--vtt", str(vtt)])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"language", "language_probability", "duration_s", "text", "segments"}
    assert out["segments"][0]["words"][0]["word"] == " Hello" and out["text"] == "Hello there."
    assert seen == {"model": "whisper-tiny.en", "lang": "en"}
    assert "00:00:01,000 --> 00:00:02,500" in srt.read_text() and vtt.read_text().startswith("WEBVTT")
    assert cli.main(["transcribe", str(tmp_path / "missing.wav")]) == 2
    assert cli.main(["transcribe", str(media), "--language", "english!"]) == 2
