"""Liveness, deepfake and synthetic-voice checks.

Each signal has its own check class, so one missing model or feature skips only its signal.
Scores are calibrated for a LOW false-flag rate on genuine footage (benchmarks/results/liveness.md):
weak or low-quality evidence lowers ``confidence`` and stays ``ok``; nothing here reads
expressions or emotions — only replay cues, blending, geometry, timing and voice-spoof models.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, ClassVar, Iterable

from ..types import Evidence, Signal
from ..util import smoothstep
from . import register_check
from .base import CaseContext, flag, ok

# The features these checks need live in the vision / speech families; importing them registers
# them (features.FEATURE_MODULES may list them too: registering twice is harmless).
FEATURE_MODULES = ("interview_guard.vision.liveness_features", "interview_guard.speech.synthetic_features")
for _module in FEATURE_MODULES:
    importlib.import_module(_module)



@dataclass(frozen=True)
class LivenessCalibration:
    """Tuning constants of the liveness / deepfake / synthetic-voice signals.

    Ramps are ``(lo, hi)`` pairs for ``smoothstep`` (0 at lo, 1 at hi; lo > hi ramps down).
    The flag threshold itself is ``config.liveness.flag_threshold``; the feature-level calibration
    (screen cues, blending, temporal, lip-sync, anti-spoofing) lives in ``vision/``.
    Calibrated for a low false-flag rate on genuine footage (benchmarks/results/liveness.md).
    """

    # --- every signal (_emit)
    min_flag_confidence: float = 0.25  # a score over the threshold flags only with at least this confidence
    evidence_min_score: float = 0.3  # an ``ok`` signal keeps its evidence only from this score up

    # --- liveness.presentation_attack
    screen_conf_frames: tuple[float, float] = (1.0, 8.0)  # frames with screen cues -> confidence ramp
    fas_single_sample_factor: float = 0.7  # anti-spoofing score scale with fewer than ``fas_min_samples`` faces
    fas_min_samples: int = 2
    fas_conf_quality_weight: float = 0.8  # FAS confidence = weight * mean face quality + base
    fas_conf_base: float = 0.2
    fas_alone_cap: float = 0.45  # FAS alone stays below the flag: it called real registry faces spoof
    fas_alone_weight: float = 0.8  # FAS-only score = min(cap, weight * FAS score)
    combined_screen_weight: float = 0.6  # screen cues and FAS together: min(1, ws * screen + wf * FAS)
    combined_fas_weight: float = 0.6

    # --- deepfake.face_swap
    swap_min_frames: int = 5  # fewer usable face frames: ``ok`` with zero confidence
    swap_frame_suspicious: float = 0.5  # a frame counts as suspicious from this blend score
    # genuine clips: median texture mismatch 0.12-0.36, swaps 0.18-0.74: the flag (0.5) needs about 0.45,
    # above every genuine clip measured
    swap_texture_ramp: tuple[float, float] = (0.3, 0.6)
    swap_share_ramp: tuple[float, float] = (0.5, 0.85)  # share of suspicious frames -> score ramp ...
    swap_share_weight: float = 0.8  # ... scaled by this (the share alone never reaches 1)
    swap_conf_frames: tuple[int, int] = (3, 20)  # usable frames -> confidence ramp
    swap_conf_quality_base: float = 0.4  # confidence factor = base + gain * median face quality
    swap_conf_quality_gain: float = 0.6

    # --- deepfake.temporal_artifacts
    temporal_evidence_before_s: float = 0.4  # evidence range before an embedding jump

    # --- deepfake.lip_sync
    lip_conf_speech_s: tuple[float, float] = (8.0, 40.0)  # seconds of speech with a visible mouth -> confidence

    # --- liveness.challenge_response: confidence = base + gain * ramp(number of challenge moments)
    challenge_conf_base: float = 0.6
    challenge_conf_gain: float = 0.4
    challenge_conf_moments: tuple[int, int] = (1, 3)

    # --- deepfake.external_model
    external_conf_frames: tuple[int, int] = (1, 10)  # face frames the model scored -> confidence ramp

    # --- voice.synthetic (margin = bona fide - spoof logit; negative = spoof-like)
    voice_min_speech_s: float = 3.0  # less speech: ``ok`` with zero confidence
    voice_margin_ramp: tuple[float, float] = (-3.0, -8.0)  # median margin -> score (lower margin, higher score)
    voice_share_ramp: tuple[float, float] = (0.4, 0.8)  # share of synthetic-looking windows -> score ramp ...
    voice_share_weight: float = 0.8  # ... scaled by this
    voice_conf_windows: tuple[int, int] = (1, 4)  # applicable windows -> confidence ramp
    voice_conf_applicable_base: float = 0.5  # confidence factor = base + gain * applicable share of windows
    voice_conf_applicable_gain: float = 0.5


LIVENESS = LivenessCalibration()


def frame_evidence(ctx: CaseContext, worst: Iterable[tuple[float, float, bytes]], what: str,
                   limit: int = 3) -> list[Evidence]:
    return [Evidence(kind="frame", summary=f"{what} (score {s:.2f}) at {t:.1f} s", t_start=round(t, 2),
                     t_end=round(t, 2), ref=ctx.thumbnail(j)) for s, t, j in list(worst)[:limit]]


def _threshold(ctx: CaseContext) -> float:
    return float(ctx.config.liveness.flag_threshold)


def _emit(check: str, name: str, ctx: CaseContext, score: float, confidence: float, flag_text: str,
          ok_text: str, evidence: list[Evidence], details: dict[str, Any]) -> Signal:
    details = {**details, "threshold": _threshold(ctx)}
    if score >= _threshold(ctx) and confidence >= LIVENESS.min_flag_confidence:
        return flag(check, name, flag_text, score=score, confidence=confidence, evidence=evidence, details=details)
    return ok(check, name, ok_text, score=score, confidence=confidence,
              evidence=evidence if score >= LIVENESS.evidence_min_score else [],
              details=details)


# --------------------------------------------------------------------------- presentation attack
@register_check
class PresentationAttackCheck:
    name: ClassVar[str] = "liveness.presentation_attack"
    needs: ClassVar[frozenset[str]] = frozenset({"screen_cues"})
    # either one is enough: each is read with ctx.optional, and the FAS model adds to the score when it ran
    wants: ClassVar[frozenset[str]] = frozenset({"fas_scores"})
    signals: ClassVar[tuple[str, ...]] = ("liveness.presentation_attack",)

    def run(self, ctx: CaseContext) -> list[Signal]:
        screen = ctx.optional("screen_cues")
        fas = ctx.optional("fas_scores")
        if screen is None and fas is None:
            ctx.feature("screen_cues")  # raises the reason (no video, no face model ...)
        sig = self.signals[0]
        details: dict[str, Any] = {}
        evidence: list[Evidence] = []
        screen_score, fas_score, conf_parts = 0.0, 0.0, []
        if screen is not None and screen.frames:
            screen_score = screen.median_score
            frames = screen.frames
            details.update(screen_frames=len(frames), screen_median=round(screen_score, 3),
                           screen_persistent_share=round(screen.persistent_share(), 3),
                           moire_median=round(float(_median(f.moire for f in frames)), 3),
                           bezel_sides_median=float(_median(f.bezel_sides for f in frames)),
                           glare_share_median=round(float(_median(f.glare_share for f in frames)), 4))
            evidence += frame_evidence(ctx, screen.worst, "screen cues (moiré / bezel / glare)")
            conf_parts.append(smoothstep(*LIVENESS.screen_conf_frames, len(frames)))
        if fas is not None:
            lt = fas.threshold
            details.update(fas_samples=len(fas.samples), fas_threshold=lt, fas_small_faces=fas.small_faces,
                           fas_liveness=[round(s.liveness, 4) for s in fas.samples])
            if fas.samples:
                from ..vision.liveness import spoof_strength

                med = fas.median_liveness
                fas_score = spoof_strength(med, lt) * (1.0 if len(fas.samples) >= LIVENESS.fas_min_samples
                                                        else LIVENESS.fas_single_sample_factor)
                details.update(fas_median_liveness=round(med, 4), fas_spoof_share=round(fas.spoof_share(lt), 3))
                worst = sorted(fas.samples, key=lambda s: s.liveness)[:2]
                evidence += [Evidence(kind="frame", summary=f"anti-spoofing liveness {s.liveness:.3f} "
                                      f"(spoof at or below {lt}) at {s.t:.1f} s", t_start=s.t, t_end=s.t,
                                      ref=ctx.thumbnail(s.thumbnail)) for s in worst if s.liveness <= lt]
                conf_parts.append(LIVENESS.fas_conf_quality_weight * sum(s.quality for s in fas.samples)
                                  / len(fas.samples)
                                  + LIVENESS.fas_conf_base)
            elif fas.small_faces:
                details["fas_note"] = "faces too small for the anti-spoofing model"
        # FAS alone never flags: on registry photos it called real faces spoof (benchmarks/results/liveness.md);
        # it only strengthens screen cues
        L = LIVENESS
        score = max(screen_score, min(L.fas_alone_cap, L.fas_alone_weight * fas_score),
                    min(1.0, L.combined_screen_weight * screen_score + L.combined_fas_weight * fas_score))
        confidence = max(conf_parts) if conf_parts else 0.0
        details.update(screen_score=round(screen_score, 3), fas_score=round(fas_score, 3))
        return [_emit(self.name, sig, ctx, score, confidence,
                      "signs of a screen replay or printed photo in front of the camera; verify with a live challenge",
                      "no sign of a screen replay or printed photo", evidence, details)]


def _median(values: Iterable[float]) -> float:
    import numpy as np

    v = list(values)
    return float(np.median(v)) if v else 0.0


# --------------------------------------------------------------------------- face swap
@register_check
class FaceSwapCheck:
    name: ClassVar[str] = "deepfake.face_swap"
    needs: ClassVar[frozenset[str]] = frozenset({"blend_boundary"})
    signals: ClassVar[tuple[str, ...]] = ("deepfake.face_swap",)

    def run(self, ctx: CaseContext) -> list[Signal]:
        series = ctx.feature("blend_boundary")
        sig = self.signals[0]
        n = len(series.frames)
        if n < LIVENESS.swap_min_frames:
            return [ok(self.name, sig, "too few usable face frames to look for blending boundaries",
                       confidence=0.0, details={"frames": n, "faces_seen": series.faces_seen})]
        med_score = series.weighted_median("score")
        med_texture = series.weighted_median("texture")
        L = LIVENESS
        share = sum(1 for f in series.frames if f.score >= L.swap_frame_suspicious) / n
        # ramps: see LivenessCalibration (calibrated in benchmarks/results/liveness.md)
        score = max(smoothstep(*L.swap_texture_ramp, med_texture),
                    L.swap_share_weight * smoothstep(*L.swap_share_ramp, share))
        confidence = smoothstep(*L.swap_conf_frames, n) * (L.swap_conf_quality_base
                                                           + L.swap_conf_quality_gain * _median(series.qualities))
        details = {"frames": n, "median_texture_mismatch": round(series.weighted_median("texture"), 4),
                   "median_colour_mismatch": round(series.weighted_median("colour"), 4),
                   "median_frame_score": round(med_score, 3), "share_frames_suspicious": round(share, 3)}
        return [_emit(self.name, sig, ctx, score, confidence,
                      "the central face's texture differs from the surrounding skin in many frames "
                      "(a pasted / blended face); ask for a profile turn and a hand pass",
                      "no blending boundary found along the face", frame_evidence(ctx, series.worst, "blend boundary"),
                      details)]


# --------------------------------------------------------------------------- temporal
@register_check
class TemporalArtifactsCheck:
    name: ClassVar[str] = "deepfake.temporal_artifacts"
    needs: ClassVar[frozenset[str]] = frozenset({"temporal_artifacts"})
    signals: ClassVar[tuple[str, ...]] = ("deepfake.temporal_artifacts",)

    def run(self, ctx: CaseContext) -> list[Signal]:
        st = ctx.feature("temporal_artifacts")
        details = {"usable_s": st.usable_s, "landmark_jitter": st.jitter_excess,
                   "boundary_flicker": st.boundary_flicker,
                   "embedding_flicker_share": st.embedding_flicker, "embedding_min_similarity": st.embedding_min_sim,
                   "blinks": st.blinks, "blink_rate_per_min": st.blink_rate_per_min, "frontal_s": st.frontal_s,
                   "components": dict(st.scores)}
        evidence = [Evidence(kind="time_range",
                             summary=f"identity embedding jumped between consecutive frames near {t:.1f} s",
                             t_start=max(0.0, t - LIVENESS.temporal_evidence_before_s), t_end=t)
                    for t in st.worst_times]
        evidence.append(Evidence(kind="time_range",
                                 summary="stretch of usable face measured (component scores in details)",
                                 t_start=st.t_first, t_end=st.t_last))
        return [_emit(self.name, self.signals[0], ctx, st.score, st.confidence,
                      "the face flickers over time (landmarks, blend boundary or identity) more than a real face does",
                      "no temporal artefacts beyond normal camera noise", evidence, details)]


# --------------------------------------------------------------------------- lip sync
@register_check
class LipSyncCheck:
    name: ClassVar[str] = "deepfake.lip_sync"
    needs: ClassVar[frozenset[str]] = frozenset({"lip_sync"})
    signals: ClassVar[tuple[str, ...]] = ("deepfake.lip_sync",)

    def run(self, ctx: CaseContext) -> list[Signal]:
        from ..vision.lipsync import lip_sync_score

        r = ctx.feature("lip_sync")
        details = {"speech_s_with_mouth": r.speech_s, "samples": r.n_samples, "corr_at_zero": r.corr_at_zero,
                   "best_lag_s": r.best_lag_s, "best_corr": r.best_corr, "mouth_motion_std": r.mouth_moving,
                   "lags_s": list(r.lags_s), "corrs": list(r.corrs)}
        if not r.enough:
            return [ok(self.name, self.signals[0], "not enough speech with a visible mouth to judge lip-sync",
                       confidence=0.0, details=details)]
        score = lip_sync_score(r)
        confidence = smoothstep(*LIVENESS.lip_conf_speech_s, r.speech_s)
        evidence = [Evidence(kind="time_range",
                             summary=f"mouth opening vs speech energy: correlation {r.corr_at_zero:.2f} "
                             f"at lag 0, best {r.best_corr:.2f} at {r.best_lag_s:+.1f} s (curve in details.corrs)",
                             t_start=r.t_start, t_end=r.t_end)]
        return [_emit(self.name, self.signals[0], ctx, score, confidence,
                      f"mouth movement does not follow the speech (best lag {r.best_lag_s:+.1f} s, "
                      f"correlation {r.best_corr:.2f}): dubbed audio or a delayed video stream",
                      f"mouth movement follows the speech (lag {r.best_lag_s:+.1f} s, correlation {r.best_corr:.2f})",
                      evidence, details)]


# --------------------------------------------------------------------------- challenges
@register_check
class ChallengeResponseCheck:
    name: ClassVar[str] = "liveness.challenge_response"
    needs: ClassVar[frozenset[str]] = frozenset({"challenge_moments"})
    signals: ClassVar[tuple[str, ...]] = ("liveness.challenge_response",)

    def run(self, ctx: CaseContext) -> list[Signal]:
        from ..vision.challenge import CHALLENGES

        res = ctx.feature("challenge_moments")
        sig = self.signals[0]
        moments = [{"challenge": m.key, "t_start": m.t_start, "t_end": m.t_end, "peak": m.peak,
                    "failures": list(m.failures), "min_similarity": m.min_similarity, "lost_share": m.lost_share,
                    "score": m.score} for m in res.moments]
        details = {"found": list(res.found), "moments": moments[:40],
                   "suggested": [{"challenge": c.key, "ask": c.ask} for c in CHALLENGES if c.key not in res.found]}
        if not res.moments:
            return [ok(self.name, sig, "no liveness-challenge moment found in the recording (ask for one: "
                       + CHALLENGES[0].ask.rstrip(".") + ")", confidence=0.0, details=details)]
        failed = [(i, m) for i, m in enumerate(res.moments) if m.failures]
        score = max((m.score for m in res.moments), default=0.0)
        evidence = [Evidence(kind="frame", summary=f"{m.key.replace('_', ' ')} at {m.t_start:.1f}-{m.t_end:.1f} s: "
                             + ", ".join(f.replace("_", " ") for f in m.failures), t_start=m.t_start, t_end=m.t_end,
                             ref=ctx.thumbnail(res.thumbnails.get(i))) for i, m in failed[:4]]
        confidence = LIVENESS.challenge_conf_base + LIVENESS.challenge_conf_gain * smoothstep(
            *LIVENESS.challenge_conf_moments, len(res.moments))
        passed = ", ".join(sorted({m.key.replace("_", " ") for m in res.moments if m.passed})) or "none"
        return [_emit(self.name, sig, ctx, score, confidence,
                      f"{len(failed)} of {len(res.moments)} challenge moments show face-swap failures",
                      f"{len(res.moments)} challenge moments held up (passed: {passed})", evidence, details)]


# --------------------------------------------------------------------------- external model
@register_check
class ExternalModelCheck:
    name: ClassVar[str] = "deepfake.external_model"
    needs: ClassVar[frozenset[str]] = frozenset({"external_model_scores"})
    signals: ClassVar[tuple[str, ...]] = ("deepfake.external_model",)

    def run(self, ctx: CaseContext) -> list[Signal]:
        res = ctx.feature("external_model_scores")
        n = len(res.frames)
        details = {"model": res.model_path, "frames": n, "input_size": list(res.input_size),
                   "median_probability": None if res.median is None else round(res.median, 4),
                   "fake_share": round(res.fake_share, 3), "model_threshold": res.threshold}
        if n == 0:
            return [ok(self.name, self.signals[0], "the external model saw no face frames", confidence=0.0,
                       details=details)]
        worst = sorted((f for f in res.frames if f.thumbnail), key=lambda f: -f.probability)[:3]
        evidence = [Evidence(kind="frame",
                             summary=f"external model: fake probability {f.probability:.2f} at {f.t:.1f} s",
                             t_start=f.t, t_end=f.t, ref=ctx.thumbnail(f.thumbnail)) for f in worst]
        score = res.fake_share
        return [_emit(self.name, self.signals[0], ctx, score, smoothstep(*LIVENESS.external_conf_frames, n),
                      f"the external deepfake model rates {res.fake_share:.0%} of face frames as fake",
                      f"the external deepfake model rates {res.fake_share:.0%} of face frames as fake",
                      evidence, details)]


# --------------------------------------------------------------------------- synthetic voice
@register_check
class SyntheticVoiceCheck:
    name: ClassVar[str] = "voice.synthetic"
    needs: ClassVar[frozenset[str]] = frozenset({"synthetic_voice"})
    signals: ClassVar[tuple[str, ...]] = ("voice.synthetic",)

    def run(self, ctx: CaseContext) -> list[Signal]:
        res = ctx.feature("synthetic_voice")
        sig = self.signals[0]
        app = res.applicable
        details: dict[str, Any] = {"speech_s": res.speech_s, "windows": len(res.windows),
                                   "applicable_windows": len(app),
                                   "margin_threshold": res.threshold, "notes": list(res.notes),
                                   "margins": [w.margin for w in res.windows][:60]}
        L = LIVENESS
        if res.speech_s < L.voice_min_speech_s or not res.windows:
            return [ok(self.name, sig, "too little speech to check for a synthetic voice", confidence=0.0,
                       details=details)]
        if not app:
            return [ok(self.name, sig,
                       "narrow-band (telephone-quality) audio: the synthetic-voice model does not apply",
                       confidence=0.0, details=details)]
        med = res.median_margin
        share = res.synthetic_share
        score = max(smoothstep(*L.voice_margin_ramp, med),
                    L.voice_share_weight * smoothstep(*L.voice_share_ramp, share))
        details.update(median_margin=round(med, 3), synthetic_share=round(share, 3))
        confidence = smoothstep(*L.voice_conf_windows, len(app)) * (
            L.voice_conf_applicable_base + L.voice_conf_applicable_gain * len(app) / len(res.windows))
        worst = sorted(app, key=lambda w: w.margin)[:4]
        evidence = [Evidence(kind="time_range", summary=f"speech scored {w.margin:+.1f} (bona fide - spoof logit)",
                             t_start=w.t_start, t_end=w.t_end) for w in worst if w.margin < res.threshold]
        return [_emit(self.name, sig, ctx, score, confidence,
                      f"the voice looks synthetic in {share:.0%} of speech (median margin {med:+.1f}); "
                      "ask the candidate to turn off voice effects",
                      f"the voice looks natural (median margin {med:+.1f})", evidence, details)]
