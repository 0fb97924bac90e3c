"""Hostile files: each gives a clear InputError / LimitExceeded quickly, never a hang."""
from __future__ import annotations

import struct
import time
import zipfile
import zlib

import pytest
from support.textpdf import text_pdf_bytes, write_text_pdf

from interview_guard.config import DocumentOptions, MediaOptions
from interview_guard.documents.limits import check_zip, load_document_image, pdf_text
from interview_guard.documents.resume import read_resume
from interview_guard.errors import InputError, LimitExceeded

RESUME = ["Jane Doe", "jane@example.com", "# Experience", "Engineer at Acme | 2019-01 - 2021-06"]


@pytest.fixture
def timed():
    t0 = time.perf_counter()
    yield
    assert time.perf_counter() - t0 < 10, "a hostile file took too long"


def test_encrypted_pdf(tmp_path, timed):
    from pypdf import PdfReader, PdfWriter

    plain = write_text_pdf(RESUME, tmp_path / "plain.pdf")
    w = PdfWriter()
    for page in PdfReader(plain).pages:
        w.add_page(page)
    w.encrypt(user_password="secret", owner_password="owner")
    enc = tmp_path / "enc.pdf"
    with open(enc, "wb") as f:
        w.write(f)
    with pytest.raises(InputError, match="encrypted"):
        read_resume(enc)


def test_pdf_with_empty_user_password_is_read(tmp_path):
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter()
    for page in PdfReader(write_text_pdf(RESUME, tmp_path / "p.pdf")).pages:
        w.add_page(page)
    w.encrypt(user_password="", owner_password="owner")
    out = tmp_path / "owner-only.pdf"
    with open(out, "wb") as f:
        w.write(f)
    assert read_resume(out).email == "jane@example.com"


@pytest.mark.parametrize("payload", [b"%PDF-1.4\n%garbage that is not a pdf\n", b"%PDF-1.7\n" + b"\x00" * 500,
                                     text_pdf_bytes(RESUME)[:300]])
def test_broken_pdfs(tmp_path, payload, timed):
    p = tmp_path / "broken.pdf"
    p.write_bytes(payload)
    with pytest.raises(InputError):
        read_resume(p)


def test_pdf_decompression_bomb(tmp_path, timed):
    """A 1 KB-ish FlateDecode content stream that inflates to 60 MB (over the 20 MB stream cap)."""
    base = text_pdf_bytes(RESUME, compress=False)
    bomb = zlib.compress(b"0 0 Td\n" * (60 * 1024 * 1024 // 7), 9)
    marker = b"<< /Length "
    start = base.index(marker)
    end = base.index(b"endstream", start) + len(b"endstream")
    obj = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb + b"\nendstream"
    p = tmp_path / "bomb.pdf"
    p.write_bytes(base[:start] + obj + base[end:])  # the xref is now off: pypdf repairs it (strict=False)
    with pytest.raises(LimitExceeded, match="limit"):
        pdf_text(p, DocumentOptions(max_pdf_stream_bytes=20 * 1024 * 1024))


def test_pdf_page_cap(tmp_path, timed):
    p = write_text_pdf([f"line {i}" for i in range(60 * 6)], tmp_path / "long.pdf")  # 6 pages
    with pytest.raises(LimitExceeded, match="pages"):
        read_resume(p, DocumentOptions(max_pdf_pages=5))


def test_docx_zip_bomb_refused_before_parsing(tmp_path, timed):
    p = tmp_path / "bomb.docx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"<w:document>" + b" " * (64 * 1024 * 1024) + b"</w:document>")
    assert p.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(LimitExceeded, match="zip bomb|expands"):
        read_resume(p)


def test_docx_too_many_members_and_damaged_zip(tmp_path, timed):
    p = tmp_path / "many.docx"
    with zipfile.ZipFile(p, "w") as zf:
        for i in range(30):
            zf.writestr(f"f{i}.xml", "x")
    with pytest.raises(LimitExceeded, match="members"):
        check_zip(p, DocumentOptions(max_zip_members=10))
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(InputError):
        read_resume(bad)
    notword = tmp_path / "notword.docx"
    with zipfile.ZipFile(notword, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(InputError, match="not a Word document"):
        read_resume(notword)


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
            + chunk(b"IEND", b""))


def test_huge_image_refused_from_its_header(tmp_path, timed):
    p = tmp_path / "huge.png"
    p.write_bytes(_png_header_only(20000, 20000))
    with pytest.raises(LimitExceeded):
        load_document_image(p, DocumentOptions(), MediaOptions())


def test_pdf_without_a_scan_is_not_an_id_image(tmp_path, timed):
    p = write_text_pdf(RESUME, tmp_path / "text.pdf")
    with pytest.raises(InputError, match="no image"):
        load_document_image(p, DocumentOptions(), MediaOptions())


def test_pdf_with_a_scan_gives_the_image(tmp_path):
    """A scanned ID delivered as PDF: the page's embedded image is what gets read."""
    import numpy as np
    from PIL import Image

    img = Image.fromarray((np.arange(120 * 80 * 3) % 251).astype(np.uint8).reshape(80, 120, 3))
    p = tmp_path / "scan.pdf"
    img.save(p, "PDF")
    out = load_document_image(p, DocumentOptions(), MediaOptions())
    assert out.shape == (80, 120, 3)


@pytest.mark.parametrize("content,match", [(b"", "empty"), (b"\x00\x01\x02binary" * 10, "binary")])
def test_empty_and_binary_resumes(tmp_path, content, match):
    p = tmp_path / "cv.txt"
    p.write_bytes(content)
    with pytest.raises(InputError, match=match):
        read_resume(p)


def test_oversized_resume(tmp_path):
    p = tmp_path / "big.txt"
    p.write_bytes(b"a" * 2048)
    with pytest.raises(LimitExceeded):
        read_resume(p, DocumentOptions(max_file_bytes=1024))


def test_cli_maps_hostile_input_to_exit_2(tmp_path, capsys):
    from interview_guard.cli import main

    p = tmp_path / "broken.pdf"
    p.write_bytes(b"%PDF-1.4\nnothing\n")
    assert main(["check-resume", str(p), "--json"]) == 2
    assert "broken.pdf" in capsys.readouterr().err
