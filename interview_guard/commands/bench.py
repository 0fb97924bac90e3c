"""interview-guard bench [NAME ...]: run the benchmark scripts of a source checkout."""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from ..cli import Output
from ..errors import DependencyMissing


def register(sub) -> None:
    p = sub.add_parser("bench", help="run benchmarks (speed, memory, accuracy) and write benchmarks/results/")
    p.add_argument("names", nargs="*", help="benchmarks to run (default all): decode, pipeline, faces, asr, ...")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> Output:
    runner = Path(__file__).resolve().parents[2] / "benchmarks" / "run_all.py"
    if not runner.is_file():
        raise DependencyMissing("benchmarks/ is not available (benchmarks ship with a source checkout)",
                                fix="git clone the repository and run `make bench`")
    rc = subprocess.call([sys.executable, str(runner), *args.names])
    return Output({"exit_code": rc}, "", rc)
