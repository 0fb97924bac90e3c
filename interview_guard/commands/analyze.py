"""interview-guard analyze VIDEO [...]"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..cli import Output, load_config


def register(sub) -> None:
    p = sub.add_parser("analyze", help="analyze one case (a recording plus optional documents and logs)")
    p.add_argument("media", nargs="?", help="interview recording (video or audio); optional if other inputs are given")
    p.add_argument("--id-image", help="photo or scan of the candidate's ID document")
    p.add_argument("--resume", help="resume: PDF, DOCX, JSON Resume, text or Markdown")
    p.add_argument("--network-log", help="network / login events (CSV or JSON Lines)")
    p.add_argument("--endpoints", help="endpoint inventory: processes and connections (CSV or JSON Lines)")
    p.add_argument("--accounts", help="account history (CSV or JSON Lines)")
    p.add_argument("--reviews", help="platform reviews between accounts (CSV or JSON Lines)")
    p.add_argument("--messages", help="platform messages (CSV or JSON Lines)")
    p.add_argument("--claims", help="what the candidate claims: TOML or JSON")
    p.add_argument("--interviewer-sample", help="a recording of the interviewer's voice alone")
    p.add_argument("--candidate", help="candidate id (links analyses of the same person)")
    p.add_argument("--case", help="case id (default: derived from the inputs' hashes)")
    p.add_argument("--out", help="write report.json and report.html into this folder")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), help="inference device (default auto)")
    p.add_argument("--checks", help="comma-separated check names to run (default all)")
    p.add_argument("--no-store", action="store_true", help="do not save the analysis in the case store")
    p.add_argument("--json", action="store_true", help="print the report as one JSON document")
    p.set_defaults(func=run)


def _progress(stage: str, fraction, message: str) -> None:
    pct = f"{fraction * 100:3.0f}%" if fraction is not None else "    "
    print(f"[{stage:>6}] {pct} {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> Output:
    from ..config import replace
    from ..errors import InputError
    from ..pipeline import Analyzer
    from ..types import CaseInputs

    cfg = load_config(args)
    if args.checks:
        from ..checks import resolve_check_names

        cfg = replace(cfg, checks=resolve_check_names(args.checks.split(",")))  # unknown name: exit 2
    inputs = CaseInputs(
        media=Path(args.media) if args.media else None,
        id_image=Path(args.id_image) if args.id_image else None,
        resume=Path(args.resume) if args.resume else None,
        network_log=Path(args.network_log) if args.network_log else None,
        endpoints=Path(args.endpoints) if args.endpoints else None,
        accounts=Path(args.accounts) if args.accounts else None,
        reviews=Path(args.reviews) if args.reviews else None,
        messages=Path(args.messages) if args.messages else None,
        claims=Path(args.claims) if args.claims else None,
        interviewer_sample=Path(args.interviewer_sample) if args.interviewer_sample else None,
        candidate_id=args.candidate, case_id=args.case)
    if not inputs.files():
        raise InputError("nothing to analyze: give a recording or at least one of --id-image, --resume, "
                         "--network-log, --accounts, --messages, --claims")
    with Analyzer(cfg, use_store=not args.no_store, progress=_progress if args.verbose else None) as analyzer:
        report = analyzer.run(inputs)
    text_lines = [f"risk: {report.risk.level} (score {report.risk.score:.2f}) — verification needed, not a verdict"]
    if args.out:
        from ..report import write_reports

        paths = write_reports(report, Path(args.out), cfg.report)
        text_lines.append(f"wrote {paths.json} and {paths.html}")
    for s in report.signals:
        if s.status in ("flag", "error"):
            text_lines.append(f"  {s.status:5} {s.name}: {s.summary}")
    return Output(report.to_dict(), "\n".join(text_lines))
