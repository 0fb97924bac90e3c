"""The remote-access catalog: well-formed, matching rules, and ports cross-checked with nmap-services."""
from __future__ import annotations

import re

import pytest

from interview_guard.netmeta.maxmind import facts_from_record
from interview_guard.netmeta.readers import EndpointRecord
from interview_guard.netmeta.remote_access import find_remote_access, group_by_host, load_catalog, normalize_process

REQUIRED = {"anydesk", "teamviewer", "rustdesk", "chrome-remote-desktop", "splashtop", "parsec", "vnc", "rdp",
            "radmin", "screenconnect", "logmein", "zoho-assist", "ammyy", "supremo", "aeroadmin", "nomachine",
            "jump-desktop", "tailscale", "zerotier"}


def test_catalog_is_complete_and_well_formed():
    cat = load_catalog()
    ids = [t.id for t in cat.tools]
    assert len(ids) == len(set(ids)) and REQUIRED <= set(ids)
    for t in cat.tools:
        assert t.processes or t.domains or t.ports, t.id
        assert all(d == d.lower() and "." in d for d in t.domains), t.id
        if t.port_match:
            assert t.ports and t.port_evidence, t.id
    cats = {t.id: t.category for t in cat.tools}
    assert cats["tailscale"] == cats["zerotier"] == "overlay_network" and cats["anydesk"] == "remote_desktop"


def test_matching_rules():
    cat = load_catalog()
    assert normalize_process(r"C:\Program Files\AnyDesk\AnyDesk.EXE") == "anydesk"
    assert cat.by_process("TeamViewer_Service.exe").id == "teamviewer"
    assert cat.by_domain("relay-1.net.anydesk.com").id == "anydesk"
    assert cat.by_domain("notanydesk.com") is None  # suffix match needs a dot boundary
    assert cat.by_port(3389).id == "rdp" and cat.by_port(5901).id == "vnc"
    assert cat.by_port(443) is None and cat.by_port(7070) is None  # AnyDesk's 7070 is not dedicated
    rows = [EndpointRecord(1, None, "H1", process_name="rustdesk.exe", remote_port=21116),
            EndpointRecord(2, None, "H2", process_name="chrome.exe", remote_domain="remotedesktop.google.com"),
            EndpointRecord(3, None, "H2", process_name="firefox", remote_port=443, remote_domain="example.org")]
    hits = find_remote_access(rows, cat)
    assert [(h.tool.id, h.matched_by) for h in hits] == [("rustdesk", ("process", "port")),
                                                         ("chrome-remote-desktop", ("domain",))]
    assert [(g.host, g.tools) for g in group_by_host(hits)] == [("H1", ("RustDesk",)),
                                                                 ("H2", ("Chrome Remote Desktop",))]


def test_ip2proxy_style_records():
    f = facts_from_record({"proxy_type": "DCH", "country_short": "DE", "isp": "Hetzner", "asn": "24940"},
                          "IP2Location PX2")
    assert (f.kind, f.country, f.asn, f.as_org) == ("hosting", "DE", 24940, "Hetzner")
    assert facts_from_record({"proxy_type": "RES"}, "x").kind == "residential_proxy"
    assert facts_from_record({"proxy_type": "-"}, "x").kind is None


@pytest.mark.models
def test_catalog_ports_agree_with_nmap_services(registry_data):
    """Every "nmap: PORT/proto NAME" claim in the catalog is what nmap-services says."""
    services = {}
    text = registry_data("nmap-services", "nmap-services").read_text(encoding="utf-8", errors="replace")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            if len(parts) >= 2:
                services.setdefault(parts[1], parts[0])
    claims = 0
    for t in load_catalog().tools:
        for port, proto, name in re.findall(r"(\d+)/(tcp|udp) ([\w-]+)", t.port_evidence):
            claims += 1
            assert services.get(f"{port}/{proto}") == name, (t.id, port, proto, name)
    assert claims >= 8
    assert services["3389/tcp"] == "ms-wbt-server" and services["5938/tcp"] == "teamviewer"
    assert services["4899/tcp"] == "radmin" and services["5900/tcp"] == "vnc"
    assert "21116/tcp" not in services  # RustDesk's ports come from its documentation only
