"""Clustering, switch logic and the face check's decisions on synthetic embeddings (fast)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from interview_guard.checks.base import CaseContext
from interview_guard.checks.face import FaceCheck, sustained_max
from interview_guard.config import AnalyzerConfig
from interview_guard.features import FeatureUnavailable
from interview_guard.types import CaseInputs
from interview_guard.vision.records import FaceQuality, FaceSample, FaceTimeline, FrameSummary
from interview_guard.vision.track import TrackOptions, track_identities

FPS = 5.0


def _q(score: float = 0.9) -> FaceQuality:
    return FaceQuality(size_px=150, interocular_px=60, blur=300, yaw=0, pitch=0, roll=0, occlusion=0,
                       score=score, usable=score >= 0.2)


def _person(rng, dim=128):
    v = rng.normal(size=dim)
    return v / np.linalg.norm(v)


def _noisy(base, rng, noise=0.045):
    v = base + rng.normal(scale=noise, size=base.shape)  # cosine to base ~0.75, like SFace same-person
    return (v / np.linalg.norm(v)).astype(np.float32)


def _samples(plan, rng, quality=0.9):
    """plan: list of (seconds, base vector or None); one primary face per frame."""
    out, t, k = [], 0.0, 0
    for seconds, base in plan:
        for _ in range(int(round(seconds * FPS))):
            if base is not None:
                out.append(FaceSample(t=round(t, 3), frame_index=k, bbox=(0, 0, 150, 150), score=0.9,
                                      quality=_q(quality), embedding=_noisy(base, rng), primary=True, thumbnail=None))
            t += 1 / FPS
            k += 1
    return out


def test_two_people_give_two_identities_and_a_switch_at_the_change(rng):
    a, b = _person(rng), _person(rng)
    tracks = track_identities(_samples([(4, a), (4, b)], rng), FPS)
    assert len(tracks.identities) == 2
    assert len(tracks.switches) == 1 and tracks.switches[0].t == pytest.approx(4.0, abs=0.3)
    assert tracks.switches[0].similarity < 0.363
    assert tracks.identities[0].first_t < tracks.identities[1].first_t  # ordered by first appearance


def test_one_person_with_noisy_and_low_quality_frames_stays_one_identity(rng):
    a = _person(rng)
    samples = _samples([(10, a)], rng)
    # a few poor frames with unrelated embeddings (blur, motion) must not create a person
    junk = [FaceSample(t=2.0 + 0.2 * i, frame_index=100 + i, bbox=(0, 0, 20, 20), score=0.5, quality=_q(0.1),
                       embedding=_person(rng).astype(np.float32), primary=False) for i in range(10)]
    tracks = track_identities(samples + junk, FPS)
    assert len(tracks.identities) == 1 and not tracks.switches
    assert tracks.confidence > 0.5


def test_brief_glitch_is_absorbed_not_a_switch(rng):
    a, b = _person(rng), _person(rng)
    tracks = track_identities(_samples([(4, a), (0.4, b), (4, a)], rng), FPS)
    assert not tracks.switches
    assert [i.id for i in tracks.identities if i.primary_seconds >= 1.0] == [0]
    assert tracks.minor or len(tracks.identities) == 1  # the 0.4 s cluster never counts as a person


def test_return_of_the_first_person_gives_two_switches(rng):
    a, b = _person(rng), _person(rng)
    tracks = track_identities(_samples([(3, a), (3, b), (3, a)], rng), FPS)
    assert len(tracks.identities) == 2
    assert [round(s.t) for s in tracks.switches] == [3, 6]


def test_tracking_rejects_bad_rate():
    with pytest.raises(ValueError):
        track_identities([], 0)


def test_no_usable_faces_gives_no_identity(rng):
    a = _person(rng)
    tracks = track_identities(_samples([(5, a)], rng, quality=0.1), FPS, options=TrackOptions())
    assert tracks.identities == () and tracks.confidence == 0.0


def test_sustained_max_ignores_single_frames():
    assert sustained_max([1, 1, 3, 1, 2, 2, 2, 2, 2], 5) == 2
    assert sustained_max([1, 1, 1], 5) == 0 and sustained_max([1] * 5, 5) == 1


# ------------------------------------------------------------------ the check on fake features
def _timeline(samples, counts, fps=FPS):
    frames = tuple(FrameSummary(index=i, t=i / fps, n_faces=c, n_usable=c) for i, c in enumerate(counts))
    return FaceTimeline(frames=frames, samples=tuple(samples), sample_fps=fps, width=640, height=480)


def _ctx(features: dict, cfg=None, store=None, candidate=None):
    def get(name):
        if name in features:
            return features[name]
        raise FeatureUnavailable(f"no {name}")

    return CaseContext(config=cfg or AnalyzerConfig(store_path=None), inputs=CaseInputs(media=Path("x.mp4")),
                       case_id="case-1", candidate_id=candidate, _get=get, store=store)


def test_face_check_flags_switch_and_links_embeddings(rng):
    a, b = _person(rng), _person(rng)
    samples = _samples([(4, a), (4, b)], rng)
    tl = _timeline(samples, [1] * 40)
    tracks = track_identities(samples, FPS)
    ctx = _ctx({"faces": tl, "face_tracks": tracks})
    sigs = {s.name: s for s in FaceCheck().run(ctx)}
    s = sigs["face.identity_consistency"]
    assert s.status == "flag" and s.details["identities"] == 2
    assert s.details["switches"] == [pytest.approx(4.0, abs=0.3)]
    assert sigs["face.presence"].status == "ok"
    assert sigs["face.multiple_people"].status == "ok"
    assert sigs["face.id_photo_match"].status == "skipped"
    assert sigs["face.cross_interview"].status == "skipped"  # no store
    assert [link.kind for link in ctx.links] == ["face_embedding", "face_embedding"]
    assert len(ctx.links[0].value) == 128


def test_face_check_presence_and_multiple_people(rng):
    a = _person(rng)
    samples = _samples([(10, a)], rng)
    counts = [1] * 10 + [0] * 30 + [3] * 10  # absent 6 s, then 3 faces for 2 s
    cfg = AnalyzerConfig(store_path=None)
    ctx = _ctx({"faces": _timeline(samples, counts), "face_tracks": track_identities(samples, FPS)}, cfg)
    sigs = {s.name: s for s in FaceCheck().run(ctx)}
    assert sigs["face.presence"].status == "flag"
    assert sigs["face.presence"].details["longest_absence_s"] == pytest.approx(6.0)
    mp = sigs["face.multiple_people"]
    assert mp.status == "flag" and mp.details["max_faces"] == 3 and mp.details["when"] == [[8.0, 10.0]]


def test_face_check_single_stray_detection_is_not_another_person(rng):
    a = _person(rng)
    samples = _samples([(10, a)], rng)
    counts = [1] * 25 + [2] + [1] * 24
    ctx = _ctx({"faces": _timeline(samples, counts), "face_tracks": track_identities(samples, FPS)})
    sigs = {s.name: s for s in FaceCheck().run(ctx)}
    assert sigs["face.multiple_people"].status == "ok"


class _FakeStore:
    def __init__(self, earlier, others):
        self.earlier, self.others = earlier, others

    def candidate_embeddings(self, candidate_id, kind):
        assert kind == "face_embedding"
        return self.earlier

    def similar_embeddings(self, kind, vector, threshold, exclude_candidate=None, exclude_case=None):
        from types import SimpleNamespace

        return [SimpleNamespace(candidate_id=c, case_id=k, similarity=s) for c, k, s in self.others
                if s >= threshold and c != exclude_candidate and k != exclude_case]


def test_cross_interview_flags_other_face_for_same_candidate_and_same_face_elsewhere(rng):
    a, b = _person(rng), _person(rng)
    samples = _samples([(5, a)], rng)
    feats = {"faces": _timeline(samples, [1] * 25), "face_tracks": track_identities(samples, FPS)}
    same = _FakeStore([("case-0", a.astype(np.float32))], [])
    s = {x.name: x for x in FaceCheck().run(_ctx(feats, store=same, candidate="cand-1"))}["face.cross_interview"]
    assert s.status == "ok" and s.details["earlier_cases"] == ["case-0"]
    other = _FakeStore([("case-0", b.astype(np.float32))], [("cand-9", "case-7", 0.8)])
    s = {x.name: x for x in FaceCheck().run(_ctx(feats, store=other, candidate="cand-1"))}["face.cross_interview"]
    assert s.status == "flag"
    assert s.details["mismatched_cases"][0]["case_id"] == "case-0"
    assert s.details["other_candidates"][0]["candidate_id"] == "cand-9"
