"""interview-guard store purge|list|audit — retention and inspection of the case store."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..cli import Output, load_config
from ..config import DEFAULT_RETENTION_DAYS  # AnalyzerConfig.retention_days default


def register(sub) -> None:
    p = sub.add_parser("store", help="the case store: purge biometrics, list analyses, show the audit log")
    verbs = p.add_subparsers(dest="store_command", metavar="ACTION", parser_class=type(p))
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", help="case store SQLite file (default: the configured store path)")
    common.add_argument("--json", action="store_true", help="print one JSON document")

    purge = verbs.add_parser("purge", parents=[common],
                             help="delete face / voice embeddings and thumbnails past retention, or a whole case")
    purge.add_argument("--older-than", type=float, default=None, metavar="DAYS",
                       help="retention period in days (default: the config's retention_days, "
                            f"{DEFAULT_RETENTION_DAYS:g}); 0 purges all")
    purge.add_argument("--case", help="delete this whole case (analyses, signals, links); the audit trail stays")
    purge.set_defaults(func=run_purge)

    lst = verbs.add_parser("list", parents=[common], help="recent analyses, newest first")
    lst.add_argument("--candidate", help="only this candidate's analyses")
    lst.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    lst.set_defaults(func=run_list)

    audit = verbs.add_parser("audit", parents=[common], help="the append-only audit log, newest first")
    audit.add_argument("--limit", type=int, default=100, help="at most this many rows (default 100)")
    audit.add_argument("--case", help="only rows about this case")
    audit.set_defaults(func=run_audit)
    p.set_defaults(func=_no_action)


def _no_action(args: argparse.Namespace) -> Output:
    from ..errors import InputError

    raise InputError("store needs an action: purge, list or audit (see interview-guard store --help)")


def _store_path(args: argparse.Namespace) -> Path:
    from ..errors import InputError

    if args.store:
        return Path(args.store).expanduser()
    path = load_config(args).store_path
    if path is None:
        raise InputError("no case store is configured", fix="pass --store PATH or set store_path in the config")
    return Path(path)


def _open(path: Path):
    from ..store import Store

    return Store(path)


def run_purge(args: argparse.Namespace) -> Output:
    from ..errors import InputError

    path = _store_path(args)
    cfg = load_config(args)
    actor = cfg.analyst
    if args.older_than is None:
        args.older_than = cfg.retention_days
    if not path.exists():
        if args.case:
            raise InputError(f"no case store at {path}, so there is no case {args.case!r} to purge")
        data = {"store": str(path), "older_than_days": args.older_than, "embeddings": 0, "thumbnails": 0,
                "reports": 0, "total": 0}
        return Output(data, f"no case store at {path}: nothing to purge")
    with _open(path) as store:
        if args.case:
            removed = store.purge_case(args.case, actor)
            return Output({"store": str(path), "case_id": args.case, "analyses": removed},
                          f"deleted case {args.case} ({removed} analyses); the audit trail keeps the record")
        result = store.purge_biometrics_detail(args.older_than, actor)
    data = {"store": str(path), "older_than_days": args.older_than, **result.to_dict()}
    text = (f"purged {result.embeddings} embeddings and {result.thumbnails} thumbnails "
            f"({result.reports} reports) older than {args.older_than:g} days from {path}")
    return Output(data, text)


def run_list(args: argparse.Namespace) -> Output:
    from ..errors import InputError

    if args.limit <= 0:
        raise InputError(f"--limit must be positive, got {args.limit}")
    path = _store_path(args)
    if not path.exists():
        return Output({"store": str(path), "analyses": []}, f"no case store at {path} yet")
    with _open(path) as store:
        rows = store.analyses(candidate_id=args.candidate, limit=args.limit)
    lines = [f"{r.analyzed_at}  {r.risk_level:6} {r.risk_score:.2f}  case {r.case_id}  "
             f"candidate {r.candidate_id or '-'}  analysis {r.analysis_id}"
             + (f"\n    flagged: {', '.join(r.flagged)}" if r.flagged else "") for r in rows]
    return Output({"store": str(path), "analyses": [r.to_dict() for r in rows]},
                  "\n".join(lines) or "no analyses stored")


def run_audit(args: argparse.Namespace) -> Output:
    from ..errors import InputError

    if args.limit <= 0:
        raise InputError(f"--limit must be positive, got {args.limit}")
    path = _store_path(args)
    if not path.exists():
        return Output({"store": str(path), "audit": []}, f"no case store at {path} yet")
    with _open(path) as store:
        rows = store.audit_log(limit=args.limit, case_id=args.case)
    lines = [f"#{r.id} {r.at}  {r.actor:12} {r.action:16} case {r.case_id or '-'}  {r.detail}" for r in rows]
    return Output({"store": str(path), "audit": [r.to_dict() for r in rows]}, "\n".join(lines) or "audit log is empty")
