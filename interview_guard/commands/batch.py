"""interview-guard batch MANIFEST --out DIR [--workers N]"""
from __future__ import annotations

import argparse
import sys

from ..cli import Output, load_config


def register(sub) -> None:
    p = sub.add_parser("batch", help="analyze many cases from a CSV / JSON Lines manifest (resumable)")
    p.add_argument("manifest", help="CSV with a header: case_id, media, id_image, resume, network_log, claims, "
                                    "candidate_id, ...")
    p.add_argument("--out", required=True, help="output folder: one sub-folder per case + batch_state.jsonl")
    p.add_argument("--workers", type=int, default=1, help="parallel worker processes (default 1)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"))
    p.add_argument("--json", action="store_true", help="print the per-case results as one JSON document")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> Output:
    from ..batch import read_batch, run_batch, summarize

    items = read_batch(args.manifest)

    def progress(result, n, total):
        extra = result.risk_level or result.error or ""
        print(f"[{n}/{total}] {result.case_id}: {result.status} {extra}", file=sys.stderr, flush=True)

    results = run_batch(items, args.out, load_config(args), workers=args.workers, progress=progress)
    counts = summarize(results)
    failed = [r for r in results if r.status == "failed"]
    text = "batch: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    return Output({"results": [r.to_dict() for r in results], "counts": counts}, text, 1 if failed else 0)
