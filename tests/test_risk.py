"""Risk fusion v1: policy loading / validation, log-odds fusion, guardrails, follow-ups."""
from __future__ import annotations

import math
import re
from importlib import resources

import pytest

from interview_guard.checks.base import errored, flag, ok, skipped
from interview_guard.errors import InputError
from interview_guard.risk import (
    GUARDRAIL_CONTEXT_ONLY,
    NOTE,
    Policy,
    fuse,
    known_signals,
    level_for,
    load_policy,
    parse_policy,
    select_followups,
    sigmoid,
)
from interview_guard.risk.policy import policy_from_mapping

CONTEXT = ("speech.fluency_claim_consistency", "network.anonymizer", "network.location_claim",
           "network.timezone_claim", "speech.answer_latency")
DEFAULT_TEXT = resources.files("interview_guard.risk").joinpath("default_policy.toml").read_text("utf-8")


def make_policy(**over) -> Policy:
    """A small policy built in the test, so expected numbers follow from it, not from the file."""
    data = {"version": "test-1", "prior": -3.0,
            "thresholds": {"review": 0.25, "high": 0.75},
            "weights": {"face.identity_consistency": 3.5, "network.remote_access": 2.5,
                        "network.anonymizer": 1.0, "network.location_claim": 1.25,
                        "network.timezone_claim": 1.0, "speech.fluency_claim_consistency": 1.0,
                        "speech.answer_latency": 0.75, "resume.timeline": 1.0, "speech.transcript": 0.0},
            "context_only": list(CONTEXT),
            "followups": {"face.identity_consistency": [
                              "Please turn your camera on and hold your ID next to your face.",
                              "Please keep your camera on."],
                          "network.remote_access": [
                              "Are you connected through a remote-desktop tool right now? Please close it."],
                          "network.anonymizer": ["Are you connected through a VPN right now?"],
                          "network.location_claim": ["Could you confirm the city you are working from today?"],
                          "resume.timeline": ["Please keep your camera on."]}}
    for k, v in over.items():
        data[k] = v
    return policy_from_mapping(data, source="test")


def F(name: str, score: float = 1.0, confidence: float = 1.0, summary: str = ""):
    return flag("test", name, summary or f"{name} summary", score=score, confidence=confidence)


# --------------------------------------------------------------------------- default policy
def test_default_policy_loads_with_version_and_every_signal_weighted():
    p = load_policy()
    assert p.version == "2026.11-1"
    assert p.source == "builtin"
    assert set(known_signals()) <= set(p.weights), set(known_signals()) - set(p.weights)
    assert GUARDRAIL_CONTEXT_ONLY == set(CONTEXT)
    assert GUARDRAIL_CONTEXT_ONLY <= p.context_only
    assert 0 < p.review_threshold < p.high_threshold < 1
    assert p.max_followups == 6


def test_default_policy_has_a_question_for_every_signal_that_can_be_adverse():
    p = load_policy()
    missing = [n for n in known_signals() if p.weight(n) > 0 and not p.questions(n)]
    assert missing == []
    assert "Please turn your camera on and hold your ID next to your face." in p.questions("face.identity_consistency")
    assert any("remote-desktop" in q for q in p.questions("network.remote_access"))


FORBIDDEN = re.compile(r"\b(nationality|national origin|ethnic\w*|race|accent\w*|citizen\w*|born|"
                       r"lie|lying|liar|fraud\w*|fake|cheat\w*|scam\w*|suspicious|nervous|emotion\w*|"
                       r"hire|reject\w*|verdict)\b", re.I)


def test_default_questions_are_neutral():
    p = load_policy()
    for name, questions in p.followups.items():
        for q in questions:
            assert not FORBIDDEN.search(q), (name, q)
            assert q.endswith(("?", ".")), (name, q)


def test_default_policy_single_strong_signal_reaches_review_but_not_high():
    # calibration intent written in the policy file: "high" needs independent lines of evidence
    p = load_policy()
    one, _ = fuse([F("face.identity_consistency")], p)
    assert one.level == "review"
    two, _ = fuse([F("face.identity_consistency"), F("network.remote_access")], p)
    assert two.level == "high"


# --------------------------------------------------------------------------- fusion math
def test_ok_skipped_error_contribute_nothing():
    p = make_policy()
    signals = [ok("t", "face.identity_consistency", "one identity", score=0.9, confidence=1.0),
               skipped("t", "network.remote_access", "no endpoint log"),
               errored("t", "resume.timeline", "parser crashed")]
    a, followups = fuse(signals, p)
    assert a.score == pytest.approx(sigmoid(-3.0))
    assert a.level == "low"
    assert followups == []


def test_flag_adds_weight_times_score_times_confidence():
    p = make_policy()
    a, _ = fuse([F("face.identity_consistency", 0.8, 0.5), F("resume.timeline", 0.4, 1.0)], p)
    assert a.score == pytest.approx(sigmoid(-3.0 + 3.5 * 0.8 * 0.5 + 1.0 * 0.4 * 1.0))
    assert a.level == level_for(a.score, p)


def test_unlisted_signal_uses_default_weight():
    p = make_policy(default_weight=2.0)
    a, _ = fuse([F("document.mrz", 0.5, 1.0)], p)
    assert a.score == pytest.approx(sigmoid(-3.0 + 2.0 * 0.5))


def test_levels_follow_thresholds():
    p = make_policy()
    assert level_for(0.0, p) == "low"
    assert level_for(0.2499, p) == "low"
    assert level_for(0.25, p) == "review"
    assert level_for(0.7499, p) == "review"
    assert level_for(0.75, p) == "high"
    assert math.isclose(sigmoid(0.0), 0.5) and sigmoid(-800) == 0.0 and sigmoid(800) == 1.0


def test_reasons_are_summaries_ordered_by_contribution_and_limited():
    p = make_policy(max_reasons=2)
    signals = [F("resume.timeline", 1.0, 1.0, "Employment dates overlap by 14 months"),
               F("face.identity_consistency", 1.0, 1.0, "Two different faces appear (switch at 61.0 s)"),
               F("network.remote_access", 1.0, 1.0, "AnyDesk was running during the interview.")]
    a, _ = fuse(signals, p)
    assert a.reasons[:2] == ("Two different faces appear (switch at 61.0 s).",
                             "AnyDesk was running during the interview.")
    assert not any("Employment" in r for r in a.reasons)


def test_note_says_verification_needed_and_not_a_decision():
    for signals in ([], [F("face.identity_consistency"), F("network.remote_access")]):
        a, _ = fuse(signals, make_policy())
        assert a.note == NOTE
        assert "verification needed" in a.note.lower()
        assert "not a hiring decision" in a.note.lower()
        assert a.level in ("low", "review", "high")


# --------------------------------------------------------------------------- guardrails
def test_vpn_alone_never_above_review_even_with_a_huge_weight():
    p = make_policy(weights={"network.anonymizer": 50.0})
    a, followups = fuse([F("network.anonymizer", 1.0, 1.0, "Connected through a commercial VPN")], p)
    assert a.level == "review"
    assert a.score < p.high_threshold
    assert any("not adverse on its own" in r for r in a.reasons)
    assert any("capped at review" in r for r in a.reasons)
    assert [f.signal for f in followups] == ["network.anonymizer"]


def test_vpn_alone_with_default_policy_stays_low_or_review():
    a, _ = fuse([F("network.anonymizer", 1.0, 1.0)], load_policy())
    assert a.level in ("low", "review")


def test_all_context_signals_together_at_most_review():
    p = make_policy(weights={n: 20.0 for n in CONTEXT})
    a, _ = fuse([F("network.anonymizer"), F("network.location_claim"), F("network.timezone_claim")], p)
    assert a.level == "review"
    assert a.score < p.high_threshold
    a_all, _ = fuse([F(n) for n in CONTEXT], load_policy())
    assert a_all.level in ("low", "review")


def test_context_signals_count_once_corroborated():
    p = make_policy()
    base, _ = fuse([F("network.remote_access", 0.9, 0.9)], p)
    both, _ = fuse([F("network.remote_access", 0.9, 0.9), F("network.anonymizer"), F("network.location_claim")], p)
    assert both.score > base.score
    assert both.score == pytest.approx(sigmoid(-3.0 + 2.5 * 0.81 + 1.0 + 1.25))
    assert not any("not adverse on its own" in r for r in both.reasons)
    big = make_policy(weights={"network.remote_access": 2.5, "network.anonymizer": 20.0})
    high, _ = fuse([F("network.remote_access"), F("network.anonymizer")], big)
    assert high.level == "high"  # corroborated context may reach high


def test_zero_weight_flag_does_not_corroborate():
    p = make_policy(weights={"speech.transcript": 0.0, "network.anonymizer": 20.0})
    a, _ = fuse([F("speech.transcript"), F("network.anonymizer")], p)
    assert a.level == "review"


def test_random_context_only_cases_never_reach_high(rng):
    for _ in range(300):
        weights = {n: float(rng.uniform(0, 30)) for n in CONTEXT}
        p = make_policy(weights=weights, prior=float(rng.uniform(-5, 5)))
        picked = [n for n in CONTEXT if rng.random() < 0.6]
        signals = [F(n, float(rng.random()), float(rng.random())) for n in picked]
        signals += [ok("t", "face.identity_consistency", "fine"), errored("t", "network.remote_access", "x")]
        a, _ = fuse(signals, p)
        assert a.level != "high", (weights, picked)
        assert a.score < p.high_threshold


def test_fluency_alone_is_low_or_review_and_switch_removes_it():
    p = make_policy(weights={"speech.fluency_claim_consistency": 30.0})
    sig = F("speech.fluency_claim_consistency", 1.0, 1.0, "Profile claims native Japanese; interview was English only")
    on, fu_on = fuse([sig], p)
    assert on.level in ("low", "review")
    assert on.score > sigmoid(-3.0)
    off, fu_off = fuse([sig], p, fluency_enabled=False)
    assert off.score == pytest.approx(sigmoid(-3.0))
    assert off.level == "low"
    assert off.reasons == ()
    assert fu_off == []
    dflt, _ = fuse([sig], load_policy())
    assert dflt.level in ("low", "review")


def test_errors_are_coverage_gaps_not_risk():
    p = make_policy()
    signals = [errored("face", n, "model failed") for n in ("face.presence", "face.multiple_people",
                                                             "face.identity_consistency", "face.id_photo_match",
                                                             "face.cross_interview")]
    a, followups = fuse(signals, p)
    assert a.score == pytest.approx(sigmoid(-3.0))
    assert a.level == "low"
    assert len(a.reasons) == 1
    assert a.reasons[0].startswith("Coverage gap: 5 signals could not be evaluated")
    assert "and 1 more" in a.reasons[0]
    assert followups == []


# --------------------------------------------------------------------------- follow-ups
def test_followups_from_flagged_signals_deduplicated_and_round_robin():
    p = make_policy()
    signals = [F("resume.timeline", 0.5), F("face.identity_consistency"), F("network.remote_access"),
               ok("t", "network.location_claim", "matches")]
    _, followups = fuse(signals, p)
    assert [(f.signal, f.question) for f in followups] == [
        ("face.identity_consistency", "Please turn your camera on and hold your ID next to your face."),
        ("network.remote_access", "Are you connected through a remote-desktop tool right now? Please close it."),
        # face's second question repeats resume's first one: first questions come first, and a
        # question is asked only once
        ("resume.timeline", "Please keep your camera on."),
    ]
    assert len({f.question for f in followups}) == len(followups)


def test_followups_at_most_six():
    followups = {n: [f"Question {i} about {n}?" for i in range(3)] for n in CONTEXT + ("resume.timeline",)}
    p = make_policy(followups=followups)
    _, out = fuse([F(n) for n in CONTEXT + ("resume.timeline",)], p)
    assert len(out) == 6
    assert all(f.question.startswith("Question 0") for f in out)  # every signal's first question first
    assert select_followups([F("resume.timeline")], p, limit=2) == [
        type(out[0])("resume.timeline", "Question 0 about resume.timeline?"),
        type(out[0])("resume.timeline", "Question 1 about resume.timeline?")]


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize("change, message", [
    ({"colour": "red"}, "unknown key(s) colour"),
    ({"thresholds": {"review": 0.3, "high": 0.8, "medium": 0.5}}, "unknown key(s) in [thresholds]: medium"),
    ({"thresholds": {"review": 0.8, "high": 0.3}}, "0 < review < high < 1"),
    ({"thresholds": {"review": 0.5, "high": 0.5}}, "0 < review < high < 1"),
    ({"thresholds": {"review": 0.5, "high": 1.5}}, "0 < review < high < 1"),
    ({"thresholds": {"review": 0.5}}, "lacks high"),
    ({"weights": {"face.presence": "heavy"}}, "weight of face.presence must be a number"),
    ({"weights": {"face.presence": True}}, "weight of face.presence must be a number"),
    ({"weights": {"face.presence": -1.0}}, "weight of face.presence must be >= 0"),
    ({"weights": {"face.presense": 1.0}}, "unknown signal 'face.presense'"),
    ({"weights": {"Face Presence": 1.0}}, "is not a signal name"),
    ({"prior": "low"}, "prior must be a number"),
    ({"prior": float("nan")}, "prior must be finite"),
    ({"fluency_enabled": False}, "fluency_enabled is no longer a policy key"),
    ({"max_followups": -1}, "max_followups must be a whole number"),
    ({"context_only": ["speech.fluency_claim_consistency"]}, "context_only must keep"),
    ({"context_only": "network.anonymizer"}, "context_only must be a list"),
    ({"followups": {"face.presence": []}}, "non-empty list of questions"),
    ({"followups": {"face.presence": [3]}}, "non-empty list of questions"),
    ({"version": ""}, "version must be a non-empty string"),
])
def test_policy_validation_errors(change, message):
    with pytest.raises(InputError) as e:
        make_policy(**change)
    assert message in str(e.value)
    assert "\n" not in e.value.one_line()


def test_policy_missing_required_keys():
    with pytest.raises(InputError, match="missing required key 'version'"):
        policy_from_mapping({"thresholds": {"review": 0.2, "high": 0.8}, "weights": {}})
    with pytest.raises(InputError, match="missing required key 'weights'"):
        policy_from_mapping({"version": "x", "thresholds": {"review": 0.2, "high": 0.8}})


def test_load_policy_from_file(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(DEFAULT_TEXT.replace('version = "2026.11-1"', 'version = "custom-7"'), encoding="utf-8")
    p = load_policy(path)
    assert p.version == "custom-7"
    assert p.source == str(path)
    assert dict(p.weights) == dict(load_policy().weights)


def test_load_policy_file_errors(tmp_path):
    with pytest.raises(InputError, match="policy file not found"):
        load_policy(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("version = \n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML"):
        load_policy(bad)
    with pytest.raises(InputError, match="is a folder"):
        load_policy(tmp_path)
    with pytest.raises(InputError, match="not valid TOML"):
        parse_policy("[weights\n")


def test_policy_is_immutable():
    p = load_policy()
    with pytest.raises(TypeError):
        p.weights["face.presence"] = 9.0  # type: ignore[index]


def test_policy_and_registry_name_the_same_signals():
    """The registry is the one source of names: the built-in policy weighs exactly the signals
    the registered checks emit, no more (a stale name) and no fewer (an unweighted signal)."""
    p = load_policy()
    assert set(p.weights) == set(known_signals())
    assert set(p.context_only) <= set(known_signals())
    assert set(p.followups) <= set(known_signals())
