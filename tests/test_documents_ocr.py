"""OCR pre/post-processing with fake sessions, and the real PP-OCR models on a specimen passport."""
from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from interview_guard.documents.ocr import OcrLine, OcrOptions, TextReader, reading_order

ROOT = Path(__file__).resolve().parents[1]
CHARS = list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<")


def _det_session(fake_session_cls, boxes_frac):
    """A detector that answers a probability map with 1.0 inside each (x0, y0, x1, y1) fraction box."""

    def fn(feeds):
        x = feeds["x"]
        _, _, h, w = x.shape
        prob = np.zeros((1, 1, h, w), np.float32)
        for x0, y0, x1, y1 in boxes_frac:
            prob[0, 0, int(y0 * h):int(y1 * h), int(x0 * w):int(x1 * w)] = 1.0
        return [prob]

    return fake_session_cls(fn, inputs=(("x", [1, 3, -1, -1]),), outputs=(("y", [1, 1, -1, -1]),))


def _rec_session(fake_session_cls, texts):
    """A recogniser that emits one-hot CTC frames spelling texts[i] (blank between repeats)."""
    n_cls = len(CHARS) + 2

    def fn(feeds):
        batch = feeds["x"]
        steps = batch.shape[3] // 8
        out = np.zeros((batch.shape[0], steps, n_cls), np.float32)
        out[:, :, 0] = 1.0
        for b in range(batch.shape[0]):
            # the crop's mean brightness tells which text this is (see the test image)
            idx = int(round(float(batch[b].mean()) * 10)) % len(texts)
            for t, ch in enumerate(texts[idx]):
                out[b, 2 * t, 0] = 0.0
                out[b, 2 * t, CHARS.index(ch) + 1] = 0.97
        return [out]

    return fake_session_cls(fn, inputs=(("x", [-1, 3, 48, -1]),), outputs=(("y", [-1, -1, n_cls]),))


def test_ctc_decoding_and_box_mapping(fake_session_cls):
    img = np.full((400, 600, 3), 255, np.uint8)
    det = _det_session(fake_session_cls, [(0.1, 0.2, 0.6, 0.27)])
    rec = _rec_session(fake_session_cls, ["AABB<1"])
    reader = TextReader(det, rec, None, characters=CHARS, options=OcrOptions(use_cls=False))
    res = reader.read(img)
    assert len(res.lines) == 1
    line = res.lines[0]
    assert line.text == "AABB<1"  # repeated letters survive because blanks separate them
    assert line.score == pytest.approx(0.97, abs=1e-3)
    # the box maps back to the original image and grows by the unclip distance
    assert line.x0 < 0.1 * 600 and line.x1 > 0.6 * 600 - 2
    assert line.y0 < 0.2 * 400 and line.y1 > 0.27 * 400 - 2
    assert det.calls[0]["x"].shape[2] % 32 == 0 and det.calls[0]["x"].shape[3] % 32 == 0


def test_low_scores_and_empty_maps(fake_session_cls):
    img = np.zeros((100, 100, 3), np.uint8)
    det = _det_session(fake_session_cls, [])
    rec = _rec_session(fake_session_cls, ["A"])
    reader = TextReader(det, rec, None, characters=CHARS, options=OcrOptions(use_cls=False))
    assert reader.read(img).lines == ()
    assert rec.calls == []  # nothing detected, nothing recognised


def test_character_list_comes_from_model_metadata(fake_session_cls):
    from interview_guard.errors import ModelError

    rec = _rec_session(fake_session_cls, ["A"])
    det = _det_session(fake_session_cls, [])
    with pytest.raises(ModelError, match="metadata"):
        TextReader(det, rec, None)  # FakeSession has no get_modelmeta()


def test_reading_order_rows_then_columns():
    def ln(t, x, y):
        return OcrLine(t, 1.0, ((x, y), (x + 50, y), (x + 50, y + 20), (x, y + 20)))

    lines = [ln("c", 10, 100), ln("b", 200, 12), ln("a", 10, 10), ln("d", 200, 103)]
    assert [x.text for x in reading_order(lines)] == ["a", "b", "c", "d"]


def _specimen_module():
    spec = importlib.util.spec_from_file_location("make_specimen_id", ROOT / "samples" / "make_specimen_id.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while the class is built
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.models
def test_real_ocr_reads_a_rendered_specimen_passport(models_ready):
    """A rendered SPECIMEN passport (OCR-B MRZ) through the real PP-OCRv6 ONNX models."""
    import cv2

    from interview_guard.documents.idcard import read_id_document
    from interview_guard.runtime.onnx import OnnxRuntime

    sm = _specimen_module()
    data = sm.SpecimenData(surname="OKAFOR", given_names="ADA", document_number="XK0482915")
    page = cv2.cvtColor(np.asarray(sm.render_specimen(data, scale=0.9, photo=False)), cv2.COLOR_RGB2BGR)
    reader = TextReader.from_runtime(OnnxRuntime("cpu"), models_ready)
    reader.read(page)  # warm-up (session creation)
    t0 = time.perf_counter()
    doc = read_id_document(page, reader, try_rotations=False)
    elapsed = time.perf_counter() - t0
    assert doc.mrz is not None and doc.mrz.valid, doc.mrz
    assert doc.mrz.type == "TD3"
    assert doc.mrz.fields.document_number == "XK0482915"
    assert doc.mrz.fields.surname == "OKAFOR"
    assert doc.mrz.fields.birth_date == data.birth_date.isoformat()
    assert doc.viz.surname == "OKAFOR" and doc.viz.document_number == "XK0482915"
    assert all(c.match for c in doc.comparisons if c.match is not None)
    print(f"specimen passport read in {elapsed:.2f} s")
