"""Resume checks: timeline, consistency with other evidence, template reuse, contact reuse.

Guardrails: location and spoken language are context only. They are listed in
``resume.claim_consistency`` details for the reviewer but never raise the flag on their own
(``network.location_claim`` and ``speech.fluency_claim_consistency`` own those comparisons).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from ..features import FeatureUnavailable
from ..types import Evidence, Signal
from . import flag, ok, register_check, skipped

if TYPE_CHECKING:
    from ..claims import Claims


@dataclass(frozen=True)
class ResumeCalibration:
    """Tuning constants of the resume signals. The template-similarity threshold a user sets lives in
    ``config.documents.template_similarity``."""

    # --- confidence by how reliably the resume was parsed
    json_resume_confidence: float = 0.7  # JSON Resume: dates and fields are structured
    parsed_resume_confidence: float = 0.5  # PDF / DOCX / text: dates and fields are extracted heuristically

    # --- resume.timeline: score = min(cap, base + per_problem * (overlaps + impossible dates))
    timeline_base_score: float = 0.4
    timeline_per_problem: float = 0.1
    timeline_score_cap: float = 0.8

    # --- name comparison (_names_agree): one OCR slip in a long name is tolerated
    name_fuzzy_min_len: int = 5  # both name parts at least this long ...
    name_fuzzy_ratio: float = 0.85  # ... and at least this similar (difflib ratio)

    # --- resume.claim_consistency (location and languages are context only: no score)
    name_vs_id_score: float = 0.7  # resume name differs from the ID document's
    name_vs_claims_score: float = 0.5  # ... from the claims file / profile
    name_vs_account_score: float = 0.5  # ... from the account history
    dates_vs_birth_score: float = 0.5  # a job or degree impossible at the holder's age
    claims_extra_mismatch: float = 0.1  # each further mismatch adds this ...
    claims_score_cap: float = 0.9  # ... up to this
    claims_flag_confidence: float = 0.7
    claims_conf_base: float = 0.3  # ok confidence = min(cap, base + per_comparison * comparisons made)
    claims_conf_per_comparison: float = 0.15
    claims_conf_cap: float = 0.9

    # --- resume.template_reuse: score = min(cap, base + slope * (similarity - threshold))
    template_base_score: float = 0.5
    template_slope: float = 2.0
    template_score_cap: float = 0.9
    template_confidence: float = 0.8

    # --- resume.contact_reuse: score by the kind of value shared with another candidate
    contact_kind_score: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({
        "payout_account": 0.9, "phone": 0.8, "email": 0.8, "profile_link": 0.6}), hash=False)
    contact_default_score: float = 0.6  # a kind not listed above
    contact_extra_kind: float = 0.05  # each further kind shared adds this ...
    contact_score_cap: float = 0.95  # ... up to this
    contact_confidence: float = 0.9


RESUME = ResumeCalibration()


def _parse_confidence(resume) -> float:
    return RESUME.json_resume_confidence if resume.format == "json" else RESUME.parsed_resume_confidence


@register_check
class ResumeTimelineCheck:
    name: ClassVar[str] = "resume.timeline"
    needs: ClassVar[frozenset[str]] = frozenset({"resume"})
    signals: ClassVar[tuple[str, ...]] = ("resume.timeline",)

    def run(self, ctx) -> list[Signal]:
        from ..documents.timeline import find_overlaps, impossible_dates

        resume = ctx.feature("resume")
        if not resume.employers and not resume.education:
            return [skipped(self.name, "resume.timeline", "no dated jobs or education found in the resume")]
        overlaps = find_overlaps(resume.employers)
        problems = impossible_dates(resume.employers, resume.education)
        details = {"employers": [e.to_dict() for e in resume.employers], "overlaps": [o.to_dict() for o in overlaps],
                   "date_problems": [p.to_dict() for p in problems]}
        if not overlaps and not problems:
            return [ok(self.name, "resume.timeline",
                       f"{len(resume.employers)} job(s): no overlapping full-time jobs, no impossible dates",
                       confidence=_parse_confidence(resume), details=details)]
        ev = [Evidence("field", f"full-time at {o.first} and {o.second} at the same time, {o.start} to {o.end} "
                                f"({o.months} months)", ref="resume.work") for o in overlaps]
        ev += [Evidence("field", f"{p.entry}: {p.problem}", ref="resume") for p in problems]
        parts = []
        if overlaps:
            parts.append("overlapping full-time jobs: " + "; ".join(f"{o.first} and {o.second} ({o.months} months)"
                                                                   for o in overlaps))
        if problems:
            parts.append("impossible dates: " + "; ".join(f"{p.entry} {p.problem}" for p in problems))
        score = min(RESUME.timeline_score_cap,
                    RESUME.timeline_base_score + RESUME.timeline_per_problem * (len(overlaps) + len(problems)))
        return [flag(self.name, "resume.timeline", " — ".join(parts), score=score,
                     confidence=_parse_confidence(resume), evidence=ev, details=details)]


def _name_tokens(name: str | None) -> set[str]:
    from ..documents.idcard import fold

    return set(fold(name or "").split())


def _names_agree(a: str, b: str) -> bool:
    """Order-insensitive ('YAMADA TARO' = 'Taro Yamada'); a middle name may be missing on one side,
    an initial matches its name, and one OCR slip in a long name is tolerated."""
    import difflib

    ta, tb = _name_tokens(a), _name_tokens(b)
    if not ta or not tb:
        return True
    small, big = (ta, tb) if len(ta) <= len(tb) else (tb, ta)

    def same(x: str, y: str) -> bool:
        if x == y or (len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y)):
            return True
        return (min(len(x), len(y)) >= RESUME.name_fuzzy_min_len
                and difflib.SequenceMatcher(None, x, y).ratio() >= RESUME.name_fuzzy_ratio)

    return all(any(same(x, y) for y in big) for x in small)


@register_check
class ResumeClaimConsistencyCheck:
    name: ClassVar[str] = "resume.claim_consistency"
    needs: ClassVar[frozenset[str]] = frozenset({"resume"})
    # everything the resume is compared with is optional: what is missing is listed in details.not_compared
    wants: ClassVar[frozenset[str]] = frozenset({"claims", "id_document", "account_history", "event_ips",
                                                 "transcript"})
    signals: ClassVar[tuple[str, ...]] = ("resume.claim_consistency",)

    def run(self, ctx) -> list[Signal]:
        from ..documents.timeline import impossible_dates

        resume = ctx.feature("resume")
        compared: dict[str, str] = {}
        missing: list[str] = []
        mismatches: list[tuple[str, float, str]] = []  # (summary, score, ref)
        context: list[str] = []
        doc = ctx.optional("id_document")
        try:
            claims = ctx.feature("claims")
        except FeatureUnavailable as e:  # reported, not fatal
            claims = None
            if e.error:
                missing.append(f"claims file unreadable: {e.reason}")
        # name vs ID document, vs the claims file / account profile
        if resume.name and doc is not None and doc.holder_name:
            compared["name_vs_id"] = f"{resume.name} / {doc.holder_name}"
            if not _names_agree(resume.name, doc.holder_name):
                mismatches.append((f"resume name {resume.name!r} differs from the ID document's {doc.holder_name!r}",
                                   RESUME.name_vs_id_score, "id_document.name"))
        else:
            missing.append("name vs ID document" + ("" if resume.name else " (no name on the resume)"))
        claimed_name = _not_from_resume(claims, claims.name if claims else None)
        if resume.name and claimed_name:
            compared["name_vs_claims"] = f"{resume.name} / {claimed_name}"
            if not _names_agree(resume.name, claimed_name):
                mismatches.append((f"resume name {resume.name!r} differs from the profile / claims name "
                                   f"{claimed_name!r}", RESUME.name_vs_claims_score, "claims.name"))
        account_names = _account_values(ctx, "name")
        if resume.name and account_names:
            compared["name_vs_account"] = f"{resume.name} / {', '.join(account_names)}"
            for account_name in account_names:
                if not _names_agree(resume.name, account_name):
                    mismatches.append((f"resume name {resume.name!r} differs from the account name "
                                       f"{account_name!r}", RESUME.name_vs_account_score, "account.name"))
        elif not account_names:
            missing.append("name vs account (no account history with a name)")
        # dates vs date of birth (from the ID, else the claims file)
        birth = (doc.birth_date if doc is not None else None) or (claims.birth_date if claims else None)
        if birth:
            compared["dates_vs_birth_date"] = birth
            for p in impossible_dates(resume.employers, resume.education, birth_date=birth):
                if "birth" in p.problem or "age" in p.problem:
                    mismatches.append((f"{p.entry} {p.problem}", RESUME.dates_vs_birth_score, "resume.work"))
        else:
            missing.append("dates vs date of birth (no ID date of birth)")
        # context only: location vs network, languages vs speech
        countries = _network_countries(ctx)
        if resume.country and countries:
            compared["location_vs_network"] = f"{resume.country} / {', '.join(countries)}"
            if resume.country not in countries:
                context.append(f"resume location {resume.city or ''} {resume.country} vs network countries "
                               f"{', '.join(countries)} (context only: see network.location_claim)")
        else:
            missing.append("location vs network" + ("" if resume.country else " (no location on the resume)"))
        transcript = ctx.optional("transcript")
        claimed = {lang.code for lang in resume.languages if lang.code}
        if transcript is not None and getattr(transcript, "language", None) and claimed:
            spoken = transcript.language
            compared["languages_vs_speech"] = f"{sorted(claimed)} / spoken {spoken}"
            if spoken not in claimed:
                context.append(f"the interview was in {spoken!r}, not among the resume's languages {sorted(claimed)} "
                               "(context only: see speech.fluency_claim_consistency)")
        else:
            missing.append("languages vs measured speech" + ("" if claimed else " (no languages on the resume)"))
        details = {"compared": compared, "not_compared": missing, "context": context,
                   "mismatches": [m[0] for m in mismatches]}
        if not compared:
            return [skipped(self.name, "resume.claim_consistency",
                            "nothing to compare the resume with (no ID, claims, account, network or speech data)")]
        if not mismatches:
            return [ok(self.name, "resume.claim_consistency",
                       f"resume agrees with the other evidence ({', '.join(compared)})"
                       + (f"; not compared: {', '.join(missing)}" if missing else ""),
                       confidence=min(RESUME.claims_conf_cap,
                                      RESUME.claims_conf_base + RESUME.claims_conf_per_comparison * len(compared)),
                       details=details)]
        ev = [Evidence("field", s, ref=ref) for s, _, ref in mismatches]
        score = min(RESUME.claims_score_cap,
                    max(s for _, s, _ in mismatches) + RESUME.claims_extra_mismatch * (len(mismatches) - 1))
        return [flag(self.name, "resume.claim_consistency", "; ".join(m[0] for m in mismatches), score=score,
                     confidence=RESUME.claims_flag_confidence, evidence=ev, details=details)]


def _not_from_resume(claims: Claims | None, value: Any) -> Any:
    """``value`` (a field of the merged ``claims`` feature) unless the claims came from the resume alone
    (comparing the resume with itself proves nothing).

    The feature merges the claims file with resume-derived claims, file fields first, and keeps no per-field
    source: when both contributed, a value equal to the resume's own is taken as the file's (the usual case;
    it agrees either way)."""
    if claims is None or not value:
        return None
    if claims.source.split(" + ") == ["resume"]:
        return None
    return value


def _account_values(ctx, field_name: str) -> list[str]:
    """Latest value per account of a profile field from the account history (``account_history``)."""
    history = ctx.optional("account_history")
    rows = getattr(history, "rows", None) or ()
    latest: dict[str, tuple[float, str]] = {}
    for r in rows:
        if getattr(r, "field", "") == field_name and getattr(r, "new_value", ""):
            if r.account_id not in latest or r.timestamp >= latest[r.account_id][0]:
                latest[r.account_id] = (r.timestamp, r.new_value)
    return [v for _, v in latest.values()]


def _network_countries(ctx) -> list[str]:
    """Countries the network log's addresses resolve to (``event_ips``), if any."""
    ips = ctx.optional("event_ips")
    geo = getattr(ips, "geo", None)
    return sorted(getattr(geo, "countries", ()) or ())


@register_check
class ResumeTemplateReuseCheck:
    name: ClassVar[str] = "resume.template_reuse"
    needs: ClassVar[frozenset[str]] = frozenset({"resume"})
    signals: ClassVar[tuple[str, ...]] = ("resume.template_reuse",)

    def run(self, ctx) -> list[Signal]:
        from ..documents.timeline import text_fingerprint

        resume = ctx.feature("resume")
        try:
            fp = text_fingerprint(resume.text)
        except ValueError:
            return [skipped(self.name, "resume.template_reuse", "the resume has no text to compare")]
        ctx.link("resume_fingerprint", fp, "resume text (MinHash of word 5-shingles)")
        if ctx.store is None:
            return [skipped(self.name, "resume.template_reuse", "no case store: cannot compare with other candidates")]
        threshold = ctx.config.documents.template_similarity
        hits = [h for h in ctx.store.similar_embeddings("resume_fingerprint", fp, threshold,
                                                        exclude_candidate=ctx.candidate_id, exclude_case=ctx.case_id)]
        details = {"threshold": threshold, "matches": [h.to_dict() for h in hits]}
        if not hits:
            return [ok(self.name, "resume.template_reuse",
                       f"no other candidate's resume shares more than {threshold:.0%} of its text",
                       confidence=RESUME.template_confidence, details=details)]
        ev = [Evidence("link", f"resume text ~{h.similarity:.0%} identical to candidate {h.candidate_id or '?'} "
                               f"(case {h.case_id})", ref=h.case_id) for h in hits]
        best = max(h.similarity for h in hits)
        return [flag(self.name, "resume.template_reuse",
                     f"resume text is near-identical (~{best:.0%}) to {len(hits)} other candidate(s)",
                     score=min(RESUME.template_score_cap,
                               RESUME.template_base_score + (best - threshold) * RESUME.template_slope),
                     confidence=RESUME.template_confidence, evidence=ev, details=details)]


def _linkable_profile(url: str) -> bool:
    """Only links that name a person or page (a path), not a bare site like https://twitter.com."""
    import re

    rest = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip().lower()).split("?", 1)[0].strip("/")
    return "/" in rest and len(rest.split("/", 1)[1]) >= 2


@register_check
class ResumeContactReuseCheck:
    name: ClassVar[str] = "resume.contact_reuse"
    needs: ClassVar[frozenset[str]] = frozenset({"claims"})
    wants: ClassVar[frozenset[str]] = frozenset({"resume", "account_history"})
    signals: ClassVar[tuple[str, ...]] = ("resume.contact_reuse",)

    def run(self, ctx) -> list[Signal]:
        claims = ctx.claims
        resume = ctx.optional("resume")
        values: list[tuple[str, str, str]] = []  # (kind, value, source)
        for kind, value, src in (("email", resume.email if resume else None, "resume"),
                                 ("phone", resume.phone if resume else None, "resume"),
                                 ("email", claims.email, claims.source or "claims"),
                                 ("phone", claims.phone, claims.source or "claims")):
            if value and (kind, value) not in {(k, v) for k, v, _ in values}:
                values.append((kind, value, src))
        links = list(resume.links if resume else ()) + list(claims.links)
        for url in dict.fromkeys(links):
            if _linkable_profile(url):
                values.append(("profile_link", url, "resume" if resume and url in resume.links else "claims"))
        for payout in _account_values(ctx, "payout_account"):
            values.append(("payout_account", payout, "account history"))
        if not values:
            return [skipped(self.name, "resume.contact_reuse", "no email, phone, profile link or payout account given")]
        for kind, value, src in values:
            ctx.link(kind, value, src)
        if ctx.store is None:
            return [skipped(self.name, "resume.contact_reuse", "no case store: cannot compare with other candidates")]
        hits = []
        for kind, value, _ in values:
            for h in ctx.store.find_links(kind, value, exclude_candidate=ctx.candidate_id, exclude_case=ctx.case_id):
                hits.append((kind, value, h))
        details = {"checked": [{"kind": k, "value": v} for k, v, _ in values],
                   "shared": [{"kind": k, "value": v, **h.to_dict()} for k, v, h in hits]}
        if not hits:
            return [ok(self.name, "resume.contact_reuse",
                       f"{len(values)} contact value(s) checked; none used by another candidate",
                       confidence=RESUME.contact_confidence, details=details)]
        ev = [Evidence("link", f"{k.replace('_', ' ')} {v} also used by candidate {h.candidate_id or '?'} "
                               f"(case {h.case_id}, {h.analyzed_at})", ref=h.case_id) for k, v, h in hits]
        kinds = sorted({k for k, _, _ in hits})
        others = {h.candidate_id or h.case_id for _, _, h in hits}
        weight = RESUME.contact_kind_score
        score = min(RESUME.contact_score_cap, max(weight.get(k, RESUME.contact_default_score) for k in kinds)
                    + RESUME.contact_extra_kind * (len(kinds) - 1))
        return [flag(self.name, "resume.contact_reuse",
                     f"{', '.join(k.replace('_', ' ') for k in kinds)} shared with {len(others)} other candidate(s)",
                     score=score, confidence=RESUME.contact_confidence, evidence=ev, details=details)]
