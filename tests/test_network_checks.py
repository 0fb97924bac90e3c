"""Network checks end to end through the Analyzer, on generated logs and synthetic IP data files
written in the real formats (no fetched data; the `models` tests at the end use the real data)."""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from support.netsynth import EventSpec, synthetic_ip_data, write_events_csv

from interview_guard.config import AnalyzerConfig, NetworkOptions
from interview_guard.types import CaseInputs

NETWORK = ("network.anonymizer", "network.location_claim", "network.timezone_claim", "network.ip_churn",
           "network.shared_ip", "network.remote_access", "network.long_sessions")
T0 = datetime(2026, 5, 11, 0, 0, tzinfo=timezone.utc)  # 09:00 in Osaka


def iso(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FakeHit:
    candidate_id: str | None
    case_id: str
    kind: str
    value: str
    analyzed_at: str = "2026-04-01T00:00:00Z"


class FakeStore:
    """Records what the Analyzer saves and answers find_links from a fixed table."""

    def __init__(self, known: dict[tuple[str, str], FakeHit] | None = None) -> None:
        self.known = known or {}
        self.links = []
        self.queries = []

    def find_links(self, kind, value, exclude_candidate=None, exclude_case=None):
        self.queries.append((kind, value))
        hit = self.known.get((kind, value))
        return [hit] if hit and hit.candidate_id != exclude_candidate else []

    def record_analysis(self, report, links=()):
        self.links.extend(links)
        return "analysis-1"

    def close(self):
        pass


def analyze(tmp_path: Path, *, store=None, checks=NETWORK, network: NetworkOptions | None = None, **files):
    from interview_guard.pipeline import Analyzer

    models = synthetic_ip_data(tmp_path / "ipdata")
    net = network or NetworkOptions()
    cfg = AnalyzerConfig(store_path=None, checks=checks,
                         network=replace(net, cache_dir=str(tmp_path / "cache")))
    inputs = CaseInputs(**{k: Path(v) for k, v in files.items() if k != "candidate_id"},
                        candidate_id=files.get("candidate_id"))
    with Analyzer(cfg, models=models, store=store, use_store=store is not None) as analyzer:
        return analyzer.analyze(inputs)


def claims_file(tmp_path: Path, country="JP", tz="Asia/Tokyo") -> Path:
    p = tmp_path / "claims.toml"
    p.write_text(f'name = "Taro Yamada"\ntimezone = "{tz}"\n[location]\ncity = "Osaka"\ncountry = "{country}"\n',
                 encoding="utf-8")
    return p


def benign_events(days: int = 4, account: str = "acct-1", ip: str = "126.77.134.20") -> list[EventSpec]:
    """Office-hours activity in Osaka from one home address and one laptop."""
    out = []
    for d in range(days):
        for h in range(0, 9):
            out.append(EventSpec(iso(d * 1440 + h * 60 + 7), account, ip, "page_view", candidate_id="cand-1",
                                 device_id="laptop-1"))
    return out


def sig(report, name):
    s = report.signal(name)
    assert s is not None, f"{name} missing from the report"
    return s


# --------------------------------------------------------------------------- benign
def test_benign_traffic_is_ok_for_every_network_signal(tmp_path):
    log = write_events_csv(tmp_path / "events.csv", benign_events())
    endpoints = tmp_path / "endpoints.csv"
    endpoints.write_text("timestamp,host,process_name,remote_ip,remote_port,remote_domain\n"
                         f"{iso(5)},LAPTOP-1,chrome.exe,142.250.1.1,443,www.google.com\n"
                         f"{iso(6)},LAPTOP-1,slack.exe,3.1.1.1,443,slack.com\n", encoding="utf-8")
    report = analyze(tmp_path, network_log=log, endpoints=endpoints, claims=claims_file(tmp_path),
                     candidate_id="cand-1")
    for name in NETWORK:
        s = sig(report, name)
        assert s.status == "ok", (name, s.status, s.summary)
    assert report.risk.level == "low"


# --------------------------------------------------------------------------- anonymizers
def test_planted_tor_hosting_and_cloud_are_flagged_with_their_source(tmp_path):
    events = benign_events(days=2)
    events += [EventSpec(iso(30), "acct-1", "185.220.101.1", candidate_id="cand-1"),
               EventSpec(iso(90), "acct-1", "5.9.0.1", candidate_id="cand-1"),
               EventSpec(iso(150), "acct-1", "52.95.110.1", candidate_id="cand-1")]
    report = analyze(tmp_path, network_log=write_events_csv(tmp_path / "e.csv", events))
    s = sig(report, "network.anonymizer")
    assert s.status == "flag"
    found = {a["ip"]: a for a in s.details["addresses"]}
    assert found["185.220.101.1"]["kind"] == "tor" and found["185.220.101.1"]["source"] == "iporigin"
    assert found["5.9.0.1"]["kind"] == "hosting" and found["5.9.0.1"]["provider"] == "Hetzner"
    assert found["52.95.110.1"]["kind"] == "cloud" and found["52.95.110.1"]["source"] == "cloudip"
    assert found["52.95.110.1"]["provider"] == "Amazon AWS"
    assert {m["source"] for m in found["52.95.110.1"]["matches"]} == {"cloudip", "iporigin"}
    assert "126.77.134.20" not in found
    refs = [e.ref for e in s.evidence]
    assert all(r.startswith("e.csv:") for r in refs) and len(refs) == 3


def test_vpn_alone_never_raises_risk_above_review(tmp_path):
    events = [EventSpec(iso(d * 1440 + h * 60), "acct-1", "37.19.205.155", candidate_id="cand-1")
              for d in range(3) for h in range(9)]
    report = analyze(tmp_path, network_log=write_events_csv(tmp_path / "e.csv", events),
                     claims=claims_file(tmp_path, country="US", tz="America/New_York"))
    assert sig(report, "network.anonymizer").status == "flag"
    assert report.risk.level in ("low", "review")


def test_missing_ip_data_skips_the_anonymizer_check(tmp_path):
    from support.netsynth import FileModels

    from interview_guard.pipeline import Analyzer

    log = write_events_csv(tmp_path / "e.csv", benign_events(days=1))
    cfg = AnalyzerConfig(store_path=None, checks=("network.anonymizer", "network.ip_churn"),
                         network=NetworkOptions(cache_dir=str(tmp_path / "c")))
    with Analyzer(cfg, models=FileModels({}), use_store=False) as analyzer:
        report = analyzer.analyze(CaseInputs(network_log=log))
    s = sig(report, "network.anonymizer")
    assert s.status == "skipped" and "models fetch" in s.summary
    assert sig(report, "network.ip_churn").status == "ok"  # IP counts still work without IP data


# --------------------------------------------------------------------------- churn / travel
def test_account_seen_from_four_countries_in_30_minutes_is_flagged(tmp_path):
    events = benign_events(days=1)
    for k, ip in enumerate(["126.1.1.1", "8.8.4.4", "177.10.0.1", "90.1.2.3"]):  # JP, US, BR, FR
        events.append(EventSpec(iso(600 + k * 8), "acct-2", ip))
    report = analyze(tmp_path, network_log=write_events_csv(tmp_path / "e.csv", events))
    s = sig(report, "network.ip_churn")
    assert s.status == "flag"
    w = next(w for w in s.details["windows"] if w["subject"] == "acct-2")
    assert sorted(w["countries"]) == ["BR", "FR", "JP", "US"]
    assert s.details["impossible_travel"], "JP -> US in 8 minutes is impossible travel"
    assert not any(w["subject"] == "acct-1" for w in s.details["windows"])


def test_many_ips_in_one_country_in_a_short_time_is_flagged(tmp_path):
    events = [EventSpec(iso(k * 3), "acct-3", f"126.0.{k}.1") for k in range(7)]
    report = analyze(tmp_path, network_log=write_events_csv(tmp_path / "e.csv", events))
    s = sig(report, "network.ip_churn")
    assert s.status == "flag" and "7 IPs" in s.summary


# --------------------------------------------------------------------------- shared IP / device
def test_three_accounts_on_one_ip_are_one_cluster(tmp_path):
    events = benign_events(days=1)
    for k, acct in enumerate(["acct-a", "acct-b", "acct-c"]):
        events.append(EventSpec(iso(100 + k), acct, "126.50.50.50", device_id=f"dev-{acct}"))
    store = FakeStore()
    report = analyze(tmp_path, network_log=write_events_csv(tmp_path / "e.csv", events), store=store)
    s = sig(report, "network.shared_ip")
    assert s.status == "flag" and s.score >= 0.7
    clusters = s.details["clusters"]
    assert len(clusters) == 1 and clusters[0]["accounts"] == ["acct-a", "acct-b", "acct-c"]
    assert clusters[0]["shared"][0]["value"] == "126.50.50.50"
    kinds = {(link.kind, link.value) for link in store.links}
    assert ("ip", "126.50.50.50") in kinds and ("device_id", "laptop-1") in kinds
    assert ("account_id", "acct-a") in kinds


def test_shared_ip_across_the_store_is_flagged(tmp_path):
    store = FakeStore({("ip", "126.77.134.20"): FakeHit("cand-OTHER", "case-old", "ip", "126.77.134.20")})
    log = write_events_csv(tmp_path / "e.csv", benign_events(days=1))
    report = analyze(tmp_path, network_log=log, store=store, candidate_id="cand-1")
    s = sig(report, "network.shared_ip")
    assert s.status == "flag"
    assert s.details["store"][0]["case_id"] == "case-old"
    assert any(e.kind == "link" and e.ref == "case-old" for e in s.evidence)


def test_tor_exit_shared_by_accounts_is_weak(tmp_path):
    events = [EventSpec(iso(k), f"acct-{k}", "185.220.101.1") for k in range(3)]
    report = analyze(tmp_path, network_log=write_events_csv(tmp_path / "e.csv", events))
    s = sig(report, "network.shared_ip")
    assert s.status == "flag" and s.score < 0.3


# --------------------------------------------------------------------------- remote access
def test_anydesk_rustdesk_and_rdp_are_flagged_with_the_host(tmp_path):
    endpoints = tmp_path / "endpoints.csv"
    endpoints.write_text(
        "timestamp,host,candidate_id,process_name,remote_ip,remote_port,remote_domain\n"
        f"{iso(1)},WS-OSAKA-01,cand-1,AnyDesk.exe,,443,relay-8f.net.anydesk.com\n"
        f"{iso(2)},WS-OSAKA-01,cand-1,C:\\Program Files\\RustDesk\\rustdesk.exe,203.0.113.9,21116,\n"
        f"{iso(3)},JUMPBOX,cand-1,unknown.exe,198.51.100.7,3389,\n"
        f"{iso(4)},WS-OSAKA-01,cand-1,tailscaled,,41641,\n"
        f"{iso(5)},WS-OSAKA-01,cand-1,chrome.exe,142.250.1.1,443,www.google.com\n", encoding="utf-8")
    report = analyze(tmp_path, endpoints=endpoints)
    s = sig(report, "network.remote_access")
    assert s.status == "flag"
    hosts = {h["host"]: h for h in s.details["hosts"]}
    assert {"AnyDesk", "RustDesk", "Tailscale"} <= set(hosts["WS-OSAKA-01"]["tools"])
    assert hosts["JUMPBOX"]["tools"] == ["Remote Desktop Protocol (RDP)"]
    assert hosts["JUMPBOX"]["rows"][0]["matched_by"] == ["port"]
    assert "WS-OSAKA-01" in s.summary and "JUMPBOX" in s.summary
    assert any("WS-OSAKA-01" in e.summary and "AnyDesk" in e.summary for e in s.evidence)
    assert any("JUMPBOX" in e.summary and "RDP" in e.summary for e in s.evidence)
    assert "Tailscale" in s.summary and "context only" in s.summary


def test_overlay_network_alone_is_context_not_a_flag(tmp_path):
    endpoints = tmp_path / "endpoints.jsonl"
    endpoints.write_text(json.dumps({"host": "H1", "process_name": "tailscaled", "remote_port": 41641}) + "\n",
                         encoding="utf-8")
    s = sig(analyze(tmp_path, endpoints=endpoints), "network.remote_access")
    assert s.status == "ok" and "Tailscale" in s.summary


# --------------------------------------------------------------------------- claims
def test_location_contradicting_the_claim_is_flagged_modestly(tmp_path):
    events = [EventSpec(iso(d * 1440 + h * 60), "acct-1", "8.8.4.4", candidate_id="cand-1")
              for d in range(3) for h in range(9)]
    report = analyze(tmp_path, network_log=write_events_csv(tmp_path / "e.csv", events),
                     claims=claims_file(tmp_path), candidate_id="cand-1")
    s = sig(report, "network.location_claim")
    assert s.status == "flag" and 0.3 <= s.score <= 0.5
    assert "JP" in s.summary and "US" in s.summary
    assert report.risk.level in ("low", "review")  # location alone is context, never adverse on its own


def test_vpn_exit_elsewhere_does_not_contradict_location(tmp_path):
    events = benign_events(days=2) + [EventSpec(iso(20), "acct-1", "185.220.101.1", candidate_id="cand-1")]
    report = analyze(tmp_path, network_log=write_events_csv(tmp_path / "e.csv", events),
                     claims=claims_file(tmp_path), candidate_id="cand-1")
    assert sig(report, "network.location_claim").status == "ok"


def test_activity_at_night_in_the_claimed_zone_is_flagged(tmp_path):
    # 14:00-22:00 UTC is 23:00-07:00 in Tokyo: a working day in Europe / Americas, night in Osaka.
    events = [EventSpec(iso(d * 1440 + 14 * 60 + h * 60), "acct-1", "126.77.134.20")
              for d in range(4) for h in range(8)]
    report = analyze(tmp_path, network_log=write_events_csv(tmp_path / "e.csv", events), claims=claims_file(tmp_path))
    s = sig(report, "network.timezone_claim")
    assert s.status == "flag" and s.score <= 0.4
    assert s.details["night_share"] >= 0.5 and s.details["best_fit_utc_offset_h"] != 9
    assert report.risk.level in ("low", "review")


def test_timezone_without_enough_activity_is_skipped(tmp_path):
    events = benign_events(days=1)[:3]
    report = analyze(tmp_path, network_log=write_events_csv(tmp_path / "e.csv", events), claims=claims_file(tmp_path))
    assert sig(report, "network.timezone_claim").status == "skipped"


def test_location_claim_without_claims_is_skipped(tmp_path):
    report = analyze(tmp_path, network_log=write_events_csv(tmp_path / "e.csv", benign_events(days=1)))
    assert sig(report, "network.location_claim").status == "skipped"


# --------------------------------------------------------------------------- long sessions
def test_very_long_sessions_and_cumulative_hours_are_flagged(tmp_path):
    events = []
    for d in range(3):  # a heartbeat every 10 minutes for 18 hours, three days running
        events += [EventSpec(iso(d * 1440 + m), "acct-9", "126.77.134.20") for m in range(0, 18 * 60, 10)]
    report = analyze(tmp_path, network_log=write_events_csv(tmp_path / "e.csv", events))
    s = sig(report, "network.long_sessions")
    assert s.status == "flag"
    assert s.details["longest_session_h"] >= 17.5
    assert len(s.details["days_over_limit"]) >= 2


def test_explicit_durations_count_as_sessions(tmp_path):
    events = [EventSpec(iso(0), "acct-9", "126.77.134.20", "session", duration_s=str(15 * 3600))]
    s = sig(analyze(tmp_path, network_log=write_events_csv(tmp_path / "e.csv", events)), "network.long_sessions")
    assert s.status == "flag" and s.details["longest_session_h"] == 15.0


# --------------------------------------------------------------------------- robustness
def test_malformed_rows_are_reported_not_fatal(tmp_path):
    log = write_events_csv(tmp_path / "e.csv", benign_events(days=1),
                           extra_lines=["not-a-time,,acct-1,126.1.1.1,login,,,",
                                        f"{iso(5)},,acct-1,999.1.1.1,login,,,",
                                        f"{iso(6)},,acct-1,126.1.1.1,login,,,-5"])
    report = analyze(tmp_path, network_log=log)
    s = sig(report, "network.anonymizer")
    assert s.status == "ok" and "3 malformed rows left out" in s.summary
    problems = s.details["inputs"][0]["problems"]
    assert [p["line"] for p in problems] == [11, 12, 13]
    assert "ISO-8601" in problems[0]["message"] and "not an IP address" in problems[1]["message"]


def test_cli_check_network_json(tmp_path, capsys, monkeypatch):
    from interview_guard.cli import main

    models = synthetic_ip_data(tmp_path / "ipdata")
    monkeypatch.setattr("interview_guard.runtime.models.ModelStore", lambda *a, **k: models)
    events = benign_events(days=1) + [EventSpec(iso(30), "acct-1", "185.220.101.1")]
    log = write_events_csv(tmp_path / "e.csv", events)
    code = main(["check-network", str(log), "--claims", str(claims_file(tmp_path)), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    names = {s["name"]: s for s in out["signals"]}
    assert set(names) >= set(NETWORK) | {"account.profile_changes", "messages.payment_and_offplatform"}
    assert names["network.anonymizer"]["status"] == "flag"
    assert names["account.profile_changes"]["status"] == "skipped"


def test_cli_check_network_without_inputs_is_an_input_error(capsys):
    from interview_guard.cli import main

    assert main(["check-network", "--json"]) == 2


# --------------------------------------------------------------------------- real data
@pytest.mark.models
def test_planted_addresses_with_the_fetched_ip_data():
    from interview_guard.netmeta.features import IP_DATA_ENTRIES, default_cache_dir, load_intel
    from interview_guard.runtime.models import ModelStore

    store = ModelStore()
    missing = [n for n in IP_DATA_ENTRIES if not store.is_present(n)]
    if missing:
        pytest.fail(f"IP data missing: {missing}; run `interview-guard models fetch {' '.join(missing)}`")
    intel = load_intel({n: store.path(n) for n in IP_DATA_ENTRIES}, None, default_cache_dir())
    tor, hetzner, aws = intel.lookup(["185.220.101.1", "5.9.0.1", "52.95.110.1"]).info(0), \
        intel.info("5.9.0.1"), intel.info("52.95.110.1")
    assert (tor.kind, tor.source) == ("tor", "iporigin")
    assert (hetzner.kind, hetzner.provider, hetzner.asn) == ("hosting", "Hetzner", 24940)
    assert (aws.kind, aws.provider, aws.source) == ("cloud", "Amazon AWS", "cloudip")
    home = intel.info("126.77.134.20")
    assert home.kind == "unknown" and home.country == "JP"
    assert intel.info("192.168.1.1").country is None  # the country file labels private space: ignored


@pytest.mark.models
def test_sample_case_network_log_flags_only_the_vpn():
    root = Path(__file__).resolve().parents[1] / "samples" / "case"
    from interview_guard.pipeline import Analyzer

    cfg = AnalyzerConfig(store_path=None, checks=NETWORK)
    with Analyzer(cfg, use_store=False) as analyzer:
        report = analyzer.analyze(CaseInputs(network_log=root / "network_log.csv", claims=root / "claims.toml",
                                             candidate_id="sample-candidate-001"))
    flagged = {s.name for s in report.signals if s.status == "flag"}
    assert flagged == {"network.anonymizer"}
    assert sig(report, "network.location_claim").status == "ok"
    assert sig(report, "network.timezone_claim").status == "ok"
    assert report.risk.level in ("low", "review")
