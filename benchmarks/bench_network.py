"""Network log analysis at platform scale: one million events end to end (read, IP intelligence,
every network / account check that runs on an event log) and raw IP lookups per second.
Writes benchmarks/results/network.md.

Inputs are generated (a platform-sized log is not something a registry ships): --events rows
over 30 days, --accounts accounts, --ips distinct IPv4 addresses drawn uniformly from public
space. IP data: the fetched entries ip-iporigin / ip-cloudip / ip-country / ip-asn when present
(`interview-guard models fetch ...`), else small synthetic files in the same formats (the report
says which). Peak memory is the process's maximum RSS (resource.getrusage), measured in a fresh
child process per stage so one stage's peak does not hide another's.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))  # tests/support: the shared test-data generators
WORK = HERE / "_work" / "network"
EVENT_CHECKS = ("network.anonymizer", "network.ip_churn", "network.shared_ip", "network.long_sessions",
                "network.location_claim", "network.timezone_claim", "account.multi_operator")


def _models(tmp: Path):
    from support.netsynth import synthetic_ip_data

    from interview_guard.netmeta.features import IP_DATA_ENTRIES
    from interview_guard.runtime.models import ModelStore

    store = ModelStore()
    if all(store.is_present(n) for n in IP_DATA_ENTRIES):
        return store, "fetched (iporigin 1.1.2, cloudip-db 2026-10-26, ip-location-db country + ASN)"
    return synthetic_ip_data(tmp / "ipdata"), "synthetic (fetched IP data missing)"


def stage_pipeline(log: Path, claims: Path) -> dict:
    import resource

    from interview_guard.config import AnalyzerConfig
    from interview_guard.pipeline import Analyzer
    from interview_guard.types import CaseInputs

    models, data = _models(WORK)
    cfg = AnalyzerConfig(store_path=None, checks=EVENT_CHECKS)
    t0 = time.perf_counter()
    with Analyzer(cfg, models=models, use_store=False) as analyzer:
        report = analyzer.analyze(CaseInputs(network_log=log, claims=claims))
    total = time.perf_counter() - t0
    timings = {k: round(v, 3) for k, v in report.runtime.timings_s.items() if k.startswith(("feature.", "check."))}
    return {"total_s": total, "timings": timings, "ip_data": data,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "signals": {s.name: s.status for s in report.signals}}


def stage_lookups(n: int) -> dict:
    import ipaddress
    import resource

    import numpy as np

    from interview_guard.netmeta.features import IP_DATA_ENTRIES, default_cache_dir, load_intel

    models, data = _models(WORK)
    t0 = time.perf_counter()
    intel = load_intel({k: Path(models.path(k)) for k in IP_DATA_ENTRIES}, None, default_cache_dir())
    load_s = time.perf_counter() - t0
    rng = np.random.default_rng(1)
    v4 = [str(ipaddress.IPv4Address(int(x))) for x in rng.integers(0x01000000, 0xDF000000, n, dtype=np.int64)]
    out = {"ip_data": data, "load_s": load_s, "n": n}
    for label, ips in (("IPv4 text", v4),
                       ("90% IPv4 + 10% IPv6 text", v4[: n - n // 10] + [f"2a01:4f8:{i % 65536:x}::{i % 9999:x}"
                                                                          for i in range(n // 10)])):
        best = min(_timed(intel.lookup, ips) for _ in range(3))
        out[label] = n / best
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _timed(fn, arg) -> float:
    t0 = time.perf_counter()
    fn(arg)
    return time.perf_counter() - t0


def run_child(stage: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--stage", stage, *args], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--accounts", type=int, default=20_000)
    ap.add_argument("--ips", type=int, default=100_000)
    ap.add_argument("--lookups", type=int, default=1_000_000)
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    ap.add_argument("--log", help=argparse.SUPPRESS)
    ap.add_argument("--claims", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.stage == "pipeline":
        print(json.dumps(stage_pipeline(Path(args.log), Path(args.claims))))
        return
    if args.stage == "lookups":
        print(json.dumps(stage_lookups(args.lookups)))
        return

    from support.netsynth import random_events_csv

    WORK.mkdir(parents=True, exist_ok=True)
    log = WORK / f"events-{args.events}.csv"
    if not log.exists():
        t0 = time.perf_counter()
        random_events_csv(log, args.events, accounts=args.accounts, ips=args.ips)
        print(f"generated {log} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    claims = WORK / "claims.toml"
    claims.write_text('timezone = "Asia/Tokyo"\n[location]\ncountry = "JP"\n', encoding="utf-8")
    run_child("lookups", "--lookups", str(args.lookups))  # warm the compiled-table cache once
    lookups = run_child("lookups", "--lookups", str(args.lookups))
    pipe = run_child("pipeline", "--log", str(log), "--claims", str(claims))
    write_report(args, log, pipe, lookups)


def write_report(args, log: Path, pipe: dict, lookups: dict) -> None:
    cpu = platform.processor() or platform.machine()
    lines = [
        "# Network log analysis",
        "",
        f"Generated by `python benchmarks/bench_network.py` on {datetime.now(timezone.utc):%Y-%m-%d} "
        f"({cpu}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}).",
        "",
        f"Input: {args.events:,} generated events ({log.stat().st_size / 1e6:.0f} MB CSV) over 30 days, "
        f"{args.accounts:,} accounts, {args.ips:,} distinct public IPv4 addresses. IP data: {pipe['ip_data']}.",
        "",
        "## One million events, end to end",
        "",
        "Analyzer with the event-log checks (" + ", ".join(f"`{c}`" for c in EVENT_CHECKS) + "), claims JP / "
        "Asia/Tokyo, no store. Peak memory = maximum RSS of a fresh process (includes the interpreter, "
        "numpy and the IP tables). Stage times come from the report's `runtime.timings_s`: a `check.*` "
        "time includes the features that check was the first to need (checks run in name order, so "
        "`check.account.multi_operator` includes reading the log and the IP lookups).",
        "",
        f"Machine load while measuring: {os.getloadavg()[0]:.1f} (1-minute load average on "
        f"{os.cpu_count()} CPUs; other jobs shared the machine).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| total time | {pipe['total_s']:.1f} s |",
        f"| events per second | {args.events / pipe['total_s']:,.0f} |",
        f"| peak memory (RSS) | {pipe['peak_rss_mb']:,.0f} MB |",
    ]
    lines += [f"| {k} | {v:.2f} s |" for k, v in sorted(pipe["timings"].items(), key=lambda kv: -kv[1])]
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(pipe["signals"].items()))
    lines += ["", "Signal statuses on this random log: " + statuses,
              "", "## IP lookups", "",
              f"`IpIntel.lookup` on {lookups['n']:,} addresses given as text (parsing included), every table "
              "(iporigin, cloudip, country, ASN, reserved ranges) queried with numpy searchsorted; best of 3. "
              f"Loading the compiled tables: {lookups['load_s']:.2f} s (the first build from the raw files is cached).",
              "", "| input | lookups per second |", "|---|---|"]
    lines += [f"| {k} | {lookups[k]:,.0f} |" for k in ("IPv4 text", "90% IPv4 + 10% IPv6 text")]
    lines += ["", f"Peak memory of the lookup process: {lookups['peak_rss_mb']:,.0f} MB.", ""]
    out = HERE / "results" / "network.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
    print(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
