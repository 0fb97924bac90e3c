"""The liveness checks' contract (signal names, evidence, guardrails) and the app's challenge tab."""
from __future__ import annotations

import json

import numpy as np
import pytest

from interview_guard.checks.base import CaseContext
from interview_guard.config import AnalyzerConfig

DESIGN_NAMES = {"liveness.presentation_attack", "liveness.challenge_response", "deepfake.face_swap",
                "deepfake.temporal_artifacts", "deepfake.lip_sync", "deepfake.external_model", "voice.synthetic"}
BANNED = ("emotion", "stress", "lying", "honest", "personality", "accent", "ethnic", "nationality", "smile", "mood")


def _checks():
    from interview_guard.checks import liveness as lv

    return [lv.PresentationAttackCheck, lv.ChallengeResponseCheck, lv.FaceSwapCheck, lv.TemporalArtifactsCheck,
            lv.LipSyncCheck, lv.ExternalModelCheck, lv.SyntheticVoiceCheck]


def test_signal_names_are_exactly_the_design_names():
    from interview_guard.checks import registered_checks

    names = {s for c in _checks() for s in c.signals}
    assert names == DESIGN_NAMES
    registered = registered_checks()
    for c in _checks():
        assert registered[c.name] is c


def _ctx(values: dict) -> CaseContext:
    from interview_guard.features import FeatureUnavailable

    def get(name):
        if name not in values:
            raise FeatureUnavailable(f"{name} not available")
        return values[name]

    return CaseContext(config=AnalyzerConfig(store_path=None), inputs=None, case_id="c", candidate_id=None, _get=get)


def _screen_series(score: float, n: int = 10):
    from interview_guard.vision.liveness_features import ScreenSeries
    from interview_guard.vision.screen import ScreenFrameCues

    frames = tuple(ScreenFrameCues(t=i / 2, moire=2.5 if score else 1.1, moire_score=score, bezel_sides=0,
                                   bezel_score=0.0, glare_share=0.0, glare_score=0.0, score=score) for i in range(n))
    return ScreenSeries(frames, ((score, 1.0, b"\xff\xd8fakejpeg"),) if score else ())


def test_presentation_attack_combines_screen_and_fas_with_evidence():
    from interview_guard.checks.liveness import PresentationAttackCheck
    from interview_guard.vision.liveness import FasSample, FasSeries

    fas_spoof = FasSeries((FasSample(1.0, 0.002, 120, 0.9, b"jpg"), FasSample(5.0, 0.01, 120, 0.9, None)),
                          0.1826, 0, 20)
    (sig,) = PresentationAttackCheck().run(_ctx({"screen_cues": _screen_series(0.85), "fas_scores": fas_spoof}))
    assert sig.status == "flag" and sig.score >= 0.8
    assert sig.evidence[0].ref.startswith("data:image/jpeg;base64,") and sig.evidence[0].t_start == 1.0
    assert sig.details["fas_liveness"] == [0.002, 0.01]
    # genuine-looking: nothing
    fas_live = FasSeries((FasSample(1.0, 0.25, 120, 0.9),), 0.1826, 0, 20)
    (sig,) = PresentationAttackCheck().run(_ctx({"screen_cues": _screen_series(0.0), "fas_scores": fas_live}))
    assert sig.status == "ok" and sig.score == 0.0 and not sig.evidence
    # only one part available still gives a verdict
    (sig,) = PresentationAttackCheck().run(_ctx({"screen_cues": _screen_series(0.0)}))
    assert sig.status == "ok"


def test_presentation_attack_without_any_feature_raises_the_reason():
    from interview_guard.checks.liveness import PresentationAttackCheck
    from interview_guard.features import FeatureUnavailable

    with pytest.raises(FeatureUnavailable):
        PresentationAttackCheck().run(_ctx({}))


def test_face_swap_check_needs_frames_and_flags_persistent_texture_mismatch():
    from interview_guard.checks.liveness import FaceSwapCheck
    from interview_guard.vision.blending import BlendFrame, blend_score
    from interview_guard.vision.liveness_features import BlendSeries

    def series(tex, n):
        frames = tuple(BlendFrame(i / 5, tex, 0.5, 0.0, blend_score(tex, 0.5)) for i in range(n))
        return BlendSeries(frames, (0.9,) * n, ((0.9, 0.2, b"j"),), n)

    (sig,) = FaceSwapCheck().run(_ctx({"blend_boundary": series(0.9, 3)}))
    assert sig.status == "ok" and sig.confidence == 0.0
    (sig,) = FaceSwapCheck().run(_ctx({"blend_boundary": series(0.9, 60)}))
    assert sig.status == "flag" and sig.score == 1.0 and sig.evidence
    (sig,) = FaceSwapCheck().run(_ctx({"blend_boundary": series(0.1, 60)}))
    assert sig.status == "ok" and sig.score == 0.0


def test_challenge_check_reports_found_and_suggested():
    from interview_guard.checks.liveness import ChallengeResponseCheck
    from interview_guard.vision.challenge import ChallengeMoment, ChallengeResults

    ok_m = ChallengeMoment("turn_profile", 3.0, 4.0, 60.0, (), 0.8, 0.0, 0.0, 0.0)
    bad = ChallengeMoment("hand_wave", 8.0, 9.0, 0.8, ("embedding_jump",), 0.1, 0.0, 0.0, 0.8)
    res = ChallengeResults((ok_m, bad), ("turn_profile", "hand_wave"), 100, {1: b"jpg"})
    (sig,) = ChallengeResponseCheck().run(_ctx({"challenge_moments": res}))
    assert sig.status == "flag" and sig.score == 0.8
    assert sig.evidence[0].t_start == 8.0 and "embedding jump" in sig.evidence[0].summary
    assert {s["challenge"] for s in sig.details["suggested"]} == {"look_away", "move_closer"}
    (sig,) = ChallengeResponseCheck().run(_ctx({"challenge_moments": ChallengeResults((), (), 50)}))
    assert sig.status == "ok" and sig.confidence == 0.0 and "ask for one" in sig.summary


def test_no_summary_infers_emotion_or_expression():
    import inspect

    from interview_guard.checks import liveness as lv

    source = inspect.getsource(lv).replace(lv.__doc__, "").lower()  # the docstring says what it never does
    for word in BANNED:
        assert word not in source, word


# --------------------------------------------------------------------------- app tab
def test_challenge_tab_renders_found_moments_escaped(tmp_path):
    from interview_guard.app.challenges import challenge_results_from_file, challenge_results_html, challenges_markdown

    md = challenges_markdown()
    assert "profile" in md and "hand" in md and "never a decision" in md
    assert "Run an analysis" in challenge_results_html(None)
    report = {"signals": [
        {"name": "liveness.challenge_response", "status": "flag", "score": 0.8, "summary": "1 of 2 <b>moments</b>",
         "details": {"moments": [{"challenge": "turn_profile", "t_start": 3, "t_end": 4, "failures": []},
                                 {"challenge": "hand_wave", "t_start": 8, "t_end": 9, "failures": ["embedding_jump"]}],
                     "suggested": [{"challenge": "look_away", "ask": "Please look up"}]}},
        {"name": "voice.synthetic", "status": "ok", "score": 0.0, "summary": "natural"}]}
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    html = challenge_results_from_file(str(path))
    assert "turn profile" in html and "held up" in html and "failed: embedding jump" in html
    assert "&lt;b&gt;moments&lt;/b&gt;" in html and "<b>moments</b>" not in html
    assert "Please look up" in html and "voice.synthetic" in html
    assert "could not be read" in challenge_results_from_file(str(tmp_path / "missing.json"))


def test_app_has_the_liveness_challenges_tab():
    pytest.importorskip("gradio")
    from interview_guard.app.ui import build_app

    demo = build_app(AnalyzerConfig(store_path=None), analyzer_factory=lambda: None)
    try:
        labels = [getattr(b, "label", None) for b in demo.blocks.values()]
        assert "Liveness challenges" in labels
        api = demo.get_api_info() if hasattr(demo, "get_api_info") else None
        if api:  # the analyze endpoint keeps its five outputs
            assert len(api["named_endpoints"]["/analyze"]["returns"]) == 5
    finally:
        demo.close(verbose=False)


def test_voice_check_thresholds_are_calibrated_direction():
    # the AASIST margin is bona fide - spoof: more negative = more synthetic
    from interview_guard.checks.liveness import smoothstep

    assert smoothstep(-3.0, -8.0, -12.0) == 1.0 and smoothstep(-3.0, -8.0, 2.0) == 0.0
    assert np.isclose(smoothstep(-3.0, -8.0, -5.5), 0.5)


def test_lip_sync_check_flags_a_lag_with_a_time_range():
    from interview_guard.checks.liveness import LipSyncCheck
    from interview_guard.vision.lipsync import LipSyncResult

    lagged = LipSyncResult(speech_s=40.0, n_samples=300, corr_at_zero=0.05, best_lag_s=0.6, best_corr=0.7,
                           lags_s=(0.0, 0.6), corrs=(0.05, 0.7), mouth_moving=0.1, enough=True, t_start=2.0, t_end=62.0)
    (sig,) = LipSyncCheck().run(_ctx({"lip_sync": lagged}))
    assert sig.status == "flag" and sig.details["best_lag_s"] == 0.6
    assert sig.evidence[0].kind == "time_range" and (sig.evidence[0].t_start, sig.evidence[0].t_end) == (2.0, 62.0)
    synced = LipSyncResult(40.0, 300, 0.7, 0.0, 0.7, (0.0,), (0.7,), 0.1, True, 2.0, 62.0)
    (sig,) = LipSyncCheck().run(_ctx({"lip_sync": synced}))
    assert sig.status == "ok" and sig.score == 0.0
    short = LipSyncResult(2.0, 10, 0.0, 0.0, 0.0, (), (), 0.0, False)
    (sig,) = LipSyncCheck().run(_ctx({"lip_sync": short}))
    assert sig.status == "ok" and sig.confidence == 0.0
