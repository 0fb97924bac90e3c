"""Speech signals: transcript, spoken language vs claims, fluency vs the candidate's own claim,
voice consistency (within the interview and across interviews), answer timing.

Guardrails: no accent scoring and no inference of origin. Fluency is reported only as consistency
with the candidate's own language claim; with no claim it is informational (``ok``, score 0).
Answer latency is low-weight context. Every flag carries time ranges a reviewer can listen to.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, ClassVar

from ..features import FeatureUnavailable
from ..types import Evidence, Signal
from . import register_check
from .base import CaseContext, errored, flag, ok, skipped

logger = logging.getLogger(__name__)

CHECK = "speech"
TRANSCRIPT = "speech.transcript"
LANGUAGE = "speech.language_mismatch"
FLUENCY = "speech.fluency_claim_consistency"
SPEAKER = "speech.speaker_consistency"
LATENCY = "speech.answer_latency"



@dataclass(frozen=True)
class SpeechCalibration:
    """Tuning constants of the speech signals. Switches and model settings live in ``config.speech`` /
    ``config.risk`` (fluency on/off); the fluency ranges themselves live in ``speech/fluency.py``."""

    # --- speech.transcript
    empty_transcript_confidence: float = 0.5  # nothing transcribed: silence, music or unusable audio

    # --- speech.language_mismatch (spoken language vs claimed languages)
    mismatch_total_s: float = 30.0  # unclaimed-language speech that counts as a "long stretch" in total
    mismatch_stretch_s: float = 20.0  # ... or in one piece
    language_base_score: float = 0.3  # flag score = min(cap, base + gain * share of speech unclaimed)
    language_share_gain: float = 0.3
    language_score_cap: float = 0.6  # context-level: a language mismatch alone stays at "review"
    language_flag_confidence: float = 0.7
    no_speech_confidence: float = 0.3  # no transcribed speech to identify a language in
    no_claims_confidence: float = 0.5  # informational: nothing claimed to compare with

    # --- speech.fluency_claim_consistency (never adverse alone: modest scores and confidence)
    fluency_few_outside_score: float = 0.35  # fewer than ``fluency_many_outside`` measures outside the native range
    fluency_many_outside_score: float = 0.5
    fluency_many_outside: int = 5
    fluency_inconsistent_confidence: float = 0.45
    fluency_not_heard_score: float = 0.2  # the claimed language was never spoken: claim unconfirmed
    fluency_not_heard_confidence: float = 0.4

    # --- speech.speaker_consistency
    roles_from_sample_confidence: float = 0.65  # interviewer identified from a voice sample
    roles_guessed_confidence: float = 0.4  # roles inferred (one voice / two voices)
    other_voice_base_score: float = 0.45  # + the share of candidate-side speech in other voices ...
    other_voice_score_cap: float = 0.8  # ... capped here
    voice_match_across: float = 0.6  # voice vectors of one person across interviews (same channel ~0.7-0.9)
    across_score: float = 0.5  # a different voice than in an earlier interview: score and confidence floor
    across_confidence: float = 0.5

    # --- speech.answer_latency (low-weight context only)
    latency_slow_s: float = 2.5  # median answer latency counted as slow ...
    latency_min_answers: int = 4  # ... over at least this many answers
    reading_boundary_share: float = 0.9  # share of pauses at sentence boundaries that looks like reading ...
    reading_min_pauses: int = 8  # ... over at least this many pauses
    latency_flag_score: float = 0.25
    latency_flag_confidence: float = 0.35
    latency_ok_confidence: float = 0.5
    latency_unmeasured_confidence: float = 0.2  # no question / answer turns separated


SPEECH = SpeechCalibration()


def _guard(name: str, fn: Callable[[], Signal]) -> Signal:
    try:
        return fn()
    except FeatureUnavailable as e:
        return errored(CHECK, name, e.reason) if e.error else skipped(CHECK, name, e.reason)


def _span(a: float, b: float, what: str) -> Evidence:
    return Evidence("time_range", what, t_start=round(float(a), 2), t_end=round(float(b), 2))


@register_check
class SpeechCheck:
    name: ClassVar[str] = CHECK
    needs: ClassVar[frozenset[str]] = frozenset({"transcript", "speech_language", "fluency", "speakers",
                                                 "answer_latency", "claims"})
    signals: ClassVar[tuple[str, ...]] = (TRANSCRIPT, LANGUAGE, FLUENCY, SPEAKER, LATENCY)

    def run(self, ctx: CaseContext) -> list[Signal]:
        return [_guard(TRANSCRIPT, lambda: transcript_signal(ctx)),
                _guard(LANGUAGE, lambda: language_signal(ctx)),
                _guard(FLUENCY, lambda: fluency_signal(ctx)),
                _guard(SPEAKER, lambda: speaker_signal(ctx)),
                _guard(LATENCY, lambda: latency_signal(ctx))]


# --------------------------------------------------------------------------- transcript
def transcript_signal(ctx: CaseContext) -> Signal:
    asr = ctx.feature("asr")
    t = asr.transcript
    words = sum(len(s.words) for s in t.segments)
    details = {"language": t.language, "language_probability": round(t.language_probability, 4),
               "duration_s": round(t.duration_s, 2), "segments": len(t.segments), "words": words,
               "model": asr.model, "windows": len(asr.windows), "guards": asr.guards.to_dict()}
    if not t.segments:
        return ok(CHECK, TRANSCRIPT, "No speech was transcribed (silence, music or unusable audio).",
                  confidence=SPEECH.empty_transcript_confidence, details=details)
    dropped = len(asr.guards.dropped)
    extra = f"; {dropped} invented-looking segment(s) removed" if dropped else ""
    return ok(CHECK, TRANSCRIPT, f"Transcribed {len(t.segments)} segment(s), {words} words; language "
              f"{t.language or 'unknown'} (p={t.language_probability:.2f}){extra}.", details=details)


# --------------------------------------------------------------------------- language
def language_signal(ctx: CaseContext) -> Signal:
    profile = ctx.feature("speech_language")
    claims = ctx.claims
    seconds = profile.seconds_by_language()
    details = {"seconds_by_language": seconds, "main_language": profile.main_language,
               "stretches": [{"start": round(s.start, 2), "end": round(s.end, 2), "language": s.language,
                              "speech_s": s.speech_s, "whisper": s.whisper_language,
                              "whisper_probability": s.whisper_probability, "text_language": s.text_language,
                              "text_confidence": s.text_confidence} for s in profile.stretches[:50]]}
    if not profile.stretches:
        return ok(CHECK, LANGUAGE, "No transcribed speech to identify a language in.",
                  confidence=SPEECH.no_speech_confidence, details=details)
    claimed = sorted({lc.code for lc in claims.languages})
    details["claimed_languages"] = claimed
    spoken = ", ".join(f"{k} {v:.0f} s" for k, v in sorted(seconds.items(), key=lambda kv: -kv[1]))
    if not claimed:
        return ok(CHECK, LANGUAGE, f"Spoken: {spoken}. No language claims to compare with.", score=0.0,
                  confidence=SPEECH.no_claims_confidence, details=details)
    unclaimed = [s for s in profile.stretches if s.language not in claimed and s.language != "uncertain"]
    total = sum(s.speech_s for s in unclaimed)
    longest = max((s.speech_s for s in unclaimed), default=0.0)
    details["unclaimed_speech_s"] = round(total, 2)
    if total >= SPEECH.mismatch_total_s or longest >= SPEECH.mismatch_stretch_s:
        langs = sorted({s.language for s in unclaimed})
        share = total / max(1e-6, sum(v for k, v in seconds.items() if k != "uncertain"))
        ev = [_span(s.start, s.end, f"{s.speech_s:.0f} s of speech in {s.language} (Whisper {s.whisper_language} "
                    f"p={s.whisper_probability:.2f}, text {s.text_language or '-'})") for s in unclaimed[:10]]
        return flag(CHECK, LANGUAGE, f"{total:.0f} s of speech in {', '.join(langs)}, which the candidate's "
                    f"claims ({', '.join(claimed)}) do not include.",
                    score=min(SPEECH.language_score_cap,
                              SPEECH.language_base_score + SPEECH.language_share_gain * share),
                    confidence=SPEECH.language_flag_confidence, evidence=ev, details=details)
    return ok(CHECK, LANGUAGE, f"Spoken: {spoken}; consistent with the claimed languages ({', '.join(claimed)}).",
              details=details)


# --------------------------------------------------------------------------- fluency
def fluency_signal(ctx: CaseContext) -> Signal:
    from ..speech.fluency import claim_findings

    if not ctx.config.risk.fluency_enabled:
        return skipped(CHECK, FLUENCY, "fluency is turned off by policy (risk.fluency_enabled = false)")
    report = ctx.feature("fluency")  # speech.fluency_enabled = false -> skipped with that reason
    claims = ctx.claims
    details: dict = {"scope": report.scope, "seconds_by_language": dict(report.seconds_by_language),
                     "measurements": {k: m.to_dict() for k, m in report.by_language.items()},
                     "note": "Measured only to compare with the candidate's own claim; no accent scoring."}
    if not claims.languages:
        return ok(CHECK, FLUENCY, "No language claim: fluency measurements are informational only.",
                  score=0.0, confidence=SPEECH.no_claims_confidence, details=details)
    findings = claim_findings(report, claims.languages)
    details["claims"] = [f.to_dict() for f in findings]
    bad = [f for f in findings if f.status == "inconsistent"]
    unheard = [f for f in findings if f.status == "not_heard"]
    if bad:
        f = bad[0]
        return flag(CHECK, FLUENCY, f"The candidate claims {f.level} {f.language}; {len(f.outside)} fluency "
                    f"measures fall outside the native range ({', '.join(f.outside)}). Verify in conversation.",
                    score=SPEECH.fluency_few_outside_score if len(f.outside) < SPEECH.fluency_many_outside
                    else SPEECH.fluency_many_outside_score,
                    confidence=SPEECH.fluency_inconsistent_confidence, details=details)
    if unheard:
        f = unheard[0]
        spoken = ", ".join(k for k in report.seconds_by_language if k != "uncertain") or "other languages"
        return flag(CHECK, FLUENCY, f"The candidate claims {f.level} {f.language}, but none of the speech is in "
                    f"{f.language} (heard: {spoken}); the claim could not be confirmed.",
                    score=SPEECH.fluency_not_heard_score, confidence=SPEECH.fluency_not_heard_confidence,
                    details=details)
    summary = "; ".join(f"{f.level} {f.language}: {f.status.replace('_', ' ')}" for f in findings)
    return ok(CHECK, FLUENCY, f"Consistent with the claims ({summary}).", details=details)


# --------------------------------------------------------------------------- speakers
def speaker_signal(ctx: CaseContext) -> Signal:
    sa = ctx.feature("speakers")
    diar, roles, change = sa.diarization, sa.roles, sa.change
    voices = [{"voice": v.label, "speech_s": v.speech_s, "turns": v.turns,
               "role": "interviewer" if v.label in roles.interviewer else "candidate"} for v in diar.voices]
    details: dict = {"voices": voices, "role_method": roles.method, "cluster_threshold": diar.threshold,
                     "interviewer_similarity": None if roles.interviewer_similarity is None
                     else round(roles.interviewer_similarity, 3),
                     "turns": [{"start": t.start, "end": t.end, "voice": t.speaker} for t in diar.turns[:200]],
                     "limits": "the embedder separates voices on different channels well; two people on one "
                               "telephone line can look like one voice"}
    if change.candidate_vector is not None:
        ctx.link("voice_embedding", [float(x) for x in change.candidate_vector], source=SPEAKER)
    findings: list[str] = []
    evidence: list[Evidence] = []
    score = 0.0
    confidence = SPEECH.roles_from_sample_confidence if roles.method == "sample" else SPEECH.roles_guessed_confidence
    if change.changed:
        labels = [v.label for v in change.voices]
        details["candidate_voices"] = labels
        details["candidate_voice_similarity"] = round(change.similarity, 3) if change.similarity is not None else None
        for t in diar.turns:
            if t.speaker in labels[1:] and len(evidence) < 12:
                evidence.append(_span(t.start, t.end, f"candidate-side turn in voice {t.speaker} "
                                      f"(main candidate voice is {labels[0]})"))
        share = sum(v.speech_s for v in change.voices[1:]) / max(1e-6, sum(v.speech_s for v in change.voices))
        score = max(score, min(SPEECH.other_voice_score_cap, SPEECH.other_voice_base_score + share))
        findings.append(f"{len(change.voices)} different voices answer on the candidate's side "
                        f"({', '.join(f'voice {v.label}: {v.speech_s:.0f} s' for v in change.voices)})")
    across = _across_interviews(ctx, change.candidate_vector, details, evidence)
    if across:
        score = max(score, SPEECH.across_score)
        confidence = max(confidence, SPEECH.across_confidence)
        findings.append(across)
    if findings:
        return flag(CHECK, SPEAKER, "; ".join(findings) + ". Listen to the marked turns.", score=score,
                    confidence=confidence, evidence=evidence, details=details)
    n = len(diar.voices)
    who = {"sample": "interviewer identified from the sample", "single": "one voice",
           "two_voices": "two voices, taken as interviewer and candidate"}.get(roles.method, roles.method)
    return ok(CHECK, SPEAKER, f"One consistent voice on the candidate's side ({n} voice(s) in total; {who}).",
              confidence=confidence, details=details)


def _across_interviews(ctx: CaseContext, vector, details: dict, evidence: list[Evidence]) -> str | None:
    if vector is None:
        return None
    if ctx.store is None or not ctx.candidate_id:
        details["across_interviews"] = "not compared (no case store or no candidate id)"
        return None
    import numpy as np

    v = np.asarray(vector, np.float32)
    v = v / (np.linalg.norm(v) + 1e-12)
    compared, differ = [], []
    for case_id, other in ctx.store.candidate_embeddings(ctx.candidate_id, "voice_embedding"):
        if case_id == ctx.case_id:
            continue
        o = np.asarray(other, np.float32)
        sim = float(v @ (o / (np.linalg.norm(o) + 1e-12)))
        compared.append({"case_id": case_id, "similarity": round(sim, 3)})
        if sim < SPEECH.voice_match_across:
            differ.append(case_id)
            evidence.append(Evidence("link", f"earlier interview {case_id} of candidate {ctx.candidate_id}: "
                                     f"different voice (similarity {sim:.2f})", ref=case_id))
    details["across_interviews"] = compared
    details["across_threshold"] = SPEECH.voice_match_across
    if differ:
        return f"the voice differs from {len(differ)} earlier interview(s) of this candidate"
    return None


# --------------------------------------------------------------------------- timing
def latency_signal(ctx: CaseContext) -> Signal:
    rep = ctx.feature("answer_latency")
    details = rep.to_dict()
    details["note"] = "Low-weight context only; slow answers have many innocent causes."
    if not rep.answers:
        return ok(CHECK, LATENCY, "No question-and-answer turns were separated; timing not measured.",
                  confidence=SPEECH.latency_unmeasured_confidence, details=details)
    reading = (rep.boundary_pause_share is not None and rep.boundary_pause_share >= SPEECH.reading_boundary_share
               and rep.pauses >= SPEECH.reading_min_pauses)
    slow = (rep.median_s is not None and rep.median_s >= SPEECH.latency_slow_s
            and len(rep.answers) >= SPEECH.latency_min_answers)
    summary = f"Median answer latency {rep.median_s:.1f} s over {len(rep.answers)} answer(s)"
    if slow and reading:
        ev = [_span(a.question_end, a.answer_start, f"{a.latency:.1f} s before the answer")
              for a in sorted(rep.answers, key=lambda a: -a.latency)[:8]]
        return flag(CHECK, LATENCY, summary + f"; {rep.boundary_pause_share:.0%} of pauses fall at sentence "
                    "boundaries, a reading-like cadence. Context only.", score=SPEECH.latency_flag_score,
                    confidence=SPEECH.latency_flag_confidence, evidence=ev, details=details)
    return ok(CHECK, LATENCY, summary + ".", confidence=SPEECH.latency_ok_confidence, details=details)
