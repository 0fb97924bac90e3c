"""Network events, kept column-wise, and their reader.

Platform logs run to millions of rows, so the reader collects raw column values first and then
parses, validates and interns whole columns (numpy datetime parsing for the common
``...Z`` timestamps, one address check per distinct IP, dict interning of strings); rows that
fail any check are reported with their line numbers and left out, exactly as the row-by-row
readers do.
"""
from __future__ import annotations

import csv
import json
import logging
import math
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import InputError
from .tabular import (
    COLUMN_ALIASES,
    ProblemLog,
    ReadResult,
    canon_column,
    column_map,
    detect_format,
    normalize_ip,
    open_text,
    parse_timestamp,
)

logger = logging.getLogger(__name__)

EVENT_FIELDS = ("timestamp", "candidate_id", "account_id", "ip", "event", "user_agent", "device_id",
                "duration_s", "location", "network_type")


@dataclass(frozen=True)
class NetworkEvent:
    """One login / activity event. ``timestamp`` is epoch seconds (UTC)."""

    line: int
    timestamp: float
    candidate_id: str = ""
    account_id: str = ""
    ip: str = ""
    event: str = ""
    user_agent: str = ""
    device_id: str = ""
    duration_s: float | None = None
    location: str = ""
    network_type: str = ""


@dataclass(frozen=True)
class EventLog(Sequence[NetworkEvent]):
    """Network events, column-wise. Code 0 in a categorical column means "absent".

    ``ts`` float64 epoch seconds; ``line`` source line; ``account`` / ``candidate`` / ``ip`` /
    ``device`` / ``event`` / ``user_agent`` / ``location`` / ``network_type`` int32 codes into
    the matching ``*_values`` tuple; ``duration`` float64 (NaN when absent).
    """

    ts: np.ndarray
    line: np.ndarray
    account: np.ndarray
    candidate: np.ndarray
    ip: np.ndarray
    device: np.ndarray
    event: np.ndarray
    user_agent: np.ndarray
    location: np.ndarray
    network_type: np.ndarray
    duration: np.ndarray
    account_values: tuple[str, ...] = ("",)
    candidate_values: tuple[str, ...] = ("",)
    ip_values: tuple[str, ...] = ("",)
    device_values: tuple[str, ...] = ("",)
    event_values: tuple[str, ...] = ("",)
    user_agent_values: tuple[str, ...] = ("",)
    location_values: tuple[str, ...] = ("",)
    network_type_values: tuple[str, ...] = ("",)
    source: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        d = float(self.duration[i])
        return NetworkEvent(line=int(self.line[i]), timestamp=float(self.ts[i]),
                            candidate_id=self.candidate_values[self.candidate[i]],
                            account_id=self.account_values[self.account[i]], ip=self.ip_values[self.ip[i]],
                            event=self.event_values[self.event[i]],
                            user_agent=self.user_agent_values[self.user_agent[i]],
                            device_id=self.device_values[self.device[i]],
                            duration_s=None if math.isnan(d) else d,
                            location=self.location_values[self.location[i]],
                            network_type=self.network_type_values[self.network_type[i]])

    def ref(self, i: int) -> str:
        """``file:line`` pointer for evidence."""
        return f"{Path(self.source).name}:{int(self.line[i])}"


COLUMNS = ("account", "candidate", "ip", "device", "event", "user_agent", "location", "network_type")
_FIELD_OF = {"account": "account_id", "candidate": "candidate_id", "device": "device_id"}


def _intern(values: Sequence[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Codes per value (0 = "") and the distinct values, at C speed (dict + map, no Python loop)."""
    uniq = tuple(dict.fromkeys(chain(("",), values)))
    index = {v: i for i, v in enumerate(uniq)}
    return np.fromiter(map(index.__getitem__, values), np.int32, len(values)), uniq


class EventLogBuilder:
    """Accumulates events row by row (adapters, small files) into an :class:`EventLog`."""

    def __init__(self, source: str = "") -> None:
        self.source = source
        self._ts: list[float] = []
        self._line: list[int] = []
        self._dur: list[float] = []
        self._cols: dict[str, list[str]] = {c: [] for c in COLUMNS}
        self._ip_cache: dict[str, str] = {}

    def add(self, line: int, ts: float, *, ip: str = "", duration: float = math.nan, **values: str) -> None:
        """Add one event; ``ip`` is validated here (ValueError if it is not an address)."""
        if ip:
            norm = self._ip_cache.get(ip)
            if norm is None:
                norm = self._ip_cache[ip] = normalize_ip(ip)
            ip = norm
        self._ts.append(ts)
        self._line.append(line)
        self._dur.append(duration)
        for c in COLUMNS:
            self._cols[c].append(ip if c == "ip" else values.get(c, ""))

    def build(self) -> EventLog:
        return _make_log(self.source, np.asarray(self._ts, np.float64), np.asarray(self._line, np.int32),
                         np.asarray(self._dur, np.float64), self._cols)


def _make_log(source: str, ts: np.ndarray, line: np.ndarray, dur: np.ndarray,
              cols: Mapping[str, Sequence[str]]) -> EventLog:
    kw: dict[str, Any] = {}
    for c in COLUMNS:
        kw[c], kw[f"{c}_values"] = _intern(cols[c])
    return EventLog(ts=ts, line=line, duration=dur, source=source, **kw)


# --------------------------------------------------------------------------- column parsing
def _parse_times(raw: Sequence[Any], bad: dict[int, str]) -> np.ndarray:
    """Epoch seconds per row; rows that fail go into ``bad`` (row index -> reason)."""
    n = len(raw)
    if n and all(isinstance(s, str) and len(s) == 20 and s[-1] == "Z" and s[10] == "T" for s in raw):
        try:  # the common "2026-05-01T09:00:00Z": numpy parses a whole column in C
            return np.array([s[:-1] for s in raw], dtype="datetime64[s]").astype(np.int64).astype(np.float64)
        except ValueError:
            pass
    out = np.empty(n, np.float64)
    for i, s in enumerate(raw):
        try:
            out[i] = parse_timestamp(s)
        except (ValueError, TypeError, OverflowError) as e:
            bad.setdefault(i, str(e) if isinstance(e, ValueError) else f"timestamp {s!r} is not usable")
            out[i] = np.nan
    return out


def _parse_durations(raw: Sequence[Any], bad: dict[int, str]) -> np.ndarray:
    out = np.full(len(raw), np.nan)
    for i, v in enumerate(raw):
        if v is None or v == "":
            continue
        try:
            f = float(v)
        except (TypeError, ValueError):
            bad.setdefault(i, f"duration_s {v!r} is not a number")
            continue
        if not math.isfinite(f) or f < 0:
            bad.setdefault(i, f"duration_s {v!r} must be a finite number >= 0")
            continue
        out[i] = f
    return out


def _clean_column(name: str, raw: Sequence[str]) -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
    """Intern a raw column, then clean its distinct values once (strip, lower-case events,
    canonical IPs). Returns codes, values and a per-distinct-value error code
    (0 ok, 1 undecodable bytes, 2 not an IP address)."""
    raw_codes, raw_uniq = _intern(raw)
    errors = np.zeros(len(raw_uniq), np.int8)
    clean = []
    for j, u in enumerate(raw_uniq):
        v = u.strip()
        if "\ufffd" in v:
            errors[j], v = 1, ""
        elif name == "event":
            v = v.lower()
        elif name == "ip" and v:
            try:
                v = normalize_ip(v)
            except ValueError:
                errors[j], v = 2, ""
        clean.append(v)
    if clean == list(raw_uniq):  # already clean: the usual case
        return raw_codes, raw_uniq, errors[raw_codes]
    codes, values = _intern(clean)
    return codes[raw_codes], values, errors[raw_codes]


_TEXT_FIELDS = (("account", "account_id"), ("candidate", "candidate_id"), ("device", "device_id"), ("event", "event"),
                ("user_agent", "user_agent"), ("location", "location"), ("network_type", "network_type"), ("ip", "ip"))


def _columns_to_log(source: str, lines: list[int], cols: dict[str, list], problems: ProblemLog) -> EventLog:
    bad: dict[int, str] = {}
    ts = _parse_times(cols["timestamp"], bad)
    dur = _parse_durations(cols["duration_s"], bad)
    codes: dict[str, np.ndarray] = {}
    values: dict[str, tuple[str, ...]] = {}
    for c, f in _TEXT_FIELDS:
        codes[c], values[c], err = _clean_column(c, cols[f])
        for i in np.flatnonzero(err).tolist():
            bad.setdefault(i, "bytes that are not UTF-8" if err[i] == 1 else f"{cols[f][i]!r} is not an IP address")
    nothing = (codes["ip"] == 0) & (codes["account"] == 0) & (codes["candidate"] == 0) & (codes["device"] == 0)
    for i in np.flatnonzero(nothing).tolist():
        bad.setdefault(i, "no ip, account_id, candidate_id or device_id")
    keep = np.ones(len(lines), bool)
    for i in sorted(bad):
        keep[i] = False
        problems.add(lines[i], bad[i], json.dumps({f: cols[f][i] for f in EVENT_FIELDS if cols[f][i] not in ("", None)},
                                                  ensure_ascii=False, default=str))
    idx = np.flatnonzero(keep)
    kw: dict[str, Any] = {}
    for c in COLUMNS:
        kw[c], kw[f"{c}_values"] = codes[c][idx], values[c]
    return EventLog(ts=ts[idx], line=np.asarray(lines, np.int32)[idx], duration=dur[idx], source=source, **kw)


# --------------------------------------------------------------------------- reader
def read_event_table(path: str | Path, head: str | None = None) -> ReadResult[NetworkEvent]:
    """Network / login events from a plain CSV or JSON Lines file; ``rows`` is an :class:`EventLog`.
    ``head``: the file's first 4096 characters when the caller has read them already. Meeting
    participant reports are told apart (and dispatched) by
    :func:`interview_guard.netmeta.readers.read_events`, the entry point callers use."""
    p = Path(path)
    if head is None:
        with open_text(p) as f:
            head = f.read(4096)
    fmt = detect_format(p, head)
    problems = ProblemLog()
    lines: list[int] = []
    cols: dict[str, list] = {f: [] for f in EVENT_FIELDS}
    if fmt == "csv":
        _collect_csv(p, head, lines, cols, problems)
    else:
        _collect_jsonl(p, lines, cols, problems)
    log = _columns_to_log(str(p), lines, cols, problems)
    if problems.count:
        logger.warning("%s: %d bad event row(s) left out", p, problems.count)
    items = tuple(sorted(problems.items, key=lambda pr: pr.line))
    return ReadResult(str(p), fmt, log, items, problems.count)


def _collect_csv(p: Path, head: str, lines: list[int], cols: dict[str, list], problems: ProblemLog) -> None:
    first = head.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    with open_text(p) as f:
        reader = csv.reader(f, delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            return
        where = column_map(header, EVENT_FIELDS)
        if "timestamp" not in where:
            raise InputError(f"{p}: the header has no timestamp column (found: {', '.join(h.strip() for h in header)})")
        fields = [f for f in EVENT_FIELDS if f in where]
        missing = [f for f in EVENT_FIELDS if f not in where]
        width = len(header)
        get = itemgetter(*(where[f] for f in fields))
        rows: list[tuple] = []
        line = reader.line_num
        for row in reader:
            start, line = line + 1, reader.line_num
            n = len(row)
            if n != width:
                if n == 0 or (n == 1 and not row[0].strip()):
                    continue
                if n > width and any(c.strip() for c in row[width:]):
                    problems.add(start, f"{n} fields, the header has {width}", ",".join(row)[:200])
                    continue
                row = row + [""] * (width - n)
            rows.append(get(row))
            lines.append(start)
        if len(fields) == 1:
            rows = [(r,) for r in rows]
        columns = list(zip(*rows)) if rows else [() for _ in fields]
        for name, values in zip(fields, columns):
            cols[name] = list(values)
        for name in missing:
            cols[name] = [""] * len(lines)


def _collect_jsonl(p: Path, lines: list[int], cols: dict[str, list], problems: ProblemLog) -> None:
    aliases = {f: COLUMN_ALIASES.get(f, (f,)) for f in EVENT_FIELDS}
    with open_text(p) as f:
        for line_no, text in enumerate(f, 1):
            if not text.strip():
                continue
            if "\ufffd" in text:
                problems.add(line_no, "bytes that are not UTF-8")
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as e:
                problems.add(line_no, f"not valid JSON ({e.msg})", text.strip())
                continue
            if not isinstance(obj, dict):
                problems.add(line_no, "not a JSON object", text.strip())
                continue
            canon = {canon_column(k): v for k, v in obj.items()}
            lines.append(line_no)
            for fname, names in aliases.items():
                v = next((canon[a] for a in names if a in canon), "")
                cols[fname].append(v if isinstance(v, str) or fname in ("timestamp", "duration_s")
                                   else "" if v is None else str(v))
