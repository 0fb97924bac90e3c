"""SQLite schema of the case store and its migrations (``PRAGMA user_version``).

Each entry of ``MIGRATIONS`` moves the database from version ``i`` to ``i + 1``; a store
opened by an older release is upgraded in place, one written by a newer release is refused.
"""
from __future__ import annotations

import sqlite3

from ..errors import InterviewGuardError

_V1 = """
CREATE TABLE cases (
    case_id       TEXT PRIMARY KEY,
    candidate_id  TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX cases_candidate ON cases(candidate_id);

CREATE TABLE analyses (
    analysis_id     TEXT PRIMARY KEY,
    case_id         TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
    candidate_id    TEXT,
    analyzed_at     TEXT NOT NULL,
    analyzed_ts     REAL NOT NULL,      -- epoch seconds, for retention arithmetic
    analyst         TEXT NOT NULL,
    policy_version  TEXT NOT NULL,
    schema_version  TEXT NOT NULL,
    risk_level      TEXT NOT NULL,
    risk_score      REAL NOT NULL,
    report_json     TEXT NOT NULL
);
CREATE INDEX analyses_case ON analyses(case_id);
CREATE INDEX analyses_candidate ON analyses(candidate_id, analyzed_ts);
CREATE INDEX analyses_time ON analyses(analyzed_ts);

CREATE TABLE signals (
    analysis_id  TEXT NOT NULL REFERENCES analyses(analysis_id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    check_name   TEXT NOT NULL,
    status       TEXT NOT NULL,
    score        REAL NOT NULL,
    confidence   REAL NOT NULL,
    summary      TEXT NOT NULL
);
CREATE INDEX signals_analysis ON signals(analysis_id);
CREATE INDEX signals_name_status ON signals(name, status);

-- AUTOINCREMENT: ids are never reused, so the in-memory vector index can load "id > last".
CREATE TABLE links (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    analysis_id   TEXT NOT NULL REFERENCES analyses(analysis_id) ON DELETE CASCADE,
    case_id       TEXT NOT NULL,
    candidate_id  TEXT,
    kind          TEXT NOT NULL,
    value         TEXT,                 -- as supplied (strings)
    value_norm    TEXT,                 -- normalised for matching
    vector        BLOB,                 -- float32 little-endian (embeddings)
    dim           INTEGER,
    is_biometric  INTEGER NOT NULL DEFAULT 0,
    source        TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    created_ts    REAL NOT NULL
);
CREATE INDEX links_value ON links(kind, value_norm);
CREATE INDEX links_vector ON links(kind, dim) WHERE vector IS NOT NULL;
CREATE INDEX links_biometric ON links(is_biometric, created_ts);

-- Append-only: who ran what, when, on which inputs and models, under which policy.
CREATE TABLE audit (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    at              TEXT NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    case_id         TEXT,
    candidate_id    TEXT,
    inputs_json     TEXT NOT NULL DEFAULT '[]',
    models_json     TEXT NOT NULL DEFAULT '[]',
    policy_version  TEXT,
    detail          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_case ON audit(case_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"""

MIGRATIONS: tuple[str, ...] = (_V1,)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, path: str) -> int:
    """Bring the database to ``SCHEMA_VERSION``; returns the version found before."""
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found > SCHEMA_VERSION:
        raise InterviewGuardError(
            f"case store {path} has schema version {found}, newer than this release supports "
            f"({SCHEMA_VERSION})", fix="upgrade interview-guard or point --store at another file")
    if found == SCHEMA_VERSION:
        return found
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Re-read under the write lock: another process may have migrated meanwhile.
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        for version in range(current, SCHEMA_VERSION):
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (``executescript`` would commit our BEGIN)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
