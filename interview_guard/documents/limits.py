"""Opening untrusted documents within limits: every failure is a clear InputError, never a hang.

* any file: size cap before reading;
* PDF: pypdf with tightened decompression / parsing budgets, no external decoders, encrypted
  files refused (unless the empty user password opens them), a page cap;
* DOCX (a zip): member count, total uncompressed size and per-member compression ratio are
  checked from the zip directory before python-docx decompresses anything;
* images: ``interview_guard.media.load_image`` (pixel cap from the header, before decoding).
"""
from __future__ import annotations

import logging
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np

from ..config import DocumentOptions, MediaOptions
from ..errors import InputError, LimitExceeded, require_file

if TYPE_CHECKING:
    from pypdf import PdfReader

logger = logging.getLogger(__name__)


def check_size(path: str | Path, opts: DocumentOptions, what: str) -> Path:
    return require_file(path, what, opts.max_file_bytes, "documents.max_file_bytes")


def sniff(path: Path) -> str:
    """'pdf', 'zip', 'png', 'jpeg', 'json', or 'text' from the first bytes."""
    with open(path, "rb") as f:
        head = f.read(16)
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\x89PNG"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return "json"
    return "text"


def read_text_file(path: Path, opts: DocumentOptions, what: str) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise InputError(f"{what} {path} is binary, not text")
    for enc in ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything
        raise InputError(f"{what} {path} is not UTF-8 text")
    return text[:opts.max_text_chars]


# --------------------------------------------------------------------------- PDF
@contextmanager
def open_pdf(path: Path, opts: DocumentOptions, what: str = "PDF") -> Iterator[PdfReader]:
    """A pypdf PdfReader under tight limits; raises InputError for encrypted / broken files."""
    import pypdf
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError, PyPdfError

    cap = int(opts.max_pdf_stream_bytes)
    with pypdf.apply_configuration(
            maximum_declared_stream_length=cap, zlib_maximum_output_length=cap, lzw_maximum_output_length=cap,
            run_length_maximum_output_length=cap, jbig2_maximum_output_length=cap, brotli_maximum_output_length=cap,
            array_based_stream_maximum_output_length=cap, image_maximum_buffer_size=cap,
            stream_decoding_work_maximum_length=4 * cap, jbig2dec_binary=None):
        try:
            reader = pypdf.PdfReader(str(path), strict=False)
            if reader.is_encrypted:
                opened: int  # PasswordType is an IntEnum; NOT_DECRYPTED is 0
                try:
                    opened = reader.decrypt("")
                except Exception:
                    opened = 0
                if not opened:
                    raise InputError(f"{what} {path} is encrypted (password protected)",
                                     fix="export an unprotected copy")
            n = len(reader.pages)
        except InputError:
            raise
        except LimitReachedError as e:
            raise LimitExceeded(f"{what} {path} exceeds a safety limit while parsing: {e}") from None
        except FileNotDecryptedError:
            raise InputError(f"{what} {path} is encrypted (password protected)",
                             fix="export an unprotected copy") from None
        except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as e:
            raise InputError(f"{what} {path} is damaged or not a PDF: {_one_line(e)}") from None
        if n == 0:
            raise InputError(f"{what} {path} has no pages")
        if n > opts.max_pdf_pages:
            raise LimitExceeded(f"{what} {path} has {n} pages, over the limit of {opts.max_pdf_pages} "
                                "(documents.max_pdf_pages)")
        yield reader


def pdf_text(path: Path, opts: DocumentOptions, what: str = "PDF") -> str:
    """Text of every page (layout order), capped at ``max_text_chars``."""
    from pypdf.errors import LimitReachedError, PyPdfError

    parts: list[str] = []
    total = 0
    with open_pdf(path, opts, what) as reader:
        for i, page in enumerate(reader.pages):
            try:
                text = page.extract_text() or ""
            except LimitReachedError as e:
                raise LimitExceeded(f"{what} {path} page {i + 1} exceeds a safety limit: {e}") from None
            except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError, ZeroDivisionError) as e:
                raise InputError(f"{what} {path} page {i + 1} cannot be read: {_one_line(e)}") from None
            parts.append(text)
            total += len(text)
            if total >= opts.max_text_chars:
                logger.info("%s %s: text capped at %d characters", what, path, opts.max_text_chars)
                break
    return "\n".join(parts)[:opts.max_text_chars]


def pdf_page_image(path: Path, opts: DocumentOptions, media_opts: MediaOptions, page_index: int = 0,
                   what: str = "ID document") -> np.ndarray:
    """The largest image embedded on a PDF page (a scanned ID), as BGR, within the pixel cap."""
    import io

    from PIL import Image
    from pypdf.errors import LimitReachedError, PyPdfError

    with open_pdf(path, opts, what) as reader:
        if page_index >= len(reader.pages):
            raise InputError(f"{what} {path} has no page {page_index + 1}")
        page = reader.pages[page_index]
        best = None
        try:
            for img in page.images:
                w, h = _declared_size(img)
                if w * h > media_opts.max_image_pixels:
                    raise LimitExceeded(f"{what} {path}: embedded image of {w}x{h} pixels is over the limit of "
                                        f"{media_opts.max_image_pixels / 1e6:.1f} MP (media.max_image_pixels)")
                if best is None or w * h > best[0]:
                    best = (w * h, img)
            if best is None:
                raise InputError(f"{what} {path}: page {page_index + 1} holds no image (a text-only PDF)",
                                 fix="give a photo or scan of the document")
            data = best[1].data
        except (LimitExceeded, InputError):
            raise
        except LimitReachedError as e:
            raise LimitExceeded(f"{what} {path}: embedded image exceeds a safety limit: {e}") from None
        except (PyPdfError, ValueError, KeyError, TypeError, OSError, NotImplementedError) as e:
            raise InputError(f"{what} {path}: cannot decode the page image: {_one_line(e)}") from None
    Image.MAX_IMAGE_PIXELS = max(Image.MAX_IMAGE_PIXELS or 0, media_opts.max_image_pixels)
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > media_opts.max_image_pixels:
                raise LimitExceeded(f"{what} {path}: embedded image is over the pixel limit")
            rgb = np.asarray(im.convert("RGB"))
    except LimitExceeded:
        raise
    except Exception as e:
        raise InputError(f"{what} {path}: cannot decode the page image: {_one_line(e)}") from None
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _declared_size(img) -> tuple[int, int]:
    try:
        obj = img.indirect_reference.get_object() if img.indirect_reference is not None else {}
        return int(obj.get("/Width", 0)), int(obj.get("/Height", 0))
    except Exception:
        return 0, 0


# --------------------------------------------------------------------------- DOCX / zip
def check_zip(path: Path, opts: DocumentOptions, what: str = "DOCX") -> None:
    """Refuse zip bombs from the central directory alone (nothing is decompressed here)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile as e:
        raise InputError(f"{what} {path} is damaged (not a valid zip): {e}") from None
    if len(infos) > opts.max_zip_members:
        raise LimitExceeded(f"{what} {path} holds {len(infos)} zip members, over the limit of {opts.max_zip_members}")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise InputError(f"{what} {path} is encrypted (password protected)", fix="export an unprotected copy")
        total += info.file_size
        if info.file_size > 1 << 20 and info.file_size > opts.max_zip_ratio * max(1, info.compress_size):
            ratio = info.file_size / max(1, info.compress_size)
            raise LimitExceeded(f"{what} {path}: member {info.filename!r} expands {ratio:.0f}x "
                                f"(limit {opts.max_zip_ratio:.0f}x): a zip bomb?")
    if total > opts.max_zip_bytes:
        raise LimitExceeded(f"{what} {path} expands to {total / 2**20:.0f} MiB, over the limit of "
                            f"{opts.max_zip_bytes / 2**20:.0f} MiB (documents.max_zip_bytes)")


def load_document_image(path: str | Path, opts: DocumentOptions, media_opts: MediaOptions,
                        what: str = "ID image") -> np.ndarray:
    """An ID image (JPEG/PNG/...) or the scan embedded in page 1 of a PDF, as BGR."""
    from .. import media

    p = Path(path)
    if p.is_file() and sniff(p) == "pdf":
        check_size(p, opts, what)
        return pdf_page_image(p, opts, media_opts, 0, what)
    return media.load_image(p, media_opts, what)


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split())[:300] or type(e).__name__
