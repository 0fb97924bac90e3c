"""Fast unit tests for the vision building blocks: fakes and generated inputs only."""
from __future__ import annotations

import numpy as np
import pytest

from interview_guard.vision.align import TEMPLATE_112, align_face, order_keypoints, similarity_transform
from interview_guard.vision.detect import YuNetDetector, iou, keypoints_from_six
from interview_guard.vision.embed import FaceEmbedder, l2_normalize, preprocess
from interview_guard.vision.quality import QualityOptions, assess, pose_from_keypoints, smoothstep


# ------------------------------------------------------------------ embedding pre/post-processing
def test_preprocess_is_rgb_nchw_float_0_255():
    crop = np.zeros((112, 112, 3), np.uint8)
    crop[..., 0] = 10  # B
    crop[..., 1] = 20  # G
    crop[..., 2] = 250  # R
    batch = preprocess([crop])
    assert batch.shape == (1, 3, 112, 112) and batch.dtype == np.float32
    assert batch[0, 0].max() == 250 and batch[0, 2].max() == 10  # channel 0 is red
    with pytest.raises(ValueError):
        preprocess([np.zeros((100, 112, 3), np.uint8)])


def test_embedder_fixed_batch_runs_one_at_a_time_and_normalises(fake_session_cls):
    def fn(feeds):
        x = feeds["data"]
        assert x.shape[0] == 1  # the shipped graph has a fixed batch of 1
        return [np.full((1, 128), float(x[0, 0, 0, 0]) + 1.0, np.float32)]

    sess = fake_session_cls(fn, inputs=(("data", [1, 3, 112, 112]),), outputs=(("fc1", [1, 128]),))
    emb = FaceEmbedder(sess, batch_size=16)
    crops = [np.full((112, 112, 3), v, np.uint8) for v in (0, 5, 9)]
    out = emb.embed(crops)
    assert out.shape == (3, 128) and len(sess.calls) == 3
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0)


def test_embedder_dynamic_batch_is_batched(fake_session_cls):
    sess = fake_session_cls(lambda f: [np.random.default_rng(0).normal(size=(f["data"].shape[0], 128))],
                            inputs=(("data", ["N", 3, 112, 112]),), outputs=(("fc1", ["N", 128]),))
    emb = FaceEmbedder(sess, batch_size=4)
    out = emb.embed([np.zeros((112, 112, 3), np.uint8)] * 10)
    assert out.shape == (10, 128)
    assert [c["data"].shape[0] for c in sess.calls] == [4, 4, 2]


def test_embedder_rejects_wrong_model_and_nan(fake_session_cls):
    from interview_guard.errors import ModelError

    with pytest.raises(ModelError):
        FaceEmbedder(fake_session_cls(lambda f: [], inputs=(("input", [1, 3, 112, 112]),)))
    bad = fake_session_cls(lambda f: [np.full((1, 128), np.nan, np.float32)], inputs=(("data", [1, 3, 112, 112]),),
                           outputs=(("fc1", [1, 128]),))
    with pytest.raises(ModelError):
        FaceEmbedder(bad).embed([np.zeros((112, 112, 3), np.uint8)])


# ------------------------------------------------------------------ alignment
def test_similarity_transform_recovers_a_known_transform():
    ang, scale, t = np.deg2rad(17.0), 2.5, np.array([40.0, -12.0])
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    src = TEMPLATE_112
    dst = (scale * (rot @ src.T)).T + t
    m = similarity_transform(src, dst)
    assert np.allclose(m[:, :2], scale * rot, atol=1e-9) and np.allclose(m[:, 2], t, atol=1e-9)
    with pytest.raises(ValueError):
        similarity_transform(np.zeros((5, 2)), TEMPLATE_112)


def test_align_face_puts_keypoints_on_the_template():
    img = np.zeros((300, 300, 3), np.uint8)
    kps = TEMPLATE_112 * 2.0 + 30.0
    for x, y in kps:
        img[int(round(y)) - 1:int(round(y)) + 2, int(round(x)) - 1:int(round(x)) + 2] = 255
    crop = align_face(img, kps)
    assert crop.shape == (112, 112, 3)
    for x, y in TEMPLATE_112:
        assert crop[int(round(y)), int(round(x))].max() > 100


def test_keypoint_order_is_by_x_and_mouth_corners_are_estimated():
    k = order_keypoints([[70, 50], [30, 50]], [50, 70], [[65, 90], [35, 90]])
    assert k[0, 0] < k[1, 0] and k[3, 0] < k[4, 0]
    six = np.array([[60, 40], [40, 40], [50, 55], [50, 70], [20, 45], [80, 45]], np.float32)
    k5 = keypoints_from_six(six)
    assert np.allclose(k5[3], [50 - 20 * 0.415, 70]) and np.allclose(k5[4], [50 + 20 * 0.415, 70])


def test_iou():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == pytest.approx(1.0)
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)
    assert iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0


# ------------------------------------------------------------------ quality
def test_pose_from_keypoints_reads_roll_and_yaw():
    frontal = TEMPLATE_112.copy()
    yaw, pitch, roll = pose_from_keypoints(frontal)
    assert abs(yaw) < 5 and abs(roll) < 1 and abs(pitch) < 15
    turned = frontal.copy()
    turned[2, 0] += 15  # nose towards the image's right
    assert pose_from_keypoints(turned)[0] > 25
    c, s = np.cos(np.deg2rad(20)), np.sin(np.deg2rad(20))
    rolled = (np.array([[c, -s], [s, c]]) @ (frontal - 56).T).T + 56
    assert pose_from_keypoints(rolled)[2] == pytest.approx(20, abs=0.5)


def test_quality_small_blurry_faces_score_low_but_sharp_large_score_high(rng):
    sharp = rng.integers(0, 255, (112, 112, 3), dtype=np.uint8)
    flat = np.full((112, 112, 3), 120, np.uint8)
    good = assess(bbox=(0, 0, 150, 180), keypoints=TEMPLATE_112 * 1.3, crop=sharp, landmarks=None,
                  detector_score=0.95, width=640, height=480)
    tiny = assess(bbox=(0, 0, 18, 20), keypoints=TEMPLATE_112 * 0.15, crop=flat, landmarks=None,
                  detector_score=0.95, width=640, height=480)
    assert good.usable and good.score > 0.8 and not good.reasons
    assert not tiny.usable and "small" in tiny.reasons and "blurry" in tiny.reasons
    cut = assess(bbox=(-100, 0, 150, 180), keypoints=TEMPLATE_112 * 1.3, crop=sharp, landmarks=None,
                 detector_score=0.95, width=640, height=480)
    assert cut.occlusion > 0.3 and cut.score < good.score
    assert smoothstep(0, 1, -1) == 0 and smoothstep(0, 1, 2) == 1
    assert QualityOptions().min_score > 0


# ------------------------------------------------------------------ YuNet decoding
def test_yunet_decodes_one_anchor(fake_session_cls):
    strides = (8, 16, 32)

    def fn(feeds):
        assert feeds["input"].shape == (1, 3, 640, 640)
        outs = {}
        for s in strides:
            n = (640 // s) ** 2
            outs[f"cls_{s}"] = np.zeros((1, n, 1), np.float32)
            outs[f"obj_{s}"] = np.zeros((1, n, 1), np.float32)
            outs[f"bbox_{s}"] = np.zeros((1, n, 4), np.float32)
            outs[f"kps_{s}"] = np.zeros((1, n, 10), np.float32)
        cols = 640 // 32
        idx = 5 * cols + 7  # row 5, col 7 at stride 32 -> centre (224, 160)
        outs["cls_32"][0, idx, 0] = outs["obj_32"][0, idx, 0] = 0.9
        outs["bbox_32"][0, idx] = [0.0, 0.0, np.log(3.0), np.log(4.0)]  # 96 x 128 px
        outs["kps_32"][0, idx] = [-0.5, -0.5, 0.5, -0.5, 0.0, 0.0, -0.4, 0.5, 0.4, 0.5]
        return [outs[f"{k}_{s}"] for s in strides for k in ("cls", "obj", "bbox", "kps")]

    names = [f"{k}_{s}" for s in strides for k in ("cls", "obj", "bbox", "kps")]
    sess = fake_session_cls(fn, inputs=(("input", [1, 3, 640, 640]),), outputs=tuple((n, [1]) for n in names))
    det = YuNetDetector(sess)
    faces = det.detect(np.zeros((320, 320, 3), np.uint8))  # scaled x2 into the 640 input
    assert len(faces) == 1
    f = faces[0]
    assert f.score == pytest.approx(0.9, abs=1e-5)
    assert np.allclose(f.bbox, ((224 - 48) / 2, (160 - 64) / 2, 48, 64))
    assert np.allclose(f.keypoints[0], ((7 - 0.5) * 32 / 2, (5 - 0.5) * 32 / 2))


def test_l2_normalize_handles_zero():
    assert np.allclose(l2_normalize(np.zeros(4)), 0)
