"""Readers for network events, endpoint inventories, account history, reviews and messages.

Every reader takes CSV or JSON Lines (UTF-8, a BOM is fine), ISO-8601 timestamps in UTC
(``2026-05-01T09:00:00Z``; a timestamp without an offset is taken as UTC, one with an offset is
converted) or epoch seconds, and ignores extra columns.

A row that cannot be used (bad timestamp, bad IP address, broken JSON, undecodable bytes, a
required field missing) is never silently dropped: it is left out of ``rows`` and reported in
``problems`` with its line number, and counted in ``bad_rows``. Only a file that cannot be read
at all (missing, or a CSV whose header lacks a required column) raises :class:`InputError`.

Network events are kept column-wise (:class:`~interview_guard.netmeta.eventlog.EventLog`, read by
:mod:`interview_guard.netmeta.eventlog`) because platform logs run to millions of rows; the other
inputs are small and come back as tuples of frozen dataclasses.
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
_ALIASES: dict[str, tuple[str, ...]] = {
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


class _Problems:
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


def _text(value: Any) -> str:
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


def _canon(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _column_map(header: Sequence[str], wanted: Sequence[str]) -> dict[str, int]:
    """Which header position holds each wanted field (by alias)."""
    canon = [_canon(h) for h in header]
    out: dict[str, int] = {}
    for name in wanted:
        for alias in _ALIASES.get(name, (name,)):
            if alias in canon:
                out[name] = canon.index(alias)
                break
    return out


def _open_text(path: Path) -> io.TextIOWrapper:
    if not path.exists():
        raise InputError(f"file not found: {path}")
    if not path.is_file():
        raise InputError(f"not a file: {path}")
    # Undecodable bytes become U+FFFD and the row is reported, instead of failing the file.
    return open(path, encoding="utf-8-sig", errors="replace", newline="")


Record = tuple[int, "dict[str, Any] | None", str]  # (line, fields or None if unusable, error)


def iter_records(path: Path, wanted: Sequence[str], required: Sequence[str]) -> tuple[str, Iterator[Record]]:
    """Yield ``(line, {field: value}, "")`` per data row, or ``(line, None, why)`` for a broken row."""
    f = _open_text(path)
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
        cols = _column_map(header, wanted)
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
            canon = {_canon(k): v for k, v in obj.items()}
            rec: dict[str, Any] = {}
            for name in wanted:
                for alias in _ALIASES.get(name, (name,)):
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
    problems = _Problems()
    for line, rec, why in records:
        if rec is None:
            problems.add(line, why)
            continue
        missing = [r for r in required if _text(rec.get(r)) == ""]
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


# --------------------------------------------------------------------------- network events
EVENT_FIELDS = ("timestamp", "candidate_id", "account_id", "ip", "event", "user_agent", "device_id",
                "duration_s", "location", "network_type")


def read_events(path: str | Path, *, participant_tz: str = "UTC") -> "ReadResult":
    """Network / login events as an :class:`~interview_guard.netmeta.eventlog.EventLog` (see there)."""
    from .eventlog import read_events as _read

    return _read(path, participant_tz=participant_tz)


def __getattr__(name: str):
    if name in ("EventLog", "NetworkEvent", "EventLogBuilder"):
        from . import eventlog

        return getattr(eventlog, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------- endpoints
@dataclass(frozen=True)
class EndpointRecord:
    """A process seen on a host, with the connection it made (if any)."""

    line: int
    timestamp: float | None
    host: str
    candidate_id: str = ""
    process_name: str = ""
    remote_ip: str = ""
    remote_port: int | None = None
    remote_domain: str = ""


def _endpoint(line: int, r: dict) -> EndpointRecord:
    ts = parse_timestamp(r["timestamp"]) if _text(r.get("timestamp")) else None
    port_text = _text(r.get("remote_port"))
    port = None
    if port_text:
        try:
            port = int(float(port_text))
        except ValueError:
            raise ValueError(f"remote_port {port_text!r} is not a number") from None
        if not 0 <= port <= 65535:
            raise ValueError(f"remote_port {port} is out of range")
    rip = _text(r.get("remote_ip"))
    proc, domain = _text(r.get("process_name")), _text(r.get("remote_domain")).lower().rstrip(".")
    if not (proc or rip or domain or port is not None):
        raise ValueError("no process_name, remote_ip, remote_port or remote_domain")
    return EndpointRecord(line=line, timestamp=ts, host=_text(r.get("host")),
                          candidate_id=_text(r.get("candidate_id")), process_name=proc,
                          remote_ip=normalize_ip(rip) if rip else "", remote_port=port, remote_domain=domain)


def read_endpoints(path: str | Path) -> ReadResult[EndpointRecord]:
    return read_rows(path, ("timestamp", "host", "candidate_id", "process_name", "remote_ip", "remote_port",
                            "remote_domain"), ("host",), _endpoint)


# --------------------------------------------------------------------------- account history
@dataclass(frozen=True)
class AccountChange:
    """One profile field change (``field`` lower case: name, email, phone, payout_account,
    payout_name, id_document_number, address ...). The first value may have no ``old_value``."""

    line: int
    timestamp: float
    account_id: str
    field: str
    old_value: str
    new_value: str


def _account_change(line: int, r: dict) -> AccountChange:
    return AccountChange(line=line, timestamp=parse_timestamp(r["timestamp"]), account_id=_text(r["account_id"]),
                         field=_canon(_text(r["field"])), old_value=_text(r.get("old_value")),
                         new_value=_text(r.get("new_value")))


def read_account_history(path: str | Path) -> ReadResult[AccountChange]:
    return read_rows(path, ("timestamp", "account_id", "field", "old_value", "new_value"),
                     ("timestamp", "account_id", "field"), _account_change)


# --------------------------------------------------------------------------- reviews
@dataclass(frozen=True)
class Review:
    line: int
    timestamp: float
    reviewer_account: str
    reviewee_account: str
    rating: float | None = None


def _review(line: int, r: dict) -> Review:
    rating_text = _text(r.get("rating"))
    rating = None
    if rating_text:
        try:
            rating = float(rating_text)
        except ValueError:
            raise ValueError(f"rating {rating_text!r} is not a number") from None
    return Review(line=line, timestamp=parse_timestamp(r["timestamp"]),
                  reviewer_account=_text(r["reviewer_account"]), reviewee_account=_text(r["reviewee_account"]),
                  rating=rating)


def read_reviews(path: str | Path) -> ReadResult[Review]:
    return read_rows(path, ("timestamp", "reviewer_account", "reviewee_account", "rating"),
                     ("timestamp", "reviewer_account", "reviewee_account"), _review)


# --------------------------------------------------------------------------- messages
@dataclass(frozen=True)
class Message:
    """A platform message. ``direction``: "out" (sent by ``account_id``), "in" (received) or ""."""

    line: int
    timestamp: float
    account_id: str
    direction: str
    text: str


_DIRECTIONS = {"out": "out", "outbound": "out", "sent": "out", "send": "out", "in": "in", "inbound": "in",
               "received": "in", "receive": "in", "": ""}


def _message(line: int, r: dict) -> Message:
    direction = _text(r.get("direction")).lower()
    if direction not in _DIRECTIONS:
        raise ValueError(f"direction {direction!r} is not in/out")
    return Message(line=line, timestamp=parse_timestamp(r["timestamp"]), account_id=_text(r.get("account_id")),
                   direction=_DIRECTIONS[direction], text=str(r["text"]))


def read_messages(path: str | Path) -> ReadResult[Message]:
    return read_rows(path, ("timestamp", "account_id", "direction", "text"), ("timestamp", "text"), _message)
