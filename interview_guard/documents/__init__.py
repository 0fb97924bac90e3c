"""ID documents (OCR, MRZ, visual zone, photo cues) and resumes (PDF, DOCX, JSON Resume, text).

    from interview_guard.documents import parse_mrz, read_resume, check_id
    parse_mrz(["P<UTOERIKSSON<<ANNA<MARIA<<<...", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]).valid
    read_resume("cv.pdf").to_claims()
    check_id("passport.jpg").to_dict()        # OCR models through the project's ONNX runtime

Heavy modules (OpenCV, ONNX Runtime, pypdf, python-docx) load on first use.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "parse_mrz": ".mrz", "MrzResult": ".mrz", "MrzFields": ".mrz", "check_digit": ".mrz",
    "TextReader": ".ocr", "OcrOptions": ".ocr", "OcrResult": ".ocr", "OcrLine": ".ocr",
    "IdDocument": ".idcard", "read_id_document": ".idcard", "expiry_status": ".idcard",
    "Resume": ".resume", "read_resume": ".resume", "from_json_resume": ".resume",
    "check_id": ".api", "check_resume": ".api", "IdCheck": ".api", "ResumeCheck": ".api",
    "text_fingerprint": ".timeline", "find_overlaps": ".timeline",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(mod, __name__), name)
