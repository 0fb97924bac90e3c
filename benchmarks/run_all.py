"""Run every benchmark script (bench_*.py) in this folder, then rebuild RESULTS.md.

Usage: python benchmarks/run_all.py [NAME ...]   (NAME = decode, pipeline, faces, asr, ...)
Each script writes its own table into benchmarks/results/<name>.md.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scripts(names: list[str]) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if not names:
        return found
    wanted = {f"bench_{n.removeprefix('bench_').removesuffix('.py')}.py" for n in names}
    unknown = wanted - {p.name for p in found}
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; have: "
                         f"{', '.join(p.stem.removeprefix('bench_') for p in found)}")
    return [p for p in found if p.name in wanted]


def rebuild_index() -> Path:
    lines = ["# Benchmark results", "",
             "Written by `make bench` (benchmarks/run_all.py). Each table says the machine and date it was",
             "measured on; ratios are measured side by side in one run because machines are noisy.", ""]
    for md in sorted((HERE / "results").glob("*.md")):
        title = next((ln.lstrip("# ").strip() for ln in md.read_text().splitlines() if ln.startswith("#")), md.stem)
        lines.append(f"- [{title}](results/{md.name})")
    out = HERE / "RESULTS.md"
    out.write_text("\n".join(lines) + "\n")
    return out


def main(argv: list[str] | None = None) -> int:
    names = list(sys.argv[1:] if argv is None else argv)
    failed = []
    for script in scripts(names):
        t0 = time.perf_counter()
        print(f"== {script.name}", flush=True)
        rc = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"== {script.name}: exit {rc} in {time.perf_counter() - t0:.1f} s", flush=True)
        if rc:
            failed.append(script.name)
    print(f"index: {rebuild_index()}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
