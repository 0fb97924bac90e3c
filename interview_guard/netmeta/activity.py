"""What an event log says about how an account is used: IP churn, travel, sessions, operators.

Everything works on the column-wise :class:`EventLog` with numpy (sorts, cumulative maxima,
group boundaries); Python loops only run over the few subjects or sessions a vectorised
pre-filter selected, so a million events take seconds, not minutes.

A *subject* is the account an event belongs to (``account_id``), or the candidate when the
log has no account ids at all.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .eventlog import EventLog
from .geo import country_distance_km, haversine_km

DAY = 86400.0


@dataclass(frozen=True)
class Subjects:
    code: np.ndarray  # int32 per event, -1 when the event has no subject
    names: tuple[str, ...]
    kind: str  # "account" or "candidate"


def event_subjects(log: EventLog) -> Subjects:
    if len(log) and (log.account > 0).any():
        return Subjects((log.account - 1).astype(np.int32), tuple(log.account_values[1:]), "account")
    return Subjects((log.candidate - 1).astype(np.int32), tuple(log.candidate_values[1:]), "candidate")


@dataclass(frozen=True)
class IpGeo:
    """Per IP code of an EventLog (index 0 = no IP): country index, coordinates, anonymizer flag."""

    country: np.ndarray  # int32 index into ``countries``, -1 unknown
    countries: tuple[str, ...]
    latitude: np.ndarray  # float64, NaN unknown (only user-supplied City data has coordinates)
    longitude: np.ndarray
    accuracy_km: np.ndarray
    anonymizer: np.ndarray  # bool

    @classmethod
    def empty(cls, n_ips: int) -> "IpGeo":
        nan = np.full(n_ips, np.nan)
        return cls(np.full(n_ips, -1, np.int32), (), nan, nan.copy(), nan.copy(), np.zeros(n_ips, bool))

    def distance_km(self, a: int, b: int) -> tuple[float | None, str]:
        """Distance between the places of IP codes ``a`` and ``b``, and how it was measured."""
        if not (math.isnan(self.latitude[a]) or math.isnan(self.latitude[b])):
            d = haversine_km(self.latitude[a], self.longitude[a], self.latitude[b], self.longitude[b])
            slack = np.nan_to_num(self.accuracy_km[a]) + np.nan_to_num(self.accuracy_km[b])
            return max(0.0, d - float(slack)), "coordinates"
        ca, cb = self.country[a], self.country[b]
        if ca < 0 or cb < 0:
            return None, ""
        return country_distance_km(self.countries[ca], self.countries[cb]), "country"


def _sorted_events(log: EventLog, subjects: Subjects, need_ip: bool = True) -> np.ndarray:
    mask = subjects.code >= 0
    if need_ip:
        mask &= log.ip > 0
    idx = np.flatnonzero(mask)
    order = np.lexsort((log.ts[idx], subjects.code[idx]))
    return idx[order]


# --------------------------------------------------------------------------- churn
@dataclass(frozen=True)
class ChurnWindow:
    subject: str
    start: float
    end: float
    ips: tuple[str, ...]
    countries: tuple[str, ...]
    events: tuple[int, ...]  # event indices (for evidence), at most 20


def _group_distinct(s: np.ndarray, b: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Per element: number of distinct ``v`` in its (s, b) group (-1 values ignored)."""
    order = np.lexsort((v, b, s))
    ss, bb, vv = s[order], b[order], v[order]
    new_group = np.ones(len(order), bool)
    new_group[1:] = (ss[1:] != ss[:-1]) | (bb[1:] != bb[:-1])
    first = new_group.copy()
    first[1:] |= vv[1:] != vv[:-1]
    first &= vv >= 0
    gid = np.cumsum(new_group) - 1
    counts = np.bincount(gid, weights=first, minlength=int(gid[-1]) + 1 if len(gid) else 0)
    out = np.empty(len(order), np.int64)
    out[order] = counts[gid].astype(np.int64)
    return out


def churn_windows(log: EventLog, subjects: Subjects, geo: IpGeo, window_s: float, min_ips: int,
                  min_countries: int) -> list[ChurnWindow]:
    """Per subject, the window of ``window_s`` with the most distinct countries (then IPs), kept
    when it reaches ``min_countries`` countries or ``min_ips`` addresses."""
    idx = _sorted_events(log, subjects)
    if idx.size == 0:
        return []
    s, t, ip = subjects.code[idx], log.ts[idx], log.ip[idx]
    cc = geo.country[ip]
    # Any window of length W lies inside one bin of length 2W on one of two grids offset by W,
    # so these bins over-approximate the per-window counts: only subjects that pass are scanned.
    suspects: set[int] = set()
    for offset in (0.0, window_s):
        b = np.floor((t + offset) / (2 * window_s)).astype(np.int64)
        hit = (_group_distinct(s, b, ip) >= min_ips) | (_group_distinct(s, b, cc) >= min_countries)
        suspects.update(np.unique(s[hit]).tolist())
    out = []
    bounds = np.flatnonzero(np.diff(s)) + 1
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [len(s)]))
    for a, z in zip(starts, ends):
        if int(s[a]) not in suspects:
            continue
        best = _scan_subject(t[a:z], ip[a:z], cc[a:z], window_s)
        if best is None:
            continue
        lo, hi, n_ips, n_cc = best
        if n_cc < min_countries and n_ips < min_ips:
            continue
        sel = slice(a + lo, a + hi + 1)
        out.append(ChurnWindow(
            subject=subjects.names[int(s[a])], start=float(t[a + lo]), end=float(t[a + hi]),
            ips=tuple(dict.fromkeys(log.ip_values[i] for i in ip[sel])),
            countries=tuple(dict.fromkeys(geo.countries[c] for c in cc[sel] if c >= 0)),
            events=tuple(int(e) for e in idx[sel][:20])))
    return out


def _scan_subject(t: np.ndarray, ip: np.ndarray, cc: np.ndarray, window_s: float):
    """Two-pointer scan: (lo, hi, distinct ips, distinct countries) of the best window."""
    ips: Counter = Counter()
    ccs: Counter = Counter()
    lo = 0
    best = None
    for hi in range(len(t)):
        ips[ip[hi]] += 1
        if cc[hi] >= 0:
            ccs[cc[hi]] += 1
        while t[hi] - t[lo] > window_s:
            ips[ip[lo]] -= 1
            if not ips[ip[lo]]:
                del ips[ip[lo]]
            if cc[lo] >= 0:
                ccs[cc[lo]] -= 1
                if not ccs[cc[lo]]:
                    del ccs[cc[lo]]
            lo += 1
        score = (len(ccs), len(ips))
        if best is None or score > (best[3], best[2]):
            best = (lo, hi, len(ips), len(ccs))
    return best


# --------------------------------------------------------------------------- travel
@dataclass(frozen=True)
class Hop:
    """Consecutive events of one subject at two distant places."""

    subject: str
    event_a: int
    event_b: int
    km: float
    hours: float
    kmh: float
    measured_by: str  # "coordinates" or "country"
    via_anonymizer: bool


def distant_hops(log: EventLog, subjects: Subjects, geo: IpGeo, *, min_km_country: float,
                 min_km_coords: float, max_pairs: int = 20000) -> list[Hop]:
    """Consecutive events (same subject) whose places are at least the minimum distance apart."""
    idx = _sorted_events(log, subjects)
    if idx.size < 2:
        return []
    s, ip = subjects.code[idx], log.ip[idx]
    cc = geo.country[ip]
    has_xy = ~np.isnan(geo.latitude[ip])
    moved = (s[1:] == s[:-1]) & (ip[1:] != ip[:-1]) & (
        ((cc[1:] != cc[:-1]) & (cc[1:] >= 0) & (cc[:-1] >= 0)) | (has_xy[1:] & has_xy[:-1]))
    k = np.flatnonzero(moved)
    if k.size == 0:
        return []
    # Country-level distances once per distinct country pair, not once per pair of events.
    ca, cb = cc[k], cc[k + 1]
    xy = has_xy[k] & has_xy[k + 1]
    keys, inverse = np.unique(ca.astype(np.int64) * 65536 + cb, return_inverse=True)
    dist = np.full(keys.size, np.nan)
    for j, key in enumerate(keys.tolist()):
        if key >= 0 and key % 65536 < 65535:  # both countries known
            d = country_distance_km(geo.countries[key // 65536], geo.countries[key % 65536])
            dist[j] = np.nan if d is None else d
    km = dist[inverse]
    for j in np.flatnonzero(xy):
        km[j] = geo.distance_km(int(ip[k[j]]), int(ip[k[j] + 1]))[0]
    hours = (log.ts[idx[k + 1]] - log.ts[idx[k]]) / 3600.0
    far = np.where(xy, km >= min_km_coords, km >= min_km_country) & ~np.isnan(km)
    out = []
    for j in np.flatnonzero(far)[:max_pairs]:
        a, b = int(idx[k[j]]), int(idx[k[j] + 1])
        kmh = km[j] / max(hours[j], 1.0 / 60.0)  # timestamps are not finer than a minute in practice
        out.append(Hop(subjects.names[int(s[k[j]])], a, b, float(km[j]), float(hours[j]), float(kmh),
                       "coordinates" if xy[j] else "country",
                       bool(geo.anonymizer[log.ip[a]] or geo.anonymizer[log.ip[b]])))
    return out


def back_and_forth(hops: Sequence[Hop], log: EventLog, within_s: float) -> dict[str, list[Hop]]:
    """Subjects that jump between distant places and back within ``within_s`` (two people at once,
    rather than one traveller). Hops through anonymizers are left out."""
    by_subject: dict[str, list[Hop]] = {}
    for h in hops:
        if not h.via_anonymizer:
            by_subject.setdefault(h.subject, []).append(h)
    out = {}
    for subject, hs in by_subject.items():
        hs.sort(key=lambda h: log.ts[h.event_a])
        pairs = [hs[i] for i in range(1, len(hs)) if log.ts[hs[i].event_b] - log.ts[hs[i - 1].event_a] <= within_s]
        if pairs:
            out[subject] = pairs
    return out


# --------------------------------------------------------------------------- sessions
@dataclass(frozen=True)
class Sessions:
    """Activity intervals: events closer than ``gap_s`` (or covered by a duration) are merged."""

    subject: np.ndarray  # int32 subject code per session
    start: np.ndarray  # epoch s
    end: np.ndarray
    n_events: np.ndarray
    first_event: np.ndarray  # event index of the first event
    names: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.start.shape[0])


def sessions(log: EventLog, subjects: Subjects, gap_s: float, key: np.ndarray | None = None) -> Sessions:
    """Merge each subject's events into sessions. ``key`` (per event, int) splits subjects
    further, e.g. by device."""
    code = subjects.code if key is None else subjects.code.astype(np.int64) * (int(key.max(initial=0)) + 1) + key
    mask = subjects.code >= 0
    idx = np.flatnonzero(mask)
    idx = idx[np.lexsort((log.ts[idx], code[idx]))]
    if idx.size == 0:
        z = np.zeros(0)
        return Sessions(z.astype(np.int32), z, z, z.astype(np.int64), z.astype(np.int64), subjects.names)
    g = code[idx]
    t0 = float(log.ts[idx].min())
    start = log.ts[idx] - t0
    end = start + np.nan_to_num(log.duration[idx], nan=0.0)
    span = float(end.max()) + gap_s + 1.0
    rank = np.concatenate(([0], np.cumsum(g[1:] != g[:-1])))
    running = np.maximum.accumulate(end + rank * span) - rank * span  # running max of end, per group
    new = np.ones(idx.size, bool)
    new[1:] = (g[1:] != g[:-1]) | (start[1:] > running[:-1] + gap_s)
    pos = np.flatnonzero(new)
    s_end = np.maximum.reduceat(end, pos)
    n = np.diff(np.append(pos, idx.size))
    return Sessions(subjects.code[idx[pos]].astype(np.int32), start[pos] + t0, s_end + t0, n.astype(np.int64),
                    idx[pos].astype(np.int64), subjects.names)


def daily_hours(sess: Sessions) -> dict[tuple[int, int], float]:
    """(subject code, UTC day number) -> hours covered by sessions that day."""
    out: dict[tuple[int, int], float] = {}
    long = np.flatnonzero(sess.end > sess.start)
    for i in long:
        s, a, b = int(sess.subject[i]), float(sess.start[i]), float(sess.end[i])
        day = int(a // DAY)
        while a < b:
            cut = min(b, (day + 1) * DAY)
            out[(s, day)] = out.get((s, day), 0.0) + (cut - a) / 3600.0
            a, day = cut, day + 1
    return out


def busy_days(log: EventLog, subjects: Subjects, sess: Sessions, min_hours: int) -> dict[tuple[int, int], int]:
    """(subject, UTC day) -> distinct clock hours with activity (events or sessions), for the days
    with at least ``min_hours`` of them."""
    ok = subjects.code >= 0
    subj = [subjects.code[ok].astype(np.int64)]
    hour = [np.floor(log.ts[ok] / 3600.0).astype(np.int64)]
    long = np.flatnonzero(sess.end - sess.start >= 3600.0)
    if long.size:  # every clock hour a long session covers
        h0 = np.floor(sess.start[long] / 3600.0).astype(np.int64)
        n = np.floor(sess.end[long] / 3600.0).astype(np.int64) - h0 + 1
        subj.append(np.repeat(sess.subject[long].astype(np.int64), n))
        hour.append(np.repeat(h0, n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)))
    s, h = np.concatenate(subj), np.concatenate(hour)
    if s.size == 0:
        return {}
    cells = np.unique(s * (1 << 32) + h)  # distinct (subject, clock hour)
    days = (cells >> 32) * (1 << 32) + (cells & 0xFFFFFFFF) // 24
    key, counts = np.unique(days, return_counts=True)
    sel = counts >= min_hours
    return {(int(k >> 32), int(k & 0xFFFFFFFF)): int(c) for k, c in zip(key[sel], counts[sel])}


@dataclass(frozen=True)
class DeviceOverlap:
    subject: str
    devices: tuple[str, ...]
    start: float
    end: float
    ips: tuple[str, ...]
    events: tuple[int, ...]


def concurrent_devices(log: EventLog, subjects: Subjects, gap_s: float, min_overlap_s: float) -> list[DeviceOverlap]:
    """Sessions of one subject on different devices that overlap by at least ``min_overlap_s``."""
    has = (log.device > 0) & (subjects.code >= 0)
    if not has.any():
        return []
    pairs = np.unique(subjects.code[has].astype(np.int64) * (1 << 31) + log.device[has])
    if np.unique(pairs >> 31).size == pairs.size:  # nobody used a second device
        return []
    sess = sessions(log, subjects, gap_s, key=log.device.astype(np.int64))
    out = []
    order = np.lexsort((sess.start, sess.subject))
    open_: list[int] = []
    last_subject = -1
    for i in order:
        s = int(sess.subject[i])
        if s != last_subject:
            open_, last_subject = [], s
        open_ = [j for j in open_ if sess.end[j] - sess.start[i] >= min_overlap_s]
        dev_i = log.device[sess.first_event[i]]
        for j in open_:
            dev_j = log.device[sess.first_event[j]]
            if dev_j != dev_i and min(sess.end[i], sess.end[j]) - sess.start[i] >= min_overlap_s:
                ev = (int(sess.first_event[j]), int(sess.first_event[i]))
                out.append(DeviceOverlap(subjects.names[s], (log.device_values[dev_j], log.device_values[dev_i]),
                                         float(sess.start[i]), float(min(sess.end[i], sess.end[j])),
                                         tuple(dict.fromkeys(log.ip_values[log.ip[e]] for e in ev if log.ip[e])), ev))
        open_.append(int(i))
    return out
