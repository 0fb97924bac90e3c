"""A tiny text-only PDF writer (Helvetica, WinAnsi), for tests, benchmarks and samples.

Enough to turn a resume into a PDF that pypdf reads back, without a heavy dependency
(reportlab, LibreOffice). Characters outside Windows-1252 are replaced by '?'.
"""
from __future__ import annotations

import zlib
from pathlib import Path
from typing import Sequence

PAGE_W, PAGE_H = 595, 842  # A4 in points
MARGIN, LEADING = 56, 14


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")  # WinAnsiEncoding is cp1252
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_pdf_bytes(lines: Sequence[str], *, font_size: int = 10, compress: bool = True) -> bytes:
    """A PDF whose pages show ``lines`` top to bottom (lines starting with '# ' are bold headings)."""
    per_page = max(1, (PAGE_H - 2 * MARGIN) // LEADING)
    pages = [list(lines[i:i + per_page]) for i in range(0, max(1, len(lines)), per_page)] or [[]]
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    pages_id = len(objects) + 1 + 2 * len(pages)  # the Pages object comes after every page + content
    page_ids = []
    for page_lines in pages:
        ops = [b"BT", f"{MARGIN} {PAGE_H - MARGIN} Td {LEADING} TL".encode()]
        for line in page_lines:
            if line.startswith("# "):
                ops.append(f"/F2 {font_size + 2} Tf".encode() + b" (" + _escape(line[2:]) + b") ' " +
                           f"/F1 {font_size} Tf".encode())
            else:
                ops.append(f"/F1 {font_size} Tf (".encode() + _escape(line) + b") '")
        ops.append(b"ET")
        stream = b"\n".join(ops)
        if compress:
            data = zlib.compress(stream)
            content = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")
        else:
            content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        page_ids.append(add(
            f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] /Contents {content} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R /F2 {bold} 0 R >> >> >>".encode()))
    kids = " ".join(f"{p} 0 R" for p in page_ids)
    assert add(f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode()) == pages_id
    catalog = add(f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode())
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def write_text_pdf(lines: Sequence[str], path: str | Path, **kw) -> Path:
    p = Path(path)
    p.write_bytes(text_pdf_bytes(lines, **kw))
    return p
