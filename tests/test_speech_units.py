"""Speech unit tests with fakes: VAD streaming, ASR windowing, guards, WER, language decisions."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
from support.wer import normalize_text, wer

from interview_guard.speech.asr import AsrOptions, AsrStream, _TimeMap, resolve_model
from interview_guard.speech.hallucination import (
    GuardOptions,
    GuardStats,
    find_repetition,
    guard_segments,
    is_known_phrase,
    trim_repetitions,
)
from interview_guard.speech.language import UNCERTAIN, decide, language_profile
from interview_guard.speech.vad import SpanTracker, VadOptions, VadStream, detect_speech
from interview_guard.types import AudioChunk, Segment, Word

SR = 16000


def bursts(spec, total_s):
    """Noise bursts (speech stand-ins) at [(start, end), ...] in ``total_s`` seconds of silence."""
    rng = np.random.default_rng(1)
    x = np.zeros(int(total_s * SR), np.float32)
    for a, b in spec:
        x[int(a * SR):int(b * SR)] = rng.normal(0, 0.2, int(b * SR) - int(a * SR)).astype(np.float32)
    return x


def energy_vad(fake_session_cls):
    """A fake Silero: speech probability from window energy; h counts windows seen."""

    def fn(feeds):
        x = feeds["input"]
        assert x.shape[1] == 576
        rms = np.sqrt((x[:, 64:] ** 2).mean(axis=1))
        h = feeds["h"].copy()
        h[0, 0, 0] += len(x)
        return [np.where(rms > 0.05, 0.95, 0.02).astype(np.float32), h, feeds["c"]]

    return fake_session_cls(fn, inputs=(("input", ["n", 576]), ("h", [1, 1, 128]), ("c", [1, 1, 128])),
                            outputs=(("speech_probs", ["n"]), ("hn", [1, 1, 128]), ("cn", [1, 1, 128])))


def stream_chunks(audio, chunk_s, t0=0.0):
    step = int(chunk_s * SR)
    return [AudioChunk(t=t0 + i / SR, samples=audio[i:i + step]) for i in range(0, len(audio), step)]


# --------------------------------------------------------------------------- VAD
def test_vad_spans_match_bursts(fake_session_cls):
    audio = bursts([(1.0, 3.0), (3.6, 5.0), (8.0, 9.5)], 12.0)
    act = detect_speech(energy_vad(fake_session_cls), audio)
    assert [(round(s.start, 1), round(s.end, 1)) for s in act.spans] == [(1.0, 3.0), (3.6, 5.0), (8.0, 9.5)]
    assert act.duration_s == pytest.approx(12.0)
    assert act.speech_s == pytest.approx(2.0 + 1.4 + 1.5, abs=0.1)
    assert act.pauses(0.25)[0] == pytest.approx((3.0, 3.6), abs=0.05)


@pytest.mark.parametrize("chunk_s", [0.7, 3.3, 30.0])
def test_vad_streaming_equals_single_pass(fake_session_cls, chunk_s):
    audio = bursts([(0.5, 2.0), (2.2, 4.0), (6.0, 11.0)], 13.0)
    whole = detect_speech(energy_vad(fake_session_cls), audio, chunk_s=1000)
    sess = energy_vad(fake_session_cls)
    stream = VadStream(sess)
    for ch in stream_chunks(audio, chunk_s):
        stream.add(ch)
    act = stream.finish()
    assert act.spans == whole.spans
    np.testing.assert_array_equal(act.probs, whole.probs)
    # the LSTM state travels from call to call: the fake's counter ends at the number of windows
    last = sess.calls[-1]
    assert last["h"][0, 0, 0] + len(last["input"]) == len(act.probs)


def test_vad_context_carries_previous_window_tail(fake_session_cls):
    audio = np.arange(2048, dtype=np.float32) / 4096
    sess = energy_vad(fake_session_cls)
    stream = VadStream(sess)
    stream.add(AudioChunk(0.0, audio[:1024]))
    stream.add(AudioChunk(1024 / SR, audio[1024:]))
    second = sess.calls[1]["input"]
    np.testing.assert_array_equal(second[0, :64], audio[1024 - 64:1024])
    np.testing.assert_array_equal(second[0, 64:], audio[1024:1536])
    assert not sess.calls[0]["input"][0, :64].any()  # the very first window has zero context


def test_vad_time_origin_follows_first_chunk(fake_session_cls):
    audio = bursts([(1.0, 2.0)], 3.0)
    act = detect_speech(energy_vad(fake_session_cls), audio, t0=100.0)
    assert act.spans[0].start == pytest.approx(101.0, abs=0.05)


def test_span_tracker_cuts_long_speech():
    opts = VadOptions(max_speech_s=2.0, min_silence_s=0.25)
    tr = SpanTracker(opts)
    probs = [0.9] * 40 + [0.2] * 4 + [0.9] * 60  # 1.28 s speech, 128 ms dip, 1.9 s speech
    done = tr.feed(probs) + tr.finish(len(probs) * 512)
    assert len(done) == 2 and all(b - a <= 2.0 * SR for a, b in done)


def test_vad_options_validate():
    with pytest.raises(ValueError):
        VadOptions(threshold=1.5)


# --------------------------------------------------------------------------- ASR windows
class FakeWhisper:
    """Emits one segment (one word) per noise burst in the audio it is given."""

    def __init__(self, language="en", prob=0.97, extra=None):
        self.calls = []
        self.language, self.prob, self.extra = language, prob, extra

    def transcribe(self, audio, **kw):
        self.calls.append((len(audio) / SR, kw))
        blocks = np.sqrt((audio[: len(audio) // 160 * 160].reshape(-1, 160) ** 2).mean(axis=1)) > 0.05
        segs, start = [], None
        for i, on in enumerate(list(blocks) + [False]):
            if on and start is None:
                start = i
            elif not on and start is not None:
                a, b = start / 100, i / 100
                w = SimpleNamespace(start=a, end=b, word=f" w{len(segs)}", probability=0.9)
                segs.append(SimpleNamespace(start=a, end=b, text=f" w{len(segs)}", words=[w], avg_logprob=-0.2,
                                            no_speech_prob=0.01, compression_ratio=1.2))
                start = None
        if self.extra:
            segs += self.extra(len(audio) / SR)
        return iter(segs), SimpleNamespace(language=self.language, language_probability=self.prob)


def run_asr(audio, model, opts=None, chunk_s=30.0, vad_session=None):
    vad = VadStream(vad_session)
    asr = AsrStream(model, opts or AsrOptions())
    for ch in stream_chunks(audio, chunk_s):
        asr.add(ch, vad.add(ch))
    return asr.finish()


def test_asr_maps_times_back_and_never_sees_the_whole_file(fake_session_cls):
    spec = [(2.0 + 6.0 * k, 5.0 + 6.0 * k) for k in range(15)]  # 45 s of speech over ~92 s
    audio = bursts(spec, 95.0)
    model = FakeWhisper()
    res = run_asr(audio, model, chunk_s=10.0, vad_session=energy_vad(fake_session_cls))
    assert len(res.transcript.segments) == 15
    for seg, (a, b) in zip(res.transcript.segments, spec):
        assert seg.start == pytest.approx(a, abs=0.06) and seg.end == pytest.approx(b, abs=0.06)
        assert seg.words[0].start == pytest.approx(a, abs=0.06)
    assert len(model.calls) >= 3
    assert all(dur <= 30.0 + 1e-6 for dur, _ in model.calls)
    assert all(kw["vad_filter"] is False and kw["word_timestamps"] for _, kw in model.calls)
    assert res.transcript.language == "en"
    assert res.transcript.duration_s == pytest.approx(95.0)


def test_asr_buffer_stays_bounded_over_long_silence(fake_session_cls):
    audio = bursts([(1.0, 3.0), (150.0, 152.0), (290.0, 292.0)], 300.0)
    vad, model = VadStream(energy_vad(fake_session_cls)), FakeWhisper()
    asr = AsrStream(model, AsrOptions())
    held = []
    for ch in stream_chunks(audio, 10.0):
        asr.add(ch, vad.add(ch))
        held.append(asr.buffer.seconds)
    res = asr.finish()
    assert max(held) <= 25.0  # a few chunks, never the minutes of silence in between
    assert len(model.calls) == 1 and model.calls[0][0] < 10.0  # one window: three padded spans
    assert [round(s.start) for s in res.transcript.segments] == [1, 150, 290]


def test_asr_handles_span_open_at_end(fake_session_cls):
    audio = bursts([(1.0, 2.0), (4.0, 6.0)], 6.0)  # speech runs to the last sample
    res = run_asr(audio, FakeWhisper(), vad_session=energy_vad(fake_session_cls))
    assert [round(s.start) for s in res.transcript.segments] == [1, 4]


def test_asr_language_is_speech_weighted_majority(fake_session_cls):
    spec = [(1.0 + 7.0 * k, 6.0 + 7.0 * k) for k in range(12)]
    audio = bursts(spec, 90.0)
    langs = iter(["ja", "en", "en", "en"])

    class Switching(FakeWhisper):
        def transcribe(self, audio, **kw):
            segs, info = super().transcribe(audio, **kw)
            return segs, SimpleNamespace(language=next(langs, "en"), language_probability=0.9)

    res = run_asr(audio, Switching(), vad_session=energy_vad(fake_session_cls))
    assert [w.language for w in res.windows][:2] == ["ja", "en"]
    assert res.transcript.language == "en"


def test_asr_drops_text_on_silence(fake_session_cls):
    def invented(dur):  # Whisper "hears" a sentence in the padding / silence at the very end
        w = SimpleNamespace(start=dur - 0.35, end=dur - 0.05, word=" Thank you.", probability=0.4)
        return [SimpleNamespace(start=dur - 0.35, end=dur - 0.05, text=" Thank you.", words=[w],
                                avg_logprob=-0.9, no_speech_prob=0.5, compression_ratio=1.0)]

    audio = bursts([(1.0, 3.0)], 6.0)
    res = run_asr(audio, FakeWhisper(extra=invented), vad_session=energy_vad(fake_session_cls))
    assert [s.text for s in res.transcript.segments] == [" w0"]
    assert res.guards.counts() == {"silence": 1}


def test_time_map():
    tm = _TimeMap([(10.0, 12.0), (20.0, 21.0)])
    assert tm(0.5) == 10.5 and tm(2.5) == 20.5 and tm(2.0, is_end=True) == 12.0 and tm(2.0) == 20.0


def test_resolve_model(tmp_path):
    assert resolve_model("whisper-base", lambda n: tmp_path / n) == (str(tmp_path / "whisper-base"), "whisper-base")
    assert resolve_model("large-v3-turbo", lambda n: 1 / 0) == ("large-v3-turbo", "large-v3-turbo")
    (tmp_path / "mine").mkdir()
    from interview_guard.errors import ModelError

    with pytest.raises(ModelError):
        resolve_model(str(tmp_path / "mine"), lambda n: None)
    (tmp_path / "mine" / "model.bin").write_bytes(b"x")
    assert resolve_model(str(tmp_path / "mine"), lambda n: None)[1] == "mine"


def test_asr_options_validate():
    with pytest.raises(ValueError):
        AsrOptions(window_s=45)


# --------------------------------------------------------------------------- guards
def seg(text, a=0.0, b=2.0, lp=-0.2, ns=0.05, words=None):
    return Segment(start=a, end=b, text=text, words=tuple(words or ()), avg_logprob=lp, no_speech_prob=ns)


def test_guard_rules():
    stats = GuardStats()
    full = lambda a, b: b - a  # noqa: E731 - all speech
    raw = [(seg(" hello there"), 1.2),
           (seg(" Thank you for watching.", lp=-0.8, ns=0.4), 1.0),
           (seg(" la la la la la la la la la la", lp=-0.3), 3.1),
           (seg(" nothing", lp=-1.5, ns=0.8), 1.0),
           (seg(" quiet", lp=-1.2), 1.0)]
    kept = guard_segments(raw, full, GuardOptions(), stats)
    assert [s.text for s in kept] == [" hello there", " quiet"]
    assert stats.counts() == {"known_phrase": 1, "compression": 1, "no_speech": 1}
    assert len(stats.low_confidence) == 1
    assert json.dumps(stats.to_dict())
    # the same stock phrase spoken clearly over real speech is kept
    assert guard_segments([(seg(" Thanks for watching", lp=-0.1, ns=0.01), 1.0)], full, GuardOptions(), GuardStats())


def test_text_on_silence_is_dropped():
    stats = GuardStats()
    kept = guard_segments([(seg(" ghost", 0.0, 4.0), 1.0)], lambda a, b: 0.3, GuardOptions(), stats)
    assert kept == [] and stats.counts() == {"silence": 1}


def test_repetition_loop_is_trimmed_with_words():
    words = [Word(i * 0.3, i * 0.3 + 0.25, " I", 0.9) if i < 1 else Word(i * 0.3, i * 0.3 + 0.25, " know", 0.9)
             for i in range(9)]
    s = seg("".join(w.word for w in words), 0, 2.7, words=words)
    out, cut = trim_repetitions(s, 4)
    assert cut == 1 and out.text == " I know know" and len(out.words) == 3
    assert find_repetition(["a", "b", "a", "b", "a", "b", "a", "b"], 4) == (0, 2, 4)
    assert find_repetition(["a", "b", "c"], 4) is None


def test_known_phrases():
    assert is_known_phrase("Thank you for watching!") and is_known_phrase("ご視聴ありがとうございました")
    assert not is_known_phrase("Thank you for the question about the database migration plan")


# --------------------------------------------------------------------------- WER + language
def test_wer_normalisation_and_counts():
    assert normalize_text("Mr. Dashwood's ill-disposed, young") == ["mr", "dashwoods", "ill", "disposed", "young"]
    r = wer("and mister john dashwood had then leisure", "And Mr. John Dashwood had the leisure.")
    assert (r.substitutions, r.deletions, r.insertions) == (1, 0, 0) and r.wer == pytest.approx(1 / 7)
    assert wer("a b c", "a c").deletions == 1 and wer("a c", "a b c").insertions == 1
    assert wer("", "").wer == 0.0


def test_language_decision():
    assert decide("en", 0.99, ("en", 0.9)) == "en"
    assert decide("en", 0.55, ("ja", 0.95)) == "ja"
    assert decide("en", 0.95, ("de", 0.6)) == "en"
    assert decide("en", 0.5, ("de", 0.5)) == UNCERTAIN
    assert decide("en", 0.5, None) == UNCERTAIN


def test_language_profile_merges_stretches(monkeypatch):
    from interview_guard.speech import language as lang_mod
    from interview_guard.speech.asr import AsrWindow

    monkeypatch.setattr(lang_mod, "identify_text", lambda text, c: ("ja", 0.99) if "ja" in text else ("en", 0.99))
    w = lambda a, text, lang: AsrWindow(a, a + 30, 25.0, lang, 0.97, (seg(" " + text, a, a + 5),))  # noqa: E731
    prof = language_profile([w(0, "hello en", "en"), w(30, "more en", "en"), w(60, "ja text", "ja")])
    assert [(s.language, s.speech_s) for s in prof.stretches] == [("en", 50.0), ("ja", 25.0)]
    assert prof.main_language == "en"


def test_lingua_identifies_text():
    from interview_guard.speech.language import identify_text

    assert identify_text("He was not an ill disposed young man, unless to be rather cold hearted", ["ja"])[0] == "en"
    assert identify_text("私は東京で五年間ソフトウェアエンジニアとして働いていました", ["en"])[0] == "ja"
    assert identify_text("short", []) is None
