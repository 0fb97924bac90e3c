"""interview-guard check-mrz LINE... | check-id IMAGE | check-resume FILE"""
from __future__ import annotations

import argparse
from contextlib import nullcontext
from pathlib import Path

from ..cli import Output, load_config


def register(sub) -> None:
    p = sub.add_parser("check-mrz", help="parse and verify MRZ lines (TD1 3x30, TD2 2x36, TD3 2x44)")
    p.add_argument("lines", nargs="+", metavar="LINE", help="MRZ lines (quote them: '<' is special to the shell)")
    p.add_argument("--no-repair", action="store_true", help="verify exactly as given (no OCR look-alike repairs)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=run_mrz)

    p = sub.add_parser("check-id", help="read an ID document image: OCR, MRZ, printed fields, photo cues")
    p.add_argument("image", help="photo or scan of the ID (JPEG, PNG, WebP, BMP, TIFF, or a PDF with a scan)")
    p.add_argument("--store", help="case store to look for the same document number / photo (default: none)")
    p.add_argument("--candidate", help="candidate id (excluded from the duplicate search)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), help="inference device (default auto)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=run_id)

    p = sub.add_parser("check-resume", help="read a resume (PDF, DOCX, JSON Resume, text, Markdown) and check it")
    p.add_argument("file", help="the resume file")
    p.add_argument("--store", help="case store to look for shared contacts / near-identical resumes (default: none)")
    p.add_argument("--candidate", help="candidate id (excluded from the reuse search)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=run_resume)


def run_mrz(args: argparse.Namespace) -> Output:
    from ..documents.mrz import parse_mrz

    r = parse_mrz(args.lines, repair=not args.no_repair)
    data = {"valid": r.valid, "type": r.type, "fields": r.fields.to_dict(), "checks": dict(r.checks),
            "failed": list(r.failed), "warnings": list(r.warnings), "repairs": list(r.repairs), "lines": list(r.lines)}
    text = [f"{r.type} MRZ: {'valid' if r.valid else 'NOT valid'}"]
    text += [f"  {k:12} {'ok' if v else 'FAILED'}" for k, v in r.checks.items()]
    if r.failed:
        text.append(f"  failed: {', '.join(r.failed)}")
    f = r.fields
    text.append(f"  {f.surname}, {f.given_names} | {f.document_type} {f.country} no. {f.document_number} | "
                f"born {f.birth_date} | expires {f.expiry_date}")
    if r.repairs:
        text.append(f"  repairs: {'; '.join(r.repairs)}")
    return Output(data, "\n".join(text))


def _store(path: str | None):
    """The case store as a context manager, or ``nullcontext(None)`` without --store."""
    if not path:
        return nullcontext(None)
    from ..store import Store

    return Store(Path(path).expanduser())


def _signal_lines(signals) -> list[str]:
    return [f"  {s.status:7} {s.name}: {s.summary}" for s in signals]


def run_id(args: argparse.Namespace) -> Output:
    from ..services import check_id

    with _store(args.store) as store:
        result = check_id(args.image, load_config(args), store=store, candidate_id=args.candidate)
    data = result.to_dict()
    mrz = data["mrz"]
    validity = "valid" if mrz.get("valid") else "not valid" if mrz.get("type") else "not found"
    text = [f"MRZ: {mrz.get('type', '-')} {validity}"]
    text += [f"  {k}: {v}" for k, v in data["fields"].items() if v]
    text += _signal_lines(result.signals)
    return Output(data, "\n".join(text))


def run_resume(args: argparse.Namespace) -> Output:
    from ..services import check_resume

    with _store(args.store) as store:
        result = check_resume(args.file, load_config(args), store=store, candidate_id=args.candidate)
    r = result.resume
    text = [f"{r.name or '(no name found)'} — {r.email or '-'} — {r.phone or '-'} — "
            f"{', '.join(x for x in (r.city, r.country) if x) or '-'}"]
    text += [f"  {e.start or '?'} – {e.end or 'present'}  {e.title + ', ' if e.title else ''}{e.name}"
             + ("" if e.full_time else " (not full-time)") for e in r.employers]
    text += [f"  language: {lang.language} ({lang.level})" for lang in r.languages]
    text += _signal_lines(result.signals)
    return Output(result.to_dict(), "\n".join(text))
