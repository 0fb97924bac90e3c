"""Render a SPECIMEN passport data page (ICAO TD3 layout) for tests, benchmarks and the sample case.

The page is clearly marked SPECIMEN, uses the fictional ICAO state code "UTO" (Utopia) and the
OCR-B font (Debian ``fonts-ocr-b``) for the machine readable zone. The photo slot takes a
public-domain portrait (scikit-image's astronaut, fetched by ``make data`` into
``$INTERVIEW_GUARD_DATA/skimage-astronaut/astronaut.png``) or, when it is absent, a drawn placeholder.

    python samples/make_specimen_id.py                      # -> samples/case/specimen_id.png
    python samples/make_specimen_id.py --out /tmp/id.png --surname DOE --given JANE
"""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
OCRB_CANDIDATES = ("/usr/share/fonts/opentype/ocr-b/OCRB.otf", "/usr/share/fonts/truetype/ocr-b/OCRB.ttf")
SANS_CANDIDATES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)
SANS_BOLD_CANDIDATES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",)
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEIGHTS = (7, 3, 1)


@dataclass(frozen=True)
class SpecimenData:
    surname: str = "YAMADA"
    given_names: str = "TARO"
    document_number: str = "TZ1234567"
    country: str = "UTO"
    nationality: str = "UTO"
    birth_date: date = date(1990, 4, 12)
    sex: str = "M"
    expiry_date: date = date(2033, 6, 30)
    issue_date: date = date(2023, 7, 1)
    place_of_birth: str = "UTOPIA CITY"
    optional_data: str = ""


def _data_dir() -> Path:
    return Path(os.environ.get("INTERVIEW_GUARD_DATA") or Path.home() / ".cache" / "interview_guard" / "data")


def ocrb_font_path() -> Path:
    """The OCR-B font: the data cache (``make data``) or the Debian package (``make sysdeps``)."""
    for p in (_data_dir() / "ocr-b-font" / "OCRB.otf", *map(Path, OCRB_CANDIDATES)):
        if p.is_file():
            return p
    raise FileNotFoundError("OCR-B font not found: apt-get install fonts-ocr-b (or `make data`)")


def _font(candidates, size: int) -> ImageFont.FreeTypeFont:
    for c in candidates:
        if Path(c).is_file():
            return ImageFont.truetype(str(c), size)
    return ImageFont.load_default(size)


def check_digit(field: str) -> str:
    total = 0
    for i, ch in enumerate(field):
        v = int(ch) if ch.isdigit() else (ord(ch) - 55 if ch.isalpha() else 0)
        total += v * _WEIGHTS[i % 3]
    return str(total % 10)


def _mrz_name(text: str) -> str:
    return "".join(ch if ch.isalpha() else "<" for ch in text.upper().strip())


def td3_lines(d: SpecimenData) -> tuple[str, str]:
    """The two 44-character lines of a TD3 MRZ with correct check digits."""
    name = f"{_mrz_name(d.surname)}<<{_mrz_name(d.given_names)}"
    line1 = f"P<{d.country}{name}"[:44].ljust(44, "<")
    number = d.document_number.upper().ljust(9, "<")[:9]
    dob = d.birth_date.strftime("%y%m%d")
    exp = d.expiry_date.strftime("%y%m%d")
    opt = d.optional_data.upper().ljust(14, "<")[:14]
    opt_cd = "<" if not d.optional_data else check_digit(opt)
    composite = check_digit(number + check_digit(number) + dob + check_digit(dob) + exp + check_digit(exp) + opt + opt_cd)
    line2 = (f"{number}{check_digit(number)}{d.nationality}{dob}{check_digit(dob)}{d.sex}"
             f"{exp}{check_digit(exp)}{opt}{opt_cd}{composite}")
    return line1, line2


def viz_date(d: date) -> str:
    return f"{d.day:02d} {MONTHS[d.month - 1]} {d.year}"


def _portrait(size: tuple[int, int]) -> Image.Image:
    src = _data_dir() / "skimage-astronaut" / "astronaut.png"
    w, h = size
    if src.is_file():
        img = Image.open(src).convert("RGB")
        # head-and-shoulders crop of the public-domain astronaut portrait
        box = (120, 0, 120 + 270, int(270 * h / w))
        return img.crop(box).resize(size, Image.LANCZOS)
    ph = Image.new("RGB", size, (215, 215, 215))
    d = ImageDraw.Draw(ph)
    d.ellipse((w * 0.28, h * 0.15, w * 0.72, h * 0.60), fill=(170, 170, 170))
    d.ellipse((w * 0.10, h * 0.62, w * 0.90, h * 1.30), fill=(170, 170, 170))
    return ph


def render_specimen(d: SpecimenData = SpecimenData(), *, scale: float = 1.0, photo: bool = True) -> Image.Image:
    """A 1000x700 (x scale) RGB passport data page with a valid TD3 MRZ, marked SPECIMEN."""
    W, H = int(1000 * scale), int(700 * scale)
    s = scale
    page = Image.new("RGB", (W, H), (236, 240, 232))
    draw = ImageDraw.Draw(page)
    # faint guilloche-like background lines (real pages have them; they also stress the OCR)
    for y in range(0, H, int(14 * s) or 1):
        draw.line((0, y, W, y + int(40 * s)), fill=(222, 230, 222), width=1)
    label_f = _font(SANS_CANDIDATES, int(15 * s))
    value_f = _font(SANS_BOLD_CANDIDATES, int(24 * s))
    title_f = _font(SANS_BOLD_CANDIDATES, int(30 * s))
    draw.text((int(40 * s), int(24 * s)), "UTOPIA", font=title_f, fill=(40, 50, 90))
    draw.text((int(330 * s), int(28 * s)), "PASSPORT / PASSEPORT", font=_font(SANS_CANDIDATES, int(24 * s)),
              fill=(40, 50, 90))
    px, py, pw, ph = int(40 * s), int(110 * s), int(240 * s), int(300 * s)
    if photo:
        page.paste(_portrait((pw, ph)), (px, py))
    draw.rectangle((px, py, px + pw, py + ph), outline=(90, 90, 90), width=max(1, int(2 * s)))
    fields = [
        ((320, 90), "Type / Type", "P"), ((460, 90), "Code / Code", d.country),
        ((640, 90), "Passport No. / No. du passeport", d.document_number),
        ((320, 160), "Surname / Nom", d.surname.upper()),
        ((320, 230), "Given names / Prénoms", d.given_names.upper()),
        ((320, 300), "Nationality / Nationalité", "UTOPIAN" if d.nationality == "UTO" else d.nationality),
        ((320, 370), "Date of birth / Date de naissance", viz_date(d.birth_date)),
        ((720, 370), "Sex / Sexe", d.sex),
        ((320, 440), "Place of birth / Lieu de naissance", d.place_of_birth.upper()),
        ((320, 510), "Date of issue / Date de délivrance", viz_date(d.issue_date)),
        ((660, 510), "Date of expiry / Date d'expiration", viz_date(d.expiry_date)),
    ]
    for (x, y), label, value in fields:
        draw.text((int(x * s), int(y * s)), label, font=label_f, fill=(70, 70, 90))
        draw.text((int(x * s), int((y + 20) * s)), value, font=value_f, fill=(20, 20, 30))
    # SPECIMEN marking: a large translucent red diagonal stamp plus a plain label
    stamp = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    sd = ImageDraw.Draw(stamp)
    sd.text((int(170 * s), int(220 * s)), "SPECIMEN", font=_font(SANS_BOLD_CANDIDATES, int(120 * s)),
            fill=(200, 30, 30, 70))
    stamp = stamp.rotate(18, resample=Image.BICUBIC, center=(W // 2, int(290 * s)))
    page = Image.alpha_composite(page.convert("RGBA"), stamp).convert("RGB")
    draw = ImageDraw.Draw(page)
    draw.text((int(40 * s), int(430 * s)), "SPECIMEN - NOT A REAL DOCUMENT", font=label_f, fill=(200, 30, 30))
    # the machine readable zone, OCR-B
    line1, line2 = td3_lines(d)
    mrz_f = ImageFont.truetype(str(ocrb_font_path()), int(29 * s))
    draw.rectangle((0, int(585 * s), W, H), fill=(246, 248, 244))
    draw.text((int(28 * s), int(598 * s)), line1, font=mrz_f, fill=(10, 10, 10))
    draw.text((int(28 * s), int(645 * s)), line2, font=mrz_f, fill=(10, 10, 10))
    return page.filter(ImageFilter.SMOOTH) if s < 0.8 else page


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(HERE / "case" / "specimen_id.png"))
    ap.add_argument("--surname", default=SpecimenData.surname)
    ap.add_argument("--given", default=SpecimenData.given_names)
    ap.add_argument("--number", default=SpecimenData.document_number)
    ap.add_argument("--scale", type=float, default=0.9)
    args = ap.parse_args(argv)
    data = replace(SpecimenData(), surname=args.surname, given_names=args.given, document_number=args.number)
    img = render_specimen(data, scale=args.scale)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    img.save(out, optimize=True)
    print(f"wrote {out} ({out.stat().st_size // 1024} KB); MRZ:\n" + "\n".join(td3_lines(data)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
