"""User-supplied MaxMind (GeoIP2 / GeoLite2) and IP2Proxy ``.mmdb`` databases, read with maxminddb.

Put the files in one folder and set ``NetworkOptions.maxmind_dir``. Each file's role is taken
from its metadata ``database_type`` and from the fields its records carry:

* Anonymous-IP / Anonymous-Plus: ``is_tor_exit_node`` -> tor, ``is_anonymous_vpn`` -> vpn,
  ``is_public_proxy`` -> proxy, ``is_residential_proxy`` -> residential_proxy,
  ``is_hosting_provider`` -> hosting (the strongest flag names the kind; all flags are kept),
  plus ``provider_name`` / ``anonymizer_confidence`` / ``network_last_seen`` when present;
* Residential-Proxy: every record is a residential proxy exit;
* City / Country / Enterprise: ``country.iso_code``, ``city.names.en``, ``location``
  (latitude, longitude, accuracy_radius km, time_zone);
* ASN / ISP: ``autonomous_system_number`` / ``autonomous_system_organization`` (and ``isp``);
* Connection-Type: ``connection_type`` (Cable/DSL, Cellular, Corporate, Satellite);
* IP2Proxy-style records: ``proxy_type`` VPN / TOR / DCH (hosting) / PUB, WEB (proxy) /
  RES (residential proxy) / CPN, EPN (privacy networks -> vpn) / SES (search engine -> bot).
  Field names follow IP2Location's documentation; no IP2Proxy file was available to test with.

These files can be large (City: millions of networks), so they are queried per unique address
through the maxminddb C extension instead of being flattened into range tables.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

_FLAG_KINDS = (("is_tor_exit_node", "tor"), ("is_anonymous_vpn", "vpn"), ("is_public_proxy", "proxy"),
               ("is_residential_proxy", "residential_proxy"), ("is_hosting_provider", "hosting"))
_IP2PROXY_KINDS = {"VPN": "vpn", "TOR": "tor", "DCH": "hosting", "PUB": "proxy", "WEB": "proxy",
                   "RES": "residential_proxy", "CPN": "vpn", "EPN": "vpn", "SES": "bot"}


@dataclass(frozen=True)
class MaxMindFacts:
    """What one database says about one address (None = not in this database / not a field)."""

    source: str
    kind: str | None = None
    flags: tuple[str, ...] = ()
    provider: str | None = None
    confidence: int | None = None
    last_seen: str | None = None
    country: str | None = None
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    accuracy_km: float | None = None
    time_zone: str | None = None
    asn: int | None = None
    as_org: str | None = None
    connection_type: str | None = None


def _get(d: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(d, dict):
            return None
        d = d.get(p)
    return d


def facts_from_record(record: Any, source: str, database_type: str = "") -> MaxMindFacts | None:
    if not isinstance(record, dict):
        return None
    flags = (tuple(f for f, _ in _FLAG_KINDS if record.get(f))
             + (("is_anonymous",) if record.get("is_anonymous") else ()))
    kind = next((k for f, k in _FLAG_KINDS if record.get(f)), None)
    if kind is None and record.get("is_anonymous"):
        kind = "proxy"
    if "residential-proxy" in database_type.lower():
        kind, flags = "residential_proxy", flags or ("residential_proxy",)
    proxy_type = record.get("proxy_type")
    if kind is None and isinstance(proxy_type, str) and proxy_type.upper() in _IP2PROXY_KINDS:
        kind, flags = _IP2PROXY_KINDS[proxy_type.upper()], (f"proxy_type={proxy_type.upper()}",)
    country = _get(record, "country", "iso_code") or record.get("country_code") or record.get("country_short")
    lat, lon = _get(record, "location", "latitude"), _get(record, "location", "longitude")
    asn = record.get("autonomous_system_number") or record.get("asn")
    try:
        asn = int(asn) if asn not in (None, "", "-") else None
    except (TypeError, ValueError):
        asn = None
    conf = record.get("anonymizer_confidence")
    return MaxMindFacts(
        source=source, kind=kind, flags=flags,
        provider=record.get("provider_name") or record.get("provider") or None,
        confidence=int(conf) if isinstance(conf, (int, float)) else None,
        last_seen=record.get("network_last_seen") or record.get("last_seen") or None,
        country=str(country).upper() if isinstance(country, str) and len(country) == 2 else None,
        city=_get(record, "city", "names", "en"),
        latitude=float(lat) if isinstance(lat, (int, float)) else None,
        longitude=float(lon) if isinstance(lon, (int, float)) else None,
        accuracy_km=_get(record, "location", "accuracy_radius"),
        time_zone=_get(record, "location", "time_zone"),
        asn=asn, as_org=record.get("autonomous_system_organization") or record.get("isp") or record.get("as") or None,
        connection_type=record.get("connection_type"))


class MaxMindDatabase:
    """One open ``.mmdb`` file. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | Path) -> None:
        import maxminddb

        self.path = Path(path)
        try:
            self._reader = maxminddb.open_database(str(self.path))
        except (OSError, ValueError) as e:
            from ..errors import InputError

            raise InputError(f"{self.path} is not a readable MaxMind database: {e}") from None
        meta = self._reader.metadata()
        self.database_type: str = str(meta.database_type)
        built = datetime.fromtimestamp(meta.build_epoch, tz=timezone.utc).date().isoformat()
        ip2 = any(v in self.database_type.lower() for v in ("ip2proxy", "ip2location"))
        vendor = "IP2Location" if ip2 else "MaxMind"
        self.source = f"{vendor} {self.database_type}"
        self.description = f"{vendor} {self.database_type} ({self.path.name}, built {built})"

    def facts(self, ip: str) -> MaxMindFacts | None:
        try:
            record = self._reader.get(ip)
        except ValueError:  # not an address, or IPv6 in an IPv4-only database
            return None
        return facts_from_record(record, self.source, self.database_type) if record is not None else None

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> "MaxMindDatabase":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_folder(folder: str | Path) -> list[MaxMindDatabase]:
    """Open every ``*.mmdb`` in ``folder`` (sorted by name); unreadable ones are logged and skipped."""
    p = Path(folder).expanduser()
    if not p.is_dir():
        from ..errors import InputError

        raise InputError(f"maxmind_dir {p} is not a folder")
    out = []
    for f in sorted(p.glob("*.mmdb")):
        try:
            out.append(MaxMindDatabase(f))
        except Exception as e:
            logger.warning("skipping %s: %s", f, e)
    return out
