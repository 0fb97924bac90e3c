"""Synthetic IP data files and event logs, in the real formats, for tests and benchmarks.

Nothing here is used by the analysis itself. The writers produce files the real readers parse
(iporigin ``ranges.bin``, cloudip ``msgpack.gz``, ip-location-db country / ASN CSV), so tests
exercise the same code paths as the fetched data, without fetching anything.
"""
from __future__ import annotations

import csv
import gzip
import ipaddress
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np


def _ip_int(text: str) -> int:
    return int(ipaddress.ip_address(text))


def write_iporigin(path: Path, ranges: Sequence[tuple[str, str, str, str]], built_at: int = 1_790_000_000) -> Path:
    """``ranges``: (first IP, last IP, provider, kind) — IPv4 and IPv6 mixed, non-overlapping."""
    labels: dict[tuple[str, str], int] = {}
    v4, v6 = [], []
    for first, last, provider, kind in ranges:
        label = labels.setdefault((provider, kind), len(labels))
        a, b = ipaddress.ip_address(first), ipaddress.ip_address(last)
        (v4 if a.version == 4 else v6).append((a, b, label))
    out = bytearray(struct.pack("<8sHQHII", b"IPORIGIN", 1, built_at, len(labels), len(v4), len(v6)))
    for (provider, kind), _ in sorted(labels.items(), key=lambda kv: kv[1]):
        text = f"{provider}\t{kind}".encode()
        out += struct.pack("<H", len(text)) + text
    for a, b, label in sorted(v4, key=lambda r: int(r[0])):
        out += struct.pack("<IIH", int(a), int(b), label)
    for a, b, label in sorted(v6, key=lambda r: int(r[0])):
        out += struct.pack("<16s16sH", a.packed, b.packed, label)
    Path(path).write_bytes(bytes(out))
    return Path(path)


def write_cloudip(path: Path, cidrs: Sequence[tuple[str, str, str, str]], version: str = "2026-01-01") -> Path:
    """``cidrs``: (cidr, provider id such as "aws", region, service)."""
    providers = list(dict.fromkeys(p for _, p, _, _ in cidrs))
    obj = {"version": version, "build_time": 1_790_000_000, "providers": providers,
           "ranges": [{"cidr": c, "p": providers.index(p), "r": r, "s": s} for c, p, r, s in cidrs]}
    import msgpack

    Path(path).write_bytes(gzip.compress(msgpack.packb(obj)))
    return Path(path)


def write_country_csv(path: Path, ranges: Sequence[tuple[str, str, str]]) -> Path:
    """ip-location-db layout: first IP, last IP, country code."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(ranges)
    return Path(path)


def write_asn_folder(folder: Path, ranges: Sequence[tuple[str, str, int, str]]) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "asn-ipv4-num.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        for first, last, asn, org in ranges:
            w.writerow([_ip_int(first), _ip_int(last), asn, org])
    return folder


class FileModels:
    """Stands in for ModelStore: entry name -> a local path (missing names raise ModelError)."""

    def __init__(self, paths: Mapping[str, Path]) -> None:
        self.paths = {k: Path(v) for k, v in paths.items()}

    def path(self, name: str) -> Path:
        from interview_guard.errors import ModelError

        if name not in self.paths:
            raise ModelError(f"model {name!r} is not available in this test", fix="interview-guard models fetch")
        return self.paths[name]

    def is_present(self, name: str) -> bool:
        return name in self.paths

    def sha256(self, name: str) -> str:
        return ""

    def default_names(self) -> list[str]:
        return list(self.paths)


# Addresses used by tests and the sample data: real provider ranges (as the fetched data labels them).
PLANTED = {"tor": "185.220.101.1", "hosting": "5.9.0.1", "cloud": "52.95.110.1"}


def synthetic_ip_data(folder: Path) -> FileModels:
    """Small IP data files in the real formats: a Tor exit, a Hetzner range, an AWS range, a VPN,
    and country ranges for JP / US / DE / BR / FR / AU / GB so tests can geolocate addresses."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    iporigin = write_iporigin(folder / "ranges.bin", [
        ("185.220.101.0", "185.220.101.255", "Tor", "tor"), ("5.9.0.0", "5.9.255.255", "Hetzner", "hosting"),
        ("52.95.0.0", "52.95.255.255", "Amazon AWS", "hosting"), ("37.19.205.0", "37.19.205.255", "ProtonVPN", "vpn"),
        ("2a01:4f8::", "2a01:4f8:ffff:ffff:ffff:ffff:ffff:ffff", "Hetzner", "hosting")])
    cloudip = write_cloudip(folder / "cloudip.msgpack.gz", [
        ("52.95.0.0/16", "aws", "us-east-1", "AMAZON"), ("52.95.110.0/24", "aws", "GLOBAL", "AMAZON")])
    country = write_country_csv(folder / "country.csv", [
        ("126.0.0.0", "126.255.255.255", "JP"), ("153.156.0.0", "153.156.255.255", "JP"),
        ("60.118.0.0", "60.118.255.255", "JP"), ("37.19.205.0", "37.19.205.255", "JP"),
        ("8.0.0.0", "8.255.255.255", "US"), ("52.95.0.0", "52.95.255.255", "US"),
        ("5.9.0.0", "5.9.255.255", "DE"), ("185.220.101.0", "185.220.101.255", "DE"),
        ("177.0.0.0", "177.255.255.255", "BR"), ("90.0.0.0", "90.127.255.255", "FR"),
        ("1.128.0.0", "1.159.255.255", "AU"), ("81.2.0.0", "81.2.255.255", "GB"),
        ("24.0.0.0", "24.255.255.255", "CA")])
    asn = write_asn_folder(folder / "asn", [("126.0.0.0", "126.255.255.255", 17676, "SoftBank Corp."),
                                            ("5.9.0.0", "5.9.255.255", 24940, "Hetzner Online GmbH")])
    return FileModels({"ip-iporigin": iporigin, "ip-cloudip": cloudip, "ip-country": country, "ip-asn": asn})


@dataclass(frozen=True)
class EventSpec:
    """One generated event row (timestamp as ISO text)."""

    timestamp: str
    account_id: str
    ip: str
    event: str = "page_view"
    candidate_id: str = ""
    device_id: str = ""
    duration_s: str = ""
    user_agent: str = ""


EVENT_HEADER = ("timestamp", "candidate_id", "account_id", "ip", "event", "user_agent", "device_id", "duration_s")


def write_events_csv(path: Path, events: Iterable[EventSpec], extra_lines: Sequence[str] = ()) -> Path:
    """Write events (and optional raw lines, e.g. malformed ones) as a network-log CSV."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(EVENT_HEADER)
        for e in events:
            w.writerow([e.timestamp, e.candidate_id, e.account_id, e.ip, e.event, e.user_agent, e.device_id,
                        e.duration_s])
        for line in extra_lines:
            f.write(line.rstrip("\n") + "\n")
    return Path(path)


def random_events_csv(path: Path, n: int, *, accounts: int = 20000, ips: int = 100000, seed: int = 0,
                      start: float = 1_778_000_000.0, days: float = 30.0) -> Path:
    """A platform-sized log for benchmarks: ``n`` events over ``days`` days, random accounts / IPs."""
    rng = np.random.default_rng(seed)
    ts = np.sort(start + rng.random(n) * days * 86400.0)
    acct = rng.integers(0, accounts, n)
    pool = rng.integers(0x01000000, 0xDF000000, ips, dtype=np.int64)
    ip_idx = rng.integers(0, ips, n)
    events = np.array(["login", "page_view", "message_sent", "logout"])[rng.integers(0, 4, n)]
    from datetime import datetime, timezone

    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write(",".join(EVENT_HEADER) + "\n")
        ip_text = [str(ipaddress.IPv4Address(int(x))) for x in pool]
        for i in range(n):
            stamp = datetime.fromtimestamp(float(ts[i]), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            f.write(f"{stamp},,acct-{acct[i]},{ip_text[ip_idx[i]]},{events[i]},,dev-{acct[i]},\n")
    return Path(path)
