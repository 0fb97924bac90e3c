"""Accounts tied together by shared values (IP address, device, document, payout account ...).

A cluster is a connected group in the graph "account -- shared value": two accounts on one IP
and one of them on a device with a third makes one cluster of three.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from .activity import Subjects
from .eventlog import EventLog


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[str]]:
        out: dict[str, list[str]] = {}
        for x in self.parent:
            out.setdefault(self.find(x), []).append(x)
        return [sorted(v) for v in out.values()]


@dataclass(frozen=True)
class SharedValue:
    kind: str  # "ip", "device_id", "document_number", "payout_account", "email", "phone"
    value: str
    accounts: tuple[str, ...]
    refs: tuple[str, ...] = ()  # "file:line" of a few rows that show it
    note: str = ""  # e.g. "Tor exit: shared by strangers"


@dataclass(frozen=True)
class Cluster:
    accounts: tuple[str, ...]
    shared: tuple[SharedValue, ...] = field(default_factory=tuple)

    def to_dict(self, max_items: int = 20) -> dict:
        return {"accounts": list(self.accounts[:max_items * 5]), "n_accounts": len(self.accounts),
                "n_shared": len(self.shared),
                "shared": [{"kind": s.kind, "value": s.value, "accounts": list(s.accounts[:max_items]),
                            "refs": list(s.refs), "note": s.note} for s in self.shared[:max_items]]}


def shared_event_values(log: EventLog, subjects: Subjects, column: str, max_refs: int = 3) -> list[SharedValue]:
    """Values of ``column`` ("ip" or "device") used by two or more subjects, with example refs."""
    codes = getattr(log, column)
    values = getattr(log, f"{column}_values")
    mask = (codes > 0) & (subjects.code >= 0)
    if not mask.any():
        return []
    idx = np.flatnonzero(mask)
    key = codes[idx].astype(np.int64) * (1 << 31) + subjects.code[idx]
    uniq, first = np.unique(key, return_index=True)  # distinct (value, subject), sorted by value
    value, subject = uniq >> 31, uniq & ((1 << 31) - 1)
    starts = np.flatnonzero(np.r_[True, value[1:] != value[:-1]])
    sizes = np.diff(np.r_[starts, value.size])
    names = np.asarray(subjects.names, dtype=object)
    source = Path(log.source).name
    kind = "device_id" if column == "device" else column
    out = []
    for a, n in zip(starts[sizes >= 2].tolist(), sizes[sizes >= 2].tolist()):
        members = sorted(zip(names[subject[a:a + n]].tolist(), idx[first[a:a + n]].tolist()))
        out.append(SharedValue(kind, values[int(value[a])], tuple(m for m, _ in members),
                               tuple(f"{source}:{int(log.line[e])}" for _, e in members[:max_refs])))
    out.sort(key=lambda sv: (-len(sv.accounts), sv.value))
    return out


def build_clusters(shared: Iterable[SharedValue]) -> list[Cluster]:
    """Connected groups of accounts over the shared values; largest first."""
    shared = list(shared)
    uf = UnionFind()
    for sv in shared:
        for a in sv.accounts[1:]:
            uf.union(sv.accounts[0], a)
    by_root: dict[str, list[SharedValue]] = {}
    for sv in shared:
        by_root.setdefault(uf.find(sv.accounts[0]), []).append(sv)
    clusters = []
    for accounts in uf.groups():
        if len(accounts) < 2:
            continue
        clusters.append(Cluster(tuple(accounts), tuple(by_root.get(uf.find(accounts[0]), ()))))
    clusters.sort(key=lambda c: (-len(c.accounts), c.accounts))
    return clusters
