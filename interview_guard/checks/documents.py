"""ID document checks: MRZ check digits, visual zone vs MRZ, expiry, photo integrity, duplicates.

Every check reads the ``id_document`` feature (OCR + MRZ + visual zone + photo cues, computed
once per case); none of them opens the image or a model itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..types import Evidence, Signal
from . import flag, ok, register_check, skipped

FEATURE = frozenset({"id_document"})


@dataclass(frozen=True)
class DocumentCalibration:
    """Tuning constants of the ID document signals. Image thresholds a user sets (ELA ratio, recapture
    strength, days before expiry) live in ``config.documents``; the face match threshold in ``config.face``."""

    # --- document.mrz
    no_mrz_score: float = 0.25  # no MRZ read: may be a document without one, or a poor image
    no_mrz_confidence: float = 0.4
    mrz_confidence: float = 0.9  # MRZ read with at most ``mrz_max_repairs`` OCR repairs ...
    mrz_repaired_confidence: float = 0.7  # ... more repairs than that
    mrz_max_repairs: int = 3
    mrz_one_digit_repaired_score: float = 0.5  # one failed check digit after OCR repairs: may be a misread
    mrz_failed_score: float = 0.8  # several failed digits, or a failure without repairs

    # --- document.viz_mrz_consistency
    viz_unread_confidence: float = 0.2  # printed fields could not be read
    viz_conf_base: float = 0.3  # confidence = min(cap, base + per_field * fields compared)
    viz_conf_per_field: float = 0.1
    viz_conf_cap: float = 0.9
    viz_heavy_fields: frozenset[str] = frozenset({"document_number", "birth_date", "surname"})
    viz_heavy_score: float = 0.8  # a heavy field differs from the MRZ
    viz_light_score: float = 0.5  # only other fields differ

    # --- document.expiry
    expiry_mrz_confidence: float = 0.9  # expiry date from an MRZ whose check digit verifies
    expiry_confidence: float = 0.6  # otherwise (printed field, or unverified)
    expired_score: float = 0.6

    # --- document.photo_integrity (each finding scores ``finding_score``; more findings add ``extra_finding``)
    finding_score: float = 0.5
    extra_finding: float = 0.15
    photo_score_cap: float = 0.9
    photo_confidence: float = 0.5

    # --- document.duplicate
    duplicate_number_score: float = 0.9  # the document number was used by another candidate
    duplicate_face_score: float = 0.7  # only the document photo matches another case under another name
    duplicate_confidence: float = 0.8


DOCUMENTS = DocumentCalibration()


def _mrz_evidence(doc) -> list[Evidence]:
    if doc.mrz is None:
        return []
    return [Evidence("field", f"MRZ line {i + 1}: {line}", ref=f"mrz.line{i + 1}")
            for i, line in enumerate(doc.mrz.lines)]


@register_check
class DocumentMrzCheck:
    name: ClassVar[str] = "document.mrz"
    needs: ClassVar[frozenset[str]] = FEATURE
    signals: ClassVar[tuple[str, ...]] = ("document.mrz",)

    def run(self, ctx) -> list[Signal]:
        doc = ctx.feature("id_document")
        mrz = doc.mrz
        if mrz is None:
            return [flag(self.name, "document.mrz",
                         "no machine readable zone could be read (a document without MRZ, or a poor image): "
                         "check the document by hand", score=DOCUMENTS.no_mrz_score,
                         confidence=DOCUMENTS.no_mrz_confidence,
                         details={"found": False, "ocr_lines": len(doc.ocr.lines), "notes": list(doc.notes)})]
        details = {"found": True, "type": mrz.type, "checks": dict(mrz.checks), "failed": list(mrz.failed),
                   "repairs": list(mrz.repairs), "source": mrz.source, "warnings": list(mrz.warnings)}
        conf = (DOCUMENTS.mrz_confidence if len(mrz.repairs) <= DOCUMENTS.mrz_max_repairs
                else DOCUMENTS.mrz_repaired_confidence)
        if mrz.valid:
            return [ok(self.name, "document.mrz",
                       f"{mrz.type} MRZ verifies: every check digit matches"
                       + (f" (after {len(mrz.repairs)} OCR repair(s))" if mrz.repairs else ""),
                       confidence=conf, evidence=_mrz_evidence(doc), details=details)]
        failed_digits = [k for k, v in mrz.checks.items() if not v]
        what = ", ".join(f"{k.replace('_', ' ')} check digit" for k in failed_digits) or ", ".join(mrz.failed)
        # one failed digit after heavy OCR repair may be a misread; several is a stronger cue
        score = (DOCUMENTS.mrz_one_digit_repaired_score if len(failed_digits) <= 1 and mrz.repairs
                 else DOCUMENTS.mrz_failed_score)
        return [flag(self.name, "document.mrz", f"{mrz.type} MRZ does not verify: {what} failed",
                     score=score, confidence=conf, evidence=_mrz_evidence(doc), details=details)]


@register_check
class DocumentVizMrzConsistencyCheck:
    name: ClassVar[str] = "document.viz_mrz_consistency"
    needs: ClassVar[frozenset[str]] = FEATURE
    signals: ClassVar[tuple[str, ...]] = ("document.viz_mrz_consistency",)

    def run(self, ctx) -> list[Signal]:
        doc = ctx.feature("id_document")
        if doc.mrz is None:
            return [skipped(self.name, "document.viz_mrz_consistency",
                            "no MRZ was read to compare the printed fields with")]
        compared = [c for c in doc.comparisons if c.match is not None]
        details = {"comparisons": [c.to_dict() for c in doc.comparisons],
                   "not_read": [c.field for c in doc.comparisons if c.match is None]}
        if not compared:
            return [ok(self.name, "document.viz_mrz_consistency",
                       "the printed (visual zone) fields could not be read, nothing to compare",
                       confidence=DOCUMENTS.viz_unread_confidence,
                       details=details)]
        bad = [c for c in compared if not c.match]
        conf = min(DOCUMENTS.viz_conf_cap, DOCUMENTS.viz_conf_base + DOCUMENTS.viz_conf_per_field * len(compared))
        if not bad:
            return [ok(self.name, "document.viz_mrz_consistency",
                       f"printed fields match the MRZ ({', '.join(c.field for c in compared)})",
                       confidence=conf, details=details)]
        ev = [Evidence("field", f"{c.field}: printed {c.viz!r} vs MRZ {c.mrz!r}", ref=f"viz.{c.field}") for c in bad]
        heavy = DOCUMENTS.viz_heavy_fields
        score = DOCUMENTS.viz_heavy_score if any(c.field in heavy for c in bad) else DOCUMENTS.viz_light_score
        return [flag(self.name, "document.viz_mrz_consistency",
                     f"printed field(s) differ from the MRZ: {', '.join(c.field.replace('_', ' ') for c in bad)}",
                     score=score, confidence=conf, evidence=ev, details=details)]


@register_check
class DocumentExpiryCheck:
    name: ClassVar[str] = "document.expiry"
    needs: ClassVar[frozenset[str]] = FEATURE
    signals: ClassVar[tuple[str, ...]] = ("document.expiry",)

    def run(self, ctx) -> list[Signal]:
        from ..documents.idcard import expiry_status

        doc = ctx.feature("id_document")
        expiry = doc.expiry_date
        status, days = expiry_status(expiry, soon_days=ctx.config.documents.expiry_soon_days)
        source = "MRZ" if doc.mrz is not None and doc.mrz.fields.expiry_date else "printed field"
        details = {"expiry_date": expiry, "days_left": days, "status": status, "source": source}
        if status == "unknown" or days is None:  # expiry_status gives days=None only with "unknown"
            return [skipped(self.name, "document.expiry", "the expiry date could not be read")]
        conf = (DOCUMENTS.expiry_mrz_confidence if doc.mrz is not None and doc.mrz.checks.get("expiry_date")
                else DOCUMENTS.expiry_confidence)
        ev = [Evidence("field", f"expiry date {expiry} ({source})", ref="expiry_date")]
        if status == "expired":
            return [flag(self.name, "document.expiry", f"the document expired on {expiry} ({-days} days ago)",
                         score=DOCUMENTS.expired_score, confidence=conf, evidence=ev, details=details)]
        note = f"expires in {days} days" if status == "expires_soon" else f"valid until {expiry}"
        return [ok(self.name, "document.expiry", f"the document is not expired ({note})", confidence=conf,
                   evidence=ev, details=details)]


@register_check
class DocumentPhotoIntegrityCheck:
    name: ClassVar[str] = "document.photo_integrity"
    needs: ClassVar[frozenset[str]] = FEATURE
    signals: ClassVar[tuple[str, ...]] = ("document.photo_integrity",)

    def run(self, ctx) -> list[Signal]:
        doc = ctx.feature("id_document")
        opts = ctx.config.documents
        ela, recap = doc.error_level, doc.recapture
        findings: list[tuple[str, float]] = []
        if doc.face is None:
            findings.append(("no face found on the document", DOCUMENTS.finding_score))
        if ela is not None and ela.ratio is not None and ela.ratio > opts.ela_ratio_threshold:
            findings.append((f"the photo's error level is {ela.ratio:.1f}x the page's (limit "
                             f"{opts.ela_ratio_threshold:.1f}): it may have been pasted from another image",
                             DOCUMENTS.finding_score))
        if recap is not None and recap.chroma_peak > opts.recapture_threshold:
            findings.append((f"periodic colour pattern (moire, strength {recap.chroma_peak:.1f} > "
                             f"{opts.recapture_threshold:.1f}): likely a photo of a screen", DOCUMENTS.finding_score))
        details = {"face": doc.face.to_dict() if doc.face else None,
                   "error_level": ela.to_dict() if ela else None, "recapture": recap.to_dict() if recap else None,
                   "thresholds": {"ela_ratio": opts.ela_ratio_threshold, "recapture": opts.recapture_threshold},
                   "notes": list(doc.notes)}
        ev = []
        if doc.face is not None:
            x, y, w, h = doc.face.bbox
            ev.append(Evidence("image", f"face on the document at x={x:.0f} y={y:.0f} ({w:.0f}x{h:.0f} px)",
                               ref="id_image"))
        if not findings:
            return [ok(self.name, "document.photo_integrity",
                       "a face is on the document; no recompression or screen re-capture cues",
                       confidence=DOCUMENTS.photo_confidence,
                       evidence=ev, details=details)]
        score = min(DOCUMENTS.photo_score_cap,
                    max(s for _, s in findings) + DOCUMENTS.extra_finding * (len(findings) - 1))
        return [flag(self.name, "document.photo_integrity", "; ".join(t for t, _ in findings), score=score,
                     confidence=DOCUMENTS.photo_confidence, evidence=ev, details=details)]


@register_check
class DocumentDuplicateCheck:
    name: ClassVar[str] = "document.duplicate"
    needs: ClassVar[frozenset[str]] = FEATURE
    signals: ClassVar[tuple[str, ...]] = ("document.duplicate",)

    def run(self, ctx) -> list[Signal]:
        from ..documents.idcard import fold

        doc = ctx.feature("id_document")
        number, name = doc.document_number, doc.holder_name
        emb = doc.face.embedding if doc.face is not None else None
        if number:
            ctx.link("document_number", number, "ID document")
        if name:
            ctx.link("document_name", fold(name), "ID document")
        if emb is not None:
            ctx.link("document_face_embedding", list(emb), "ID document photo")
        if ctx.store is None:
            return [skipped(self.name, "document.duplicate", "no case store: cannot compare with other candidates")]
        if not number and emb is None:
            return [skipped(self.name, "document.duplicate", "neither a document number nor a face was read")]
        exclude = dict(exclude_candidate=ctx.candidate_id, exclude_case=ctx.case_id)
        findings: list[str] = []
        ev: list[Evidence] = []
        same_number = []
        if number:
            same_number = [h for h in ctx.store.find_links("document_number", number, **exclude)
                           if h.case_id != ctx.case_id]
            for h in same_number:
                ev.append(Evidence("link", f"document number {number} also on candidate {h.candidate_id or '?'} "
                                           f"(case {h.case_id}, {h.analyzed_at})", ref=h.case_id))
            if same_number:
                findings.append(f"document number {number} was used by {len({h.candidate_id for h in same_number})} "
                                "other candidate(s)")
        same_face = []
        if emb is not None:
            threshold = ctx.config.face.match_threshold
            same_name_cases = {h.case_id for h in ctx.store.find_links("document_name", fold(name))} if name else set()
            for kind in ("document_face_embedding", "face_embedding"):
                for h in ctx.store.similar_embeddings(kind, list(emb), threshold, **exclude):
                    if h.case_id == ctx.case_id or h.case_id in same_name_cases:
                        continue
                    same_face.append(h)
                    where = "ID photo" if kind == "document_face_embedding" else "interview face"
                    ev.append(Evidence("link", f"the document photo matches the {where} of candidate "
                                               f"{h.candidate_id or '?'} (case {h.case_id}, similarity "
                                               f"{h.similarity:.2f}) under another name", ref=h.case_id))
            if same_face:
                findings.append(f"the document photo matches {len({h.case_id for h in same_face})} other case(s) "
                                "under another name")
        details = {"document_number": number, "holder_name": name,
                   "same_number": [h.to_dict() for h in same_number], "same_face": [h.to_dict() for h in same_face]}
        if not findings:
            return [ok(self.name, "document.duplicate", "no other candidate used this document number or photo",
                       confidence=DOCUMENTS.duplicate_confidence, details=details)]
        score = DOCUMENTS.duplicate_number_score if same_number else DOCUMENTS.duplicate_face_score
        return [flag(self.name, "document.duplicate", "; ".join(findings), score=score,
                     confidence=DOCUMENTS.duplicate_confidence,
                     evidence=ev, details=details)]
