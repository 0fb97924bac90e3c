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

from dataclasses import dataclass
from pathlib import Path

from .tabular import (
    MAX_PROBLEMS_KEPT,
    ReadProblem,
    ReadResult,
    canon_column,
    clean_text,
    detect_format,
    iso_utc,
    normalize_ip,
    open_text,
    parse_timestamp,
    read_rows,
)

# Re-exported: callers read these from here (the reading primitives live in .tabular).
__all__ = ["MAX_PROBLEMS_KEPT", "AccountChange", "EndpointRecord", "Message", "ReadProblem", "ReadResult", "Review",
           "iso_utc", "normalize_ip", "parse_timestamp", "read_account_history", "read_endpoints", "read_events",
           "read_messages", "read_reviews", "read_rows"]


# --------------------------------------------------------------------------- network events
def read_events(path: str | Path, *, participant_tz: str = "UTC") -> ReadResult:
    """Network / login events (CSV or JSON Lines) as an
    :class:`~interview_guard.netmeta.eventlog.EventLog` in ``rows``. Zoom- and Teams-style
    participant reports are recognised by their header and read through
    :func:`interview_guard.netmeta.participants.read_participant_report` (their local join /
    leave times are read in ``participant_tz``)."""
    from .eventlog import read_event_table
    from .participants import looks_like_participant_report, read_participant_report

    p = Path(path)
    with open_text(p) as f:
        head = f.read(4096)
    if detect_format(p, head) == "csv" and looks_like_participant_report(head.split("\n", 1)[0]):
        return read_participant_report(p, tz=participant_tz)
    return read_event_table(p, head)


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
    ts = parse_timestamp(r["timestamp"]) if clean_text(r.get("timestamp")) else None
    port_text = clean_text(r.get("remote_port"))
    port = None
    if port_text:
        try:
            port = int(float(port_text))
        except ValueError:
            raise ValueError(f"remote_port {port_text!r} is not a number") from None
        if not 0 <= port <= 65535:
            raise ValueError(f"remote_port {port} is out of range")
    rip = clean_text(r.get("remote_ip"))
    proc, domain = clean_text(r.get("process_name")), clean_text(r.get("remote_domain")).lower().rstrip(".")
    if not (proc or rip or domain or port is not None):
        raise ValueError("no process_name, remote_ip, remote_port or remote_domain")
    return EndpointRecord(line=line, timestamp=ts, host=clean_text(r.get("host")),
                          candidate_id=clean_text(r.get("candidate_id")), process_name=proc,
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
    return AccountChange(line=line, timestamp=parse_timestamp(r["timestamp"]), account_id=clean_text(r["account_id"]),
                         field=canon_column(clean_text(r["field"])), old_value=clean_text(r.get("old_value")),
                         new_value=clean_text(r.get("new_value")))


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
    rating_text = clean_text(r.get("rating"))
    rating = None
    if rating_text:
        try:
            rating = float(rating_text)
        except ValueError:
            raise ValueError(f"rating {rating_text!r} is not a number") from None
    return Review(line=line, timestamp=parse_timestamp(r["timestamp"]),
                  reviewer_account=clean_text(r["reviewer_account"]),
                  reviewee_account=clean_text(r["reviewee_account"]),
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
    direction = clean_text(r.get("direction")).lower()
    if direction not in _DIRECTIONS:
        raise ValueError(f"direction {direction!r} is not in/out")
    return Message(line=line, timestamp=parse_timestamp(r["timestamp"]), account_id=clean_text(r.get("account_id")),
                   direction=_DIRECTIONS[direction], text=str(r["text"]))


def read_messages(path: str | Path) -> ReadResult[Message]:
    return read_rows(path, ("timestamp", "account_id", "direction", "text"), ("timestamp", "text"), _message)
