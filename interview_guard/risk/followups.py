"""Follow-up questions for the interviewer, drawn from the flagged signals.

Questions come from the policy's ``[followups]`` table (neutral, respectful, verifiable). The
strongest signal's first question comes first; then each next signal's first question, then
second questions, and so on, deduplicated, at most ``policy.max_followups``.
"""
from __future__ import annotations

from typing import Sequence

from ..types import Followup, Signal
from .policy import Policy


def select_followups(flagged: Sequence[Signal], policy: Policy, limit: int | None = None) -> list[Followup]:
    """``flagged`` in priority order (largest contribution first)."""
    limit = policy.max_followups if limit is None else limit
    names: list[str] = []
    for s in flagged:
        if s.status == "flag" and s.name not in names:
            names.append(s.name)
    per_signal = [(n, policy.questions(n)) for n in names]
    out: list[Followup] = []
    seen: set[str] = set()
    depth = max((len(q) for _, q in per_signal), default=0)
    for i in range(depth):  # round-robin: every flagged signal gets its first question first
        for name, questions in per_signal:
            if len(out) >= limit:
                return out
            if i >= len(questions):
                continue
            key = questions[i].casefold()
            if key in seen:
                continue
            seen.add(key)
            out.append(Followup(signal=name, question=questions[i]))
    return out
