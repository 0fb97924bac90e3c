"""ID document reading: OCR -> MRZ -> visual-zone fields -> consistency, expiry, photo integrity.

The visual zone (VIZ) is read by label ("Surname", "Date of birth", ...): a field's value is
the nearest text line below or beside its label. Fields that carry no label the reader knows
are looked up by value instead (the MRZ's document number or surname anywhere on the page).
"""
from __future__ import annotations

import difflib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Mapping, Sequence

import numpy as np

from .mrz import MrzResult, best_of, find_mrz_rows, parse_mrz
from .ocr import OcrLine, OcrResult, TextReader, crop_quad, order_box
from .photo import DocumentFace, ErrorLevel, RecaptureCues, error_level, recapture_cues

logger = logging.getLogger(__name__)

_MONTHS = {"JAN": 1, "JANV": 1, "JANVIER": 1, "JANUARY": 1, "FEB": 2, "FEV": 2, "FEVR": 2, "FEBRUARY": 2,
           "MAR": 3, "MARS": 3, "MARCH": 3, "MRZ": 3, "APR": 4, "AVR": 4, "APRIL": 4, "MAY": 5, "MAI": 5,
           "JUN": 6, "JUIN": 6, "JUNE": 6, "JUL": 7, "JUIL": 7, "JULY": 7, "AUG": 8, "AOU": 8, "AOUT": 8,
           "AUGUST": 8, "SEP": 9, "SEPT": 9, "SEPTEMBER": 9, "OCT": 10, "OKT": 10, "OCTOBER": 10, "NOV": 11,
           "NOVEMBER": 11, "DEC": 12, "DEZ": 12, "DECEMBER": 12}
# label patterns on accent-stripped, lower-cased text; "place of birth" must win over "birth"
_LABELS: tuple[tuple[str, re.Pattern], ...] = (
    ("place_of_birth", re.compile(r"place of birth|lieu de naissance|geburtsort")),
    ("issue_date", re.compile(r"date of issue|issue date|issued|delivrance|ausstellung")),
    ("expiry_date", re.compile(r"expir|valid until|valid thru|gultig bis|date of exp")),
    ("birth_date", re.compile(r"date of birth|birth ?date|\bdob\b|naissance|geburtsdatum|born")),
    ("given_names", re.compile(r"given name|first name|forename|prenom|vorname")),
    ("surname", re.compile(r"surname|last name|family name|\bnom\b|\bname\b|nachname")),
    ("document_number", re.compile(r"passport no|document no|doc\.? ?no|card no|id no|number|numero|\bno\.")),
    ("sex", re.compile(r"\bsex\b|sexe|gender|geschlecht")),
    ("nationality", re.compile(r"nationalit")),
    ("type", re.compile(r"^\s*type\b")),
    ("code", re.compile(r"^\s*code\b|country code")),
    ("authority", re.compile(r"authority|autorite|behorde")),
)
VIZ_FIELDS = ("surname", "given_names", "document_number", "birth_date", "expiry_date", "issue_date", "sex")


@dataclass(frozen=True)
class VizFields:
    """Visual-zone fields as read (dates as ISO strings). ``found_by`` says label or value lookup."""

    surname: str | None = None
    given_names: str | None = None
    document_number: str | None = None
    birth_date: str | None = None
    expiry_date: str | None = None
    issue_date: str | None = None
    sex: str | None = None
    found_by: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in VIZ_FIELDS}
        d["found_by"] = dict(self.found_by)
        return d


@dataclass(frozen=True)
class FieldComparison:
    field: str
    viz: str | None
    mrz: str | None
    match: bool | None  # None: the visual zone value was not read

    def to_dict(self) -> dict:
        return {"field": self.field, "viz": self.viz, "mrz": self.mrz, "match": self.match}


@dataclass(frozen=True)
class IdDocument:
    ocr: OcrResult
    mrz: MrzResult | None
    viz: VizFields
    comparisons: tuple[FieldComparison, ...]
    face: DocumentFace | None = None
    error_level: ErrorLevel | None = None
    recapture: RecaptureCues | None = None
    rotation: int = 0  # degrees the image was turned to read it
    notes: tuple[str, ...] = ()

    @property
    def document_number(self) -> str | None:
        if self.mrz is not None and self.mrz.fields.document_number:
            return self.mrz.fields.document_number
        return self.viz.document_number

    @property
    def holder_name(self) -> str | None:
        if self.mrz is not None and self.mrz.fields.surname:
            return self.mrz.fields.full_name
        parts = [p for p in (self.viz.given_names, self.viz.surname) if p]
        return " ".join(parts) or None

    @property
    def birth_date(self) -> str | None:
        return (self.mrz.fields.birth_date if self.mrz is not None else None) or self.viz.birth_date

    @property
    def expiry_date(self) -> str | None:
        return (self.mrz.fields.expiry_date if self.mrz is not None else None) or self.viz.expiry_date

    def fields(self) -> dict:
        """Best value per field: MRZ where it verified, else the visual zone."""
        out = self.viz.to_dict()
        out.pop("found_by", None)
        if self.mrz is not None:
            m = self.mrz.fields
            for k in ("surname", "given_names", "document_number", "birth_date", "expiry_date", "sex"):
                if getattr(m, k):
                    out[k] = getattr(m, k)
            out.update(document_type=m.document_type, country=m.country, nationality=m.nationality)
        return out

    def to_dict(self) -> dict:
        return {"mrz": self.mrz.to_dict() if self.mrz else None, "viz": self.viz.to_dict(),
                "fields": self.fields(), "comparisons": [c.to_dict() for c in self.comparisons],
                "face": self.face.to_dict() if self.face else None,
                "error_level": self.error_level.to_dict() if self.error_level else None,
                "recapture": self.recapture.to_dict() if self.recapture else None,
                "rotation": self.rotation, "notes": list(self.notes),
                "ocr": {"lines": len(self.ocr.lines), "elapsed_s": round(self.ocr.elapsed_s, 3)}}


# --------------------------------------------------------------------------- text helpers
def fold(text: str) -> str:
    """Upper-case, accents removed, punctuation to spaces (how names are compared)."""
    t = unicodedata.normalize("NFKD", text)
    t = "".join(c for c in t if not unicodedata.combining(c)).upper()
    t = t.replace("Æ", "AE").replace("Ø", "OE").replace("ß", "SS")
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", t).split())


def _label_text(text: str) -> str:
    t = unicodedata.normalize("NFKD", text)
    return "".join(c for c in t if not unicodedata.combining(c)).lower()


def parse_viz_date(text: str) -> str | None:
    """'12 APR 1990', '12 AVR/APR 90', '12.04.1990', '1990-04-12', '12/04/1990' -> ISO."""
    t = fold(text)
    m = re.search(r"\b(\d{4}) (\d{1,2}) (\d{1,2})\b", t)
    if m:
        return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.search(r"\b(\d{1,2}) ([A-Z]{3,9})(?: [A-Z]{3,9})? (\d{2,4})\b", t)
    if m and m.group(2) in _MONTHS:
        return _iso(_year(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))
    m = re.search(r"\b([A-Z]{3,9}) (\d{1,2}) (\d{4})\b", t)
    if m and m.group(1) in _MONTHS:
        return _iso(int(m.group(3)), _MONTHS[m.group(1)], int(m.group(2)))
    m = re.search(r"\b(\d{1,2}) (\d{1,2}) (\d{2,4})\b", t)
    if m:
        a, b, y = int(m.group(1)), int(m.group(2)), _year(m.group(3))
        return _iso(y, b, a) if b <= 12 else _iso(y, a, b)  # day first unless impossible
    return None


def _year(s: str) -> int:
    y = int(s)
    if y < 100:
        y += 2000 if y <= (date.today().year % 100) + 20 else 1900
    return y


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _label_of(text: str) -> str | None:
    t = _label_text(text)
    for name, pat in _LABELS:
        if pat.search(t):
            return name
    return None


# --------------------------------------------------------------------------- visual zone
def extract_viz(lines: Sequence[OcrLine], mrz: MrzResult | None = None,
                exclude: Sequence[OcrLine] = ()) -> VizFields:
    """Visual-zone fields by label, then by value (MRZ values found anywhere on the page)."""
    body = [ln for ln in lines if ln not in exclude]
    labels = [(ln, _label_of(ln.text)) for ln in body]
    label_lines = {id(ln) for ln, lab in labels if lab}
    values: dict[str, str] = {}
    found_by: dict[str, str] = {}
    for ln, lab in labels:
        if lab not in VIZ_FIELDS or lab in values:
            continue
        inline = re.split(r"[:：]", ln.text, maxsplit=1)
        if len(inline) == 2 and inline[1].strip() and _label_of(inline[1]) is None:
            value = inline[1].strip()
        else:
            below = _value_below(ln, body, label_lines)
            if below is None:
                continue
            value = below.text.strip()
        norm = _normalize_value(lab, value)
        if norm:
            values[lab] = norm
            found_by[lab] = "label"
    if mrz is not None:
        _find_by_value(body, label_lines, mrz, values, found_by)
    return VizFields(**{k: values.get(k) for k in VIZ_FIELDS}, found_by=found_by)


def _value_below(label: OcrLine, lines: Sequence[OcrLine], label_ids: set[int]) -> OcrLine | None:
    h = max(label.height, 8.0)
    best, best_d = None, None
    for ln in lines:
        if id(ln) in label_ids or ln is label:
            continue
        dy = ln.offset_from(label)  # across the text direction: rotated pages read the same
        if not (0.3 * h < dy < 2.6 * h):
            continue
        if abs(ln.x0 - label.x0) > 1.5 * h:
            continue
        d = dy + abs(ln.x0 - label.x0) * 0.5
        if best_d is None or d < best_d:
            best, best_d = ln, d
    return best


def _normalize_value(field_name: str, value: str) -> str | None:
    if field_name in ("birth_date", "expiry_date", "issue_date"):
        return parse_viz_date(value)
    if field_name == "document_number":
        v = re.sub(r"[^A-Z0-9]", "", value.upper())
        return v or None
    if field_name == "sex":
        v = fold(value)[:1]
        return v if v in ("M", "F", "X") else None
    v = fold(value)
    return v or None


def _find_by_value(lines, label_ids, mrz: MrzResult, values: dict, found_by: dict) -> None:
    f = mrz.fields
    texts = [(ln, fold(ln.text)) for ln in lines if id(ln) not in label_ids]
    if "document_number" not in values and f.document_number:
        for _, t in texts:
            if f.document_number in t.replace(" ", ""):
                values["document_number"], found_by["document_number"] = f.document_number, "value"
                break
    want: str | None
    for key, want in (("surname", f.surname), ("given_names", f.given_names)):
        if key not in values and want:
            for _, t in texts:
                if t == fold(want):
                    values[key], found_by[key] = t, "value"
                    break
    for key, want in (("birth_date", f.birth_date), ("expiry_date", f.expiry_date)):
        if key not in values and want:
            for ln, _ in texts:
                if parse_viz_date(ln.text) == want:
                    values[key], found_by[key] = want, "value"
                    break


# --------------------------------------------------------------------------- comparisons
def _same_name(viz: str, mrz: str) -> bool:
    a, b = fold(viz).replace(" ", ""), fold(mrz).replace(" ", "")
    if a == b:
        return True
    # MRZ names are transliterated (Ü -> UE) and may be truncated to fit the line
    a2 = a.replace("AE", "A").replace("OE", "O").replace("UE", "U")
    b2 = b.replace("AE", "A").replace("OE", "O").replace("UE", "U")
    if a2 == b2 or (len(b) >= 10 and a.startswith(b)):
        return True
    return difflib.SequenceMatcher(None, a2, b2).ratio() >= 0.9


def _same_number(viz: str, mrz: str) -> bool:
    swap = str.maketrans({"O": "0", "I": "1", "B": "8", "S": "5", "Z": "2", "Q": "0", "D": "0"})
    return viz == mrz or viz.translate(swap) == mrz.translate(swap)


def compare_viz_mrz(viz: VizFields, mrz: MrzResult | None) -> tuple[FieldComparison, ...]:
    if mrz is None:
        return ()
    f = mrz.fields
    out = []
    for key, mrz_val, same in (("surname", f.surname, _same_name), ("given_names", f.given_names, _same_name),
                               ("document_number", f.document_number, _same_number),
                               ("birth_date", f.birth_date, str.__eq__), ("expiry_date", f.expiry_date, str.__eq__),
                               ("sex", f.sex if f.sex in ("M", "F", "X") else None, str.__eq__)):
        v = getattr(viz, key)
        if not mrz_val:
            continue
        out.append(FieldComparison(key, v, mrz_val, None if v is None else bool(same(v, mrz_val))))
    return tuple(out)


# --------------------------------------------------------------------------- the reader
def read_mrz(ocr: OcrResult, image: np.ndarray | None = None, reader: TextReader | None = None) -> MrzResult | None:
    """MRZ from OCR lines; if that does not verify, re-read each MRZ row as one full-width crop."""
    rows = find_mrz_rows(ocr.lines)
    if rows is None:
        return None
    tries = []
    try:
        tries.append(parse_mrz(list(rows.texts), source="ocr"))
    except Exception as e:  # malformed read: try the row crops
        logger.debug("MRZ from OCR lines failed: %s", e)
    if (not tries or not tries[0].valid) and image is not None and reader is not None:
        crops = [crop_quad(image, _row_quad(row, rows, image.shape)) for row in rows.rows]
        texts = [t for t, _ in reader.recognize(crops)]
        try:
            tries.append(parse_mrz(texts, source="ocr-row-crop"))
        except Exception as e:
            logger.debug("MRZ from row crops failed: %s", e)
    return best_of(tries)


def _row_quad(row, rows, shape) -> np.ndarray:
    """One MRZ row as a (possibly rotated) quadrilateral spanning the whole MRZ width."""
    import cv2

    pts = np.array([p for ln in row for p in ln.box], dtype=np.float32)
    (cx, cy), (w, h), angle = cv2.minAreaRect(pts)
    if w < h:  # keep the long side horizontal
        w, h, angle = h, w, angle - 90
    span = max(ln.x1 for r in rows.rows for ln in r) - min(ln.x0 for r in rows.rows for ln in r)
    quad = cv2.boxPoints(((cx, cy), (max(w, span) + 0.3 * h, 1.3 * h), angle))
    quad = order_box(quad)
    quad[:, 0] = np.clip(quad[:, 0], 0, shape[1] - 1)
    quad[:, 1] = np.clip(quad[:, 1], 0, shape[0] - 1)
    return quad


def read_id_document(image: np.ndarray, reader: TextReader, *, face_finder=None,
                     try_rotations: bool = True) -> IdDocument:
    """Everything the document checks need from one image (BGR).

    ``face_finder(image) -> DocumentFace | None`` locates the holder's photo (optional).
    """
    import cv2

    rotation, img = 0, image
    ocr = reader.read(img)
    mrz = read_mrz(ocr, img, reader)
    notes: list[str] = []
    if (mrz is None or not mrz.valid) and try_rotations:
        for rot, code in ((180, cv2.ROTATE_180), (90, cv2.ROTATE_90_CLOCKWISE), (270, cv2.ROTATE_90_COUNTERCLOCKWISE)):
            if rot != 180 and mrz is not None:
                break  # an MRZ was seen upright: only an upside-down read can beat it
            turned = cv2.rotate(image, code)
            ocr2 = reader.read(turned)
            mrz2 = read_mrz(ocr2, turned, reader)
            if mrz2 is not None and (mrz is None or mrz2.score > mrz.score):
                rotation, img, ocr, mrz = rot, turned, ocr2, mrz2
                if mrz.valid:
                    break
        if rotation:
            notes.append(f"read after turning the image {rotation} degrees")
    mrz_lines = []
    rows = find_mrz_rows(ocr.lines) if mrz is not None else None
    if rows is not None:
        mrz_lines = [ln for row in rows.rows for ln in row]
    viz = extract_viz(ocr.lines, mrz, exclude=mrz_lines)
    face = None
    if face_finder is not None:
        try:
            face = face_finder(img)
        except Exception as e:  # a face helper failure must not cost the MRZ result
            notes.append(f"face search failed: {type(e).__name__}: {e}")
    ela = recap = None
    try:
        ela = error_level(img, face.bbox if face else None)
        recap = recapture_cues(img)
    except ValueError as e:
        notes.append(f"integrity analysis skipped: {e}")
    return IdDocument(ocr=ocr, mrz=mrz, viz=viz, comparisons=compare_viz_mrz(viz, mrz), face=face,
                      error_level=ela, recapture=recap, rotation=rotation, notes=tuple(notes))


def expiry_status(expiry_iso: str | None, today: date | None = None, soon_days: int = 30) -> tuple[str, int | None]:
    """('expired' | 'expires_soon' | 'valid' | 'unknown', days left)."""
    if not expiry_iso:
        return "unknown", None
    today = today or date.today()
    days = (date.fromisoformat(expiry_iso) - today).days
    if days < 0:
        return "expired", days
    if days <= soon_days:
        return "expires_soon", days
    return "valid", days
