"""check_image() / load_image(): still images (ID photos, scans) with the pixel cap enforced from
the header, before a single pixel is decoded, so a 20000x20000 PNG costs milliseconds, not 1.2 GB.
"""
from __future__ import annotations

import logging
import re
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np

from ..config import MediaOptions
from ..errors import InputError, LimitExceeded
from ._common import check_file, sniff_kind

if TYPE_CHECKING:
    from PIL import Image

logger = logging.getLogger(__name__)

# Pillow format names tried by content (Image.open(formats=...)). The JPEG opener also returns
# MPO (a phone camera's multi-picture JPEG), reported as "jpeg".
ALLOWED_IMAGE_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "BMP", "TIFF")
_FORMAT_NAMES = {"MPO": "jpeg"}


def check_image(path: str | Path, opts: MediaOptions | None = None, what: str = "image") -> str:
    """Return the image format ("jpeg", "png", "webp", "bmp", "tiff") read from the header.

    Raises InputError (missing, empty, PDF, not an image, damaged) or LimitExceeded
    (more than ``opts.max_image_pixels`` pixels).
    """
    opts = opts or MediaOptions()
    p = check_file(path, opts, what)
    with _open_image(p, opts, what) as img:
        fmt = img.format or "unknown"
        try:
            img.verify()  # structure and checksums (PNG CRCs) without decoding pixels
        except Exception as e:
            raise InputError(f"{what} {p}: damaged {fmt} file ({_one_line(e)})") from None
    return _FORMAT_NAMES.get(fmt, fmt.lower())


def load_image(path: str | Path, opts: MediaOptions | None = None, what: str = "image") -> np.ndarray:
    """Decode an image as a contiguous BGR uint8 array (H, W, 3), upright per its EXIF orientation.

    Grayscale, palette, 16-bit and CMYK images are converted; transparency is flattened onto white
    (how a scan or a printed ID would look).
    """
    from PIL import ImageOps

    opts = opts or MediaOptions()
    p = check_file(path, opts, what)
    with _open_image(p, opts, what) as img:
        try:
            upright = ImageOps.exif_transpose(img)
            rgb = _to_rgb(upright)
        except (OSError, SyntaxError, ValueError, EOFError) as e:  # truncated / corrupt pixel data
            raise InputError(f"{what} {p}: damaged {img.format} file ({_one_line(e)})") from None
    return np.ascontiguousarray(rgb[:, :, ::-1])


@contextmanager
def _open_image(p: Path, opts: MediaOptions, what: str) -> Iterator[Image.Image]:
    from PIL import Image, UnidentifiedImageError

    kind = sniff_kind(p)
    if kind == "a PDF document":
        raise InputError(f"{what} {p}: is a PDF document, not an image",
                         fix="export the page as a JPEG or PNG")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # we apply our own cap
        try:
            img = Image.open(p, formats=list(ALLOWED_IMAGE_FORMATS))
        except Image.DecompressionBombError as e:  # Pillow's own guard fired in the header parse
            m = re.search(r"\((\d+) pixels\)", str(e))
            size = f"{int(m.group(1)) / 1e6:.1f} MP " if m else ""
            raise LimitExceeded(f"{what} {p}: {size}image, over the limit of "
                                f"{opts.max_image_pixels / 1e6:.1f} MP (media.max_image_pixels)",
                                fix="resize or re-scan it at a lower resolution") from None
        except UnidentifiedImageError:
            shown = f" (it is {kind})" if kind else ""
            raise InputError(f"{what} {p}: not an image Pillow can read{shown}; accepted: "
                             "JPEG, PNG, WebP, BMP, TIFF") from None
        except (OSError, SyntaxError, ValueError) as e:
            raise InputError(f"{what} {p}: damaged image ({_one_line(e)})") from None
    try:
        width, height = img.size
        if width <= 0 or height <= 0:
            raise InputError(f"{what} {p}: image has no pixels ({width}x{height})")
        if width * height > opts.max_image_pixels:
            raise LimitExceeded(f"{what} {p}: {width}x{height} ({width * height / 1e6:.1f} MP), over "
                                f"the limit of {opts.max_image_pixels / 1e6:.1f} MP "
                                "(media.max_image_pixels)", fix="resize or re-scan it at a lower resolution")
        yield img
    finally:
        img.close()


def _to_rgb(img) -> np.ndarray:
    """Any Pillow mode as an RGB uint8 array."""
    from PIL import Image

    mode = img.mode
    if mode == "RGB":
        return np.asarray(img, dtype=np.uint8)
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"), dtype=np.uint8)
    if mode.startswith("I") or mode == "F":  # 16/32-bit integer or float grayscale
        values = np.asarray(img).astype(np.float64)
        peak = values.max(initial=0.0)
        if peak > 255:  # 16-bit data: keep the top 8 bits
            values = values / 257.0 if peak <= 65535 else values * (255.0 / peak)
        gray = np.clip(np.rint(values), 0, 255).astype(np.uint8)
        return np.repeat(gray[:, :, None], 3, axis=2)
    return np.asarray(img.convert("RGB"), dtype=np.uint8)


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__
