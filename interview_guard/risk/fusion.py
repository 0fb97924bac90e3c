"""Signals -> one RiskAssessment by a log-odds sum, with the product guardrails built in.

    total = prior + sum(weight * score * confidence)  over signals with status "flag"
    score = sigmoid(total)

``ok`` / ``skipped`` / ``error`` signals add nothing; ``error`` signals are named as coverage
gaps so a reviewer knows what was *not* checked. Context-only signals (fluency, VPN, location,
time zone, answer latency) can never push a case to ``high`` on their own: without another
flagged signal the level is capped at ``review``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from ..types import Followup, RiskAssessment, RiskLevel, Signal
from .followups import select_followups
from .policy import FLUENCY_SIGNAL, Policy

NOTE = ("Signals for a human reviewer; verification needed. This is not a hiring decision "
        "and not a verdict about the candidate.")
_MAX_GAP_NAMES = 4


@dataclass(frozen=True)
class Contribution:
    """How much one flagged signal adds to the log-odds total."""

    signal: Signal
    weight: float
    value: float  # weight * score * confidence
    context_only: bool


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def contributions(signals: Iterable[Signal], policy: Policy, *,
                  fluency_enabled: bool = True) -> list[Contribution]:
    """Flagged signals that count, largest contribution first (ties keep input order)."""
    out: list[Contribution] = []
    for s in signals:
        if s.status != "flag":
            continue
        if s.name == FLUENCY_SIGNAL and not fluency_enabled:
            continue  # switched off in the config ([risk] fluency_enabled): not risk, not a reason, no question
        w = policy.weight(s.name)
        out.append(Contribution(signal=s, weight=w, value=w * float(s.score) * float(s.confidence),
                                context_only=policy.is_context_only(s.name)))
    out.sort(key=lambda c: -c.value)
    return out


def level_for(score: float, policy: Policy) -> RiskLevel:
    if score >= policy.high_threshold:
        return "high"
    if score >= policy.review_threshold:
        return "review"
    return "low"


def fuse(signals: Sequence[Signal], policy: Policy, *,
         fluency_enabled: bool = True) -> tuple[RiskAssessment, list[Followup]]:
    """Combine ``signals`` into a RiskAssessment and the interviewer's follow-up questions."""
    counted = contributions(signals, policy, fluency_enabled=fluency_enabled)
    total = policy.prior + sum(c.value for c in counted)
    score = sigmoid(total)
    # corroboration = a non-context signal that actually adds risk (weight > 0, score > 0)
    corroborated = any(c.value > 0 and not c.context_only for c in counted)

    capped = False
    if not corroborated and score >= policy.high_threshold:
        # Guardrail: context-only evidence never reaches "high" alone. Cap the score too, so the
        # number a reviewer sees agrees with the level.
        score = math.nextafter(policy.high_threshold, 0.0)
        capped = True
    level = level_for(score, policy)

    reasons = _reasons(counted, corroborated, capped, policy)
    reasons.extend(_coverage_gaps(signals))
    assessment = RiskAssessment(level=level, score=score, reasons=tuple(reasons), note=NOTE)
    followups = select_followups([c.signal for c in counted], policy)
    return assessment, followups


def _reasons(counted: list[Contribution], corroborated: bool, capped: bool, policy: Policy) -> list[str]:
    reasons: list[str] = []
    adding = [c for c in counted if c.value > 0]
    for c in adding[:policy.max_reasons]:
        text = _sentence(c.signal.summary) or f"{c.signal.name} was flagged."
        if c.context_only and not corroborated:
            text += " (Context only: not adverse on its own.)"
        reasons.append(text)
    if adding and not corroborated:
        names = ", ".join(c.signal.name for c in adding if c.context_only)
        if names:
            reasons.append(f"Only context signals were flagged ({names}); they need corroboration "
                           f"before they count as risk" + (", so the level is capped at review." if capped else "."))
    return reasons


def _coverage_gaps(signals: Iterable[Signal]) -> list[str]:
    failed = [s.name for s in signals if s.status == "error"]
    if not failed:
        return []
    shown = ", ".join(failed[:_MAX_GAP_NAMES]) + (f" and {len(failed) - _MAX_GAP_NAMES} more"
                                                  if len(failed) > _MAX_GAP_NAMES else "")
    noun = "signal" if len(failed) == 1 else "signals"
    return [f"Coverage gap: {len(failed)} {noun} could not be evaluated because of an error "
            f"({shown}); verify these manually. Errors are not counted as risk."]


def _sentence(text: str) -> str:
    text = " ".join((text or "").split())
    if text and text[-1] not in ".!?":
        text += "."
    return text
