"""interview-guard check-network EVENTS [--endpoints F] [--accounts F] [--reviews F] [--messages F] [--claims F]"""
from __future__ import annotations

import argparse
from pathlib import Path

from ..cli import Output, load_config


def register(sub) -> None:
    p = sub.add_parser("check-network", help="network, device and account signals from logs (no recording needed)")
    p.add_argument("events", nargs="?",
                   help="network / login events: CSV, JSON Lines, or a Zoom / Teams participant report")
    p.add_argument("--endpoints", help="endpoint inventory: processes and connections (CSV or JSON Lines)")
    p.add_argument("--accounts", help="account history (CSV or JSON Lines)")
    p.add_argument("--reviews", help="reviews between accounts (CSV or JSON Lines)")
    p.add_argument("--messages", help="platform messages (CSV or JSON Lines)")
    p.add_argument("--claims", help="what the candidate claims: TOML or JSON")
    p.add_argument("--candidate", help="candidate id (focus location / time-zone checks on this candidate's events)")
    p.add_argument("--case", help="case id")
    p.add_argument("--maxmind-dir", help="folder of GeoIP2 / GeoLite2 / IP2Proxy .mmdb files to use as well")
    p.add_argument("--tz", help="time zone of participant-report join / leave times (default UTC)")
    p.add_argument("--store", action="store_true", help="compare with, and record into, the case store")
    p.add_argument("--json", action="store_true", help="print {\"signals\": [...], ...} as one JSON document")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> Output:
    from dataclasses import replace as dc_replace

    from ..config import replace
    from ..services import check_network
    from ..types import CaseInputs

    cfg = load_config(args)
    net = cfg.network
    if args.maxmind_dir:
        net = dc_replace(net, maxmind_dir=args.maxmind_dir)
    if args.tz:
        net = dc_replace(net, participant_report_tz=args.tz)
    cfg = replace(cfg, network=net)
    inputs = CaseInputs(network_log=_path(args.events), endpoints=_path(args.endpoints), accounts=_path(args.accounts),
                        reviews=_path(args.reviews), messages=_path(args.messages), claims=_path(args.claims),
                        candidate_id=args.candidate, case_id=args.case)
    report = check_network(inputs, cfg, use_store=args.store)
    data = {"signals": [s.to_dict() for s in report.signals], "risk": report.risk.to_dict(),
            "case": report.case.to_dict(), "inputs": [i.to_dict() for i in report.inputs],
            "runtime": report.runtime.to_dict()}
    lines = [f"risk: {report.risk.level} (score {report.risk.score:.2f}) — verification needed, not a verdict"]
    for s in report.signals:
        lines.append(f"  {s.status:7} {s.name}: {s.summary}")
    return Output(data, "\n".join(lines))


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None
