"""Accounts tied together by shared values (IP address, device, document, payout account ...).

A cluster is a connected group in the graph "account -- shared value": two accounts on one IP
and one of them on a device with a third makes one cluster of three.
"""
from __future__ import annotations

from dataclasses import dataclass, field
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
    pairs = np.stack([codes[idx].astype(np.int64), subjects.code[idx].astype(np.int64)])
    uniq, first = np.unique(pairs, axis=1, return_index=True)
    vals, counts = np.unique(uniq[0], return_counts=True)
    multi = set(vals[counts >= 2].tolist())
    out: dict[int, list[tuple[str, int]]] = {}
    for (v, s), f in zip(uniq.T, first):
        if int(v) in multi:
            out.setdefault(int(v), []).append((subjects.names[int(s)], int(idx[f])))
    kind = "device_id" if column == "device" else column
    return [SharedValue(kind, values[v], tuple(sorted(a for a, _ in members)),
                        tuple(log.ref(e) for _, e in sorted(members)[:max_refs]))
            for v, members in sorted(out.items(), key=lambda kv: (-len(kv[1]), values[kv[0]]))]


def build_clusters(shared: Iterable[SharedValue]) -> list[Cluster]:
    """Connected groups of accounts over the shared values; largest first."""
    shared = list(shared)
    uf = UnionFind()
    for sv in shared:
        for a in sv.accounts[1:]:
            uf.union(sv.accounts[0], a)
    clusters = []
    for accounts in uf.groups():
        if len(accounts) < 2:
            continue
        members = set(accounts)
        clusters.append(Cluster(tuple(accounts), tuple(sv for sv in shared if sv.accounts[0] in members)))
    clusters.sort(key=lambda c: (-len(c.accounts), c.accounts))
    return clusters
