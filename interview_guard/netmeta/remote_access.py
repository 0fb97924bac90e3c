"""Recognise remote-desktop, overlay-network and tunnel tools in an endpoint inventory.

The catalog (``remote_access.toml`` beside this module) is written from public facts: process
names, the vendors' service domains and dedicated ports (cross-checked with nmap-services).
A process or domain match is strong; a port-only match is weaker (another program may use the
port) and only counts for ports the catalog marks as dedicated.
"""
from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from .readers import EndpointRecord

CATALOG_PATH = Path(__file__).with_name("remote_access.toml")
CATEGORIES = ("remote_desktop", "overlay_network", "tunnel")


@dataclass(frozen=True)
class RemoteTool:
    id: str
    name: str
    category: str
    processes: tuple[str, ...]
    domains: tuple[str, ...]
    ports: tuple[int, ...]
    port_match: bool
    port_evidence: str = ""


@dataclass(frozen=True)
class RemoteAccessCatalog:
    version: str
    tools: tuple[RemoteTool, ...]

    def __post_init__(self) -> None:
        procs: dict[str, RemoteTool] = {}
        for t in self.tools:
            for p in t.processes:
                procs[normalize_process(p)] = t
        object.__setattr__(self, "_by_process", procs)
        object.__setattr__(self, "_by_port", {p: t for t in self.tools if t.port_match for p in t.ports})
        object.__setattr__(self, "_domains", tuple((d.lower(), t) for t in self.tools for d in t.domains))

    def by_process(self, process_name: str) -> RemoteTool | None:
        return self._by_process.get(normalize_process(process_name))  # type: ignore[attr-defined]

    def by_domain(self, domain: str) -> RemoteTool | None:
        d = domain.lower().rstrip(".")
        for suffix, tool in self._domains:  # type: ignore[attr-defined]
            if d == suffix or d.endswith("." + suffix):
                return tool
        return None

    def by_port(self, port: int | None) -> RemoteTool | None:
        return self._by_port.get(port) if port is not None else None  # type: ignore[attr-defined]


def normalize_process(name: str) -> str:
    base = re.split(r"[\\/]", name.strip())[-1].lower()
    for ext in (".exe", ".app", ".bin"):
        if base.endswith(ext):
            base = base[: -len(ext)]
    return base.strip()


def load_catalog(path: str | Path | None = None) -> RemoteAccessCatalog:
    p = Path(path) if path else CATALOG_PATH
    data = tomllib.loads(p.read_text(encoding="utf-8"))
    tools = []
    for t in data.get("tool", ()):
        if t["category"] not in CATEGORIES:
            raise ValueError(f"{p}: tool {t['id']} has unknown category {t['category']!r}")
        tools.append(RemoteTool(id=t["id"], name=t["name"], category=t["category"],
                                processes=tuple(t.get("processes", ())), domains=tuple(t.get("domains", ())),
                                ports=tuple(int(x) for x in t.get("ports", ())), port_match=bool(t.get("port_match")),
                                port_evidence=t.get("port_evidence", "")))
    return RemoteAccessCatalog(version=str(data.get("catalog", {}).get("version", "")), tools=tuple(tools))


@functools.lru_cache(maxsize=1)
def default_catalog() -> RemoteAccessCatalog:
    return load_catalog()


@dataclass(frozen=True)
class RemoteAccessHit:
    """One inventory row that shows a catalogued tool. ``matched_by``: process, domain or port."""

    tool: RemoteTool
    record: EndpointRecord
    matched_by: tuple[str, ...]

    @property
    def strong(self) -> bool:
        return "process" in self.matched_by or "domain" in self.matched_by


def find_remote_access(records: Iterable[EndpointRecord], catalog: RemoteAccessCatalog) -> list[RemoteAccessHit]:
    hits = []
    for r in records:
        found: dict[str, tuple[RemoteTool, list[str]]] = {}
        for how, tool in (("process", catalog.by_process(r.process_name) if r.process_name else None),
                          ("domain", catalog.by_domain(r.remote_domain) if r.remote_domain else None),
                          ("port", catalog.by_port(r.remote_port))):
            if tool is not None:
                found.setdefault(tool.id, (tool, []))[1].append(how)
        for tool, hows in found.values():
            hits.append(RemoteAccessHit(tool, r, tuple(hows)))
    return hits


@dataclass(frozen=True)
class HostTools:
    """Per host: the tools seen and the rows that show them."""

    host: str
    tools: tuple[str, ...]
    categories: tuple[str, ...]
    hits: tuple[RemoteAccessHit, ...]

    @property
    def strong(self) -> bool:
        return any(h.strong for h in self.hits)


def group_by_host(hits: Sequence[RemoteAccessHit]) -> list[HostTools]:
    by_host: dict[str, list[RemoteAccessHit]] = {}
    for h in hits:
        by_host.setdefault(h.record.host or "(unknown host)", []).append(h)
    out = []
    for host, hs in sorted(by_host.items()):
        tools = tuple(dict.fromkeys(h.tool.name for h in hs))
        cats = tuple(dict.fromkeys(h.tool.category for h in hs))
        out.append(HostTools(host, tools, cats, tuple(hs)))
    return out
