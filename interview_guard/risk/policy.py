"""The risk policy: a versioned TOML file of weights, thresholds and follow-up questions.

The built-in policy ships as package data (``default_policy.toml``); a user policy replaces it
as a whole (``RiskOptions.policy``). Loading validates everything up front so a typo fails
with a clear ``InputError`` instead of silently changing how cases are scored.
"""
from __future__ import annotations

import logging
import math
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ..errors import InputError

logger = logging.getLogger(__name__)

DEFAULT_POLICY_RESOURCE = "default_policy.toml"


def known_signals() -> tuple[str, ...]:
    """Every signal name a registered check can emit: the registry is the one source of names."""
    from ..checks import signal_names

    return signal_names()


FLUENCY_SIGNAL = "speech.fluency_claim_consistency"

# Product guardrail: these may never be adverse on their own, whatever a policy file says.
GUARDRAIL_CONTEXT_ONLY: frozenset[str] = frozenset({
    FLUENCY_SIGNAL, "network.anonymizer", "network.location_claim", "network.timezone_claim",
    "speech.answer_latency",
})

_TOP_KEYS = {"version", "description", "prior", "default_weight", "max_reasons",
             "max_followups", "context_only", "thresholds", "weights", "followups"}
_THRESHOLD_KEYS = {"review", "high"}
_SIGNAL_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Policy:
    """A loaded, validated policy. ``version`` is recorded with every analysis."""

    version: str
    prior: float
    review_threshold: float
    high_threshold: float
    weights: Mapping[str, float]
    context_only: frozenset[str]
    followups: Mapping[str, tuple[str, ...]]
    default_weight: float = 1.0
    max_reasons: int = 5
    max_followups: int = 6
    description: str = ""
    source: str = "builtin"

    def weight(self, name: str) -> float:
        return self.weights.get(name, self.default_weight)

    def is_context_only(self, name: str) -> bool:
        return name in self.context_only

    def questions(self, name: str) -> tuple[str, ...]:
        return self.followups.get(name, ())


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy at ``path``, or the built-in default policy when ``path`` is None."""
    if path is None or str(path) == "":
        text = resources.files(__package__).joinpath(DEFAULT_POLICY_RESOURCE).read_text(encoding="utf-8")
        return parse_policy(text, source="builtin")
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"policy file not found: {p}") from None
    except IsADirectoryError:
        raise InputError(f"policy path is a folder, not a TOML file: {p}") from None
    except UnicodeDecodeError:
        raise InputError(f"policy file {p} is not UTF-8 text") from None
    return parse_policy(text, source=str(p))


def parse_policy(text: str, *, source: str = "<string>") -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"policy {source} is not valid TOML: {e}") from None
    return policy_from_mapping(data, source=source)


def policy_from_mapping(data: Mapping[str, Any], *, source: str = "<mapping>") -> Policy:
    where = f"policy {source}"
    if "fluency_enabled" in data:  # one switch for fluency: the config's [risk] table
        raise InputError(f"{where}: fluency_enabled is no longer a policy key; set fluency_enabled = false "
                         "under [risk] in the analyzer config")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; "
                         f"allowed: {', '.join(sorted(_TOP_KEYS))}")
    for key in ("version", "thresholds", "weights"):
        if key not in data:
            raise InputError(f"{where}: missing required key {key!r}")

    version = data["version"]
    if not isinstance(version, str) or not version.strip():
        raise InputError(f"{where}: version must be a non-empty string")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise InputError(f"{where}: description must be a string")

    prior = _number(data.get("prior", -3.0), f"{where}: prior")
    default_weight = _number(data.get("default_weight", 1.0), f"{where}: default_weight", minimum=0.0)
    max_reasons = _count(data.get("max_reasons", 5), f"{where}: max_reasons")
    max_followups = _count(data.get("max_followups", 6), f"{where}: max_followups")

    thresholds = data["thresholds"]
    if not isinstance(thresholds, Mapping):
        raise InputError(f"{where}: [thresholds] must be a table with review and high")
    unknown = set(thresholds) - _THRESHOLD_KEYS
    if unknown:
        raise InputError(f"{where}: unknown key(s) in [thresholds]: {', '.join(sorted(unknown))}")
    missing = _THRESHOLD_KEYS - set(thresholds)
    if missing:
        raise InputError(f"{where}: [thresholds] lacks {', '.join(sorted(missing))}")
    review = _number(thresholds["review"], f"{where}: thresholds.review")
    high = _number(thresholds["high"], f"{where}: thresholds.high")
    if not 0.0 < review < high < 1.0:
        raise InputError(f"{where}: thresholds must satisfy 0 < review < high < 1, "
                         f"got review={review}, high={high}")

    weights_raw = data["weights"]
    if not isinstance(weights_raw, Mapping):
        raise InputError(f"{where}: [weights] must be a table of signal name = number")
    weights: dict[str, float] = {}
    for name, value in weights_raw.items():
        _check_signal_name(name, f"{where}: [weights]")
        weights[name] = _number(value, f"{where}: weight of {name}", minimum=0.0)

    context_raw = data.get("context_only", sorted(GUARDRAIL_CONTEXT_ONLY))
    if not isinstance(context_raw, list) or not all(isinstance(n, str) for n in context_raw):
        raise InputError(f"{where}: context_only must be a list of signal names")
    for name in context_raw:
        _check_signal_name(name, f"{where}: context_only")
    context_only = frozenset(context_raw)
    dropped = GUARDRAIL_CONTEXT_ONLY - context_only
    if dropped:
        raise InputError(f"{where}: context_only must keep {', '.join(sorted(dropped))}: "
                         "fluency, VPN, location, time zone and answer latency may never be adverse alone")

    followups_raw = data.get("followups", {})
    if not isinstance(followups_raw, Mapping):
        raise InputError(f"{where}: [followups] must be a table of signal name = list of questions")
    followups: dict[str, tuple[str, ...]] = {}
    for name, value in followups_raw.items():
        _check_signal_name(name, f"{where}: [followups]")
        questions = [value] if isinstance(value, str) else value
        if (not isinstance(questions, list) or not questions
                or not all(isinstance(q, str) and q.strip() for q in questions)):
            raise InputError(f"{where}: follow-ups for {name} must be a non-empty list of questions")
        followups[name] = tuple(" ".join(q.split()) for q in questions)

    return Policy(version=version.strip(), prior=prior, review_threshold=review, high_threshold=high,
                  weights=MappingProxyType(weights), context_only=context_only,
                  followups=MappingProxyType(followups), default_weight=default_weight,
                  max_reasons=max_reasons, max_followups=max_followups,
                  description=description, source=source)


def _number(value: Any, what: str, *, minimum: float | None = None) -> float:
    # bool is an int subclass in Python: `weight = true` is a mistake, not 1.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{what} must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise InputError(f"{what} must be finite, got {value!r}")
    if minimum is not None and x < minimum:
        raise InputError(f"{what} must be >= {minimum:g}, got {value!r}")
    return x


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"{what} must be a whole number >= 0, got {value!r}")
    return value


def _check_signal_name(name: Any, where: str) -> None:
    if not isinstance(name, str) or not _SIGNAL_NAME.match(name):
        raise InputError(f"{where}: {name!r} is not a signal name (expected family.name)")
    if name not in known_signals():
        raise InputError(f"{where}: unknown signal {name!r} (no check emits it)")
