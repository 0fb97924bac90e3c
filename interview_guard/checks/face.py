"""Face identity signals: presence, other people, identity over time, ID photo, across interviews.

Poor footage (tiny, blurry, turned faces) lowers ``confidence``; it never raises a flag by itself.
Nothing here infers emotion, expression, age, ethnicity or anything but "same face or not".
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..features import FeatureUnavailable
from ..types import Evidence, Signal
from . import register_check
from .base import CaseContext, errored, flag, ok, skipped

logger = logging.getLogger(__name__)

CHECK = "face"
PRESENCE = "face.presence"
MULTIPLE = "face.multiple_people"
CONSISTENCY = "face.identity_consistency"
ID_MATCH = "face.id_photo_match"
CROSS = "face.cross_interview"



@dataclass(frozen=True)
class FaceCalibration:
    """Tuning constants of the face signals (thresholds that users set live in ``config.face``:
    match_threshold, store_link_threshold, min_presence_share, max_absence_s, min_identity_s)."""

    # --- confidence from the amount and quality of footage
    full_confidence_s: float = 10.0  # seconds of sampled video that give full confidence (presence, several people)
    min_flag_confidence: float = 0.3  # a flag keeps at least this confidence even on poor footage
    presence_conf_base: float = 0.5  # presence confidence when no detected face is usable for identity ...
    presence_conf_usable: float = 0.5  # ... plus this times the usable share of detected faces
    poor_footage_usable_ratio: float = 0.8  # usable faces below this share of detected faces -> "poor footage" note

    # --- face.presence
    presence_min_score: float = 0.3  # smallest score of a presence flag
    absence_full_score_factor: float = 4.0  # an absence of this many times max_absence_s scores 1.0
    min_absence_evidence_s: float = 1.0  # shorter gaps are not listed as evidence

    # --- face.multiple_people
    multiple_base_score: float = 0.5  # two faces at once, briefly
    multiple_per_extra_face: float = 0.1  # + this per face beyond two
    multiple_duration_weight: float = 0.4  # + up to this for time with several faces ...
    multiple_duration_full_s: float = 30.0  # ... reached at this many seconds

    # --- face.identity_consistency / face.id_photo_match: score of a mismatch
    mismatch_score_base: float = 0.6  # a similarity just below match_threshold
    mismatch_score_gain: float = 0.4  # + this times how far below (relative to the threshold)
    mismatch_score_min: float = 0.5  # clip: a mismatch never scores below this
    low_quality_confidence: float = 0.5  # below this track confidence the summary says "low-quality footage"
    switch_evidence_pad_s: float = 1.0  # evidence window around an identity switch (each side)

    # --- face.id_photo_match confidence: (base + gain * ID photo quality) * (base + gain * track confidence)
    id_conf_base: float = 0.4
    id_conf_gain: float = 0.6

    # --- face.cross_interview
    cross_other_candidate_score: float = 0.8  # the same face under another candidate id
    cross_mismatch_score: float = 0.7  # a different face than in this candidate's earlier interviews


FACE = FaceCalibration()


def _runs(mask: list[bool], times: list[float], step: float) -> list[tuple[float, float]]:
    """Time ranges where ``mask`` holds (each sample covers ``step`` seconds)."""
    out: list[tuple[float, float]] = []
    start = None
    for m, t in zip(mask, times):
        if m and start is None:
            start = t
        elif not m and start is not None:
            out.append((start, t))
            start = None
    if start is not None:
        out.append((start, times[-1] + step))
    return out


@register_check
class FaceCheck:
    name: ClassVar[str] = CHECK
    needs: ClassVar[frozenset[str]] = frozenset({"faces", "face_tracks"})
    signals: ClassVar[tuple[str, ...]] = (PRESENCE, MULTIPLE, CONSISTENCY, ID_MATCH, CROSS)

    def run(self, ctx: CaseContext) -> list[Signal]:
        timeline = ctx.feature("faces")  # no video -> every face signal is skipped with the reason
        tracks = ctx.feature("face_tracks")
        out = [presence(ctx, timeline), multiple_people(ctx, timeline, tracks),
               identity_consistency(ctx, tracks)]
        out.append(_guard(ID_MATCH, lambda: id_photo_match(ctx, tracks)))
        out.append(_guard(CROSS, lambda: cross_interview(ctx, tracks)))
        for ident in tracks.identities:  # stored so one face under two names can be linked later
            ctx.link("face_embedding", [float(x) for x in ident.centroid], source=f"{CONSISTENCY}:{ident.id}")
        return out


def _guard(name: str, fn) -> Signal:
    try:
        return fn()
    except FeatureUnavailable as e:
        return errored(CHECK, name, e.reason) if e.error else skipped(CHECK, name, e.reason)


def presence(ctx: CaseContext, timeline) -> Signal:
    fo = ctx.config.face
    frames = timeline.frames
    if not frames:
        return skipped(CHECK, PRESENCE, "no video frames were decoded")
    step = 1.0 / timeline.sample_fps
    times = [f.t for f in frames]
    any_share = sum(f.n_faces > 0 for f in frames) / len(frames)
    usable_share = sum(f.n_usable > 0 for f in frames) / len(frames)
    absences = _runs([f.n_faces == 0 for f in frames], times, step)
    longest = max(absences, key=lambda r: r[1] - r[0], default=None)
    longest_s = (longest[1] - longest[0]) if longest else 0.0
    duration = len(frames) * step
    details = {"face_share": round(any_share, 3), "usable_face_share": round(usable_share, 3),
               "longest_absence_s": round(longest_s, 2), "frames": len(frames),
               "min_share": fo.min_presence_share, "max_absence_s": fo.max_absence_s}
    # confidence: enough footage, and usable faces where faces were found
    confidence = min(1.0, duration / FACE.full_confidence_s) * (
        FACE.presence_conf_base + FACE.presence_conf_usable * (usable_share / any_share if any_share else 1.0))
    evidence = [Evidence("time_range", f"no face for {b - a:.1f} s", a, b)
                for a, b in sorted(absences, key=lambda r: r[0] - r[1])[:5] if b - a >= FACE.min_absence_evidence_s]
    if any_share < fo.min_presence_share or longest_s > fo.max_absence_s:
        score = max(1.0 - any_share / max(fo.min_presence_share, 1e-6),
                    min(1.0, longest_s / (FACE.absence_full_score_factor * fo.max_absence_s)))
        return flag(CHECK, PRESENCE,
                    f"a face is visible {any_share:.0%} of the time; longest absence {longest_s:.1f} s",
                    score=max(FACE.presence_min_score, score), confidence=max(FACE.min_flag_confidence, confidence),
                    evidence=evidence, details=details)
    note = ("" if usable_share >= any_share * FACE.poor_footage_usable_ratio
            else f" (usable for identity {usable_share:.0%}: poor footage)")
    return ok(CHECK, PRESENCE, f"a face is visible {any_share:.0%} of the time{note}", confidence=confidence,
              evidence=evidence, details=details)


def sustained_max(counts: list[int], min_frames: int) -> int:
    """The largest k such that at least ``min_frames`` frames show k or more faces."""
    for k in sorted(set(counts), reverse=True):
        if sum(c >= k for c in counts) >= min_frames:
            return k
    return 0


def multiple_people(ctx: CaseContext, timeline, tracks) -> Signal:
    fo = ctx.config.face
    frames = timeline.frames
    if not frames:
        return skipped(CHECK, MULTIPLE, "no video frames were decoded")
    step = 1.0 / timeline.sample_fps
    counts = [f.n_faces for f in frames]
    min_frames = max(1, int(round(fo.min_identity_s * timeline.sample_fps)))
    max_faces = sustained_max(counts, min_frames)  # one stray detection is not a person
    times = [f.t for f in frames]
    when = [r for r in _runs([c >= 2 for c in counts], times, step)]
    others = [i for i in tracks.identities if tracks.main is not None and i.id != tracks.main.id]
    details = {"max_faces": max_faces, "max_faces_any_frame": max(counts),
               "when": [[round(a, 2), round(b, 2)] for a, b in when[:50]],
               "seconds_with_several": round(sum(c >= 2 for c in counts) * step, 2),
               "identities": len(tracks.identities)}
    if max_faces < 2:
        return ok(CHECK, MULTIPLE, "one face at a time" if max(counts) else "no face seen",
                  confidence=min(1.0, len(frames) * step / FACE.full_confidence_s), details=details)
    evidence = []
    best_frame = max(frames, key=lambda f: f.n_faces)
    frame_jpeg = timeline.frame_thumbnails.get(best_frame.index) or next(
        (timeline.frame_thumbnails[k] for k in sorted(timeline.frame_thumbnails, reverse=True)), None)
    evidence.append(Evidence("frame", f"{best_frame.n_faces} faces in one frame", best_frame.t, best_frame.t + step,
                             ctx.thumbnail(frame_jpeg)))
    for a, b in sorted(when, key=lambda r: r[0] - r[1])[:5]:
        evidence.append(Evidence("time_range", f"{b - a:.1f} s with more than one face", a, b))
    for ident in others[:6]:
        evidence.append(Evidence("image", f"another person (identity {ident.id}), on screen {ident.seconds:.1f} s",
                                 ident.first_t, ident.last_t + step, ctx.thumbnail(ident.thumbnail)))
    seconds = details["seconds_with_several"]
    score = min(1.0, FACE.multiple_base_score + FACE.multiple_per_extra_face * (max_faces - 2)
                + FACE.multiple_duration_weight * min(1.0, seconds / FACE.multiple_duration_full_s))
    return flag(CHECK, MULTIPLE, f"up to {max_faces} faces at once, {seconds:.1f} s in total", score=score,
                confidence=max(FACE.min_flag_confidence, tracks.confidence), evidence=evidence, details=details)


def identity_consistency(ctx: CaseContext, tracks) -> Signal:
    fo = ctx.config.face
    on_camera = [i for i in tracks.identities if i.primary_seconds >= fo.min_identity_s]
    details = {"identities": len(on_camera), "switches": [round(s.t, 2) for s in tracks.switches],
               "threshold": fo.match_threshold, "usable_samples": tracks.usable_samples,
               "minor_clusters": len(tracks.minor),
               "people": [{"id": i.id, "seconds": round(i.seconds, 2), "primary_seconds": round(i.primary_seconds, 2),
                           "first_t": round(i.first_t, 2), "last_t": round(i.last_t, 2),
                           "mean_quality": round(i.mean_quality, 3), "cohesion": round(i.cohesion, 3)}
                          for i in tracks.identities]}
    if not on_camera:
        return skipped(CHECK, CONSISTENCY, "no usable face to compare over time")
    if len(on_camera) == 1:
        note = "" if tracks.confidence >= FACE.low_quality_confidence else " (low-quality footage: lower confidence)"
        return ok(CHECK, CONSISTENCY, f"the same person throughout{note}", confidence=tracks.confidence,
                  evidence=[Evidence("image", "the person on camera", on_camera[0].first_t, on_camera[0].last_t,
                                     ctx.thumbnail(on_camera[0].thumbnail))], details=details)
    by_id = {i.id: i for i in tracks.identities}
    evidence = []
    pad = FACE.switch_evidence_pad_s
    for s in tracks.switches[:10]:
        evidence.append(Evidence("time_range", f"identity {s.from_identity} -> {s.to_identity} at {s.t:.1f} s "
                                 f"(similarity {s.similarity:.2f})", max(0.0, s.t - pad), s.t + pad,
                                 ctx.thumbnail(by_id[s.to_identity].thumbnail if s.to_identity in by_id else None)))
    for i in on_camera[:6]:
        evidence.append(Evidence("image", f"identity {i.id}: {i.primary_seconds:.1f} s on camera", i.first_t, i.last_t,
                                 ctx.thumbnail(i.thumbnail)))
    cents = np.stack([i.centroid for i in on_camera])
    sims = cents @ cents.T
    closest = float(np.max(sims[~np.eye(len(on_camera), dtype=bool)]))
    score = _mismatch_score(fo.match_threshold, closest)
    return flag(CHECK, CONSISTENCY, f"{len(on_camera)} different people in front of the camera, "
                f"{len(tracks.switches)} switch(es)", score=score,
                confidence=max(FACE.min_flag_confidence, tracks.confidence),
                evidence=evidence, details=details)


def _mismatch_score(threshold: float, similarity: float) -> float:
    """Score of "not the same face": higher the further ``similarity`` falls below ``threshold``."""
    return float(np.clip(FACE.mismatch_score_base + FACE.mismatch_score_gain * (threshold - similarity)
                         / max(threshold, 1e-6), FACE.mismatch_score_min, 1.0))


def id_photo_match(ctx: CaseContext, tracks) -> Signal:
    from ..vision.embed import cosine

    fo = ctx.config.face
    id_face = ctx.feature("id_face")
    main = tracks.main
    if main is None:
        return skipped(CHECK, ID_MATCH, "no usable face in the recording to compare with the ID photo")
    sim = cosine(id_face.face.embedding, main.centroid)
    best = max(tracks.identities, key=lambda i: cosine(id_face.face.embedding, i.centroid))
    q = id_face.face.quality
    details = {"similarity": round(sim, 4), "threshold": fo.match_threshold, "identity": main.id,
               "id_faces": id_face.n_faces, "id_face_quality": q.to_dict(),
               "best_identity": best.id, "best_similarity": round(cosine(id_face.face.embedding, best.centroid), 4)}
    confidence = float(np.clip((FACE.id_conf_base + FACE.id_conf_gain * q.score)
                               * (FACE.id_conf_base + FACE.id_conf_gain * tracks.confidence), 0, 1))
    evidence = [Evidence("image", "face on the ID document", ref=ctx.thumbnail(_jpeg(id_face.face.crop))),
                Evidence("image", f"person on camera (identity {main.id})", main.first_t, main.last_t,
                         ctx.thumbnail(main.thumbnail))]
    if sim >= fo.match_threshold:
        return ok(CHECK, ID_MATCH, f"the ID photo matches the person on camera (similarity {sim:.2f})",
                  confidence=confidence, evidence=evidence, details=details)
    score = _mismatch_score(fo.match_threshold, sim)
    also = ""
    if best.id != main.id and details["best_similarity"] >= fo.match_threshold:
        also = f"; it matches identity {best.id}, on camera {best.primary_seconds:.1f} s"
        evidence.append(Evidence("image", f"identity {best.id} matches the ID photo", best.first_t, best.last_t,
                                 ctx.thumbnail(best.thumbnail)))
    return flag(CHECK, ID_MATCH, f"the ID photo does not match the main person on camera (similarity {sim:.2f} < "
                f"{fo.match_threshold:.2f}){also}", score=score, confidence=confidence, evidence=evidence,
                details=details)


def cross_interview(ctx: CaseContext, tracks) -> Signal:
    from ..vision.embed import cosine

    fo = ctx.config.face
    if ctx.store is None:
        return skipped(CHECK, CROSS, "no case store: earlier interviews cannot be compared")
    main = tracks.main
    if main is None:
        return skipped(CHECK, CROSS, "no usable face in the recording")
    evidence, earlier_cases, mismatched = [], [], []
    if ctx.candidate_id:
        per_case: dict[str, float] = {}
        for case_id, vec in ctx.store.candidate_embeddings(ctx.candidate_id, "face_embedding"):
            if case_id == ctx.case_id:
                continue
            per_case[case_id] = max(per_case.get(case_id, -1.0), cosine(vec, main.centroid))
        earlier_cases = sorted(per_case)
        for case_id, sim in sorted(per_case.items()):
            if sim < fo.match_threshold:
                mismatched.append({"case_id": case_id, "similarity": round(sim, 4)})
                evidence.append(Evidence("link", f"earlier interview {case_id} of candidate {ctx.candidate_id} shows "
                                         f"a different face (similarity {sim:.2f})", ref=case_id))
    others, unlabelled = [], []
    for ident in tracks.identities:
        for hit in ctx.store.similar_embeddings("face_embedding", ident.centroid, fo.store_link_threshold,
                                                exclude_candidate=ctx.candidate_id, exclude_case=ctx.case_id):
            if hit.candidate_id is None:  # an earlier case with no candidate id: context, not a link
                unlabelled.append({"case_id": hit.case_id, "similarity": round(float(hit.similarity), 4)})
                continue
            others.append({"candidate_id": hit.candidate_id, "case_id": hit.case_id,
                           "similarity": round(float(hit.similarity), 4), "identity": ident.id})
            evidence.append(Evidence("link", f"the same face (identity {ident.id}) appears for candidate "
                                     f"{hit.candidate_id} in case {hit.case_id} (similarity {hit.similarity:.2f})",
                                     ref=hit.case_id))
    details = {"earlier_cases": earlier_cases, "mismatched_cases": mismatched, "other_candidates": others,
               "cases_without_candidate_id": unlabelled[:20],
               "threshold": fo.match_threshold, "link_threshold": fo.store_link_threshold}
    confidence = max(FACE.min_flag_confidence, tracks.confidence)
    if mismatched or others:
        parts = []
        if mismatched:
            parts.append(f"a different face than in {len(mismatched)} earlier interview(s) of this candidate")
        if others:
            parts.append(f"the same face as {len({o['candidate_id'] for o in others})} other candidate(s)")
        score = FACE.cross_other_candidate_score if others else FACE.cross_mismatch_score
        return flag(CHECK, CROSS, "; ".join(parts), score=score, confidence=confidence, evidence=evidence[:20],
                    details=details)
    what = (f"matches {len(earlier_cases)} earlier interview(s) of this candidate" if earlier_cases
            else "no earlier interview of this candidate in the store")
    return ok(CHECK, CROSS, f"{what}; no other candidate with this face", confidence=confidence, details=details)


def _jpeg(crop) -> bytes | None:
    if crop is None:
        return None
    from ..vision.features import encode_jpeg

    return encode_jpeg(crop)
