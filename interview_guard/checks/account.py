"""Platform account checks: profile churn, payout names, shared ID documents, review collusion,
one account run by several people, and payment / off-platform requests in messages.

These follow the indicators platforms are asked to watch (frequent changes of name, contacts or
payout account; payout name different from the account name; one ID document on several
accounts; reviews between accounts that share an identity; one account used by several people;
requests to pay in crypto-assets or to move off the platform).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar

from ..netmeta import accounts as acc
from ..netmeta import activity
from ..netmeta.evidence import MAX_EVIDENCE, bad_rows_note, event_evidence, input_details, plural, row_evidence
from ..netmeta.readers import iso_utc
from . import register_check
from .base import flag, ok, skipped


@dataclass(frozen=True)
class AccountCalibration:
    """Tuning constants of the account and message signals. Windows and limits a user sets (profile-change
    window and count, session gap, travel distance, active hours a day) live in ``config.network``."""

    # --- account.profile_changes
    profile_changes_score: float = 0.5
    profile_changes_payout_score: float = 0.6  # the burst touches the payout account or payout name
    profile_changes_confidence: float = 0.8

    # --- account.payout_mismatch
    payout_score: float = 0.6  # paid to another name, or one payout account on several accounts ...
    payout_both_score: float = 0.7  # ... both at once
    payout_confidence: float = 0.75
    payout_ok_confidence: float = 0.7

    # --- account.shared_identity_document: one ID document number on several accounts / candidates
    shared_document_score: float = 0.85
    shared_document_confidence: float = 0.85

    # --- account.review_collusion
    collusion_score: float = 0.7
    collusion_confidence: float = 0.75
    collusion_ok_confidence: float = 0.7

    # --- account.multi_operator
    back_and_forth_within_s: float = 3600.0  # distant places alternating within this time
    concurrent_min_overlap_s: float = 900.0  # two devices in sessions that overlap at least this long
    back_and_forth_score: float = 0.7
    far_overlap_score: float = 0.6  # simultaneous sessions on devices far apart
    busy_days_score: float = 0.45  # round-the-clock activity on one account-day ...
    busy_days_repeat_score: float = 0.55  # ... on ``busy_days_repeat`` days of one account
    busy_days_repeat: int = 2
    multi_operator_combined_bonus: float = 0.1  # more than one of the above ...
    multi_operator_score_cap: float = 0.85  # ... capped here
    multi_operator_confidence: float = 0.65
    multi_operator_ok_confidence: float = 0.6

    # --- messages.payment_and_offplatform: score by category of request
    message_category_score: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({
        "crypto": 0.65, "offplatform_payment": 0.55, "offplatform_contact": 0.45}), hash=False)
    message_combined_bonus: float = 0.1  # several categories ...
    message_score_cap: float = 0.8  # ... capped here
    message_confidence: float = 0.6


ACCOUNT = AccountCalibration()


def _has_group(changes, group: str) -> bool:
    return any(acc.field_group(c.field) == group for c in changes)


@register_check
class ProfileChangesCheck:
    name: ClassVar[str] = "account.profile_changes"
    needs: ClassVar[frozenset[str]] = frozenset({"account_history"})
    signals: ClassVar[tuple[str, ...]] = ("account.profile_changes",)

    def run(self, ctx):
        result = ctx.feature("account_history")
        opts = ctx.config.network
        bursts = acc.profile_change_bursts(result.rows, opts.profile_change_window_days * 86400.0,
                                           opts.profile_change_limit)
        details = {"window_days": opts.profile_change_window_days, "limit": opts.profile_change_limit,
                   "accounts": [{"account": b.account, "start": iso_utc(b.start), "end": iso_utc(b.end),
                                 "changes": len(b.changes), "fields": list(b.fields)} for b in bursts[:50]],
                   **input_details(result)}
        if not bursts:
            return [ok(self.name, self.name, f"no account changed its name, contacts or payout account "
                                             f"{opts.profile_change_limit}+ times within "
                                             f"{opts.profile_change_window_days:g} days" + bad_rows_note(result),
                       confidence=ACCOUNT.profile_changes_confidence, details=details)]
        evidence = [row_evidence(result, c.line, f"{iso_utc(c.timestamp)} {c.account_id}: {c.field} "
                                                 f"{c.old_value!r} -> {c.new_value!r}")
                    for b in bursts for c in b.changes][:MAX_EVIDENCE]
        payout = any(f in ("payout_account", "payout_name") for b in bursts for f in b.fields)
        top = bursts[0]
        return [flag(self.name, self.name, f"{plural(len(bursts), 'account')} with frequent profile changes, e.g. "
                                           f"{top.account}: {len(top.changes)} changes ({', '.join(top.fields)}) in "
                                           f"{(top.end - top.start) / 86400:.0f} days" + bad_rows_note(result),
                     score=ACCOUNT.profile_changes_payout_score if payout else ACCOUNT.profile_changes_score,
                     confidence=ACCOUNT.profile_changes_confidence, evidence=evidence, details=details)]


@register_check
class PayoutMismatchCheck:
    name: ClassVar[str] = "account.payout_mismatch"
    needs: ClassVar[frozenset[str]] = frozenset({"account_history"})
    signals: ClassVar[tuple[str, ...]] = ("account.payout_mismatch",)

    def run(self, ctx):
        result = ctx.feature("account_history")
        changes = result.rows
        if not (_has_group(changes, "payout_name") or _has_group(changes, "payout_account")):
            return [skipped(self.name, self.name, "the account history has no payout fields")]
        names = acc.latest_values(changes, "name")
        payees = acc.latest_values(changes, "payout_name")
        mismatches, unverifiable = [], []
        for account, payee in sorted(payees.items()):
            owner = names.get(account)
            if owner is None:
                continue
            same = acc.names_match(owner.new_value, payee.new_value)
            if same is False:
                mismatches.append((account, owner, payee))
            elif same is None:
                unverifiable.append({"account": account, "name": owner.new_value, "payout_name": payee.new_value})
        shared = acc.shared_history_values(changes, "payout_account", Path(result.path).name)
        for c in changes:
            if acc.field_group(c.field) == "payout_account" and c.new_value:
                ctx.link("payout_account", c.new_value, "account history")
        details = {"mismatches": [{"account": a, "name": o.new_value, "payout_name": p.new_value}
                                  for a, o, p in mismatches[:50]],
                   "unverifiable": unverifiable[:50],
                   "shared_payout_accounts": [{"value": s.value, "accounts": list(s.accounts)} for s in shared[:50]],
                   **input_details(result)}
        if not mismatches and not shared:
            note = f"; {len(unverifiable)} could not be compared (kana reading vs kanji)" if unverifiable else ""
            return [ok(self.name, self.name, f"payout names match the account names ({len(payees)} checked){note}; "
                                             f"no payout account is shared" + bad_rows_note(result),
                       confidence=ACCOUNT.payout_ok_confidence, details=details)]
        evidence = [row_evidence(result, p.line, f"{a}: account name {o.new_value!r}, payout name {p.new_value!r}")
                    for a, o, p in mismatches[:MAX_EVIDENCE]]
        evidence += [row_evidence(result, int(s.refs[0].rsplit(":", 1)[1]),
                                  f"payout account {s.value} on accounts {', '.join(s.accounts)}") for s in shared[:4]]
        parts = []
        if mismatches:
            a, o, p = mismatches[0]
            parts.append(f"{plural(len(mismatches), 'account')} paid to another name (e.g. {a}: {o.new_value!r} vs "
                         f"{p.new_value!r})")
        if shared:
            parts.append(f"{plural(len(shared), 'payout account')} used by several accounts "
                         f"({shared[0].value}: {', '.join(shared[0].accounts[:4])})")
        score = ACCOUNT.payout_both_score if (mismatches and shared) else ACCOUNT.payout_score
        return [flag(self.name, self.name, "; ".join(parts) + bad_rows_note(result), score=score,
                     confidence=ACCOUNT.payout_confidence, evidence=evidence, details=details)]


@register_check
class SharedIdentityDocumentCheck:
    name: ClassVar[str] = "account.shared_identity_document"
    needs: ClassVar[frozenset[str]] = frozenset({"account_history"})
    signals: ClassVar[tuple[str, ...]] = ("account.shared_identity_document",)

    def run(self, ctx):
        result = ctx.feature("account_history")
        changes = result.rows
        if not _has_group(changes, "id_document_number"):
            return [skipped(self.name, self.name, "the account history has no ID document numbers")]
        source = Path(result.path).name
        shared = acc.shared_history_values(changes, "id_document_number", source)
        numbers = sorted({c.new_value for c in changes
                          if acc.field_group(c.field) == "id_document_number" and c.new_value})
        store_hits = []
        for number in numbers[:ctx.config.network.max_store_lookups]:
            ctx.link("document_number", number, "account history")
            if ctx.store is not None:
                for h in ctx.store.find_links("document_number", number, exclude_candidate=ctx.candidate_id,
                                              exclude_case=ctx.case_id):
                    store_hits.append({"value": number, "case_id": h.case_id, "candidate_id": h.candidate_id})
        details = {"documents_checked": len(numbers),
                   "shared": [{"document_number": s.value, "accounts": list(s.accounts)} for s in shared[:50]],
                   "store": store_hits if ctx.store is not None else "no case store: other cases were not compared",
                   **input_details(result)}
        if not shared and not store_hits:
            return [ok(self.name, self.name, f"each of {plural(len(numbers), 'ID document number')} belongs to one "
                                             f"account" + bad_rows_note(result),
                       confidence=ACCOUNT.shared_document_confidence, details=details)]
        evidence = [row_evidence(result, int(s.refs[0].rsplit(":", 1)[1]),
                                 f"document {s.value} on accounts {', '.join(s.accounts)}")
                    for s in shared[:MAX_EVIDENCE]]
        parts = [f"document {s.value} on {plural(len(s.accounts), 'account')} ({', '.join(s.accounts[:5])})"
                 for s in shared[:3]]
        if store_hits:
            cases = list(dict.fromkeys(h["case_id"] for h in store_hits))
            parts.append(f"{plural(len(cases), 'earlier case')} ({', '.join(cases[:3])}) recorded the same document "
                         f"number")
        return [flag(self.name, self.name, "; ".join(parts) + bad_rows_note(result),
                     score=ACCOUNT.shared_document_score, confidence=ACCOUNT.shared_document_confidence,
                     evidence=evidence, details=details)]


def identity_clusters(ctx) -> tuple[list, list[str]]:
    """Clusters of accounts sharing identity values, from account history and the network log."""
    from ..netmeta.clusters import build_clusters, shared_event_values
    from ..netmeta.ipintel import SHARED_EGRESS_KINDS

    shared, used = [], []
    history = ctx.optional("account_history")
    if history is not None:
        used.append("account history")
        source = Path(history.path).name
        for group in ("id_document_number", "payout_account", "email", "phone"):
            shared += acc.shared_history_values(history.rows, group, source)
    events = ctx.optional("network_events")
    if events is not None:
        used.append("network log")
        log = events.rows
        eips = ctx.optional("event_ips")
        subjects = activity.event_subjects(log)
        if subjects.kind == "account":
            code = {v: i for i, v in enumerate(log.ip_values)}
            for sv in shared_event_values(log, subjects, "ip"):
                kind = eips.kinds[code[sv.value]] if eips is not None else "unknown"
                if kind not in SHARED_EGRESS_KINDS and kind != "reserved":
                    shared.append(sv)
            shared += shared_event_values(log, subjects, "device")
    return build_clusters(shared), used


@register_check
class ReviewCollusionCheck:
    name: ClassVar[str] = "account.review_collusion"
    needs: ClassVar[frozenset[str]] = frozenset({"account_reviews"})
    # which accounts share an identity: read with ctx.optional in identity_clusters()
    wants: ClassVar[frozenset[str]] = frozenset({"account_history", "network_events", "event_ips"})
    signals: ClassVar[tuple[str, ...]] = ("account.review_collusion",)

    def run(self, ctx):
        result = ctx.feature("account_reviews")
        clusters, used = identity_clusters(ctx)
        member = {a: i for i, c in enumerate(clusters) for a in c.accounts}
        collusive = []
        for r in result.rows:
            ca, cb = member.get(r.reviewer_account), member.get(r.reviewee_account)
            if r.reviewer_account == r.reviewee_account or (ca is not None and ca == cb):
                collusive.append((r, ca))
        pairs = {(r.reviewer_account, r.reviewee_account) for r in result.rows}
        reciprocal = sorted({tuple(sorted(p)) for p in pairs if (p[1], p[0]) in pairs and p[0] != p[1]})
        details = {"identity_sources": used, "reviews": len(result.rows),
                   "collusive": [{"reviewer": r.reviewer_account, "reviewee": r.reviewee_account, "rating": r.rating,
                                  "timestamp": iso_utc(r.timestamp),
                                  "shared": [f"{s.kind} {s.value}" for s in clusters[c].shared
                                             if {r.reviewer_account, r.reviewee_account} <= set(s.accounts)][:5]
                                  if c is not None else ["same account"]} for r, c in collusive[:50]],
                   "reciprocal_pairs": [list(p) for p in reciprocal[:50]], **input_details(result)}
        if not used and not any(r.reviewer_account == r.reviewee_account for r in result.rows):
            return [skipped(self.name, self.name, "no account history or network log to tell which accounts share "
                                                  "an identity")]
        if not collusive:
            return [ok(self.name, self.name, f"none of {plural(len(result.rows), 'review')} is between accounts that "
                                             f"share an identity (checked: {', '.join(used) or 'account ids'})"
                                             + bad_rows_note(result), confidence=ACCOUNT.collusion_ok_confidence,
                       details=details)]
        evidence = [row_evidence(result, r.line, f"{r.reviewer_account} reviewed {r.reviewee_account}"
                                                 f" ({r.rating if r.rating is not None else '?'}); "
                                                 + (", ".join(details['collusive'][k]['shared']) or "shared identity"))
                    for k, (r, _c) in enumerate(collusive[:MAX_EVIDENCE])]
        r0 = collusive[0][0]
        return [flag(self.name, self.name, f"{plural(len(collusive), 'review')} between accounts that share an identity"
                                           f" (e.g. {r0.reviewer_account} -> {r0.reviewee_account})"
                                           + bad_rows_note(result),
                     score=ACCOUNT.collusion_score, confidence=ACCOUNT.collusion_confidence, evidence=evidence,
                     details=details)]


@register_check
class MultiOperatorCheck:
    name: ClassVar[str] = "account.multi_operator"
    needs: ClassVar[frozenset[str]] = frozenset({"network_events", "event_ips"})
    signals: ClassVar[tuple[str, ...]] = ("account.multi_operator",)

    def run(self, ctx):
        result = ctx.feature("network_events")
        log = result.rows
        eips = ctx.feature("event_ips")
        opts = ctx.config.network
        subjects = activity.event_subjects(log)
        gap = opts.session_gap_min * 60.0
        hops = activity.distant_hops(log, subjects, eips.geo, min_km_country=opts.travel_min_km,
                                     min_km_coords=opts.travel_min_km_coords)
        alternating = activity.back_and_forth(hops, log, within_s=ACCOUNT.back_and_forth_within_s)
        overlaps = activity.concurrent_devices(log, subjects, gap, min_overlap_s=ACCOUNT.concurrent_min_overlap_s)
        far_overlaps = []
        ip_code = {v: i for i, v in enumerate(log.ip_values)} if overlaps else {}
        for o in overlaps:
            if len(o.ips) == 2:
                a, b = ip_code[o.ips[0]], ip_code[o.ips[1]]
                km, _how = eips.geo.distance_km(a, b)
                if (km is not None and km >= opts.travel_min_km
                        and not (eips.geo.anonymizer[a] or eips.geo.anonymizer[b])):
                    far_overlaps.append((o, km))
        sess = activity.sessions(log, subjects, gap)
        busy = activity.busy_days(log, subjects, sess, opts.operator_active_hours)
        details = {"back_and_forth": {s: [{"from": log.ip_values[log.ip[h.event_a]],
                                           "to": log.ip_values[log.ip[h.event_b]],
                                           "km": round(h.km), "at": iso_utc(float(log.ts[h.event_b]))} for h in hs[:10]]
                                      for s, hs in list(alternating.items())[:20]},
                   "concurrent_distant_devices": [{"subject": o.subject, "devices": list(o.devices), "ips": list(o.ips),
                                                   "km": round(km), "start": iso_utc(o.start), "end": iso_utc(o.end)}
                                                  for o, km in far_overlaps[:20]],
                   "concurrent_device_sessions": len(overlaps),
                   "round_the_clock_days": [{"subject": subjects.names[s], "day": iso_utc(d * 86400.0)[:10],
                                             "active_hours": n} for (s, d), n in sorted(busy.items())[:50]],
                   **input_details(result)}
        parts, evidence, score = [], [], 0.0
        if alternating:
            score = ACCOUNT.back_and_forth_score
            s, hs = next(iter(alternating.items()))
            parts.append(f"{plural(len(alternating), subjects.kind)} switching back and forth between distant places "
                         f"within an hour (e.g. {s})")
            evidence += [event_evidence(log, h.event_b, f"{h.subject}: {log.ip_values[log.ip[h.event_a]]} -> "
                                                        f"{log.ip_values[log.ip[h.event_b]]} (~{h.km:.0f} km)")
                         for h in hs[:4]]
        if far_overlaps:
            score = max(score, ACCOUNT.far_overlap_score)
            o, km = far_overlaps[0]
            parts.append(f"simultaneous sessions on different devices ~{km:.0f} km apart (e.g. {o.subject})")
            evidence += [event_evidence(log, o.events[1], f"{o.subject}: devices {', '.join(o.devices)} active at "
                                                          f"the same time from {', '.join(o.ips)}")
                         for o, _ in far_overlaps[:4]]
        if busy:
            days_by_subject: dict[int, int] = {}
            for (s, _d) in busy:
                days_by_subject[s] = days_by_subject.get(s, 0) + 1
            score = max(score, ACCOUNT.busy_days_repeat_score
                        if max(days_by_subject.values()) >= ACCOUNT.busy_days_repeat
                        else ACCOUNT.busy_days_score)
            parts.append(f"activity in {opts.operator_active_hours}+ clock hours a day on "
                         f"{plural(len(busy), 'account-day')}")
        if not parts:
            return [ok(self.name, self.name, "no simultaneous use from distant places or devices, and no account "
                                             f"active {opts.operator_active_hours}+ hours a day"
                                             + bad_rows_note(result),
                       confidence=ACCOUNT.multi_operator_ok_confidence, details=details)]
        if len(parts) > 1:
            score = min(ACCOUNT.multi_operator_score_cap, score + ACCOUNT.multi_operator_combined_bonus)
        return [flag(self.name, self.name, "; ".join(parts) + bad_rows_note(result), score=score,
                     confidence=ACCOUNT.multi_operator_confidence,
                     evidence=evidence[:MAX_EVIDENCE], details=details)]


@register_check
class PaymentOffplatformCheck:
    name: ClassVar[str] = "messages.payment_and_offplatform"
    needs: ClassVar[frozenset[str]] = frozenset({"account_messages"})
    signals: ClassVar[tuple[str, ...]] = ("messages.payment_and_offplatform",)

    def run(self, ctx):
        from ..netmeta.messages import CATEGORY_LABELS, scan_messages

        result = ctx.feature("account_messages")
        hits = scan_messages(result.rows)
        cats = sorted({c for h in hits for c in h.categories})
        details = {"messages": len(result.rows), "hits": [
            {"line": h.message.line, "timestamp": iso_utc(h.message.timestamp), "account": h.message.account_id,
             "direction": h.message.direction, "categories": list(h.categories), "patterns": list(h.patterns),
             "matched": list(h.matched), "text": h.message.text[:500]} for h in hits[:50]], **input_details(result)}
        if not hits:
            return [ok(self.name, self.name, f"no request to pay in crypto-assets or to move off the platform in "
                                             f"{plural(len(result.rows), 'message')}" + bad_rows_note(result),
                       confidence=ACCOUNT.message_confidence, details=details)]
        evidence = [row_evidence(result, h.message.line,
                                 f"[{h.message.direction or '?'}] {h.message.account_id or '?'}: "
                                 f"{h.message.text[:300]}")
                    for h in hits[:MAX_EVIDENCE]]
        score = max(ACCOUNT.message_category_score[c] for c in cats)
        if len(cats) > 1:
            score = min(ACCOUNT.message_score_cap, score + ACCOUNT.message_combined_bonus)
        return [flag(self.name, self.name, f"{plural(len(hits), 'message')} about "
                                           f"{', '.join(CATEGORY_LABELS[c] for c in cats)}" + bad_rows_note(result),
                     score=score, confidence=ACCOUNT.message_confidence, evidence=evidence, details=details)]
