"""Range tables, the file readers for the IP data formats, and IpIntel lookups."""
from __future__ import annotations

import ipaddress

import pytest
from support.netsynth import synthetic_ip_data, write_iporigin

from interview_guard.netmeta.ipintel import IpIntel
from interview_guard.netmeta.ranges import Label, TableBuilder, cached_table, flatten, load_table, parse_ips, save_table
from interview_guard.netmeta.sources import load_cloudip, load_country, load_iporigin


def test_parse_ips_fast_and_mixed_paths():
    p = parse_ips(["1.2.3.4", "10.0.0.1"])
    assert p.all_v4 and p.v4.tolist() == [0x01020304, 0x0A000001]
    p = parse_ips(["1.2.3.4", "2001:db8::1", "nonsense", "::ffff:5.6.7.8", "fe80::1%eth0", None])
    assert p.version.tolist() == [4, 6, 0, 4, 6, 0]
    assert p.v4[3] == int(ipaddress.IPv4Address("5.6.7.8"))
    assert p.v6_pos.tolist() == [1, 4] and p.v6[0] == ipaddress.IPv6Address("2001:db8::1").packed


def test_flatten_nested_ranges_innermost_wins():
    # outer 0-99 (A), nested 10-19 (B) with 12-13 (C), duplicate 10-19 (D, loses), adjacent 100-109 (A)
    segs = flatten([(0, 99, 0), (10, 19, 1), (12, 13, 2), (10, 19, 3), (100, 109, 0)])
    assert segs == [(0, 9, 0), (10, 11, 1), (12, 13, 2), (14, 19, 1), (20, 109, 0)]


def test_range_table_matches_brute_force(rng):
    b = TableBuilder("t", "test")
    ranges = []
    for k in range(300):
        start = int(rng.integers(0, 2**32 - 2**20))
        end = start + int(rng.integers(0, 2**16))
        ranges.append((start, end, k % 7))
        b.add(4, start, end, Label("hosting", f"p{k % 7}"))
    table = b.build(nested=True)
    queries = [int(x) for x in rng.integers(0, 2**32, 3000)] + [r[0] for r in ranges] + [r[1] for r in ranges]
    got = table.lookup(parse_ips([str(ipaddress.IPv4Address(q)) for q in queries]))
    for q, g in zip(queries, got):
        containing = [r for r in ranges if r[0] <= q <= r[1]]
        if not containing:
            assert g == -1
        else:  # overlapping random ranges are not CIDR-nested; any containing label is acceptable
            assert table.labels[g].name in {f"p{r[2]}" for r in containing}


def test_range_table_ipv6_and_cache_roundtrip(tmp_path):
    b = TableBuilder("t6", "test v6")
    net = ipaddress.ip_network("2a01:4f8::/32")
    b.add(6, int(net.network_address), int(net.broadcast_address), Label("hosting", "Hetzner"))
    b.add(4, 1, 2, Label("vpn", "X"))
    table = b.build()
    path = tmp_path / "t.npz"
    save_table(table, path)
    again = load_table(path)
    lab = again.lookup(parse_ips(["2a01:4f8:1::5", "2a02::1", "0.0.0.1"]))
    assert [again.labels[i].name if i >= 0 else None for i in lab] == ["Hetzner", None, "X"]
    calls = []

    def build(p):
        calls.append(p)
        return table

    src = tmp_path / "src.bin"
    src.write_bytes(b"x")
    cached_table("t6", src, build, tmp_path / "cache")
    cached_table("t6", src, build, tmp_path / "cache")
    assert len(calls) == 1  # the second load came from the cache


def test_iporigin_format_reader(tmp_path):
    p = write_iporigin(tmp_path / "ranges.bin", [("185.220.101.0", "185.220.101.255", "Tor", "tor"),
                                                  ("104.28.0.0", "104.28.0.255", "Apple Private Relay", "vpn"),
                                                  ("2a01:4f8::", "2a01:4f8::ffff", "Hetzner", "hosting")])
    t = load_iporigin(p)
    assert {(lb.kind, lb.name) for lb in t.labels} == {("tor", "Tor"), ("relay", "Apple Private Relay"),
                                                      ("hosting", "Hetzner")}
    assert t.v4_starts.size == 2 and t.v6_starts.size == 1
    p.write_bytes(p.read_bytes()[:-3])
    with pytest.raises(ValueError, match="size"):
        load_iporigin(p)


def test_cloudip_reader_longest_prefix(tmp_path):
    models = synthetic_ip_data(tmp_path)
    t = load_cloudip(models.path("ip-cloudip"))
    lab = t.lookup(parse_ips(["52.95.110.1", "52.95.1.1", "1.1.1.1"]))
    assert t.labels[lab[0]].detail == "GLOBAL/AMAZON" and t.labels[lab[1]].detail == "us-east-1/AMAZON"
    assert lab[2] == -1 and t.labels[lab[0]].kind == "cloud"


def test_intel_merges_sources_and_ignores_reserved_space(tmp_path):
    models = synthetic_ip_data(tmp_path / "d")
    intel = IpIntel.from_files(iporigin=models.path("ip-iporigin"), cloudip=models.path("ip-cloudip"),
                               country_mmdb=models.path("ip-country"), asn_dir=models.path("ip-asn"),
                               cache_dir=tmp_path / "cache")
    batch = intel.lookup(["185.220.101.1", "5.9.0.1", "52.95.110.1", "126.1.1.1", "192.168.0.1", "bad"])
    assert batch.kinds().tolist() == ["tor", "hosting", "cloud", "unknown", "reserved", "unknown"]
    aws = batch.info(2)
    assert (aws.provider, aws.source, aws.country) == ("Amazon AWS", "cloudip", "US")
    assert [m.source for m in aws.matches] == ["cloudip", "iporigin"]
    assert batch.info(1).asn == 24940 and batch.info(3).country == "JP"
    assert batch.info(4).country is None and not batch.info(5).valid
    assert {s.name for s in intel.sources} == {"iporigin", "cloudip", "country", "asn"}


def test_country_csv_accepts_numeric_rows(tmp_path):
    p = tmp_path / "geo-ipv4-num.csv"
    p.write_text("start,end,cc\n16777216,16777471,au\n", encoding="utf-8")
    t = load_country(p)
    assert t.labels[t.lookup(parse_ips(["1.0.0.9"]))[0]].name == "AU"


@pytest.mark.models
def test_fetched_sources_agree_with_the_packages_own_answers():
    """The iporigin README's examples, read through our own reader of its data file."""
    from interview_guard.runtime.models import ModelStore

    store = ModelStore()
    if not store.is_present("ip-iporigin"):
        pytest.fail("ip-iporigin missing: run `interview-guard models fetch ip-iporigin`")
    t = load_iporigin(store.path("ip-iporigin"))
    lab = t.lookup(parse_ips(["52.95.110.1", "185.220.101.1", "5.9.0.1", "127.0.0.1"]))
    assert [(t.labels[i].kind, t.labels[i].name) if i >= 0 else None for i in lab] == [
        ("hosting", "Amazon AWS"), ("tor", "Tor"), ("hosting", "Hetzner"), None]
