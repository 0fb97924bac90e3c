"""Sorted, non-overlapping IP range tables and vectorised lookups.

A table holds IPv4 ranges as ``uint32`` start / end arrays and IPv6 ranges as 16-byte
big-endian strings (``S16``, which sort like the numbers they encode), each with a label
index. A batch lookup is one ``numpy.searchsorted`` per address family: no per-address
Python work after the addresses are parsed, and parsing a batch of IPv4 text is one
``inet_pton`` per address joined into a single buffer.

Tables compiled from slow-to-parse sources (msgpack, CSV, whole-tree mmdb walks) are cached
as ``.npz`` files keyed by the source file's path, size and mtime.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

logger = logging.getLogger(__name__)

CACHE_FORMAT = 1
_pton4 = functools.partial(socket.inet_pton, socket.AF_INET)
_pton6 = functools.partial(socket.inet_pton, socket.AF_INET6)
_V4_MAPPED_PREFIX = b"\x00" * 10 + b"\xff\xff"


@dataclass(frozen=True)
class Label:
    """What a range says: ``kind`` (tor, vpn, hosting, cloud, country, asn ...), ``name``
    (provider, country code, AS organisation) and a free ``detail`` (region / service / ASN)."""

    kind: str
    name: str
    detail: str = ""


@dataclass(frozen=True)
class ParsedIps:
    """A batch of addresses: ``version`` per address (4, 6, or 0 = not an address), IPv4 values
    for every position (0 where not IPv4), and IPv6 values for positions ``v6_pos`` only."""

    version: np.ndarray  # int8
    v4: np.ndarray  # uint32
    v6_pos: np.ndarray  # int64 positions of IPv6 addresses
    v6: np.ndarray  # S16 big-endian

    @property
    def all_v4(self) -> bool:
        return bool(self.v6_pos.size == 0 and (self.version == 4).all())

    def __len__(self) -> int:
        return int(self.version.shape[0])


def parse_ips(ips: Sequence[str]) -> ParsedIps:
    """Parse IP text in bulk. Invalid entries get version 0 (never an exception)."""
    n = len(ips)
    try:  # fast path: every entry is dotted-quad IPv4
        v4 = np.frombuffer(b"".join(map(_pton4, ips)), dtype=">u4").astype(np.uint32)
        return ParsedIps(np.full(n, 4, np.int8), v4, np.zeros(0, np.int64), np.zeros(0, "S16"))
    except (OSError, TypeError, ValueError):
        pass
    version = np.zeros(n, np.int8)
    v4 = np.zeros(n, np.uint32)
    colon = np.fromiter((isinstance(s, str) and ":" in s for s in ips), bool, n)
    pos4 = np.flatnonzero(~colon)
    try:  # the dotted-quad part of a mixed batch still goes through the bulk path
        v4[pos4] = np.frombuffer(b"".join(map(_pton4, [ips[i] for i in pos4])), dtype=">u4")
        version[pos4] = 4
        slow = np.flatnonzero(colon)
    except (OSError, TypeError, ValueError):
        slow = np.arange(n)
    v6_pos: list[int] = []
    v6: list[bytes] = []
    for i in slow.tolist():
        s = ips[i]
        if not isinstance(s, str):
            continue
        if ":" not in s:
            try:
                v4[i] = int.from_bytes(_pton4(s), "big")
                version[i] = 4
            except OSError:
                pass
            continue
        try:
            b = _pton6(s.split("%", 1)[0].strip("[]"))
        except OSError:
            continue
        if b[:12] == _V4_MAPPED_PREFIX:
            v4[i] = int.from_bytes(b[12:], "big")
            version[i] = 4
        else:
            version[i] = 6
            v6_pos.append(i)
            v6.append(b)
    return ParsedIps(version, v4, np.asarray(v6_pos, np.int64), np.asarray(v6, "S16") if v6 else np.zeros(0, "S16"))


@dataclass(frozen=True)
class RangeTable:
    """Non-overlapping ranges sorted by start, per address family, with label indices."""

    name: str  # short source id, e.g. "iporigin"
    description: str  # for people: package, build date, licence
    labels: tuple[Label, ...]
    v4_starts: np.ndarray
    v4_ends: np.ndarray
    v4_labels: np.ndarray
    v6_starts: np.ndarray
    v6_ends: np.ndarray
    v6_labels: np.ndarray

    def __len__(self) -> int:
        return int(self.v4_starts.size + self.v6_starts.size)

    def lookup(self, parsed: ParsedIps) -> np.ndarray:
        """Label index per address (int32), -1 where no range contains it."""
        n = len(parsed)
        out = np.full(n, -1, np.int32)
        if self.v4_starts.size:
            if parsed.all_v4:
                out[:] = _find(self.v4_starts, self.v4_ends, self.v4_labels, parsed.v4)
            else:
                m4 = parsed.version == 4
                if m4.any():
                    out[m4] = _find(self.v4_starts, self.v4_ends, self.v4_labels, parsed.v4[m4])
        if self.v6_starts.size and parsed.v6_pos.size:
            out[parsed.v6_pos] = _find(self.v6_starts, self.v6_ends, self.v6_labels, parsed.v6)
        return out


def _find(starts: np.ndarray, ends: np.ndarray, labels: np.ndarray, q: np.ndarray) -> np.ndarray:
    idx = np.searchsorted(starts, q, side="right") - 1
    safe = np.maximum(idx, 0)
    hit = (idx >= 0) & (q <= ends[safe])
    return np.where(hit, labels[safe], -1).astype(np.int32, copy=False)


# --------------------------------------------------------------------------- building tables
def int_to_v6(value: int) -> bytes:
    return value.to_bytes(16, "big")


def flatten(ranges: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Turn possibly nested ranges (CIDR blocks: disjoint or nested) into disjoint segments where
    the innermost (most specific) range wins; the first of identical ranges wins; adjacent
    segments with the same label are merged."""
    seen: dict[tuple[int, int], int] = {}
    for s, e, label in ranges:
        seen.setdefault((s, e), label)
    items = sorted(((s, e, lab) for (s, e), lab in seen.items()), key=lambda t: (t[0], -t[1]))
    out: list[tuple[int, int, int]] = []

    def emit(s: int, e: int, label: int) -> None:
        if s > e:
            return
        if out and out[-1][2] == label and out[-1][1] + 1 == s:
            out[-1] = (out[-1][0], e, label)
        else:
            out.append((s, e, label))

    stack: list[tuple[int, int, int]] = []
    cursor = 0
    for s, e, label in items:
        while stack and stack[-1][1] < s:
            top = stack.pop()
            emit(cursor, top[1], top[2])
            cursor = top[1] + 1
        if stack:
            emit(cursor, s - 1, stack[-1][2])
        stack.append((s, e, label))
        cursor = s
    while stack:
        top = stack.pop()
        emit(cursor, top[1], top[2])
        cursor = top[1] + 1
    return out


class TableBuilder:
    """Collects ranges per family with interned labels, then builds a :class:`RangeTable`."""

    def __init__(self, name: str, description: str) -> None:
        self.name = name
        self.description = description
        self._labels: dict[Label, int] = {}
        self.v4: list[tuple[int, int, int]] = []
        self.v6: list[tuple[int, int, int]] = []

    def label(self, label: Label) -> int:
        i = self._labels.get(label)
        if i is None:
            i = self._labels[label] = len(self._labels)
        return i

    def add(self, version: int, start: int, end: int, label: Label) -> None:
        (self.v4 if version == 4 else self.v6).append((start, end, self.label(label)))

    def build(self, *, nested: bool = True) -> RangeTable:
        v4 = flatten(self.v4) if nested else sorted(self.v4)
        v6 = flatten(self.v6) if nested else sorted(self.v6)
        labels = tuple(sorted(self._labels, key=self._labels.__getitem__))
        return RangeTable(
            name=self.name, description=self.description, labels=labels,
            v4_starts=np.asarray([r[0] for r in v4], np.uint32), v4_ends=np.asarray([r[1] for r in v4], np.uint32),
            v4_labels=np.asarray([r[2] for r in v4], np.int32),
            v6_starts=np.asarray([int_to_v6(r[0]) for r in v6], "S16") if v6 else np.zeros(0, "S16"),
            v6_ends=np.asarray([int_to_v6(r[1]) for r in v6], "S16") if v6 else np.zeros(0, "S16"),
            v6_labels=np.asarray([r[2] for r in v6], np.int32))


# --------------------------------------------------------------------------- cache
def _cache_key(name: str, source: Path) -> str:
    st = source.stat()
    raw = f"{CACHE_FORMAT}|{name}|{source.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def save_table(table: RangeTable, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}.npz")
    meta = json.dumps({"name": table.name, "description": table.description,
                       "labels": [[lb.kind, lb.name, lb.detail] for lb in table.labels]})
    np.savez(tmp, meta=np.array(meta), v4_starts=table.v4_starts, v4_ends=table.v4_ends,
             v4_labels=table.v4_labels, v6_starts=table.v6_starts, v6_ends=table.v6_ends,
             v6_labels=table.v6_labels)
    os.replace(tmp, path)


def load_table(path: Path) -> RangeTable:
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        return RangeTable(name=meta["name"], description=meta["description"],
                          labels=tuple(Label(*x) for x in meta["labels"]),
                          **{k: z[k] for k in ("v4_starts", "v4_ends", "v4_labels", "v6_starts", "v6_ends",
                                               "v6_labels")})


def cached_table(name: str, source: Path, build: Callable[[Path], RangeTable],
                 cache_dir: Path | None) -> RangeTable:
    """Load ``name`` compiled from ``source`` from the cache, or build it and try to cache it."""
    target = None
    if cache_dir is not None:
        target = Path(cache_dir) / f"{name}-{_cache_key(name, source)}.npz"
        if target.is_file():
            try:
                return load_table(target)
            except (OSError, ValueError, KeyError) as e:
                logger.info("ignoring unreadable IP table cache %s: %s", target, e)
    table = build(source)
    if target is not None:
        try:
            save_table(table, target)
        except OSError as e:  # a read-only cache only costs time
            logger.info("could not cache IP table %s: %s", target, e)
    return table
