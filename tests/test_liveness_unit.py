"""Unit tests for the liveness / deepfake building blocks: fakes and tiny generated inputs only."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from interview_guard.vision import challenge, lipsync, liveness, screen, temporal
from interview_guard.vision.blending import blend_score, smoothstep


# --------------------------------------------------------------------------- FAS preprocessing
def test_fas_preprocess_matches_the_package_spec():
    crop = np.zeros((100, 50, 3), np.uint8)
    crop[:, :, 0] = 255  # pure blue in BGR
    x = liveness.preprocess(crop)
    assert x.shape == (1, 3, 256, 256) and x.dtype == np.float32
    # resized to 256 high, 128 wide, centred; padding is black -> (0 - 127) / 128
    assert x[0, 2, 128, 128] == pytest.approx((255 - 127) / 128)  # blue lands in the RGB "B" plane
    assert x[0, 0, 128, 128] == pytest.approx(-127 / 128)
    assert x[0, 2, 128, 10] == pytest.approx(-127 / 128)  # left padding


def test_crop_square_pads_outside_the_frame():
    img = np.full((50, 50, 3), 200, np.uint8)
    c = liveness.crop_square(img, (-10, -10, 30, 30), scale=1.0)
    assert c.shape == (30, 30, 3)
    assert c[0, 0].tolist() == [0, 0, 0] and c[-1, -1].tolist() == [200, 200, 200]


@dataclass
class _Q:
    usable: bool = True
    size_px: float = 120.0
    score: float = 0.9


@dataclass
class _Face:
    bbox: tuple = (10.0, 10.0, 120.0, 120.0)
    quality: _Q = None

    def __post_init__(self):
        self.quality = self.quality or _Q()


def test_fas_sampler_spreads_a_small_budget_and_skips_small_faces(fake_session_cls):
    sess = fake_session_cls(lambda feeds: [np.full((1, 32, 32), 0.3, np.float32)],
                            inputs=(("input", [1, 3, 256, 256]),), outputs=(("output", [1, 32, 32]),))
    sampler = liveness.FasSampler(liveness.FasModel(sess), max_samples=3, interval_s=1.0, min_face_px=64,
                                  duration_s=30.0)
    img = np.zeros((200, 200, 3), np.uint8)
    for i in range(150):  # 30 s at 5 fps
        face = _Face() if i % 10 else _Face(quality=_Q(size_px=20))
        sampler.add(i / 5.0, img, face)
    series = sampler.finish(0.1826)
    assert len(series.samples) == 3 and len(sess.calls) == 3
    times = [s.t for s in series.samples]
    assert min(np.diff(times)) >= 8.9  # spread over the recording, not the first seconds
    assert series.small_faces == 15
    assert series.median_liveness == pytest.approx(0.3)
    assert series.spoof_share(0.1826) == 0.0


def test_spoof_strength_only_well_below_the_threshold():
    th = 0.1826
    assert liveness.spoof_strength(0.20, th) == 0.0
    assert liveness.spoof_strength(0.13, th) == 0.0  # real photos scored 0.13-0.20
    assert liveness.spoof_strength(0.02, th) == 1.0  # a screen re-capture scored 0.001-0.035
    assert 0 < liveness.spoof_strength(0.05, th) < 1


def test_smoothstep_works_in_both_directions():
    assert smoothstep(0, 1, 0.5) == pytest.approx(0.5)
    assert smoothstep(1, 0, 0.0) == 1.0 and smoothstep(1, 0, 1.0) == 0.0
    assert blend_score(0.1, 0.5) == 0.0 and blend_score(0.8, 0.5) == 1.0


# --------------------------------------------------------------------------- screen cues
def _natural(seed=0, h=480, w=640):
    import cv2

    rng = np.random.default_rng(seed)
    img = cv2.resize(rng.uniform(0, 255, (12, 16, 3)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    img += rng.normal(0, 4, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def test_screen_cues_separate_a_simulated_recapture_from_a_direct_frame():
    from interview_guard.vision.forgery import ReplayOptions, screen_replay

    src = _natural(1, 144, 176)
    direct = _natural(1)
    bbox = (260.0, 160.0, 120.0, 140.0)
    plain = screen.analyze_frame(direct, bbox)
    replay = next(iter(screen_replay([src], ReplayOptions(glare=0.0, pixel_pitch=3.6), seed=3)))
    cues = screen.analyze_frame(replay, bbox)
    assert plain.score < 0.3
    assert cues.moire > plain.moire + 0.5
    assert cues.score >= 0.5


def test_spectral_peak_ignores_block_harmonics():
    noise = np.random.default_rng(0).normal(0, 3, (256, 256))
    # an 8-pixel block pattern (what JPEG / H.264 leave) is not moiré
    x = np.tile(np.r_[np.zeros(4), np.full(4, 40.0)], 32)[None, :256].repeat(256, 0) + 100 + noise
    assert screen.spectral_peak_prominence(x) < 1.6
    # a 4.6-pixel grating is, also when it lies exactly on an axis (a screen held square)
    g = 100 + 20 * np.sin(2 * np.pi * np.arange(256) / 4.6)[None, :].repeat(256, 0) + noise
    assert screen.spectral_peak_prominence(g) > 2.3 and screen.spectral_peak_prominence(g.T) > 2.3


# --------------------------------------------------------------------------- temporal
def _tf(t, sim=0.9, q=0.8, step=0.0, jitter=0.01, motion=0.01, ear=0.3):
    return temporal.TemporalFrame(t=t, jitter=jitter, motion=motion, boundary_step=step, boundary_texture=0.1,
                                  embedding_sim=sim, ear=ear, quality=q)


def test_temporal_summary_flags_embedding_flicker_not_a_steady_face():
    steady = temporal.summarize([_tf(i / 5) for i in range(100)], 5.0)
    assert steady.score == 0.0 and steady.confidence > 0.5
    flicker = temporal.summarize([_tf(i / 5, sim=0.1 if i % 2 else 0.9) for i in range(100)], 5.0)
    assert flicker.scores["embedding_flicker"] == 1.0 and flicker.score >= 0.9
    assert flicker.worst_times


def test_temporal_low_quality_gives_low_confidence():
    st = temporal.summarize([_tf(i / 5, sim=0.1, q=0.1) for i in range(100)], 5.0)
    assert st.usable_s == 0.0 and st.confidence == 0.0 and st.score == 0.0


def test_blink_counting():
    ears = np.array([0.3] * 10 + [0.1] + [0.3] * 10 + [0.12, 0.1] + [0.3] * 10)
    assert temporal.count_blinks(ears, np.arange(len(ears)) / 5) == 2


# --------------------------------------------------------------------------- lip sync
def _series(opening, fps=5.0, q=0.9):
    return lipsync.MouthSeries(tuple(lipsync.MouthSample(i / fps, float(v), q) for i, v in enumerate(opening)), fps)


@dataclass
class _Span:
    start: float
    end: float


def test_lip_sync_finds_sync_lag_and_dubbing():
    rng = np.random.default_rng(1)
    fps, n = 5.0, 200
    talk = np.convolve(rng.uniform(0, 1, n), np.ones(3) / 3, mode="same")
    env_rate = 25.0
    env = np.repeat(talk, int(env_rate / fps)) * 30 - 60  # dB envelope following the mouth
    spans = [_Span(0, n / fps)]
    synced = lipsync.lip_sync(_series(talk), 0.0, env_rate, env, spans)
    assert synced.enough and synced.best_lag_s == 0.0 and synced.best_corr > 0.8
    assert lipsync.lip_sync_score(synced) == 0.0
    lagged = lipsync.lip_sync(_series(np.r_[np.zeros(3), talk[:-3]]), 0.0, env_rate, env, spans)
    assert lagged.best_lag_s == pytest.approx(0.6) and lipsync.lip_sync_score(lagged) > 0.5
    dubbed = lipsync.lip_sync(_series(rng.uniform(0, 1, n)), 0.0, env_rate, env, spans)
    assert lipsync.lip_sync_score(dubbed) > 0.5


def test_lip_sync_needs_enough_speech():
    r = lipsync.lip_sync(_series(np.ones(10)), 0.0, 25.0, np.zeros(50), [_Span(0, 1)])
    assert not r.enough and lipsync.lip_sync_score(r) == 0.0


# --------------------------------------------------------------------------- challenges
def _cf(t, yaw=0.0, detected=True, emb=None, occ=0.0, blend=0.0, mesh_ok=True):
    e = emb if emb is not None else np.r_[1.0, np.zeros(127)]
    return challenge.ChallengeFrame(t=t, detected=detected, yaw=yaw if detected else None, pitch=0.0,
                                    occlusion=occ, size=100.0, quality=0.9 if abs(yaw) < 30 else 0.4,
                                    embedding=e if detected else None, mesh_ok=mesh_ok, blend=blend)


def test_challenge_profile_turn_that_holds_up():
    det = challenge.ChallengeDetector(5.0)
    yaws = [0] * 20 + [20, 35, 50, 60, 50, 35, 20] + [0] * 20
    for i, y in enumerate(yaws):
        det.add(_cf(i / 5, yaw=y))
    res = det.finish()
    assert res.found == ("turn_profile",)
    (m,) = res.moments
    assert m.passed and m.peak == 60 and m.score == 0.0


def test_challenge_profile_turn_with_identity_jump_fails():
    other = np.r_[0.0, 1.0, np.zeros(126)]
    det = challenge.ChallengeDetector(5.0)
    yaws = [0] * 20 + [20, 35, 45, 50, 45, 35, 20] + [0] * 20
    for i, y in enumerate(yaws):
        det.add(_cf(i / 5, yaw=y, emb=other if 40 <= abs(y) else None))
    (m,) = det.finish().moments
    assert "embedding_jump" in m.failures and m.score >= 0.8


def test_challenge_hand_wave_with_boundary_artifacts_and_mesh_collapse():
    det = challenge.ChallengeDetector(5.0)
    for i in range(40):
        hand = 15 <= i < 22
        det.add(_cf(i / 5, occ=0.8 if hand else 0.0, blend=0.9 if hand else 0.05, mesh_ok=not (hand and i == 18)))
    (m,) = det.finish().moments
    assert m.key == "hand_wave"
    assert {"boundary_artifacts", "landmark_collapse"} <= set(m.failures)


def test_mesh_collapse_geometry():
    lm = np.zeros((478, 3), np.float32)
    lm[:, 0] = np.linspace(0, 100, 478)
    lm[:, 1] = 50
    lm[33, :2], lm[263, :2] = (30, 40), (70, 40)
    lm[61, :2], lm[291, :2] = (40, 80), (60, 80)
    assert not challenge.mesh_collapsed(lm, (0, 0, 100, 100))
    lm[61, :2], lm[291, :2] = (40, 41), (60, 41)  # the mouth on the eye line
    assert challenge.mesh_collapsed(lm, (0, 0, 100, 100))


def test_challenge_list_is_about_pose_and_occlusion_only():
    text = " ".join(c.ask + " " + c.why for c in challenge.CHALLENGES).lower()
    for banned in ("emotion", "smile", "stress", "expression", "lie", "accent"):
        assert banned not in text
    assert set(challenge.CHALLENGE_KEYS) == {"turn_profile", "hand_wave", "look_away", "move_closer"}
