"""Visual-zone fields, document-vs-MRZ consistency, expiry, photo cues and the document checks."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from interview_guard.checks.base import CaseContext
from interview_guard.config import AnalyzerConfig
from interview_guard.documents.idcard import (
    IdDocument,
    compare_viz_mrz,
    expiry_status,
    extract_viz,
    fold,
    parse_viz_date,
)
from interview_guard.documents.mrz import parse_mrz
from interview_guard.documents.ocr import OcrLine, OcrResult
from interview_guard.documents.photo import DocumentFace, error_level, recapture_cues
from interview_guard.features import FeatureUnavailable
from interview_guard.types import CaseInputs

MRZ = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]


def ln(text, x, y, w=160, h=22):
    return OcrLine(text, 0.95, ((x, y), (x + w, y), (x + w, y + h), (x, y + h)))


def page_lines(surname="ERIKSSON", dob="12 AUG 1974", number="L898902C3"):
    return [ln("Passport No. / No. du passeport", 600, 80, 220), ln(number, 600, 102),
            ln("Surname / Nom", 300, 140), ln(surname, 300, 162),
            ln("Given names / Prénoms", 300, 200), ln("ANNA MARIA", 300, 222),
            ln("Date of birth / Date de naissance", 300, 260, 230), ln(dob, 300, 282),
            ln("Place of birth / Lieu de naissance", 300, 320, 230), ln("ZENITH", 300, 342),
            ln("Date of expiry / Date d'expiration", 600, 380, 230), ln("15 APR 2012", 600, 402),
            ln("Sex / Sexe", 600, 260), ln("F", 600, 282, 20)]


def test_viz_fields_by_label_skip_place_of_birth():
    viz = extract_viz(page_lines())
    assert viz.surname == "ERIKSSON" and viz.given_names == "ANNA MARIA"
    assert viz.document_number == "L898902C3"
    assert viz.birth_date == "1974-08-12" and viz.expiry_date == "2012-04-15"
    assert viz.sex == "F"
    assert viz.found_by["surname"] == "label"


@pytest.mark.parametrize("text,iso", [("12 APR 1990", "1990-04-12"), ("12 AVR/APR 1990", "1990-04-12"),
                                      ("12.04.1990", "1990-04-12"), ("1990-04-12", "1990-04-12"),
                                      ("04/25/1990", "1990-04-25"), ("APR 12, 1990", "1990-04-12"),
                                      ("no date here", None), ("31 FEB 1990", None)])
def test_viz_dates(text, iso):
    assert parse_viz_date(text) == iso


def test_consistency_finds_a_changed_printed_field():
    mrz = parse_mrz(MRZ)
    good = compare_viz_mrz(extract_viz(page_lines()), mrz)
    assert all(c.match for c in good if c.match is not None) and len([c for c in good if c.match]) >= 5
    bad = compare_viz_mrz(extract_viz(page_lines(surname="ERIKSEN", dob="13 AUG 1974")), mrz)
    wrong = {c.field for c in bad if c.match is False}
    assert wrong == {"surname", "birth_date"}


def test_values_found_without_labels():
    mrz = parse_mrz(MRZ)
    viz = extract_viz([ln("L898902C3", 600, 100), ln("ERIKSSON", 300, 160), ln("12 AUG 1974", 300, 280)], mrz)
    assert viz.document_number == "L898902C3" and viz.found_by["document_number"] == "value"
    assert viz.surname == "ERIKSSON" and viz.birth_date == "1974-08-12"


def test_fold_and_expiry_status():
    assert fold("Müller-Lüdenscheidt, Zoë") == "MULLER LUDENSCHEIDT ZOE"
    assert expiry_status("2030-01-01", today=date(2029, 12, 20)) == ("expires_soon", 12)
    assert expiry_status("2020-01-01", today=date(2026, 1, 1))[0] == "expired"
    assert expiry_status(None) == ("unknown", None)


# --------------------------------------------------------------------------- photo cues
def _page(rng):
    """A page with printed text, a textured portrait, and a little sensor noise."""
    import cv2

    img = np.full((480, 720, 3), (225, 232, 228), np.uint8)
    for i, y in enumerate(range(60, 460, 34)):
        cv2.putText(img, f"FIELD {i} VALUE ABC{i * 7}", (300, y), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (30, 30, 40), 2,
                    cv2.LINE_AA)
    yy, xx = np.mgrid[:240, :200]
    face = 120 + 60 * np.sin(xx / 17.0) * np.cos(yy / 23.0) + 30 * np.sin((xx + yy) / 7.0)
    img[100:340, 40:240] = np.clip(np.stack([face] * 3, -1) + rng.normal(0, 6, (240, 200, 3)), 0, 255)
    return np.clip(img + rng.normal(0, 2, img.shape), 0, 255).astype(np.uint8)


def _jpeg(img, q):
    import cv2

    return cv2.imdecode(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])[1], cv2.IMREAD_COLOR)


@pytest.mark.parametrize("final_q", [95, 90, 80])
def test_error_level_separates_a_pasted_photo(rng, final_q):
    """Stands for a photo pasted from another source: the page was JPEG-compressed once (q60) before
    the photo was put in; the result is saved once more. A genuine page was saved once."""
    page = _page(rng)
    box = (40, 100, 200, 240)
    genuine = error_level(_jpeg(page, final_q), box)
    forged = _jpeg(page, 60)
    forged[100:340, 40:240] = page[100:340, 40:240]
    pasted = error_level(_jpeg(forged, final_q), box)
    threshold = AnalyzerConfig().documents.ela_ratio_threshold
    assert pasted.ratio > threshold > genuine.ratio


def test_recapture_cue_rises_for_a_screen_photo(rng):
    """Stands for a photo of a screen: an RGB sub-pixel grid, slightly scaled and rotated, resampled."""
    import cv2

    page = _page(rng)
    h, w = page.shape[:2]
    big = cv2.resize(page, (w * 3, h * 3), interpolation=cv2.INTER_NEAREST).astype(np.float32)
    mask = np.zeros_like(big)
    for c, ch in enumerate((2, 1, 0)):
        mask[:, c::3, ch] = 1.0
    screen = big * mask * 2.2
    m = cv2.getRotationMatrix2D((w * 1.5, h * 1.5), 2.0, 1.07)
    screen = cv2.GaussianBlur(cv2.warpAffine(screen, m, (w * 3, h * 3), borderMode=cv2.BORDER_REFLECT), (0, 0), 1.2)
    shot = np.clip(cv2.resize(screen, (w, h), interpolation=cv2.INTER_AREA), 0, 255).astype(np.uint8)
    assert recapture_cues(shot).chroma_peak > 4.5 > recapture_cues(page).chroma_peak


# --------------------------------------------------------------------------- checks with a fake feature
def _doc(mrz_lines=MRZ, viz_lines=None, face=True, ela=None, recap=None) -> IdDocument:
    from interview_guard.documents.photo import ErrorLevel, RecaptureCues

    mrz = parse_mrz(mrz_lines) if mrz_lines else None
    viz = extract_viz(viz_lines if viz_lines is not None else page_lines(), mrz)
    return IdDocument(ocr=OcrResult((), 800, 600), mrz=mrz, viz=viz, comparisons=compare_viz_mrz(viz, mrz),
                      face=DocumentFace((40, 100, 200, 240), 0.9, embedding=tuple([0.1] * 128)) if face else None,
                      error_level=ela or ErrorLevel(0.05, 0.05, 1.0, 0.0), recapture=recap or RecaptureCues(3.0, 4.0))


def _ctx(doc, store=None, candidate="cand-A", case="case-A", config=None):
    def get(name):
        if name == "id_document":
            return doc
        raise FeatureUnavailable(f"no {name}")

    return CaseContext(config=config or AnalyzerConfig(store_path=None), inputs=CaseInputs(candidate_id=candidate),
                       case_id=case, candidate_id=candidate, _get=get, store=store)


def _run(check_name, ctx):
    from interview_guard.checks import registered_checks

    return registered_checks()[check_name]().run(ctx)


def test_document_checks_on_a_clean_document():
    doc = _doc()
    assert _run("document.mrz", _ctx(doc))[0].status == "ok"
    assert _run("document.viz_mrz_consistency", _ctx(doc))[0].status == "ok"
    exp = _run("document.expiry", _ctx(doc))[0]  # the ICAO specimen expired in 2012
    assert exp.status == "flag" and "2012-04-15" in exp.summary
    assert _run("document.photo_integrity", _ctx(doc))[0].status == "ok"
    assert _run("document.duplicate", _ctx(doc))[0].status == "skipped"  # no store


def test_document_checks_flag_problems():
    from interview_guard.documents.photo import ErrorLevel, RecaptureCues

    tampered = _doc([MRZ[0], MRZ[1].replace("740812", "740813")], viz_lines=page_lines(surname="ERIKSEN"),
                    face=False, ela=ErrorLevel(0.01, 0.05, 5.0, 0.1), recap=RecaptureCues(6.5, 4.0))
    s = _run("document.mrz", _ctx(tampered))[0]
    assert s.status == "flag" and "birth date" in s.summary
    s = _run("document.viz_mrz_consistency", _ctx(tampered))[0]
    assert s.status == "flag" and "surname" in s.summary
    s = _run("document.photo_integrity", _ctx(tampered))[0]
    assert s.status == "flag" and "no face" in s.summary and "moire" in s.summary and "error level" in s.summary
    no_mrz = _doc(mrz_lines=None)
    assert _run("document.mrz", _ctx(no_mrz))[0].status == "flag"
    assert _run("document.viz_mrz_consistency", _ctx(no_mrz))[0].status == "skipped"


def test_duplicate_document_number_and_photo_across_candidates(tmp_path):
    from interview_guard.checks.base import Link
    from interview_guard.store import Store

    doc = _doc()
    with Store(tmp_path / "cases.sqlite") as store:
        ctx_a = _ctx(doc, store, "cand-A", "case-A")
        assert _run("document.duplicate", ctx_a)[0].status == "ok"
        _store_case(store, "case-A", "cand-A", ctx_a.links)
        # same document number, another candidate
        ctx_b = _ctx(doc, store, "cand-B", "case-B")
        s = _run("document.duplicate", ctx_b)[0]
        assert s.status == "flag" and "L898902C3" in s.summary and "cand-A" in s.evidence[0].summary
        # same face, another number and another name
        other = replace(_doc([MRZ[0].replace("ERIKSSON", "NORDSTROM"), MRZ[1]]), mrz=None)
        other = replace(other, viz=replace(other.viz, document_number="ZZ1234567", surname="NORDSTROM"))
        ctx_c = _ctx(other, store, "cand-C", "case-C")
        s = _run("document.duplicate", ctx_c)[0]
        assert s.status == "flag" and "photo" in s.summary
        assert {lk.kind for lk in ctx_c.links} >= {"document_number", "document_face_embedding"}
        assert all(isinstance(lk, Link) for lk in ctx_c.links)


def _store_case(store, case_id, candidate, links):
    """Record a minimal analysis with ``links`` so the store can find them."""
    from interview_guard.types import CaseInfo, RiskAssessment, RiskReport, RuntimeInfo

    report = RiskReport(case=CaseInfo(case_id, candidate, "2026-11-22T10:00:00+00:00", "test", "t"), inputs=(),
                        signals=(), risk=RiskAssessment("low", 0.0), followups=(),
                        runtime=RuntimeInfo("cpu", ("CPUExecutionProvider",)))
    store.record_analysis(report, links)
