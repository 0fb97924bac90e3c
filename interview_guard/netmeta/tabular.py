"""CSV / JSON Lines reading primitives shared by the netmeta readers (row-by-row readers in
:mod:`.readers`, the column-wise event reader in :mod:`.eventlog`, the participant-report adapter
in :mod:`.participants`): column aliases, file opening, format detection, value parsing, and the
:class:`ReadResult` / :class:`ProblemLog` that report every row left out with its line number.

Low level on purpose: imports nothing from the package but :mod:`interview_guard.errors`.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import math
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Generic, Iterator, Mapping, Sequence, TypeVar

from ..errors import InputError

logger = logging.getLogger(__name__)

T = TypeVar("T")
MAX_PROBLEMS_KEPT = 1000  # every bad row is counted; the first ones are kept for the report

# Accepted spellings of each column (lower case, spaces and dashes as underscores).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "timestamp": ("timestamp", "time", "ts", "datetime", "date_time", "event_time", "created_at"),
    "candidate_id": ("candidate_id", "candidate"),
    "account_id": ("account_id", "account", "user_id", "user", "username"),
    "ip": ("ip", "ip_address", "src_ip", "source_ip", "client_ip", "remote_addr"),
    "event": ("event", "event_type", "action", "type"),
    "user_agent": ("user_agent", "useragent", "ua"),
    "device_id": ("device_id", "device", "device_fingerprint", "fingerprint"),
    "duration_s": ("duration_s", "duration", "session_s", "session_duration_s"),
    "location": ("location",),
    "network_type": ("network_type",),
    "host": ("host", "hostname", "computer", "machine"),
    "process_name": ("process_name", "process", "image", "exe"),
    "remote_ip": ("remote_ip", "dst_ip", "destination_ip", "remote_address"),
    "remote_port": ("remote_port", "dst_port", "destination_port", "port"),
    "remote_domain": ("remote_domain", "domain", "dst_domain", "hostname_remote", "sni"),
    "field": ("field", "attribute", "changed_field"),
    "old_value": ("old_value", "old", "before"),
    "new_value": ("new_value", "new", "after", "value"),
    "reviewer_account": ("reviewer_account", "reviewer", "from_account"),
    "reviewee_account": ("reviewee_account", "reviewee", "to_account"),
    "rating": ("rating", "stars", "score"),
    "direction": ("direction", "dir"),
    "text": ("text", "message", "body", "content"),
}


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ReadProblem:
    """A row that was left out: ``line`` is the 1-based line in the file."""

    line: int
    message: str
    raw: str = ""

    def to_dict(self) -> dict:
        return {"line": self.line, "message": self.message, "raw": self.raw}


@dataclass(frozen=True)
class ReadResult(Generic[T]):
    """Rows that could be used, and every row that could not (with its line number)."""

    path: str
    format: str  # "csv", "jsonl" or an adapter name such as "zoom-participants"
    rows: Sequence[T]
    problems: tuple[ReadProblem, ...] = ()
    bad_rows: int = 0  # may exceed len(problems): only the first MAX_PROBLEMS_KEPT are kept

    @property
    def rows_seen(self) -> int:
        return len(self.rows) + self.bad_rows

    def summary(self, max_problems: int = 10) -> dict:
        """JSON-ready summary for signal details and CLI output."""
        return {"path": self.path, "format": self.format, "rows": len(self.rows), "bad_rows": self.bad_rows,
                "problems": [p.to_dict() for p in self.problems[:max_problems]]}


class ProblemLog:
    """Collects the rows a reader leaves out: counts all of them, keeps the first
    ``MAX_PROBLEMS_KEPT`` (``items``) for the report."""

    def __init__(self) -> None:
        self.items: list[ReadProblem] = []
        self.count = 0

    def add(self, line: int, message: str, raw: Any = "") -> None:
        self.count += 1
        if len(self.items) < MAX_PROBLEMS_KEPT:
            text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=str)
            self.items.append(ReadProblem(line, message, text[:200]))


# --------------------------------------------------------------------------- value parsing
def parse_timestamp(value: Any) -> float:
    """ISO-8601 (UTC if no offset) or epoch seconds -> epoch seconds. ValueError if neither."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError(f"timestamp {value!r} is not finite")
        return float(value)
    s = str(value).strip()
    if not s:
        raise ValueError("timestamp is empty")
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        try:
            return float(s)
        except ValueError:
            raise ValueError(f"timestamp {s!r} is not ISO-8601") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def iso_utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def normalize_ip(value: str) -> str:
    """Canonical text form of an address (IPv4-mapped IPv6 becomes IPv4). ValueError if invalid."""
    s = value.strip()
    if s.startswith("[") and "]" in s:  # "[2001:db8::1]:443"
        s = s[1:s.index("]")]
    try:
        socket.inet_pton(socket.AF_INET, s)
        return s
    except OSError:
        pass
    import ipaddress

    try:
        addr = ipaddress.ip_address(s.split("%", 1)[0])
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address") from None
    if addr.version == 6 and addr.ipv4_mapped is not None:
        return str(addr.ipv4_mapped)
    return str(addr)


def clean_text(value: Any) -> str:
    """A cell as stripped text ("" for None)."""
    if value is None:
        return ""
    return str(value).strip()


# --------------------------------------------------------------------------- raw records
def detect_format(path: Path, head: str) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    return "jsonl" if head.lstrip().startswith("{") else "csv"


def canon_column(name: str) -> str:
    """A header / JSON key in the form the aliases use: lower case, spaces and dashes as underscores."""
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def column_map(header: Sequence[str], wanted: Sequence[str]) -> dict[str, int]:
    """Which header position holds each wanted field (by alias)."""
    canon = [canon_column(h) for h in header]
    out: dict[str, int] = {}
    for name in wanted:
        for alias in COLUMN_ALIASES.get(name, (name,)):
            if alias in canon:
                out[name] = canon.index(alias)
                break
    return out


def open_text(path: Path) -> io.TextIOWrapper:
    """Open a UTF-8 (BOM tolerated) text file for csv / line reading; InputError if it is not a file."""
    if not path.exists():
        raise InputError(f"file not found: {path}")
    if not path.is_file():
        raise InputError(f"not a file: {path}")
    # Undecodable bytes become U+FFFD and the row is reported, instead of failing the file.
    return open(path, encoding="utf-8-sig", errors="replace", newline="")


Record = tuple[int, "dict[str, Any] | None", str]  # (line, fields or None if unusable, error)


def iter_records(path: Path, wanted: Sequence[str], required: Sequence[str]) -> tuple[str, Iterator[Record]]:
    """Yield ``(line, {field: value}, "")`` per data row, or ``(line, None, why)`` for a broken row."""
    f = open_text(path)
    head = f.read(4096)
    f.seek(0)
    fmt = detect_format(path, head)
    if fmt == "csv":
        return fmt, _iter_csv(f, path, wanted, required)
    return fmt, _iter_jsonl(f, wanted)


def _iter_csv(f, path: Path, wanted: Sequence[str], required: Sequence[str]) -> Iterator[Record]:
    with f:
        head = f.read(4096)
        f.seek(0)
        delimiter = "\t" if path.suffix.lower() == ".tsv" or head.split("\n", 1)[0].count("\t") > \
            head.split("\n", 1)[0].count(",") else ","
        reader = csv.reader(f, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            return
        cols = column_map(header, wanted)
        missing = [r for r in required if r not in cols]
        if missing:
            raise InputError(f"{path}: the header has no {', '.join(missing)} column "
                             f"(found: {', '.join(h.strip() for h in header)})")
        width = len(header)
        line = reader.line_num
        for row in reader:
            start, line = line + 1, reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) > width and any(c.strip() for c in row[width:]):
                yield start, None, f"{len(row)} fields, the header has {width}"
                continue
            if any("\ufffd" in c for c in row):
                yield start, None, "bytes that are not UTF-8"
                continue
            yield start, {k: (row[i] if i < len(row) else "") for k, i in cols.items()}, ""


def _iter_jsonl(f, wanted: Sequence[str]) -> Iterator[Record]:
    with f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            if "\ufffd" in line:
                yield line_no, None, "bytes that are not UTF-8"
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield line_no, None, f"not valid JSON ({e.msg})"
                continue
            if not isinstance(obj, dict):
                yield line_no, None, "not a JSON object"
                continue
            canon = {canon_column(k): v for k, v in obj.items()}
            rec: dict[str, Any] = {}
            for name in wanted:
                for alias in COLUMN_ALIASES.get(name, (name,)):
                    if alias in canon:
                        rec[name] = canon[alias]
                        break
            yield line_no, rec, ""


def _raw_of(rec: Mapping[str, Any] | None) -> str:
    return json.dumps(rec, ensure_ascii=False, default=str) if rec else ""


def read_rows(path: str | Path, wanted: Sequence[str], required: Sequence[str],
              build: Callable[[int, dict], T]) -> ReadResult[T]:
    """Generic reader: ``build(line, fields)`` makes a row or raises ValueError (-> reported)."""
    p = Path(path)
    fmt, records = iter_records(p, wanted, required)
    rows: list[T] = []
    problems = ProblemLog()
    for line, rec, why in records:
        if rec is None:
            problems.add(line, why)
            continue
        missing = [r for r in required if clean_text(rec.get(r)) == ""]
        if missing:
            problems.add(line, f"no {', '.join(missing)}", _raw_of(rec))
            continue
        try:
            rows.append(build(line, rec))
        except ValueError as e:
            problems.add(line, str(e), _raw_of(rec))
    if problems.count:
        logger.warning("%s: %d bad row(s) left out (first at line %d: %s)", p, problems.count,
                       problems.items[0].line, problems.items[0].message)
    return ReadResult(str(p), fmt, tuple(rows), tuple(problems.items), problems.count)
