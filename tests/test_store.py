"""Case store: round trip, link matching, embeddings, audit log, retention purge, threads, CLI."""
from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from test_report import png_data_uri, sample_report

from interview_guard.checks.base import Link
from interview_guard.errors import InputError, InterviewGuardError
from interview_guard.store import PURGED_REF, EmbeddingHit, LinkHit, Store
from interview_guard.store.normalize import normalize_value
from interview_guard.store.schema import SCHEMA_VERSION


def _ago(days: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")


def _report(case_id: str, candidate_id: str | None, days_ago: float = 0.0, **kw):
    return sample_report(case_id=case_id, candidate_id=candidate_id, analyzed_at=_ago(days_ago), **kw)


def _unit(rng, dim=128) -> np.ndarray:
    v = rng.standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


def _files_bytes(store: Store) -> bytes:
    """Every byte of the database and its WAL / shm files."""
    return b"".join(p.read_bytes() for p in Path(store.path).parent.iterdir() if p.is_file())


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "sub" / "cases.sqlite") as s:
        yield s


# ------------------------------------------------------------------------------- basics
def test_creates_file_private_wal_and_versioned(tmp_path):
    path = tmp_path / "deep" / "dir" / "cases.sqlite"
    with Store(path) as s:
        assert s._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with Store(path) as s:  # reopening an up-to-date store is a no-op migration
        assert s.analyses() == []


def test_refuses_newer_schema_and_non_databases(tmp_path):
    path = tmp_path / "future.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(InterviewGuardError, match="newer than this release"):
        Store(path)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError, match="not a usable case store"):
        Store(junk)


def test_closed_store_refuses_work(tmp_path):
    s = Store(tmp_path / "c.sqlite")
    s.close()
    s.close()  # idempotent
    with pytest.raises(InterviewGuardError, match="closed"):
        s.analyses()


def test_round_trip_and_audit_row(store):
    report = _report("case-A", "cand-1")
    aid = store.record_analysis(report, [Link("email", "a@x.example", "claims")])
    assert store.get_report(aid) == report
    [summary] = store.analyses()
    assert (summary.analysis_id, summary.case_id, summary.candidate_id, summary.risk_level) == \
        (aid, "case-A", "cand-1", "review")
    assert summary.flagged == ("face.identity_consistency", "network.remote_access")  # by score
    [row] = store.audit_log(10)
    assert (row.actor, row.action, row.case_id, row.policy_version) == ("alice", "analyze", "case-A", "default-1")
    assert [i["sha256"] for i in row.inputs] == ["a" * 64, "b" * 64]
    assert row.models == ({"name": "sface", "sha256": "c" * 64, "provider": "CPUExecutionProvider"},)
    assert json.loads(row.detail)["analysis_id"] == aid
    with pytest.raises(InputError, match="no analysis"):
        store.get_report("nope")


def test_analyses_filter_order_and_limit(store):
    store.record_analysis(_report("c1", "cand-1", days_ago=3))
    store.record_analysis(_report("c2", "cand-2", days_ago=1))
    store.record_analysis(_report("c3", "cand-1", days_ago=2))
    assert [a.case_id for a in store.analyses()] == ["c2", "c3", "c1"]
    assert [a.case_id for a in store.analyses(candidate_id="cand-1")] == ["c3", "c1"]
    assert len(store.analyses(limit=1)) == 1
    with pytest.raises(ValueError):
        store.analyses(limit=0)


# ------------------------------------------------------------------------------- links
@pytest.mark.parametrize("kind,stored,query", [
    ("email", "Alice.Smith@Example.COM ", "alice.smith@example.com"),
    ("phone", "+1 (555) 010-2030", "+1.555.010.2030"),
    ("phone", "0049 30 1234567", "+49-30-123 4567"),
    ("document_number", "AB 123-456<<", "ab123456"),
    ("profile_link", "https://www.LinkedIn.com/in/jdoe/?trk=x", "linkedin.com/in/jdoe"),
    ("ip", "2001:DB8::0001", "2001:db8::1"),
    ("device_id", "  DEV-42  ", "dev-42"),
])
def test_find_links_normalises(store, kind, stored, query):
    store.record_analysis(_report("case-A", "cand-1"), [Link(kind, stored)])
    hits = store.find_links(kind, query, exclude_candidate="cand-2")
    assert hits == [LinkHit("cand-1", "case-A", kind, stored, hits[0].analyzed_at)]
    assert store.find_links(kind, query, exclude_candidate="cand-1") == []
    assert store.find_links(kind, query, exclude_case="case-A") == []
    assert store.find_links("account_id", query) == []  # kinds never cross


def test_find_links_distinct_values_and_one_hit_per_case(store):
    store.record_analysis(_report("case-A", "cand-1", days_ago=5), [Link("phone", "+1 555 0100")])
    store.record_analysis(_report("case-A", "cand-1", days_ago=1), [Link("phone", "+1-555-0100")])
    store.record_analysis(_report("case-B", None), [Link("phone", "+1 555 0100")])
    store.record_analysis(_report("case-C", "cand-3"), [Link("phone", "+1 555 0199")])
    hits = store.find_links("phone", "+15550100", exclude_candidate="cand-9")
    assert sorted(h.case_id for h in hits) == ["case-A", "case-B"]
    a = next(h for h in hits if h.case_id == "case-A")
    assert a.value == "+1-555-0100"  # the newest of the case's rows
    assert [h.case_id for h in store.find_links("phone", "+15550100", exclude_candidate="cand-1")] == ["case-B"]
    assert normalize_value("phone", "00 44 20 7946 0000") == "+442079460000"
    assert store.find_links("email", "   ") == []


def test_bad_links_are_skipped_not_fatal(store):
    aid = store.record_analysis(_report("case-A", "cand-1"), [
        Link("face_embedding", [float("nan")] * 4), Link("email", ""), Link("email", "ok@x.example")])
    assert store.find_links("email", "ok@x.example")[0].case_id == "case-A"
    assert json.loads(store.audit_log(1)[0].detail) == {"analysis_id": aid, "risk_level": "review",
                                                         "links": 1, "links_rejected": 2}


# ------------------------------------------------------------------------------- embeddings
def test_similar_embeddings_cosine_threshold_and_exclusions(store):
    rng = np.random.default_rng(0)
    anchor = _unit(rng)
    near = anchor + 0.05 * _unit(rng)  # cosine ~0.999, different scale on purpose
    store.record_analysis(_report("case-A", "cand-1"), [Link("face_embedding", list(anchor * 3.0))])
    store.record_analysis(_report("case-B", "cand-2"),
                          [Link("face_embedding", list(near)), Link("face_embedding", list(_unit(rng)))])
    for i in range(20):
        store.record_analysis(_report(f"case-R{i}", f"cand-R{i}"), [Link("face_embedding", list(_unit(rng)))])
    store.record_analysis(_report("case-V", "cand-V"), [Link("voice_embedding", list(anchor))])
    store.record_analysis(_report("case-D", "cand-D"), [Link("face_embedding", list(_unit(rng, 64)))])

    hits = store.similar_embeddings("face_embedding", anchor, threshold=0.9)
    assert [(h.candidate_id, h.case_id) for h in hits] == [("cand-1", "case-A"), ("cand-2", "case-B")]
    assert hits[0].similarity == pytest.approx(1.0, abs=1e-5)
    expected = float(near @ anchor / np.linalg.norm(near))
    assert hits[1].similarity == pytest.approx(expected, abs=1e-5)
    assert isinstance(hits[0], EmbeddingHit) and hits[0].analyzed_at
    assert [h.case_id for h in store.similar_embeddings("face_embedding", anchor, 0.9, exclude_candidate="cand-1")] \
        == ["case-B"]
    assert [h.case_id for h in store.similar_embeddings("face_embedding", anchor, 0.9, exclude_case="case-B")] \
        == ["case-A"]
    # a random 128-d vector is near-orthogonal: a low threshold returns many, one per case
    many = store.similar_embeddings("face_embedding", anchor, threshold=-1.0)
    assert len(many) == 22 and len({h.case_id for h in many}) == 22
    assert [h.case_id for h in store.similar_embeddings("voice_embedding", anchor, 0.9)] == ["case-V"]


def test_embedding_index_sees_new_rows_from_this_and_other_connections(tmp_path):
    rng = np.random.default_rng(1)
    v1, v2, v3 = _unit(rng), _unit(rng), _unit(rng)
    path = tmp_path / "c.sqlite"
    with Store(path) as a, Store(path) as b:
        a.record_analysis(_report("case-1", "c1"), [Link("face_embedding", list(v1))])
        assert [h.case_id for h in a.similar_embeddings("face_embedding", v1, 0.9)] == ["case-1"]
        a.record_analysis(_report("case-2", "c2"), [Link("face_embedding", list(v2))])
        assert [h.case_id for h in a.similar_embeddings("face_embedding", v2, 0.9)] == ["case-2"]
        b.record_analysis(_report("case-3", "c3"), [Link("face_embedding", list(v3))])
        assert [h.case_id for h in a.similar_embeddings("face_embedding", v3, 0.9)] == ["case-3"]
        b.purge_case("case-1", "bob")
        assert a.similar_embeddings("face_embedding", v1, 0.9) == []


def test_candidate_embeddings_returns_float32_in_order(store):
    rng = np.random.default_rng(2)
    v1, v2 = _unit(rng, 192), _unit(rng, 192)
    store.record_analysis(_report("case-1", "cand", days_ago=2), [Link("voice_embedding", v1)])
    store.record_analysis(_report("case-2", "cand", days_ago=1), [Link("voice_embedding", v2.tolist())])
    store.record_analysis(_report("case-3", "other"), [Link("voice_embedding", v1)])
    got = store.candidate_embeddings("cand", "voice_embedding")
    assert [c for c, _ in got] == ["case-1", "case-2"]
    assert got[0][1].dtype == np.float32 and np.array_equal(got[0][1], v1) and np.array_equal(got[1][1], v2)
    assert store.candidate_embeddings("cand", "face_embedding") == []


# ------------------------------------------------------------------------------- audit + retention
def test_audit_is_append_only(store):
    store.record_analysis(_report("case-A", "cand-1"))
    aid = store.audit("bob", "export", {"format": "html"}, case_id="case-A")
    assert store.audit_log(1)[0].id == aid and json.loads(store.audit_log(1)[0].detail) == {"format": "html"}
    conn = sqlite3.connect(store.path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE audit SET actor = 'mallory'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM audit")
    finally:
        conn.close()
    assert [r.actor for r in store.audit_log(10)] == ["bob", "alice"]


def test_purge_biometrics_keeps_audit_and_non_biometric_links(store):
    rng = np.random.default_rng(3)
    old_vec, new_vec = _unit(rng), _unit(rng)
    old_id = store.record_analysis(_report("case-old", "cand-1", days_ago=200),
                                   [Link("face_embedding", old_vec), Link("email", "old@x.example")])
    new_id = store.record_analysis(_report("case-new", "cand-2", days_ago=1),
                                   [Link("voice_embedding", new_vec), Link("face_embedding", new_vec)])
    assert store.similar_embeddings("face_embedding", old_vec, 0.9)  # warms the in-memory index
    thumb = png_data_uri()
    assert thumb in store._conn.execute("SELECT report_json FROM analyses WHERE analysis_id=?", (old_id,)).fetchone()[0]

    purged = store.purge_biometrics(90, actor="dpo")
    assert purged == 2  # one embedding + one thumbnail
    assert store.similar_embeddings("face_embedding", old_vec, 0.9) == []
    assert store.candidate_embeddings("cand-2", "voice_embedding")  # recent data stays
    assert store.find_links("email", "old@x.example")  # not biometric: kept
    old = store.get_report(old_id)
    refs = [e.ref for s in old.signals for e in s.evidence]
    assert PURGED_REF in refs and not any(r and r.startswith("data:") for r in refs)
    assert any(e.ref == thumb for s in store.get_report(new_id).signals for e in s.evidence)
    log = store.audit_log(10)
    assert [r.action for r in log] == ["purge_biometrics", "analyze", "analyze"]
    assert json.loads(log[0].detail)["embeddings"] == 1 and log[0].actor == "dpo"
    # secure_delete + WAL checkpoint: the purged bytes are gone from the files on disk
    b64 = thumb.split(",", 1)[1][:60].encode()
    assert b64 in _files_bytes(store)  # the recent report still has it
    store.purge_biometrics(0, actor="dpo")
    raw = _files_bytes(store)
    assert b64 not in raw
    assert old_vec.astype("<f4").tobytes() not in raw and new_vec.astype("<f4").tobytes() not in raw
    with pytest.raises(InputError):
        store.purge_biometrics(-1, actor="dpo")


def test_purge_case_removes_everything_but_the_audit_trail(store):
    store.record_analysis(_report("case-A", "cand-1"),
                          [Link("email", "a@x.example"), Link("face_embedding", [1.0, 0.0])])
    store.record_analysis(_report("case-A", "cand-1"), [])
    store.record_analysis(_report("case-B", "cand-2"), [Link("email", "a@x.example")])
    assert store.purge_case("case-A", actor="dpo") == 2
    assert [a.case_id for a in store.analyses()] == ["case-B"]
    assert [h.case_id for h in store.find_links("email", "a@x.example")] == ["case-B"]
    assert store._conn.execute("SELECT count(*) FROM signals s JOIN analyses a USING (analysis_id)"
                               " WHERE a.case_id='case-A'").fetchone()[0] == 0
    assert store._conn.execute("SELECT count(*) FROM signals").fetchone()[0] == len(sample_report().signals)
    assert [r.action for r in store.audit_log(10, case_id="case-A")] == ["purge_case", "analyze", "analyze"]
    with pytest.raises(InputError, match="no case"):
        store.purge_case("case-A", actor="dpo")


# ------------------------------------------------------------------------------- threads
def test_concurrent_use_from_two_threads(tmp_path):
    rng = np.random.default_rng(4)
    vecs = [_unit(rng) for _ in range(40)]
    errors: list[BaseException] = []
    with Store(tmp_path / "c.sqlite") as store:
        def work(offset: int) -> None:
            try:
                for i in range(offset, offset + 20):
                    store.record_analysis(_report(f"case-{i}", f"cand-{i}", with_thumb=False),
                                          [Link("email", "shared@x.example"), Link("face_embedding", vecs[i])])
                    store.find_links("email", "SHARED@x.example", exclude_candidate=f"cand-{i}")
                    assert store.similar_embeddings("face_embedding", vecs[i], 0.99)[0].case_id == f"case-{i}"
                    store.analyses(limit=5)
            except BaseException as e:  # surfaced below; a thread's assert would otherwise vanish
                errors.append(e)

        threads = [threading.Thread(target=work, args=(k * 20,)) for k in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        assert len(store.analyses(limit=100)) == 40
        assert len(store.find_links("email", "shared@x.example")) == 40
        assert len(store.audit_log(100)) == 40


# ------------------------------------------------------------------------------- CLI
def _cli(argv, capsys):
    from interview_guard.cli import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_list_audit_and_purge(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("INTERVIEW_GUARD_ANALYST", "carol")
    path = tmp_path / "cases.sqlite"
    with Store(path) as s:
        s.record_analysis(_report("case-old", "cand-1", days_ago=120), [Link("face_embedding", [0.1, 0.2, 0.3])])
        s.record_analysis(_report("case-new", "cand-2", days_ago=10), [Link("face_embedding", [0.3, 0.2, 0.1])])

    code, out, _ = _cli(["store", "list", "--store", str(path), "--json"], capsys)
    assert code == 0 and [a["case_id"] for a in json.loads(out)["analyses"]] == ["case-new", "case-old"]
    code, out, _ = _cli(["store", "list", "--store", str(path), "--candidate", "cand-1"], capsys)
    assert code == 0 and "case-old" in out and "case-new" not in out

    code, out, _ = _cli(["store", "purge", "--store", str(path), "--json"], capsys)  # default 90 days
    data = json.loads(out)
    assert code == 0 and data["older_than_days"] == 90 and data["embeddings"] == 1 and data["thumbnails"] == 1
    code, out, _ = _cli(["store", "purge", "--store", str(path), "--older-than", "5", "--json"], capsys)
    assert json.loads(out)["embeddings"] == 1
    code, out, _ = _cli(["store", "purge", "--store", str(path), "--case", "case-old", "--json"], capsys)
    assert code == 0 and json.loads(out)["analyses"] == 1

    code, out, _ = _cli(["store", "audit", "--store", str(path), "--json"], capsys)
    rows = json.loads(out)["audit"]
    assert [r["action"] for r in rows] == ["purge_case", "purge_biometrics", "purge_biometrics", "analyze", "analyze"]
    assert rows[0]["actor"] == "carol"

    code, _, err = _cli(["store", "purge", "--store", str(path), "--case", "missing"], capsys)
    assert code == 2 and "no case 'missing'" in err and "Traceback" not in err
    code, _, err = _cli(["store", "purge", "--store", str(path), "--older-than", "-3"], capsys)
    assert code == 2 and "zero or more" in err
    code, _, err = _cli(["store"], capsys)
    assert code == 2 and "needs an action" in err


def test_cli_uses_configured_store_and_does_not_create_one(tmp_path, capsys, monkeypatch):
    path = tmp_path / "nowhere" / "cases.sqlite"
    monkeypatch.setenv("INTERVIEW_GUARD_STORE", str(path))
    code, out, _ = _cli(["store", "audit", "--json"], capsys)
    assert code == 0 and json.loads(out) == {"store": str(path), "audit": []}
    code, out, _ = _cli(["store", "purge"], capsys)
    assert code == 0 and "nothing to purge" in out
    assert not path.exists()
