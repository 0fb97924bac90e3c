"""Network checks: anonymizers, location / time-zone claims, IP churn, shared IPs, remote access,
long sessions.

Guardrail: VPN use, location and time zone are never adverse on their own. Those signals carry
modest scores, and the risk policy treats them as context (capped at ``review`` unless another
signal is flagged). Nothing here infers nationality: locations are compared only with what the
candidate claims.
"""
from __future__ import annotations

from collections import Counter
from typing import ClassVar

import numpy as np

from ..netmeta import activity
from ..netmeta.evidence import (
    MAX_EVIDENCE,
    bad_rows_note,
    candidate_focus,
    event_evidence,
    input_details,
    plural,
    row_evidence,
)
from ..netmeta.geo import country_zones, utc_offset_hours
from ..netmeta.ipintel import SHARED_EGRESS_KINDS
from ..netmeta.readers import iso_utc
from . import register_check
from .base import flag, ok, skipped
from .network_calibration import NETWORK


def _events(ctx):
    result = ctx.feature("network_events")
    return result, result.rows


@register_check
class AnonymizerCheck:
    name: ClassVar[str] = "network.anonymizer"
    needs: ClassVar[frozenset[str]] = frozenset({"network_events", "event_ips"})
    signals: ClassVar[tuple[str, ...]] = ("network.anonymizer",)

    def run(self, ctx):
        result, log = _events(ctx)
        eips = ctx.feature("event_ips")
        if eips.unavailable or not eips.has_anonymizer_data:
            return [skipped(self.name, self.name, eips.unavailable or "no VPN / Tor / hosting range data loaded")]
        counts = np.bincount(log.ip, minlength=len(log.ip_values))
        used = [c for c in range(1, len(log.ip_values)) if counts[c]]
        kind_score = NETWORK.kind_score
        flagged = sorted((c for c in used if eips.kinds[c] in kind_score),
                         key=lambda c: (-kind_score[eips.kinds[c]], -counts[c]))
        sources = [s.to_dict() for s in eips.sources]
        details = {"addresses_checked": len(used), "sources": sources, **input_details(result)}
        relays = [log.ip_values[c] for c in used if eips.kinds[c] == "relay"]
        if relays:
            details["privacy_relays"] = relays[:20]  # e.g. Apple Private Relay: on by default for many
        if not flagged:
            return [ok(self.name, self.name, f"{plural(len(used), 'address', 'addresses')} checked; none is a known "
                                             f"VPN, Tor, proxy, hosting or cloud address" + bad_rows_note(result),
                       confidence=NETWORK.anonymizer_ok_confidence, details=details)]
        first = {c: int(np.argmax(log.ip == c)) for c in flagged[:MAX_EVIDENCE]}
        found = []
        evidence = []
        for c in flagged:
            info = eips.info(c)
            found.append({**info.to_dict(), "events": int(counts[c])})
            if c in first:
                evidence.append(event_evidence(log, first[c], f"{info.ip}: {info.kind} ({info.provider or '?'}, "
                                                              f"source {info.source}); "
                                                              f"{plural(int(counts[c]), 'event')}"))
        share = float(counts[flagged].sum()) / max(1, int(counts[1:].sum()))
        details.update(addresses=found[:100], share_of_events=round(share, 4))
        top = ", ".join(f"{d['ip']} ({d['kind']}: {d['provider'] or '?'}, {d['source']})" for d in found[:3])
        score = kind_score[eips.kinds[flagged[0]]] + (
            NETWORK.anonymizer_majority_bonus if share > NETWORK.anonymizer_majority_share else 0.0)
        return [flag(self.name, self.name, f"{plural(len(flagged), 'address', 'addresses')} from anonymizing or "
                                           f"hosting networks: {top}" + bad_rows_note(result),
                     score=score, confidence=NETWORK.anonymizer_confidence, evidence=evidence, details=details)]


@register_check
class LocationClaimCheck:
    name: ClassVar[str] = "network.location_claim"
    needs: ClassVar[frozenset[str]] = frozenset({"network_events", "event_ips", "claims"})
    signals: ClassVar[tuple[str, ...]] = ("network.location_claim",)

    def run(self, ctx):
        claimed = ctx.claims.country
        if not claimed:
            return [skipped(self.name, self.name, "no claimed country (claims file or resume)")]
        result, log = _events(ctx)
        eips = ctx.feature("event_ips")
        if eips.unavailable or not eips.has_country_data:
            return [skipped(self.name, self.name, eips.unavailable or "no country data loaded")]
        focus = candidate_focus(log, ctx.candidate_id) & (log.ip > 0)
        codes = log.ip[focus]
        cc = eips.geo.country[codes]
        anon = eips.geo.anonymizer[codes]
        direct = (~anon) & (cc >= 0)
        by_country = Counter(eips.geo.countries[c] for c in cc[direct])
        via_anon = Counter(eips.geo.countries[c] for c in cc[anon & (cc >= 0)])
        details = {"claimed_country": claimed, "direct_events_by_country": dict(by_country.most_common(20)),
                   "anonymizer_events_by_country": dict(via_anon.most_common(20)), **input_details(result)}
        total = sum(by_country.values())
        if total == 0:
            note = " (only anonymizer / hosting addresses, whose country says nothing about the person)" if via_anon \
                else ""
            return [ok(self.name, self.name, f"no direct-connection address with a known country{note}",
                       confidence=NETWORK.location_unknown_confidence, details=details)]
        share = by_country.get(claimed, 0) / total
        details["share_in_claimed_country"] = round(share, 4)
        if share >= NETWORK.location_ok_share:
            return [ok(self.name, self.name, f"{share:.0%} of direct-connection events geolocate to the claimed "
                                             f"country {claimed}" + bad_rows_note(result),
                       confidence=NETWORK.location_confidence,
                       details=details)]
        other, n_other = next(((c, n) for c, n in by_country.most_common() if c != claimed), ("?", 0))
        idx = np.flatnonzero(focus)[direct]
        claimed_code = eips.geo.countries.index(claimed) if claimed in eips.geo.countries else -2
        outside = idx[eips.geo.country[log.ip[idx]] != claimed_code]
        seen: set[int] = set()
        evidence = []
        for i in outside[:10000].tolist():
            if log.ip[i] in seen or len(evidence) >= MAX_EVIDENCE:
                continue
            seen.add(int(log.ip[i]))
            info = eips.info(int(log.ip[i]))
            evidence.append(event_evidence(log, i, f"{info.ip} geolocates to {info.country} "
                                                   f"(source {info.country_source}); claimed {claimed}"))
        score = NETWORK.location_base_score + NETWORK.location_elsewhere_gain * (1.0 - share)
        return [flag(self.name, self.name, f"claimed {claimed}, but {1 - share:.0%} of direct-connection events "
                                           f"geolocate elsewhere (mostly {other}, {plural(n_other, 'event')})"
                                           + bad_rows_note(result),
                     score=score, confidence=NETWORK.location_confidence, evidence=evidence, details=details)]


def claimed_zone(claims) -> tuple[str | None, str]:
    if claims.timezone:
        return claims.timezone, "claimed time zone"
    if claims.country:
        zones = country_zones(claims.country)
        if len(zones) == 1:
            return zones[0], f"the only time zone of claimed country {claims.country}"
        if zones:
            return None, f"claimed country {claims.country} has {len(zones)} time zones and no time zone is claimed"
    return None, "no claimed time zone or country"


@register_check
class TimezoneClaimCheck:
    name: ClassVar[str] = "network.timezone_claim"
    needs: ClassVar[frozenset[str]] = frozenset({"network_events", "claims"})
    signals: ClassVar[tuple[str, ...]] = ("network.timezone_claim",)

    def run(self, ctx):
        tz, why = claimed_zone(ctx.claims)
        if tz is None:
            return [skipped(self.name, self.name, why)]
        result, log = _events(ctx)
        ts = log.ts[candidate_focus(log, ctx.candidate_id)]
        if ts.size == 0:
            return [skipped(self.name, self.name, "no events")]
        try:
            offset = utc_offset_hours(tz, float(np.median(ts)))
        except ValueError as e:
            return [skipped(self.name, self.name, str(e))]
        cells = np.unique(np.floor(ts / 3600.0).astype(np.int64))  # distinct active UTC clock hours
        days = np.unique(cells // 24).size
        cal = NETWORK
        if cells.size < cal.timezone_min_active_hours or days < cal.timezone_min_days:
            return [skipped(self.name, self.name, f"too little activity to compare: "
                                                  f"{plural(int(cells.size), 'active hour')} "
                                                  f"over {plural(int(days), 'day')}")]
        utc_hist = np.bincount(cells % 24, minlength=24)
        local = np.roll(utc_hist, int(round(offset)))  # local[h] = activity at local hour h
        night = float(local[list(range(*cal.night_hours))].sum()) / cells.size
        waking = list(range(*cal.waking_hours))
        fits = {off: float(np.roll(utc_hist, off)[waking].sum()) / cells.size for off in range(-12, 15)}
        best = max(fits, key=lambda o: (round(fits[o], 6), -abs(o - offset)))
        gap = abs(((best - offset) + 12) % 24 - 12)
        details = {"time_zone": tz, "time_zone_source": why, "utc_offset_h": offset,
                   "local_hour_histogram": local.astype(int).tolist(), "active_hours": int(cells.size),
                   "days": int(days), "night_share": round(night, 4), "best_fit_utc_offset_h": best,
                   "best_fit_waking_share": round(fits[best], 4), **input_details(result)}
        confidence = min(cal.timezone_conf_cap, cal.timezone_conf_base + cells.size / cal.timezone_conf_hours)
        if night >= cal.night_share_flag and gap >= cal.timezone_min_gap_h:
            return [flag(self.name, self.name, f"{night:.0%} of active hours fall between 00:00 and 06:00 in {tz}; "
                                               f"the activity fits UTC{best:+d} best (claimed UTC{offset:+g})"
                                               + bad_rows_note(result),
                         score=cal.timezone_base_score + (cal.night_share_high_bonus if night >= cal.night_share_high
                                                          else 0.0),
                         confidence=confidence, details=details)]
        return [ok(self.name, self.name, f"activity hours are consistent with {tz} "
                                         f"({night:.0%} of active hours at local night)" + bad_rows_note(result),
                   confidence=confidence, details=details)]


@register_check
class IpChurnCheck:
    name: ClassVar[str] = "network.ip_churn"
    needs: ClassVar[frozenset[str]] = frozenset({"network_events", "event_ips"})
    signals: ClassVar[tuple[str, ...]] = ("network.ip_churn",)

    def run(self, ctx):
        result, log = _events(ctx)
        eips = ctx.feature("event_ips")
        opts = ctx.config.network
        subjects = activity.event_subjects(log)
        window_s = opts.churn_window_min * 60.0
        windows = activity.churn_windows(log, subjects, eips.geo, window_s, opts.churn_max_ips,
                                         opts.churn_max_countries)
        hops = [h for h in activity.distant_hops(log, subjects, eips.geo, min_km_country=opts.travel_min_km,
                                                 min_km_coords=opts.travel_min_km_coords)
                if h.kmh > opts.travel_max_kmh]
        details = {"window_min": opts.churn_window_min, "country_data": not eips.unavailable and eips.has_country_data,
                   "windows": [], "impossible_travel": [], **input_details(result)}
        score, evidence, parts = 0.0, [], []
        for w in windows[:50]:
            details["windows"].append({"subject": w.subject, "start": iso_utc(w.start), "end": iso_utc(w.end),
                                       "ips": list(w.ips)[:20], "countries": list(w.countries)})
            many_cc = len(w.countries) >= opts.churn_max_countries
            score = max(score, (NETWORK.churn_countries_score + NETWORK.churn_more_countries_bonus
                                 * (len(w.countries) > opts.churn_max_countries))
                        if many_cc else NETWORK.churn_ips_score)
            mins = (w.end - w.start) / 60.0
            text = (f"{subjects.kind} {w.subject}: {plural(len(w.ips), 'IP')}"
                    + (f" in {plural(len(w.countries), 'country', 'countries')} ({', '.join(w.countries)})"
                       if w.countries else "") + f" within {mins:.0f} min")
            parts.append(text)
            if len(evidence) < MAX_EVIDENCE:
                evidence.append(event_evidence(log, w.events[0], text))
        for h in hops[:50]:
            a, b = log.ip_values[log.ip[h.event_a]], log.ip_values[log.ip[h.event_b]]
            details["impossible_travel"].append({"subject": h.subject, "from_ip": a, "to_ip": b, "km": round(h.km),
                                                 "hours": round(h.hours, 3), "kmh": round(h.kmh),
                                                 "measured_by": h.measured_by, "via_anonymizer": h.via_anonymizer})
            score = max(score, NETWORK.travel_via_anonymizer_score if h.via_anonymizer else NETWORK.travel_score)
            if len(evidence) < MAX_EVIDENCE:
                evidence.append(event_evidence(log, h.event_b, f"{subjects.kind} {h.subject}: {a} -> {b}, "
                                                               f"~{h.km:.0f} km in {h.hours * 60:.0f} min"
                                                               + (" (via an anonymizer)" if h.via_anonymizer else "")))
        if hops:
            parts.append(f"{plural(len(hops), 'impossible-travel hop')}")
        if score == 0.0:
            return [ok(self.name, self.name, f"no account used {opts.churn_max_ips}+ IPs or "
                                             f"{opts.churn_max_countries}+ countries within {opts.churn_window_min:g} "
                                             f"min, and no impossible travel" + bad_rows_note(result),
                       confidence=NETWORK.churn_confidence, details=details)]
        return [flag(self.name, self.name, "; ".join(parts[:3])
                     + (f" (+{len(parts) - 3} more)" if len(parts) > 3 else "")
                     + bad_rows_note(result), score=score, confidence=NETWORK.churn_confidence, evidence=evidence,
                     details=details)]


@register_check
class SharedIpCheck:
    name: ClassVar[str] = "network.shared_ip"
    needs: ClassVar[frozenset[str]] = frozenset({"network_events", "event_ips"})
    signals: ClassVar[tuple[str, ...]] = ("network.shared_ip",)

    def run(self, ctx):
        from ..netmeta.clusters import SharedValue, build_clusters, shared_event_values

        result, log = _events(ctx)
        eips = ctx.feature("event_ips")
        subjects = activity.event_subjects(log)
        shared = []
        ip_code = {v: i for i, v in enumerate(log.ip_values)}
        for sv in shared_event_values(log, subjects, "ip"):
            kind = eips.kinds[ip_code[sv.value]]
            if kind == "reserved":
                continue  # private addresses (home routers, offices) repeat everywhere
            note = f"{kind} address: shared with strangers" if kind in SHARED_EGRESS_KINDS else ""
            shared.append(SharedValue(sv.kind, sv.value, sv.accounts, sv.refs, note))
        shared += shared_event_values(log, subjects, "device")
        clusters = build_clusters(shared)
        store_hits = self._store_hits(ctx, log, eips)
        self._record_links(ctx, log, eips)
        details = {"subject_kind": subjects.kind, "clusters": [c.to_dict() for c in clusters[:50]],
                   "store": store_hits if ctx.store is not None else "no case store: other cases were not compared",
                   **input_details(result)}
        score, parts, evidence = 0.0, [], []
        for c in clusters:
            strong = [s for s in c.shared if not s.note]
            s = ((NETWORK.shared_strong_many_score if len(c.accounts) >= NETWORK.shared_many_accounts
                  else NETWORK.shared_strong_score) if strong else NETWORK.shared_weak_score)
            score = max(score, s)
            what = ", ".join(f"{x.kind} {x.value}" for x in (strong or list(c.shared))[:3])
            parts.append(f"{len(c.accounts)} {subjects.kind}s ({', '.join(c.accounts[:5])}) share {what}")
            for x in c.shared[:3]:
                if len(evidence) < MAX_EVIDENCE and x.refs:
                    evidence.append(row_evidence(result, int(x.refs[0].rsplit(":", 1)[1]),
                                                 f"{x.kind} {x.value} used by {', '.join(x.accounts[:6])}"
                                                 + (f" ({x.note})" if x.note else "")))
        if isinstance(store_hits, list) and store_hits:
            score = max(score, NETWORK.shared_store_score)
            cases = list(dict.fromkeys(h["case_id"] for h in store_hits))
            parts.append(f"{plural(len(cases), 'earlier case')} ({', '.join(cases[:3])}) used the same IP or device "
                         f"({plural(len(store_hits), 'shared value')})")
            for h in store_hits[:4]:
                evidence.append(_link_evidence(h))
        if score == 0.0:
            extra = "" if ctx.store is not None else " (no case store to compare other cases)"
            return [ok(self.name, self.name, f"no IP or device is shared between {subjects.kind}s{extra}"
                                             + bad_rows_note(result), confidence=NETWORK.shared_ok_confidence,
                       details=details)]
        return [flag(self.name, self.name, "; ".join(parts[:3]) + bad_rows_note(result), score=score,
                     confidence=NETWORK.shared_confidence, evidence=evidence, details=details)]

    @staticmethod
    def _linkable(ctx, log, eips) -> tuple[list[str], list[str]]:
        focus = candidate_focus(log, ctx.candidate_id)
        n = ctx.config.network.max_store_lookups
        ip_counts = np.bincount(log.ip[focus], minlength=len(log.ip_values))
        ips = [log.ip_values[c] for c in np.argsort(-ip_counts, kind="stable")
               if c and ip_counts[c] and eips.kinds[c] not in SHARED_EGRESS_KINDS | {"reserved"}][:n]
        dev_counts = np.bincount(log.device[focus], minlength=len(log.device_values))
        devices = [log.device_values[c] for c in np.argsort(-dev_counts, kind="stable") if c and dev_counts[c]][:n]
        return ips, devices

    def _store_hits(self, ctx, log, eips):
        if ctx.store is None:
            return None
        ips, devices = self._linkable(ctx, log, eips)
        hits = []
        for kind, values in (("ip", ips), ("device_id", devices)):
            for v in values:
                for h in ctx.store.find_links(kind, v, exclude_candidate=ctx.candidate_id, exclude_case=ctx.case_id):
                    hits.append({"kind": kind, "value": v, "case_id": h.case_id, "candidate_id": h.candidate_id,
                                 "analyzed_at": str(h.analyzed_at)})
        return hits

    def _record_links(self, ctx, log, eips) -> None:
        ips, devices = self._linkable(ctx, log, eips)
        for ip in ips:
            ctx.link("ip", ip, "network log")
        for d in devices:
            ctx.link("device_id", d, "network log")
        focus = candidate_focus(log, ctx.candidate_id)
        for code in np.unique(log.account[focus])[:ctx.config.network.max_store_lookups]:
            if code:
                ctx.link("account_id", log.account_values[code], "network log")


def _link_evidence(hit: dict):
    from ..types import Evidence

    return Evidence(kind="link", summary=f"{hit['kind']} {hit['value']} also in case {hit['case_id']} "
                                         f"(candidate {hit['candidate_id'] or '?'}, {hit['analyzed_at']})",
                    ref=hit["case_id"])


@register_check
class RemoteAccessCheck:
    name: ClassVar[str] = "network.remote_access"
    needs: ClassVar[frozenset[str]] = frozenset({"endpoint_inventory", "remote_access_catalog"})
    signals: ClassVar[tuple[str, ...]] = ("network.remote_access",)

    def run(self, ctx):
        from ..netmeta.remote_access import find_remote_access, group_by_host

        result = ctx.feature("endpoint_inventory")
        catalog = ctx.feature("remote_access_catalog")
        hosts = group_by_host(find_remote_access(result.rows, catalog))
        remote = [h for h in hosts if "remote_desktop" in h.categories]
        details = {"catalog_version": catalog.version, "rows_checked": len(result.rows),
                   "hosts": [{"host": h.host, "tools": list(h.tools), "categories": list(h.categories),
                              "rows": [{"line": x.record.line, "tool": x.tool.name, "matched_by": list(x.matched_by),
                                        "process": x.record.process_name, "remote_domain": x.record.remote_domain,
                                        "remote_ip": x.record.remote_ip, "remote_port": x.record.remote_port}
                                       for x in h.hits[:20]]} for h in hosts],
                   **input_details(result)}
        overlay = [(h.host, sorted({x.tool.name for x in h.hits if x.tool.category != "remote_desktop"}))
                   for h in hosts]
        overlay = [(host, tools) for host, tools in overlay if tools]
        ctx_note = ""
        if overlay:
            ctx_note = "; context only: " + ", ".join(f"{', '.join(t)} on {host}" for host, t in overlay[:3])
        if not remote:
            return [ok(self.name, self.name, f"no remote-desktop tool in {plural(len(result.rows), 'inventory row')}"
                                             + ctx_note + bad_rows_note(result),
                       confidence=NETWORK.remote_ok_confidence, details=details)]
        evidence = []
        for h in remote:
            for x in h.hits:
                if x.tool.category != "remote_desktop" or len(evidence) >= MAX_EVIDENCE:
                    continue
                r = x.record
                target = ":".join(str(v) for v in (r.remote_domain or r.remote_ip, r.remote_port)
                                  if v not in ("", None))
                evidence.append(row_evidence(result, r.line, f"host {h.host}: {x.tool.name} "
                                                             f"via {'+'.join(x.matched_by)}"
                                                             f" ({r.process_name or '-'}"
                                                             f"{' -> ' + target if target else ''})"))
        strong = any(x.strong for h in remote for x in h.hits if x.tool.category == "remote_desktop")
        summary = "; ".join(f"{', '.join(_remote_tools(h))} on host {h.host}" for h in remote[:4])
        return [flag(self.name, self.name, f"remote-desktop tools: {summary}" + ctx_note + bad_rows_note(result),
                     score=NETWORK.remote_strong_score if strong else NETWORK.remote_weak_score,
                     confidence=NETWORK.remote_strong_confidence if strong else NETWORK.remote_weak_confidence,
                     evidence=evidence,
                     details=details)]


def _remote_tools(host) -> list[str]:
    names: dict[str, None] = {}  # an insertion-ordered set of labels
    for x in host.hits:
        if x.tool.category == "remote_desktop":
            label = x.tool.name if x.strong else f"{x.tool.name} (port {x.record.remote_port})"
            names.setdefault(label, None)
    return list(names)


@register_check
class LongSessionsCheck:
    name: ClassVar[str] = "network.long_sessions"
    needs: ClassVar[frozenset[str]] = frozenset({"network_events"})
    signals: ClassVar[tuple[str, ...]] = ("network.long_sessions",)

    def run(self, ctx):
        result, log = _events(ctx)
        opts = ctx.config.network
        subjects = activity.event_subjects(log)
        sess = activity.sessions(log, subjects, opts.session_gap_min * 60.0)
        if len(sess) == 0:
            return [skipped(self.name, self.name, "no events with an account or candidate id")]
        length_h = (sess.end - sess.start) / 3600.0
        long_idx = np.flatnonzero(length_h >= opts.long_session_h)
        daily = activity.daily_hours(sess)
        heavy_days = {k: v for k, v in daily.items() if v >= opts.daily_hours_limit}
        weekly: dict[tuple[int, int], float] = {}
        for (s, day), h in daily.items():
            weekly[(s, (day + 3) // 7)] = weekly.get((s, (day + 3) // 7), 0.0) + h  # weeks start on Monday
        heavy_weeks = {k: v for k, v in weekly.items() if v >= opts.weekly_hours_limit}
        details = {"sessions": len(sess), "longest_session_h": round(float(length_h.max()), 2),
                   "long_sessions": [{"subject": sess.names[int(sess.subject[i])],
                                      "start": iso_utc(float(sess.start[i])),
                                      "end": iso_utc(float(sess.end[i])), "hours": round(float(length_h[i]), 2),
                                      "events": int(sess.n_events[i])}
                                     for i in long_idx[np.argsort(-length_h[long_idx])][:50]],
                   "days_over_limit": [{"subject": sess.names[s], "day": iso_utc(d * 86400.0)[:10],
                                        "hours": round(h, 2)}
                                       for (s, d), h in sorted(heavy_days.items())[:50]],
                   "weeks_over_limit": [{"subject": sess.names[s], "week_start": iso_utc(((w * 7) - 3) * 86400.0)[:10],
                                         "hours": round(h, 2)} for (s, w), h in sorted(heavy_weeks.items())[:50]],
                   **input_details(result)}
        if not (long_idx.size or heavy_days or heavy_weeks):
            return [ok(self.name, self.name, f"longest session {float(length_h.max()):.1f} h; no day over "
                                             f"{opts.daily_hours_limit:g} h" + bad_rows_note(result),
                       confidence=NETWORK.long_sessions_confidence, details=details)]
        score = NETWORK.long_sessions_score + (
            NETWORK.long_sessions_repeat_bonus if len(heavy_days) >= NETWORK.long_sessions_repeat_days or heavy_weeks
            else 0.0)
        evidence = [event_evidence(log, int(sess.first_event[i]), f"{subjects.kind} {sess.names[int(sess.subject[i])]}:"
                                                                  f" session of {length_h[i]:.1f} h")
                    for i in long_idx[np.argsort(-length_h[long_idx])][:MAX_EVIDENCE]]
        parts = []
        if long_idx.size:
            parts.append(f"{plural(int(long_idx.size), 'session')} of {opts.long_session_h:g} h or more "
                         f"(longest {float(length_h.max()):.1f} h)")
        if heavy_days:
            parts.append(f"{plural(len(heavy_days), 'day')} with {opts.daily_hours_limit:g}+ h online")
        if heavy_weeks:
            parts.append(f"{plural(len(heavy_weeks), 'week')} with {opts.weekly_hours_limit:g}+ h online")
        return [flag(self.name, self.name, "; ".join(parts) + bad_rows_note(result), score=score,
                     confidence=NETWORK.long_sessions_confidence, evidence=evidence, details=details)]
