"""The case store: one SQLite file with cases, analyses, signals, cross-case links and an
append-only audit log.

One connection guarded by a lock (Gradio calls from worker threads); WAL so readers in other
processes are not blocked; ``secure_delete`` so purged biometrics are overwritten on disk.
"""
from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

import numpy as np

from ..errors import InputError, InterviewGuardError
from ..types import PURGED_REF
from . import schema
from .normalize import is_biometric, is_vector_kind, normalize_value, to_vector
from .records import AnalysisSummary, AuditEntry, EmbeddingHit, LinkHit, PurgeResult
from .vectors import VectorIndex

if TYPE_CHECKING:
    from ..types import Link, RiskReport

logger = logging.getLogger(__name__)

_THUMBNAIL = re.compile(r"^data:image/[a-z0-9.+-]+;base64,", re.IGNORECASE)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def _epoch(iso: str) -> float:
    """Seconds since the epoch of an ISO-8601 time (naive = UTC); now if unreadable."""
    try:
        dt = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        logger.warning("unreadable timestamp %r; using the current time", iso)
        return time.time()
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


class Store:
    """``Store(path)``; use as a context manager or call ``close()``."""

    def __init__(self, path: str | Path, *, timeout_s: float = 10.0) -> None:
        self.path = str(path)
        memory = self.path == ":memory:" or self.path.startswith("file::memory:")
        if not memory:
            p = Path(self.path).expanduser()
            if p.exists() and not p.is_file():
                raise InputError(f"case store path is not a file: {p}")
            p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fresh = not p.exists()
            self.path = str(p)
        self._lock = threading.RLock()
        self._closed = False
        self._vectors: dict[str, VectorIndex] = {}
        self._stale = False  # a purge deleted rows: reload vector indexes
        try:
            self._conn = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None,
                                         check_same_thread=False)
        except sqlite3.Error as e:
            raise InputError(f"cannot open case store {self.path}: {e}") from None
        try:
            if not memory and fresh:
                os.chmod(self.path, 0o600)  # biometric data: owner only
            self._conn.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute("PRAGMA secure_delete = ON")
            if not memory:
                self._conn.execute("PRAGMA journal_mode = WAL")
                self._conn.execute("PRAGMA synchronous = NORMAL")
            schema.migrate(self._conn, self.path)
            self._data_version = self._read_data_version()
        except sqlite3.DatabaseError as e:
            self._conn.close()
            raise InputError(f"{self.path} is not a usable case store: {e}",
                             fix="point --store / INTERVIEW_GUARD_STORE at a new file") from None
        except BaseException:
            self._conn.close()
            raise

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._vectors.clear()
                self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.path!r})"

    def _check_open(self) -> None:
        if self._closed:
            raise InterviewGuardError(f"case store {self.path} is closed")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction under the lock; rolled back on any error."""
        with self._lock:
            self._check_open()
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        with self._lock:
            self._check_open()
            return self._conn.execute(sql, tuple(params)).fetchall()

    def _read_data_version(self) -> int:
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def _audit_row(self, conn: sqlite3.Connection, *, actor: str, action: str, detail: str = "",
                   case_id: str | None = None, candidate_id: str | None = None,
                   inputs: list | None = None, models: list | None = None,
                   policy_version: str | None = None) -> int:
        cur = conn.execute(
            "INSERT INTO audit (at, actor, action, case_id, candidate_id, inputs_json, models_json,"
            " policy_version, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (_iso(_now()), actor or "unknown", action, case_id, candidate_id,
             json.dumps(inputs or [], ensure_ascii=False), json.dumps(models or [], ensure_ascii=False),
             policy_version, detail))
        assert cur.lastrowid is not None  # set by the INSERT above
        return int(cur.lastrowid)

    # ------------------------------------------------------------------ writing
    def record_analysis(self, report: "RiskReport", links: Iterable["Link"] = ()) -> str:
        """Save one analysis (case, report, signals, links) and its audit row atomically."""
        from ..report import report_to_json

        case = report.case
        analysis_id = str(uuid.uuid4())
        analyzed_ts = _epoch(case.analyzed_at)
        rows, rejected = [], 0
        for link in links:
            try:
                rows.append(self._link_row(link))
            except ValueError as e:  # one bad value must not cost the whole analysis its archive copy
                rejected += 1
                logger.warning("not storing link from %s: %s", getattr(link, "source", "") or "a check", e)
        report_json = report_to_json(report, indent=None)
        now = _iso(_now())
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO cases (case_id, candidate_id, created_at, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(case_id) DO UPDATE SET updated_at = excluded.updated_at, "
                "candidate_id = COALESCE(excluded.candidate_id, cases.candidate_id)",
                (case.case_id, case.candidate_id, now, now))
            conn.execute(
                "INSERT INTO analyses (analysis_id, case_id, candidate_id, analyzed_at, analyzed_ts, analyst,"
                " policy_version, schema_version, risk_level, risk_score, report_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (analysis_id, case.case_id, case.candidate_id, case.analyzed_at, analyzed_ts, case.analyst,
                 case.policy_version, report.schema_version, report.risk.level, float(report.risk.score),
                 report_json))
            conn.executemany(
                "INSERT INTO signals (analysis_id, name, check_name, status, score, confidence, summary)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(analysis_id, s.name, s.check, s.status, float(s.score), float(s.confidence), s.summary)
                 for s in report.signals])
            conn.executemany(
                "INSERT INTO links (analysis_id, case_id, candidate_id, kind, value, value_norm, vector, dim,"
                " is_biometric, source, created_at, created_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(analysis_id, case.case_id, case.candidate_id, *row, case.analyzed_at, analyzed_ts)
                 for row in rows])
            self._audit_row(
                conn, actor=case.analyst, action="analyze", case_id=case.case_id,
                candidate_id=case.candidate_id, policy_version=case.policy_version,
                inputs=[{"role": i.role, "path": i.path, "sha256": i.sha256} for i in report.inputs],
                models=[{"name": m.name, "sha256": m.sha256, "provider": m.provider}
                        for m in report.runtime.models],
                detail=json.dumps({"analysis_id": analysis_id, "risk_level": report.risk.level,
                                   "links": len(rows), "links_rejected": rejected}))
        return analysis_id

    @staticmethod
    def _link_row(link: "Link") -> tuple:
        """(kind, value, value_norm, vector, dim, is_biometric, source) for one Link."""
        kind = str(link.kind)
        if is_vector_kind(kind) or isinstance(link.value, (list, tuple, np.ndarray)):
            vec = to_vector(kind, link.value)
            return (kind, None, None, vec.astype("<f4").tobytes(), int(vec.size), int(is_biometric(kind)),
                    link.source or "")
        return (kind, str(link.value), normalize_value(kind, link.value), None, None,
                int(is_biometric(kind)), link.source or "")

    def audit(self, actor: str, action: str, detail: str | Mapping[str, Any] = "",
              case_id: str | None = None) -> int:
        """Append one audit row; returns its id."""
        text = detail if isinstance(detail, str) else json.dumps(dict(detail), ensure_ascii=False, default=str)
        with self._tx() as conn:
            return self._audit_row(conn, actor=actor, action=action, detail=text, case_id=case_id)

    # ------------------------------------------------------------------ cross-case lookups
    def find_links(self, kind: str, value: Any, exclude_candidate: str | None = None,
                   exclude_case: str | None = None) -> list[LinkHit]:
        """Other cases that recorded the same normalised value, newest first, one per case."""
        try:
            norm = normalize_value(kind, value)
        except ValueError:
            return []
        # One aggregate only: SQLite then takes the bare columns from the newest row of each case.
        sql = ("SELECT candidate_id, case_id, kind, value, created_at, MAX(created_ts) FROM links"
               " WHERE kind = ? AND value_norm = ?")
        params: list[Any] = [kind, norm]
        if exclude_candidate is not None:
            sql += " AND candidate_id IS NOT ?"
            params.append(exclude_candidate)
        if exclude_case is not None:
            sql += " AND case_id != ?"
            params.append(exclude_case)
        sql += " GROUP BY case_id, candidate_id ORDER BY 6 DESC"
        return [LinkHit(*row[:5]) for row in self._query(sql, params)]

    def similar_embeddings(self, kind: str, vector: Any, threshold: float,
                           exclude_candidate: str | None = None,
                           exclude_case: str | None = None) -> list[EmbeddingHit]:
        """Cases whose ``kind`` embeddings reach cosine ``threshold``: best per case, highest first."""
        query = to_vector(kind, vector)
        with self._lock:
            self._check_open()
            index = self._vector_index(kind)
            hits = index.search(query, float(threshold), exclude_candidate, exclude_case)
        return [EmbeddingHit(candidate_id=c, case_id=k, similarity=s, analyzed_at=a) for c, k, s, a in hits]

    def _vector_index(self, kind: str) -> VectorIndex:
        version = self._read_data_version()
        if self._stale or version != self._data_version:  # a purge, or another process wrote
            self._vectors.clear()
            self._stale = False
            self._data_version = version
        index = self._vectors.get(kind)
        if index is None:
            index = self._vectors[kind] = VectorIndex(kind)
        rows = self._conn.execute(
            "SELECT l.id, l.candidate_id, l.case_id, a.analyzed_at, l.dim, l.vector FROM links l"
            " JOIN analyses a ON a.analysis_id = l.analysis_id"
            " WHERE l.kind = ? AND l.vector IS NOT NULL AND l.id > ? ORDER BY l.id",
            (kind, index.max_id)).fetchall()
        if rows:
            index.add_rows(rows)
        return index

    def candidate_embeddings(self, candidate_id: str, kind: str) -> list[tuple[str, np.ndarray]]:
        """Every stored ``kind`` embedding of one candidate as (case_id, float32 vector), oldest first."""
        rows = self._query("SELECT case_id, dim, vector FROM links WHERE candidate_id = ? AND kind = ?"
                           " AND vector IS NOT NULL ORDER BY created_ts, id", (candidate_id, kind))
        return [(case_id, np.frombuffer(blob, dtype="<f4", count=dim).astype(np.float32))
                for case_id, dim, blob in rows]

    # ------------------------------------------------------------------ reading
    def analyses(self, candidate_id: str | None = None, limit: int = 50) -> list[AnalysisSummary]:
        """Most recent analyses (of one candidate, or all), newest first."""
        if limit <= 0:
            raise ValueError(f"limit must be positive, got {limit}")
        sql = ("SELECT a.analysis_id, a.case_id, a.candidate_id, a.analyzed_at, a.analyst, a.policy_version,"
               " a.risk_level, a.risk_score,"
               " (SELECT group_concat(name, ',') FROM (SELECT name FROM signals s"
               "   WHERE s.analysis_id = a.analysis_id AND s.status = 'flag' ORDER BY s.score DESC))"
               " FROM analyses a")
        params: list[Any] = []
        if candidate_id is not None:
            sql += " WHERE a.candidate_id = ?"
            params.append(candidate_id)
        sql += " ORDER BY a.analyzed_ts DESC, a.rowid DESC LIMIT ?"
        params.append(int(limit))
        return [AnalysisSummary(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                                flagged=tuple(row[8].split(",")) if row[8] else ())
                for row in self._query(sql, params)]

    def get_report(self, analysis_id: str) -> "RiskReport":
        from ..types import RiskReport

        rows = self._query("SELECT report_json FROM analyses WHERE analysis_id = ?", (analysis_id,))
        if not rows:
            raise InputError(f"no analysis {analysis_id!r} in the case store {self.path}")
        return RiskReport.from_dict(json.loads(rows[0][0]))

    def audit_log(self, limit: int = 100, case_id: str | None = None) -> list[AuditEntry]:
        """Audit rows, newest first."""
        if limit <= 0:
            raise ValueError(f"limit must be positive, got {limit}")
        sql = ("SELECT id, at, actor, action, case_id, candidate_id, inputs_json, models_json, policy_version,"
               " detail FROM audit")
        params: list[Any] = []
        if case_id is not None:
            sql += " WHERE case_id = ?"
            params.append(case_id)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(int(limit))
        return [AuditEntry.from_row(r) for r in self._query(sql, params)]

    # ------------------------------------------------------------------ retention
    def purge_biometrics(self, older_than_days: float, actor: str) -> int:
        """Delete face / voice embeddings and embedded thumbnails older than N days; returns rows purged."""
        return int(self.purge_biometrics_detail(older_than_days, actor))

    def purge_biometrics_detail(self, older_than_days: float, actor: str) -> PurgeResult:
        days = float(older_than_days)
        if not days >= 0:  # also rejects NaN
            raise InputError(f"--older-than must be zero or more days, got {older_than_days!r}")
        cutoff = time.time() - days * 86400.0
        with self._tx() as conn:
            embeddings = conn.execute("DELETE FROM links WHERE is_biometric = 1 AND created_ts < ?",
                                      (cutoff,)).rowcount
            thumbnails = reports = 0
            rows = conn.execute("SELECT analysis_id, report_json FROM analyses WHERE analyzed_ts < ?"
                                " AND instr(report_json, 'data:image/') > 0", (cutoff,)).fetchall()
            for analysis_id, text in rows:
                stripped, n = _strip_thumbnails(text)
                if n:
                    conn.execute("UPDATE analyses SET report_json = ? WHERE analysis_id = ?",
                                 (stripped, analysis_id))
                    thumbnails += n
                    reports += 1
            result = PurgeResult(embeddings=embeddings, thumbnails=thumbnails, reports=reports)
            self._audit_row(conn, actor=actor, action="purge_biometrics",
                            detail=json.dumps({"older_than_days": days, **result.to_dict()}))
            self._stale = True
        self._checkpoint()
        logger.info("purged %d embeddings and %d thumbnails older than %g days", embeddings, thumbnails, days)
        return result

    def purge_case(self, case_id: str, actor: str) -> int:
        """Delete one case with its analyses, signals and links (the audit trail stays); returns analyses removed."""
        with self._tx() as conn:
            analyses = conn.execute("SELECT count(*) FROM analyses WHERE case_id = ?", (case_id,)).fetchone()[0]
            cases = conn.execute("DELETE FROM cases WHERE case_id = ?", (case_id,)).rowcount
            if not cases:
                raise InputError(f"no case {case_id!r} in the case store {self.path}")
            self._audit_row(conn, actor=actor, action="purge_case", case_id=case_id,
                            detail=json.dumps({"analyses": analyses}))
            self._stale = True
        self._checkpoint()
        return int(analyses)

    def _checkpoint(self) -> None:
        # Purged pages may linger in the WAL file; fold them back so secure_delete has the last word.
        with self._lock:
            try:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as e:  # a reader in another process may hold the WAL: not fatal
                logger.debug("WAL checkpoint after purge failed: %s", e)


def _strip_thumbnails(report_json: str) -> tuple[str, int]:
    """Replace every data: image ref in a stored report's evidence by PURGED_REF."""
    data = json.loads(report_json)
    count = 0
    for sig in data.get("signals", ()):
        for ev in sig.get("evidence", ()):
            ref = ev.get("ref")
            if isinstance(ref, str) and _THUMBNAIL.match(ref):
                ev["ref"] = PURGED_REF
                count += 1
    return json.dumps(data, ensure_ascii=False, allow_nan=False), count
