"""Network / account features: parsed inputs, IP intelligence and per-IP facts for the event log.

Data files come from the manifest entries ``ip-iporigin``, ``ip-cloudip``, ``ip-country`` and
``ip-asn`` (``interview-guard models fetch``) plus ``NetworkOptions.maxmind_dir``; any of them may
be missing, and the checks say which source they used.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InterviewGuardError
from ..features import FeatureEnv, FeatureUnavailable, feature
from .activity import IpGeo
from .eventlog import EventLog
from .ipintel import ANONYMIZER_KINDS, KINDS, IpBatch, IpInfo, IpIntel, SourceInfo
from .readers import ReadResult, read_account_history, read_endpoints, read_events, read_messages, read_reviews

logger = logging.getLogger(__name__)

IP_DATA_ENTRIES = ("ip-iporigin", "ip-cloudip", "ip-country", "ip-asn")
FETCH_HINT = "interview-guard models fetch " + " ".join(IP_DATA_ENTRIES)

_INTEL_LOCK = threading.Lock()
_INTEL_CACHE: dict[tuple, IpIntel] = {}  # loaded once per process: tables take a second to load


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "interview_guard" / "ipintel"


def _input(env: FeatureEnv, field_name: str, what: str) -> Path:
    return Path(env.require_input(field_name, what))


@feature("network_events", "derived", description="network / login events (CSV, JSON Lines, participant reports)")
def network_events(env: FeatureEnv, get) -> ReadResult:
    return read_events(_input(env, "network_log", "network log"),
                       participant_tz=env.config.network.participant_report_tz)


@feature("endpoint_inventory", "derived", description="processes and connections per host")
def endpoint_inventory(env: FeatureEnv, get) -> ReadResult:
    return read_endpoints(_input(env, "endpoints", "endpoint inventory"))


@feature("account_history", "derived", description="platform account field changes")
def account_history(env: FeatureEnv, get) -> ReadResult:
    return read_account_history(_input(env, "accounts", "account history"))


@feature("account_reviews", "derived", description="reviews between platform accounts")
def account_reviews(env: FeatureEnv, get) -> ReadResult:
    return read_reviews(_input(env, "reviews", "reviews file"))


@feature("account_messages", "derived", description="platform messages")
def account_messages(env: FeatureEnv, get) -> ReadResult:
    return read_messages(_input(env, "messages", "messages file"))


def load_intel(paths: dict[str, Path], maxmind_dir: str | None, cache_dir: Path) -> IpIntel:
    """Process-wide cached :class:`IpIntel` for these files."""
    key_parts = []
    for name in sorted(paths):
        p = paths[name]
        st = p.stat()
        key_parts.append((name, str(p), st.st_size, st.st_mtime_ns))
    key = (tuple(key_parts), maxmind_dir, str(cache_dir))
    with _INTEL_LOCK:
        intel = _INTEL_CACHE.get(key)
        if intel is None:
            intel = IpIntel.from_files(iporigin=paths.get("ip-iporigin"), cloudip=paths.get("ip-cloudip"),
                                       country_mmdb=paths.get("ip-country"), asn_dir=paths.get("ip-asn"),
                                       maxmind_dir=maxmind_dir, cache_dir=cache_dir)
            if len(_INTEL_CACHE) >= 2:
                _INTEL_CACHE.pop(next(iter(_INTEL_CACHE))).close()
            _INTEL_CACHE[key] = intel
        return intel


@feature("ip_intel", "derived", description="offline IP intelligence tables")
def ip_intel(env: FeatureEnv, get) -> IpIntel:
    opts = env.config.network
    paths: dict[str, Path] = {}
    missing = []
    for name in IP_DATA_ENTRIES:
        try:
            paths[name] = Path(env.model_path(name))
        except InterviewGuardError as e:
            missing.append(name)
            logger.info("IP data %s unavailable: %s", name, e.one_line())
    if not paths and not opts.maxmind_dir:
        raise FeatureUnavailable(f"no IP data files (run `{FETCH_HINT}` or set network.maxmind_dir)")
    if missing:
        logger.info("IP data missing: %s (fix: %s)", ", ".join(missing), FETCH_HINT)
    cache_dir = Path(opts.cache_dir).expanduser() if opts.cache_dir else default_cache_dir()
    return load_intel(paths, opts.maxmind_dir, cache_dir)


@dataclass(frozen=True)
class EventIps:
    """IP facts for each IP code of the event log (code 0 = no address)."""

    batch: IpBatch | None
    geo: IpGeo
    kinds: tuple[str, ...]
    sources: tuple[SourceInfo, ...]
    unavailable: str = ""  # why there is no IP intelligence ("" when there is)
    has_anonymizer_data: bool = False
    has_country_data: bool = False

    def info(self, code: int) -> IpInfo:
        if self.batch is None:
            return IpInfo(ip="", valid=False)
        return self.batch.info(int(code))


@feature("event_ips", "derived", depends={"network_events", "ip_intel"},
         description="kind, country and place of every address in the network log")
def event_ips(env: FeatureEnv, get) -> EventIps:
    log: EventLog = get("network_events").rows
    n = len(log.ip_values)
    try:
        intel: IpIntel = get("ip_intel")
    except FeatureUnavailable as e:
        return EventIps(None, IpGeo.empty(n), ("unknown",) * n, (), unavailable=e.reason)
    batch = intel.lookup(log.ip_values)
    countries = sorted({c for c in batch.country.tolist() if c})
    index = {c: i for i, c in enumerate(countries)}
    cc = np.asarray([index.get(c, -1) for c in batch.country.tolist()], np.int32)
    lat, lon, acc = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    for i, facts in batch.maxmind.items():
        for f in facts:
            if f.latitude is not None and f.longitude is not None:
                lat[i], lon[i] = f.latitude, f.longitude
                acc[i] = float(f.accuracy_km) if f.accuracy_km is not None else np.nan
    kinds = tuple(KINDS[int(k)] for k in batch.kind_code)
    anonymizer = np.asarray([k in ANONYMIZER_KINDS for k in kinds], bool)
    return EventIps(batch, IpGeo(cc, tuple(countries), lat, lon, acc, anonymizer), kinds, intel.sources,
                    has_anonymizer_data=intel.has_anonymizer_data, has_country_data=intel.has_country_data)


@feature("remote_access_catalog", "derived", description="catalog of remote-access tools")
def remote_access_catalog(env: FeatureEnv, get):
    from .remote_access import default_catalog

    return default_catalog()
