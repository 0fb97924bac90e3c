"""MRZ parsing, repair and verification (ICAO 9303 specimens, passporteye doctest strings)."""
from __future__ import annotations

import json
from datetime import date

import pytest

from interview_guard.documents.mrz import (
    check_digit,
    find_mrz_rows,
    looks_like_mrz,
    mrz_date,
    normalize_line,
    parse_mrz,
)
from interview_guard.documents.ocr import OcrLine
from interview_guard.errors import InputError

# ICAO Doc 9303 part 4 specimen (TD3) and part 5/6 specimens; passporteye 2.2.2 doctests.
ICAO_TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
ICAO_TD2 = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"]
PE_TD1 = ["IDAUT10000999<6<<<<<<<<<<<<<<<", "7109094F1112315AUT<<<<<<<<<<<4", "MUSTERFRAU<<ISOLDE<<<<<<<<<<<<"]
PE_TD3 = ["P<POLKOWALSKA<KWIATKOWSKA<<JOANNA<<<<<<<<<<<", "AA00000000POL6002084F1412314<<<<<<<<<<<<<<<4"]


def test_valid_td3_specimen():
    r = parse_mrz(ICAO_TD3)
    assert r.valid and r.type == "TD3"
    assert r.checks == {"number": True, "birth_date": True, "expiry_date": True, "optional": True, "composite": True}
    f = r.fields
    assert (f.surname, f.given_names, f.document_number) == ("ERIKSSON", "ANNA MARIA", "L898902C3")
    assert (f.birth_date, f.expiry_date, f.sex, f.country) == ("1974-08-12", "2012-04-15", "F", "UTO")
    assert r.repairs == ()


def test_changed_birth_date_names_the_birth_date_check():
    tampered = [ICAO_TD3[0], ICAO_TD3[1].replace("740812", "750812")]
    r = parse_mrz(tampered)
    assert not r.valid
    assert r.checks["birth_date"] is False
    assert "birth_date" in r.failed
    assert r.checks["number"] and r.checks["expiry_date"]


@pytest.mark.parametrize("lines,kind,surname,number", [
    (ICAO_TD2, "TD2", "ERIKSSON", "D23145890"),
    (PE_TD1, "TD1", "MUSTERFRAU", "10000999"),
    (PE_TD3, "TD3", "KOWALSKA KWIATKOWSKA", "AA0000000"),
])
def test_other_formats(lines, kind, surname, number):
    r = parse_mrz(lines)
    assert r.valid and r.type == kind
    assert r.fields.surname == surname and r.fields.document_number == number


def test_td1_composite_failure_is_reported():
    bad = [PE_TD1[0], PE_TD1[1][:-1] + "6", PE_TD1[2]]  # passporteye's invalid example
    r = parse_mrz(bad)
    assert not r.valid and r.failed == ("composite",)


def test_check_digit_matches_passporteye_doctests():
    assert check_digit("0") == "0"
    assert check_digit("111111111") == "3"
    assert check_digit("111<<<111111") == "3"
    assert check_digit("BBB<<<1B1<<<BB1") == "3"
    assert check_digit("1<<1<<1<<1") == "8"
    assert check_digit("BCDEFGHIJ") == check_digit("123456789")


def test_ocr_confusions_are_repaired_by_field_type():
    # what PP-OCR really returned on the specimen page, plus a '<' read as 'K' and '«', and
    # letters in digit positions (S->5, O->0) and a missing filler
    line1 = "P<UT0YAMADA<<TAR0<<<<<<<<<<<<<<<<<K<<<<<<<«"
    line2 = "TZ1234S676UT09OO4126M33O6301<<<<<<<<<<<<<<<2"
    r = parse_mrz([line1, line2])
    assert r.valid, r.failed
    assert r.fields.surname == "YAMADA" and r.fields.given_names == "TARO"
    assert r.fields.document_number == "TZ1234567" and r.fields.birth_date == "1990-04-12"
    assert any("0->O" in x for x in r.repairs) and any("S->5" in x for x in r.repairs)


def test_alphanumeric_field_repaired_only_with_its_check_digit():
    # 'O' read for '0' inside the document number: only the variant the check digit accepts
    r = parse_mrz([PE_TD3[0], "AA000O0000POL6002084F1412314<<<<<<<<<<<<<<<4"])
    assert r.valid and r.fields.document_number == "AA0000000"
    # without repair the same read fails its number check
    r2 = parse_mrz([PE_TD3[0], "AA000O0000POL6002084F1412314<<<<<<<<<<<<<<<4"], repair=False)
    assert not r2.valid and r2.checks["number"] is False


def test_no_repair_requires_exact_lengths():
    with pytest.raises(InputError, match="44 characters"):
        parse_mrz([ICAO_TD3[0], ICAO_TD3[1][:-1]], repair=False)


@pytest.mark.parametrize("lines", [["abc", "def"], ["x" * 44], ["a", "b", "c", "d"]])
def test_garbage_is_an_input_error(lines):
    with pytest.raises(InputError):
        parse_mrz(lines)


def test_one_pasted_string_is_split():
    assert parse_mrz("".join(ICAO_TD3)).valid


def test_normalize_and_dates():
    assert normalize_line(" p<uto « x ") == "P<UTO<<X"
    assert mrz_date("740812", kind="birth", today=date(2026, 1, 1)) == "1974-08-12"
    assert mrz_date("100101", kind="birth", today=date(2026, 1, 1)) == "2010-01-01"
    assert mrz_date("300101", kind="birth", today=date(2026, 1, 1)) == "1930-01-01"
    assert mrz_date("300101", kind="expiry", today=date(2026, 1, 1)) == "2030-01-01"
    assert mrz_date("991332", kind="expiry") is None


def _line(text, x0, y0, w=800, h=26):
    return OcrLine(text, 0.95, ((x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)))


def test_find_mrz_rows_joins_split_rows_and_ignores_text_above():
    lines = [_line("PASSPORT", 10, 10, 200), _line("Surname", 10, 60, 120),
             _line(ICAO_TD3[0][:20], 20, 540, 380), _line(ICAO_TD3[0][20:], 405, 541, 380),
             _line(ICAO_TD3[1], 20, 585)]
    rows = find_mrz_rows(lines)
    assert rows is not None and len(rows.rows) == 2
    assert rows.texts[0] == ICAO_TD3[0] and rows.texts[1] == ICAO_TD3[1]
    assert looks_like_mrz(ICAO_TD3[1]) and not looks_like_mrz("Date of birth / Date de naissance")


def test_cli_check_mrz_json(capsys):
    from interview_guard.cli import main

    assert main(["check-mrz", *ICAO_TD3, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["valid"] is True and out["type"] == "TD3"
    assert set(out["checks"]) >= {"number", "birth_date", "expiry_date", "composite"}
    assert out["fields"]["surname"] == "ERIKSSON"
    tampered = [ICAO_TD3[0], ICAO_TD3[1].replace("740812", "740813")]
    assert main(["check-mrz", *tampered, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["valid"] is False and out["checks"]["birth_date"] is False and "birth_date" in out["failed"]
    assert main(["check-mrz", "abc", "--json"]) == 2


def test_find_mrz_rows_on_a_rotated_page():
    """Two MRZ rows on a page turned 5 degrees: their axis-aligned boxes overlap vertically."""
    import math

    def slanted(text, x0, y0, w=930, h=30, deg=-5.0):
        a = math.radians(deg)
        dx, dy = math.cos(a), -math.sin(a)  # along the line (y grows downwards)
        nx, ny = -dy, dx
        tl = (x0, y0)
        tr = (x0 + w * dx, y0 + w * dy)
        br = (tr[0] + h * nx, tr[1] + h * ny)
        bl = (x0 + h * nx, y0 + h * ny)
        return OcrLine(text, 0.95, (tl, tr, br, bl))

    lines = [slanted(ICAO_TD3[0], 30, 650), slanted(ICAO_TD3[1], 34, 695)]
    assert lines[0].y1 > lines[1].y0  # the boxes overlap on the y axis
    rows = find_mrz_rows(lines)
    assert rows is not None and rows.texts == tuple(ICAO_TD3)
