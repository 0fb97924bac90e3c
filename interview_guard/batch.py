"""Many cases, resumable: a batch never loses finished work.

A batch is a CSV (or JSON Lines) with one case per row: ``case_id, media, id_image, resume,
network_log, endpoints, accounts, reviews, messages, claims, candidate_id`` (only ``case_id``
and at least one input are required; relative paths are relative to the manifest).

Each finished case is written to ``OUT/<case_id>/report.json`` + ``report.html`` and appended
(fsync'd) to ``OUT/batch_state.jsonl``. Running the same batch again skips every case whose
report exists, so a crash, a reboot or Ctrl-C costs at most the cases in flight. One bad case
is recorded as ``failed`` with its one-line reason; the rest go on.
"""
from __future__ import annotations

import csv
import json
import logging
import os
import re
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from .config import AnalyzerConfig
from .errors import InputError, InterviewGuardError
from .types import CaseInputs

if TYPE_CHECKING:
    from .pipeline import Analyzer

logger = logging.getLogger(__name__)

_FILE_COLUMNS = CaseInputs.FILE_FIELDS  # the one input-role list
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
STATE_FILE = "batch_state.jsonl"


@dataclass(frozen=True)
class BatchItem:
    case_id: str
    inputs: CaseInputs
    line: int


@dataclass(frozen=True)
class BatchResult:
    case_id: str
    status: str  # done | failed | skipped (already done in an earlier run)
    risk_level: str | None = None
    report_dir: str | None = None
    error: str | None = None

    def to_dict(self) -> dict:
        return {"case_id": self.case_id, "status": self.status, "risk_level": self.risk_level,
                "report_dir": self.report_dir, "error": self.error}


def read_batch(path: str | Path) -> list[BatchItem]:
    """Parse a batch manifest; every problem names its line."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"batch manifest not found: {p}")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"batch manifest {p} is not UTF-8 text") from None
    if p.suffix.lower() in (".jsonl", ".ndjson"):
        rows = []
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append((n, json.loads(line)))
                except json.JSONDecodeError as e:
                    raise InputError(f"{p}:{n}: not valid JSON: {e.msg}") from None
    else:
        reader = csv.DictReader(text.splitlines())
        if not reader.fieldnames or "case_id" not in reader.fieldnames:
            raise InputError(f"{p}: the first line must be a CSV header with a case_id column")
        rows = [(n, row) for n, row in enumerate(reader, start=2)]
    items: list[BatchItem] = []
    seen: set[str] = set()
    for n, row in rows:
        case_id = str(row.get("case_id") or "").strip()
        if not _SAFE_ID.match(case_id):
            raise InputError(f"{p}:{n}: case_id must be 1-128 letters, digits, '.', '_' or '-' (got {case_id!r})")
        if case_id in seen:
            raise InputError(f"{p}:{n}: case_id {case_id!r} appears twice")
        seen.add(case_id)
        files = {}
        for col in _FILE_COLUMNS:
            v = str(row.get(col) or "").strip()
            if v:
                fp = Path(v)
                files[col] = fp if fp.is_absolute() else (p.parent / fp)
        if not files:
            raise InputError(f"{p}:{n}: case {case_id!r} has no input file")
        cand = str(row.get("candidate_id") or "").strip() or None
        items.append(BatchItem(case_id, CaseInputs(case_id=case_id, candidate_id=cand, **files), n))
    if not items:
        raise InputError(f"{p}: no cases")
    return items


def done_cases(out_dir: Path) -> set[str]:
    """Cases finished in earlier runs (their report.json exists and parses)."""
    done = set()
    state = out_dir / STATE_FILE
    if state.is_file():
        for line in state.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:  # a line cut short by a crash
                continue
            if rec.get("status") == "done" and (out_dir / rec["case_id"] / "report.json").is_file():
                done.add(rec["case_id"])
    return done


def _append_state(out_dir: Path, result: BatchResult) -> None:
    rec = dict(result.to_dict(), at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    with open(out_dir / STATE_FILE, "a", encoding="utf-8") as f:
        f.write(json.dumps(rec) + "\n")
        f.flush()
        os.fsync(f.fileno())


# One Analyzer per worker process, built once (models load once per process).
_WORKER_ANALYZER: Analyzer | None = None


def _init_worker(config: AnalyzerConfig) -> None:
    global _WORKER_ANALYZER
    from .pipeline import Analyzer

    _WORKER_ANALYZER = Analyzer(config)


def _worker_analyzer() -> Analyzer:
    if _WORKER_ANALYZER is None:
        raise RuntimeError("batch worker used before _init_worker")
    return _WORKER_ANALYZER


def _analyze_one(item: BatchItem, out_dir: str) -> BatchResult:
    from .report import write_reports

    try:
        analyzer = _worker_analyzer()
        report = analyzer.run(item.inputs)
        target = Path(out_dir) / item.case_id
        write_reports(report, target, analyzer.config.report)
        return BatchResult(item.case_id, "done", report.risk.level, str(target))
    except InterviewGuardError as e:
        return BatchResult(item.case_id, "failed", error=e.one_line())
    except Exception as e:  # one case must never stop the batch
        logger.debug("case %s failed", item.case_id, exc_info=True)
        return BatchResult(item.case_id, "failed", error=f"internal error: {type(e).__name__}: {e}")


def run_batch(items: Iterable[BatchItem], out_dir: str | Path, config: AnalyzerConfig | None = None, *,
              workers: int = 1, progress: Callable[[BatchResult, int, int], None] | None = None) -> list[BatchResult]:
    """Analyze every case not done yet. ``workers`` > 1 uses a local process pool."""
    config = config or AnalyzerConfig()
    if workers < 1:
        raise InputError("workers must be at least 1")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    items = list(items)
    done = done_cases(out)
    results = [BatchResult(i.case_id, "skipped", report_dir=str(out / i.case_id)) for i in items if i.case_id in done]
    todo = [i for i in items if i.case_id not in done]
    total = len(items)
    for n, r in enumerate(results, start=1):
        progress and progress(r, n, total)

    def finish(r: BatchResult) -> None:
        _append_state(out, r)
        results.append(r)
        progress and progress(r, len(results), total)

    if workers == 1:
        _init_worker(config)
        try:
            for item in todo:
                finish(_analyze_one(item, str(out)))
        finally:
            _worker_analyzer().close()
    else:
        # SQLite stores are per process; each worker opens the same file (WAL handles it).
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(config,)) as pool:
            futures = {pool.submit(_analyze_one, item, str(out)): item for item in todo}
            for fut in as_completed(futures):
                try:
                    finish(fut.result())
                except Exception as e:  # a worker died (e.g. out of memory)
                    finish(BatchResult(futures[fut].case_id, "failed", error=f"worker died: {e}"))
    order = {i.case_id: n for n, i in enumerate(items)}
    return sorted(results, key=lambda r: order.get(r.case_id, 0))


def summarize(results: list[BatchResult]) -> dict:
    counts: dict[str, int] = {}
    for r in results:
        key = r.status if r.status != "done" else f"done:{r.risk_level}"
        counts[key] = counts.get(key, 0) + 1
    return counts


__all__ = ["BatchItem", "BatchResult", "read_batch", "run_batch", "done_cases", "summarize"]
