"""Risk fusion: a versioned policy (weights, thresholds, follow-ups) and the log-odds combination.

    policy = load_policy()                 # built-in default, or load_policy("my_policy.toml")
    assessment, followups = fuse(signals, policy)

The level says how much verification a case needs — never a hire / no-hire verdict.
"""
from __future__ import annotations

from .followups import select_followups
from .fusion import NOTE, Contribution, contributions, fuse, level_for, sigmoid
from .policy import GUARDRAIL_CONTEXT_ONLY, Policy, known_signals, load_policy, parse_policy

__all__ = ["Policy", "load_policy", "parse_policy", "fuse", "contributions", "Contribution",
           "select_followups", "level_for", "sigmoid", "NOTE", "known_signals", "GUARDRAIL_CONTEXT_ONLY"]
