"""Tuning constants of the network checks (interview_guard/checks/network.py): one home for the
scores, confidences and cut-offs, each with what it means. Changing a value here changes reports."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class NetworkCalibration:
    """Tuning constants of the network signals. Windows and limits a user sets (churn window, travel
    speed, session gap, hours per day / week, store lookups) live in ``config.network``.

    VPN, location and time zone are context: their scores stay modest by design (the risk policy caps
    them at ``review`` unless another signal is flagged).
    """

    # --- network.anonymizer: how much an address of each kind suggests hiding (context-level scores)
    kind_score: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({
        "tor": 0.45, "residential_proxy": 0.4, "proxy": 0.4, "vpn": 0.35, "cloud": 0.35, "hosting": 0.35,
        "bot": 0.25, "cdn": 0.2}), hash=False)
    anonymizer_majority_share: float = 0.5  # more than this share of events via anonymizers ...
    anonymizer_majority_bonus: float = 0.1  # ... adds this to the score
    anonymizer_confidence: float = 0.8
    anonymizer_ok_confidence: float = 0.7

    # --- network.location_claim
    location_ok_share: float = 0.5  # at least this share of direct events in the claimed country: ok
    location_base_score: float = 0.3  # flag score = base + gain * share of direct events elsewhere
    location_elsewhere_gain: float = 0.2
    location_confidence: float = 0.6
    location_unknown_confidence: float = 0.3  # no direct-connection address with a known country

    # --- network.timezone_claim
    waking_hours: tuple[int, int] = (8, 22)  # local hours [start, end) a person usually works or is awake
    night_hours: tuple[int, int] = (0, 6)  # local night [start, end)
    timezone_min_active_hours: int = 12  # distinct active clock hours needed to compare ...
    timezone_min_days: int = 2  # ... over at least this many days
    night_share_flag: float = 0.3  # share of active hours at local night that can flag ...
    timezone_min_gap_h: float = 4.0  # ... when the best-fitting offset is at least this far from the claimed one
    timezone_base_score: float = 0.3
    night_share_high: float = 0.5  # from this night share ...
    night_share_high_bonus: float = 0.1  # ... the score rises by this
    timezone_conf_base: float = 0.3  # confidence = min(cap, base + active hours / per)
    timezone_conf_hours: float = 200.0  # active hours per unit of confidence
    timezone_conf_cap: float = 0.8

    # --- network.ip_churn
    churn_countries_score: float = 0.55  # a window with churn_max_countries countries ...
    churn_more_countries_bonus: float = 0.1  # ... + this with more than that
    churn_ips_score: float = 0.4  # a window with many IPs in fewer countries
    travel_score: float = 0.55  # an impossible-travel hop between direct addresses
    travel_via_anonymizer_score: float = 0.3  # ... when one end is an anonymizer (the hop may be the VPN)
    churn_confidence: float = 0.7

    # --- network.shared_ip
    shared_strong_score: float = 0.5  # accounts share a home / office address or a device ...
    shared_strong_many_score: float = 0.7  # ... and this from ``shared_many_accounts`` accounts up
    shared_many_accounts: int = 3
    shared_weak_score: float = 0.25  # only shared-egress addresses (VPN, CGNAT, cloud): shared with strangers
    shared_store_score: float = 0.6  # an earlier case used the same IP or device
    shared_confidence: float = 0.75
    shared_ok_confidence: float = 0.7

    # --- network.remote_access
    remote_strong_score: float = 0.6  # a remote-desktop tool identified by name / domain
    remote_strong_confidence: float = 0.85
    remote_weak_score: float = 0.35  # only a port that such tools use
    remote_weak_confidence: float = 0.5
    remote_ok_confidence: float = 0.7

    # --- network.long_sessions
    long_sessions_score: float = 0.35
    long_sessions_repeat_bonus: float = 0.1  # 2+ days over the daily limit, or a week over the weekly limit
    long_sessions_repeat_days: int = 2
    long_sessions_confidence: float = 0.6


NETWORK = NetworkCalibration()
