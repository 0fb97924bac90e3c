"""Case store (SQLite): cases, analyses, signals, cross-candidate links, append-only audit log.

    with Store(path) as store:
        analysis_id = store.record_analysis(report, links)
        store.find_links("email", "a@b.example", exclude_candidate="cand-1")
        store.similar_embeddings("face_embedding", vector, threshold=0.363)
        store.purge_biometrics(older_than_days=config.retention_days, actor="alice")
"""
from __future__ import annotations

from .database import PURGED_REF, Store
from .records import AnalysisSummary, AuditEntry, EmbeddingHit, LinkHit, PurgeResult

__all__ = ["Store", "LinkHit", "EmbeddingHit", "AnalysisSummary", "AuditEntry", "PurgeResult", "PURGED_REF"]
