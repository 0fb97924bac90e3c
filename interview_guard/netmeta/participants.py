"""Adapter: Zoom / Teams-style meeting participant reports -> network events.

Meeting tools export one row per participant join. This adapter maps each row onto one
:class:`~interview_guard.netmeta.eventlog.NetworkEvent` with ``event = "meeting_join"``:

=====================================================  ==========================================
report column (any of these spellings)                 network event field
=====================================================  ==========================================
User Email, Email, Participant ID (UPN)                ``account_id`` (preferred: stable)
Participant, Name (Original Name), Full Name, Name     ``account_id`` when no email column is set
IP Address, IP, Public IP                              ``ip``
Join Time                                              ``timestamp``
Leave Time (minus Join Time); else Duration (Minutes)  ``duration_s``
  or Teams' Duration ("1h 2m 3s")
Location ("Osaka (JP)", "Tokyo, Japan" ...)            ``location`` (kept as text)
Network Type (Wired, Wifi, Cellular ...)               ``network_type``
Device + Version ("Windows 5.17.11")                   ``user_agent``
Mac Address, Harddisk ID, PC Name (first present)      ``device_id``
=====================================================  ==========================================

Join and leave times in these exports are in the time zone of the account that exported them,
not UTC: pass ``tz`` (an IANA name, ``NetworkOptions.participant_report_tz``); times with an
explicit offset keep it. Accepted time formats: ISO-8601, ``03/05/2024 09:01:02 AM``,
``3/5/24, 9:01:02 AM`` (Teams), ``Mar 05, 2024 09:01:02 AM`` and ``2024-03-05 09:01:02``.
Rows with no usable join time, or an IP address that is not one, are reported as problems.
"""
from __future__ import annotations

import csv
import logging
import re
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from .eventlog import EventLogBuilder, NetworkEvent
from .tabular import ProblemLog, ReadResult, canon_column, open_text

logger = logging.getLogger(__name__)

_EMAIL = ("user_email", "email", "participant_id_(upn)", "upn")
_NAME = ("participant", "name_(original_name)", "full_name", "name", "display_name", "user_name")
_IP = ("ip_address", "ip", "public_ip", "public_ip_address")
_JOIN = ("join_time", "joined", "first_join", "join_time_(utc)")
_LEAVE = ("leave_time", "left", "last_leave", "leave_time_(utc)")
_DURATION_MIN = ("duration_(minutes)", "duration_(mins)", "duration_minutes")
_DURATION_TEXT = ("duration", "in-meeting_duration", "in_meeting_duration")
_LOCATION = ("location",)
_NETWORK = ("network_type",)
_DEVICE = ("device",)
_VERSION = ("version", "client_version")
_DEVICE_ID = ("mac_address", "harddisk_id", "pc_name")

_TIME_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
                 "%m/%d/%y, %I:%M:%S %p", "%m/%d/%y %I:%M:%S %p", "%b %d, %Y %I:%M:%S %p",
                 "%b %d, %Y %I:%M %p", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(h|hr|hrs|hours?|m|min|mins|minutes?|s|sec|secs|seconds?)\b")


def looks_like_participant_report(header_line: str) -> bool:
    """True for a CSV header with a join time and a participant / email / IP column."""
    cols = {canon_column(c) for c in next(csv.reader([header_line]), [])}
    return bool(cols & set(_JOIN)) and bool(cols & set(_EMAIL + _NAME + _IP)) and "timestamp" not in cols


def parse_report_time(text: str, tz: tzinfo) -> float:
    s = " ".join(text.strip().split())
    if not s:
        raise ValueError("empty time")
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        for fmt in _TIME_FORMATS:
            try:
                dt = datetime.strptime(s, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"time {text!r} is in no known format") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return dt.timestamp()


def parse_duration_text(text: str) -> float:
    """'1h 2m 3s', '62 min', '45' (minutes) -> seconds."""
    s = text.strip().lower()
    if not s:
        raise ValueError("empty duration")
    try:
        return float(s) * 60.0
    except ValueError:
        pass
    parts = _DURATION_PART.findall(s)
    if not parts:
        raise ValueError(f"duration {text!r} is not understood")
    total = 0.0
    for value, unit in parts:
        total += float(value) * (3600 if unit.startswith("h") else 60 if unit.startswith("m") else 1)
    return total


def _first(row: dict[str, str], names: tuple[str, ...]) -> str:
    for n in names:
        v = row.get(n, "").strip()
        if v:
            return v
    return ""


def _zone(tz: str | tzinfo | None) -> tzinfo:
    from datetime import timezone

    if tz is None or tz == "UTC":
        return timezone.utc
    if isinstance(tz, tzinfo):
        return tz
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        from ..errors import InputError

        raise InputError(f"unknown time zone {tz!r} for the participant report") from None


def read_participant_report(path: str | Path, *, tz: str | tzinfo | None = "UTC") -> ReadResult[NetworkEvent]:
    """Read a Zoom / Teams participant report as network events (see the module docstring)."""
    p = Path(path)
    zone = _zone(tz)
    builder = EventLogBuilder(str(p))
    problems = ProblemLog()
    with open_text(p) as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            return ReadResult(str(p), "participant-report", builder.build())
        canon = [canon_column(h) for h in header]
        line = reader.line_num
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not cells or not any(c.strip() for c in cells):
                continue
            if any("\ufffd" in c for c in cells):
                problems.add(start, "bytes that are not UTF-8")
                continue
            row: dict[str, Any] = {canon[i]: cells[i] for i in range(min(len(canon), len(cells)))}
            try:
                join = parse_report_time(_first(row, _JOIN), zone)
                leave_text = _first(row, _LEAVE)
                duration = float("nan")
                if leave_text:
                    duration = parse_report_time(leave_text, zone) - join
                    if duration < 0:
                        raise ValueError("leave time is before join time")
                elif _first(row, _DURATION_MIN):
                    duration = parse_duration_text(_first(row, _DURATION_MIN))
                elif _first(row, _DURATION_TEXT):
                    duration = parse_duration_text(_first(row, _DURATION_TEXT))
                account = _first(row, _EMAIL).lower() or _first(row, _NAME)
                ip = _first(row, _IP)
                if not (account or ip):
                    raise ValueError("no participant, email or IP address")
                agent = " ".join(x for x in (_first(row, _DEVICE), _first(row, _VERSION)) if x)
                builder.add(start, join, ip=ip, duration=duration, account=account, event="meeting_join",
                            user_agent=agent, device=_first(row, _DEVICE_ID), location=_first(row, _LOCATION),
                            network_type=_first(row, _NETWORK))
            except ValueError as e:
                problems.add(start, str(e), ",".join(cells))
    if problems.count:
        logger.warning("%s: %d bad participant row(s) left out", p, problems.count)
    return ReadResult(str(p), "participant-report", builder.build(), tuple(problems.items), problems.count)
