"""User-supplied MaxMind databases, checked against MaxMind's labelled test databases (from the
maxminddb 3.2.0 sdist) and the JSON those databases were built from."""
from __future__ import annotations

import ipaddress
import json
import shutil

import pytest

from interview_guard.netmeta.maxmind import MaxMindDatabase, facts_from_record, open_folder

pytestmark = pytest.mark.models
ENTRY = "maxminddb-test"


def _expected(registry_data, name):
    """(an address inside each network, its record) from the source JSON."""
    out = []
    for item in json.loads(registry_data(ENTRY, f"{name}.json").read_text(encoding="utf-8")):
        for cidr, record in item.items():
            net = ipaddress.ip_network(cidr, strict=False)
            addr = net.network_address
            if (net.version == 6 and net.prefixlen >= 96 and str(net).startswith("::")
                    and not str(net).startswith("::ffff")):
                addr = ipaddress.IPv4Address(int(net.network_address) & 0xFFFFFFFF)  # ::1.2.0.0 = 1.2.0.0
            out.append((str(addr), record))
    return out


KIND_OF_FLAGS = [("is_tor_exit_node", "tor"), ("is_anonymous_vpn", "vpn"), ("is_public_proxy", "proxy"),
                 ("is_residential_proxy", "residential_proxy"), ("is_hosting_provider", "hosting")]


@pytest.mark.parametrize("name", ["GeoIP2-Anonymous-IP-Test", "GeoIP-Anonymous-Plus-Test"])
def test_anonymous_ip_kinds_match_the_labels(registry_data, name):
    with MaxMindDatabase(registry_data(ENTRY, f"{name}.mmdb")) as db:
        assert "Anonymous" in db.database_type
        cases = _expected(registry_data, name)
        assert len(cases) >= 10
        for ip, record in cases:
            facts = db.facts(ip)
            assert facts is not None, ip
            want = next((k for f, k in KIND_OF_FLAGS if record.get(f)), "proxy" if record.get("is_anonymous") else None)
            assert facts.kind == want, (ip, record)
            assert facts.provider == record.get("provider_name")
            assert facts.confidence == record.get("anonymizer_confidence")


def test_residential_proxy_database(registry_data):
    with MaxMindDatabase(registry_data(ENTRY, "GeoIP-Residential-Proxy-Test.mmdb")) as db:
        for ip, record in _expected(registry_data, "GeoIP-Residential-Proxy-Test"):
            f = db.facts(ip)
            assert f.kind == "residential_proxy" and f.provider == record["provider_name"], ip


def test_city_country_and_coordinates(registry_data):
    with MaxMindDatabase(registry_data(ENTRY, "GeoIP2-City-Test.mmdb")) as db:
        checked = 0
        for ip, record in _expected(registry_data, "GeoIP2-City-Test"):
            f = db.facts(ip)
            if f is None:  # networks shadowed by more specific ones in the built tree
                continue
            want = ((record.get("country") or {}).get("iso_code")
                    or (record.get("registered_country") or {}).get("iso_code"))
            if want and f.country == want:
                checked += 1
            loc = record.get("location") or {}
            if "latitude" in loc and f.latitude == loc["latitude"]:
                assert f.time_zone == loc.get("time_zone")
        assert checked >= 100
    tokyo = facts_from_record({"country": {"iso_code": "JP"}, "location": {"latitude": 35.68536, "longitude": 139.75309,
                                                                            "accuracy_radius": 100,
                                                                            "time_zone": "Asia/Tokyo"}}, "test")
    assert (tokyo.country, tokyo.time_zone, tokyo.accuracy_km) == ("JP", "Asia/Tokyo", 100)


def test_asn_and_connection_type(registry_data):
    with MaxMindDatabase(registry_data(ENTRY, "GeoLite2-ASN-Test.mmdb")) as db:
        cases = _expected(registry_data, "GeoLite2-ASN-Test")
        hits = [(db.facts(ip), r) for ip, r in cases]
        good = [f for f, r in hits if f is not None and f.asn == r["autonomous_system_number"]]
        assert len(good) >= 0.95 * len(cases)
        google = db.facts("1.0.0.1")
        assert (google.asn, google.as_org) == (15169, "Google Inc.")
    with MaxMindDatabase(registry_data(ENTRY, "GeoIP2-Connection-Type-Test.mmdb")) as db:
        for ip, record in _expected(registry_data, "GeoIP2-Connection-Type-Test"):
            f = db.facts(ip)
            if f is not None:
                assert f.connection_type == record["connection_type"], ip


def test_intel_uses_a_maxmind_folder(registry_data, tmp_path):
    from interview_guard.netmeta.ipintel import IpIntel

    folder = tmp_path / "maxmind"
    folder.mkdir()
    for name in ("GeoIP2-Anonymous-IP-Test", "GeoIP2-City-Test", "GeoLite2-ASN-Test"):
        shutil.copy(registry_data(ENTRY, f"{name}.mmdb"), folder / f"{name}.mmdb")
    (folder / "junk.mmdb").write_bytes(b"not a database")
    assert len(open_folder(folder)) == 3  # the broken file is skipped with a warning
    with IpIntel.from_files(maxmind_dir=folder) as intel:
        assert intel.has_anonymizer_data and intel.has_country_data
        batch = intel.lookup(["1.124.213.1", "81.2.69.160", "1.0.0.1", "2001:218::1"])
        assert batch.kinds().tolist()[:2] == ["tor", "tor"]
        tor = batch.info(0)
        assert tor.source == "MaxMind GeoIP2-Anonymous-IP" and "is_tor_exit_node" in tor.matches[0].detail
        city = batch.info(1)
        assert city.country == "GB" and city.latitude is not None and city.time_zone == "Europe/London"
        assert batch.info(2).asn == 15169
        assert batch.info(3).country == "JP" and batch.info(3).time_zone == "Asia/Tokyo"
