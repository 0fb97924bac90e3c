"""Identities over time: quality-weighted clustering of face embeddings, switches, thumbnails.

1. Usable samples (good enough quality) are grouped online into tight micro-clusters
   (leader clustering at ``link_threshold``), each a quality-weighted sum of unit vectors.
2. Micro-clusters are merged greedily (closest centroids first) while their centroids stay
   above ``match_threshold`` -- the same-person threshold used everywhere else.
3. A cluster counts as an identity only when it was seen long enough (``min_identity_s``)
   with enough quality mass; briefer ones are kept as ``minor`` and only lower confidence.
4. Low-quality samples never create identities: they join the nearest identity when close
   enough, otherwise stay unassigned.
5. The primary (largest) face's identity over time is smoothed with a majority window;
   runs shorter than ``min_segment_s`` are absorbed; a change of identity is a switch.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .records import FaceSample, FaceTracks, Identity, IdentitySegment, IdentitySwitch


@dataclass(frozen=True)
class TrackOptions:
    match_threshold: float = 0.363  # cosine: same person (SFace; see benchmarks/results/faces_accuracy.md)
    link_threshold: float = 0.55  # micro-cluster membership: stricter than the match threshold
    min_identity_s: float = 1.0  # seconds a cluster must be seen to count as a person
    min_quality_mass: float = 0.3  # mean quality a cluster needs over min_identity_s worth of samples
    smooth_s: float = 1.0  # majority window on the primary face's identity
    min_segment_s: float = 1.0  # shorter runs are absorbed by their neighbours


@dataclass(eq=False)
class _Cluster:
    total: np.ndarray  # quality-weighted sum of unit vectors
    weight: float
    members: list[int]

    @property
    def centroid(self) -> np.ndarray:
        n = float(np.linalg.norm(self.total))
        return self.total / n if n > 0 else self.total

    def add(self, i: int, v: np.ndarray, w: float) -> None:
        self.total = self.total + w * v
        self.weight += w
        self.members.append(i)

    def absorb(self, other: "_Cluster") -> None:
        self.total = self.total + other.total
        self.weight += other.weight
        self.members.extend(other.members)


def _weight(s: FaceSample) -> float:
    return max(0.05, float(s.quality.score))


def cluster_samples(samples: Sequence[FaceSample], options: TrackOptions) -> list[_Cluster]:
    """Steps 1-2: micro-clusters of usable samples, merged at the match threshold."""
    micro: list[_Cluster] = []
    for i, s in enumerate(samples):
        if s.embedding is None or not s.quality.usable:
            continue
        v = np.asarray(s.embedding, dtype=np.float32)
        if micro:
            sims = np.array([float(c.centroid @ v) for c in micro])
            j = int(np.argmax(sims))
            if sims[j] >= options.link_threshold:
                micro[j].add(i, v, _weight(s))
                continue
        micro.append(_Cluster(total=_weight(s) * v, weight=_weight(s), members=[i]))
    while len(micro) > 1:
        cents = np.stack([c.centroid for c in micro])
        sims = cents @ cents.T
        np.fill_diagonal(sims, -1.0)
        a, b = np.unravel_index(int(np.argmax(sims)), sims.shape)
        if sims[a, b] < options.match_threshold:
            break
        a, b = min(a, b), max(a, b)
        micro[a].absorb(micro.pop(b))
    return micro


def track_identities(samples: Sequence[FaceSample], sample_fps: float,
                     thumbnails: Mapping[int, bytes] | None = None,
                     options: TrackOptions = TrackOptions()) -> FaceTracks:
    """Cluster a recording's face samples into identities and find who is on camera when."""
    if sample_fps <= 0:
        raise ValueError(f"sample_fps must be positive, got {sample_fps}")
    thumbnails = thumbnails or {}
    step = 1.0 / sample_fps
    clusters = cluster_samples(samples, options)
    min_n = max(1, int(round(options.min_identity_s * sample_fps)))
    major = [c for c in clusters
             if len(c.members) >= min_n and c.weight >= options.min_quality_mass * min_n]
    major_ids = {id(c) for c in major}
    minor = [c for c in clusters if id(c) not in major_ids]

    labels = np.full(len(samples), -1, dtype=np.int64)
    if major:
        # order identities by first appearance so "0" is who the recording starts with
        major.sort(key=lambda c: min(samples[i].t for i in c.members))
        cents = np.stack([c.centroid for c in major])
        for k, c in enumerate(major):
            labels[c.members] = k
        for i, s in enumerate(samples):  # minor clusters and low-quality samples join if close
            if labels[i] >= 0 or s.embedding is None:
                continue
            sims = cents @ np.asarray(s.embedding, dtype=np.float32)
            k = int(np.argmax(sims))
            if sims[k] >= options.match_threshold:
                labels[i] = k

    identities = tuple(_identity(k, [i for i in range(len(samples)) if labels[i] == k], samples,
                                 step, thumbnails) for k in range(len(major)))
    minor_ids = tuple(_identity(-1 - j, c.members, samples, step, thumbnails) for j, c in enumerate(minor)
                      if not any(labels[i] >= 0 for i in c.members))
    segments = primary_segments(samples, labels, sample_fps, options)
    by_id = {ident.id: ident for ident in identities}
    switches = tuple(IdentitySwitch(t=(a.t_end + b.t_start) / 2.0, from_identity=a.identity,
                                    to_identity=b.identity,
                                    similarity=float(by_id[a.identity].centroid @ by_id[b.identity].centroid))
                     for a, b in zip(segments, segments[1:]) if a.identity != b.identity)
    usable = [s for s in samples if s.quality.usable and s.embedding is not None]
    return FaceTracks(identities=identities, segments=segments, switches=switches,
                      labels=tuple(int(x) for x in labels), minor=minor_ids, usable_samples=len(usable),
                      confidence=_confidence(samples, usable, minor_ids, sample_fps))


def _identity(k: int, members: list[int], samples: Sequence[FaceSample], step: float,
              thumbnails: Mapping[int, bytes]) -> Identity:
    ss = [samples[i] for i in members]
    vecs = np.stack([np.asarray(s.embedding, dtype=np.float32) for s in ss if s.embedding is not None])
    w = np.array([_weight(s) for s in ss if s.embedding is not None])
    total = (vecs * w[:, None]).sum(0)
    centroid = total / max(float(np.linalg.norm(total)), 1e-12)
    with_thumb = [s for s in ss if s.thumbnail is not None and s.thumbnail in thumbnails]
    best = max(with_thumb, key=lambda s: s.quality.score, default=None)
    return Identity(id=k, n_samples=len(ss), seconds=len(ss) * step,
                    primary_seconds=sum(step for s in ss if s.primary),
                    first_t=min(s.t for s in ss), last_t=max(s.t for s in ss),
                    centroid=centroid.astype(np.float32), mean_quality=float(np.mean([s.quality.score for s in ss])),
                    cohesion=float(np.mean(vecs @ centroid)),
                    thumbnail=(thumbnails.get(best.thumbnail)
                               if best is not None and best.thumbnail is not None else None))


def primary_segments(samples: Sequence[FaceSample], labels: np.ndarray, sample_fps: float,
                     options: TrackOptions) -> tuple[IdentitySegment, ...]:
    """Runs of the primary face's identity, majority-smoothed, short runs absorbed."""
    seq = [(s.t, int(labels[i])) for i, s in enumerate(samples) if s.primary and labels[i] >= 0]
    if not seq:
        return ()
    seq.sort()
    ts = np.array([t for t, _ in seq])
    raw = [lab for _, lab in seq]
    half = options.smooth_s / 2.0
    smooth = []
    for t in ts:
        window = [raw[j] for j in range(len(raw)) if abs(ts[j] - t) <= half + 1e-9]
        smooth.append(Counter(window).most_common(1)[0][0])
    runs: list[list] = []  # [identity, t_start, t_end, n]
    for t, lab in zip(ts, smooth):
        if runs and runs[-1][0] == lab:
            runs[-1][2] = t
            runs[-1][3] += 1
        else:
            runs.append([lab, t, t, 1])
    step = 1.0 / sample_fps
    min_n = max(1, int(round(options.min_segment_s * sample_fps)))
    changed = True
    while changed and len(runs) > 1:  # absorb the shortest too-short run into a neighbour
        changed = False
        short = [k for k, r in enumerate(runs) if r[3] < min_n]
        if not short:
            break
        k = min(short, key=lambda k: runs[k][3])
        left = runs[k - 1] if k > 0 else None
        right = runs[k + 1] if k + 1 < len(runs) else None
        if right is None or (left is not None and left[3] >= right[3]):
            assert left is not None  # len(runs) > 1: a run has at least one neighbour
            left[2] = runs[k][2]
            target = left
        else:
            right[1] = runs[k][1]
            target = right
        target[3] += runs[k][3]
        runs.pop(k)
        merged: list[list] = []
        for r in runs:  # neighbours of the same identity become one run
            if merged and merged[-1][0] == r[0]:
                merged[-1][2] = r[2]
                merged[-1][3] += r[3]
            else:
                merged.append(r)
        runs = merged
        changed = True
    return tuple(IdentitySegment(identity=r[0], t_start=float(r[1]), t_end=float(r[2] + step)) for r in runs)


def _confidence(samples: Sequence[FaceSample], usable: Sequence[FaceSample], minor: Sequence[Identity],
                sample_fps: float) -> float:
    """How far the identity count can be trusted: enough usable, good-quality footage,
    and little left unexplained by minor clusters."""
    if not usable:
        return 0.0
    q = float(np.mean([s.quality.score for s in usable]))
    amount = min(1.0, len(usable) / (3.0 * sample_fps))  # 3 s of usable faces is enough
    share = len(usable) / max(1, len(samples))
    unexplained = sum(m.n_samples for m in minor) / max(1, len(usable))
    return float(np.clip((0.4 + 0.6 * q) * amount * (0.5 + 0.5 * share) * (1.0 - 0.5 * min(1.0, unexplained)), 0, 1))
