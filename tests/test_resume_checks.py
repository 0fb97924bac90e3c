"""Resume checks: timeline, claim consistency, template reuse and contact reuse (real Store)."""
from __future__ import annotations

import json
from datetime import date

import pytest

from interview_guard.checks.base import CaseContext
from interview_guard.config import AnalyzerConfig
from interview_guard.documents.resume import from_json_resume
from interview_guard.documents.timeline import find_overlaps, impossible_dates, jaccard, text_fingerprint
from interview_guard.features import FeatureUnavailable
from interview_guard.types import CaseInputs


def _resume(work, name="Jo Park", phone=None, email=None, extra=None):
    data = {"basics": {"name": name, "phone": phone, "email": email},
            "work": [dict(zip(("name", "position", "startDate", "endDate"), w)) for w in work]}
    data.update(extra or {})
    return from_json_resume(data, json.dumps(data))


def _ctx(features, store=None, candidate="c1", case="k1", claims_path=None):
    def get(name):
        if name in features:
            return features[name]
        raise FeatureUnavailable(f"no {name}")

    return CaseContext(config=AnalyzerConfig(store_path=None), inputs=CaseInputs(claims=claims_path),
                       case_id=case, candidate_id=candidate, _get=get, store=store)


def _run(name, ctx):
    from interview_guard.checks import registered_checks

    return registered_checks()[name]().run(ctx)


def test_overlapping_full_time_jobs_flag_names_both_employers():
    r = _resume([("Northwind Traders", "Engineer", "2019-01-01", "2021-12-31"),
                 ("Contoso Ltd", "Developer", "2020-06-01", None)])
    s = _run("resume.timeline", _ctx({"resume": r}))[0]
    assert s.status == "flag"
    assert "Northwind Traders" in s.summary and "Contoso Ltd" in s.summary
    assert s.details["overlaps"][0]["months"] == 19


def test_handover_and_part_time_do_not_flag():
    r = _resume([("A Corp", "Engineer", "2019-01-01", "2020-03-31"), ("B Corp", "Engineer", "2020-03-01", None)])
    assert _run("resume.timeline", _ctx({"resume": r}))[0].status == "ok"  # one month of hand-over
    data = {"basics": {"name": "X"}, "work": [
        {"name": "A Corp", "position": "Engineer", "startDate": "2019-01", "endDate": "2022-01"},
        {"name": "Tutoring", "position": "Part-time tutor", "startDate": "2019-06"}]}
    assert _run("resume.timeline", _ctx({"resume": from_json_resume(data)}))[0].status == "ok"


def test_impossible_dates():
    r = _resume([("Time Travel Inc", "Engineer", "2021-05-01", "2019-01-01"),
                 ("Future Corp", "Engineer", "2999-01-01", None)])
    s = _run("resume.timeline", _ctx({"resume": r}))[0]
    assert s.status == "flag" and "before it starts" in s.summary and "future" in s.summary
    probs = impossible_dates(r.employers, birth_date="2010-01-01", today=date(2026, 1, 1))
    assert any("age" in p.problem or "birth" in p.problem for p in probs)


def test_overlap_helper_granularity():
    r = _resume([("A", "x", "2018", "2020"), ("B", "x", "2020", None)])
    # year-only dates: 2018-01..2020-12 and 2020-01..now overlap by 12 months
    assert find_overlaps(r.employers, today=date(2026, 1, 1))[0].months == 12


def test_claim_consistency_name_vs_id_and_dates_vs_birth():
    from dataclasses import replace

    from tests.test_documents_idcard import _doc

    doc = _doc()  # ICAO specimen: ERIKSSON ANNA MARIA, born 1974-08-12
    same = _resume([("A Corp", "Engineer", "2000-01-01", "2005-01-01")], name="Anna Maria Eriksson")
    s = _run("resume.claim_consistency", _ctx({"resume": same, "id_document": doc}))[0]
    assert s.status == "ok" and "name_vs_id" in s.details["compared"]
    assert any("account" in m for m in s.details["not_compared"])  # missing is reported, not fatal
    other = replace(same, name="Ivan Petrov",
                    employers=same.employers
                    + _resume([("Kid Corp", "Engineer", "1980-01-01", "1982-01-01")]).employers)
    s = _run("resume.claim_consistency", _ctx({"resume": other, "id_document": doc}))[0]
    assert s.status == "flag" and "Ivan Petrov" in s.summary and "Kid Corp" in s.summary


def test_claim_consistency_location_and_language_are_context_only():
    from interview_guard.types import Segment, Transcript

    r = from_json_resume({"basics": {"name": "Taro Yamada", "location": {"city": "Osaka", "countryCode": "JP"}},
                          "languages": [{"language": "Japanese", "fluency": "Native speaker"}]})
    from types import SimpleNamespace

    t = Transcript(language="en", segments=(Segment(0, 1, "hello"),))
    ips = SimpleNamespace(geo=SimpleNamespace(countries=("US",)))
    s = _run("resume.claim_consistency", _ctx({"resume": r, "transcript": t, "event_ips": ips}))[0]
    assert s.status == "ok"  # never adverse alone
    assert len([c for c in s.details["context"] if "context only" in c]) == 2
    assert set(s.details["compared"]) == {"location_vs_network", "languages_vs_speech"}


def test_claim_consistency_account_name_from_account_history():
    from types import SimpleNamespace

    rows = [SimpleNamespace(field="name", account_id="acc1", timestamp=1.0, new_value="Taro Yamada"),
            SimpleNamespace(field="name", account_id="acc1", timestamp=2.0, new_value="Kim Chol"),
            SimpleNamespace(field="payout_account", account_id="acc1", timestamp=2.0, new_value="IBAN DE00 1234")]
    r = from_json_resume({"basics": {"name": "Taro Yamada"}})
    ctx = _ctx({"resume": r, "account_history": SimpleNamespace(rows=rows), "claims": r.to_claims()})
    s = _run("resume.claim_consistency", ctx)[0]
    assert s.status == "flag" and "Kim Chol" in s.summary  # the latest name on the account
    _run("resume.contact_reuse", ctx)
    assert ("payout_account", "IBAN DE00 1234") in {(lk.kind, lk.value) for lk in ctx.links}


def test_claim_consistency_compares_the_name_from_the_claims_feature():
    from interview_guard.claims import Claims

    r = from_json_resume({"basics": {"name": "Taro Yamada"}})
    # the check reads the ``claims`` feature (claims file merged with the resume), never the file itself
    ctx = _ctx({"resume": r, "claims": Claims(name="Kim Chol", source="claims file")},
               claims_path="/nonexistent/claims.toml")
    s = _run("resume.claim_consistency", ctx)[0]
    assert s.status == "flag" and "Kim Chol" in s.summary and "name_vs_claims" in s.details["compared"]
    assert not any("unreadable" in m for m in s.details["not_compared"])
    merged = Claims(name="Taro Yamada", country="JP", source="claims file + resume")
    s = _run("resume.claim_consistency", _ctx({"resume": r, "claims": merged}))[0]
    assert s.status == "ok" and s.details["compared"]["name_vs_claims"] == "Taro Yamada / Taro Yamada"
    # claims derived from the resume alone are not compared with the resume
    s = _run("resume.claim_consistency", _ctx({"resume": r, "claims": r.to_claims()}))[0]
    assert s.status == "skipped"  # nothing but the resume itself to compare with


def test_claim_consistency_reports_an_unreadable_claims_file():
    from types import SimpleNamespace

    r = from_json_resume({"basics": {"name": "Taro Yamada"}})
    history = SimpleNamespace(rows=[SimpleNamespace(field="name", account_id="a1", timestamp=1.0,
                                                    new_value="Taro Yamada")])

    def get(name):
        if name == "resume":
            return r
        if name == "account_history":
            return history
        raise FeatureUnavailable("claims file /x.toml is neither valid TOML nor JSON", error=name == "claims")

    ctx = CaseContext(config=AnalyzerConfig(store_path=None), inputs=CaseInputs(), case_id="k1",
                      candidate_id="c1", _get=get)
    s = _run("resume.claim_consistency", ctx)[0]
    assert s.status == "ok" and set(s.details["compared"]) == {"name_vs_account"}
    assert any("claims file unreadable" in m and "TOML" in m for m in s.details["not_compared"])


def test_fingerprint_estimates_jaccard():
    a = " ".join(f"word{i}" for i in range(400))
    b = a.replace("word10 ", "other ").replace("word200 ", "x ")
    c = " ".join(f"term{i}" for i in range(400))
    fa, fb, fc = (text_fingerprint(t) for t in (a, b, c))
    dot = sum(x * y for x, y in zip(fa, fb))
    assert abs(dot - jaccard(a, b)) < 0.15
    assert sum(x * y for x, y in zip(fa, fc)) < 0.2


def _analyze(store_path, resume_path, candidate, case, checks):
    """One analysis with the real Analyzer and a real Store (the Analyzer closes its store)."""
    from interview_guard.pipeline import Analyzer
    from interview_guard.store import Store
    from interview_guard.types import CaseInputs

    cfg = AnalyzerConfig(store_path=None, checks=checks)
    with Analyzer(cfg, store=Store(store_path), use_store=True) as an:
        report = an.analyze(CaseInputs(resume=resume_path, candidate_id=candidate, case_id=case))
    return {s.name: s for s in report.signals}


@pytest.fixture
def store(tmp_path):
    return tmp_path / "cases.sqlite"


def _write(tmp_path, name, data):
    p = tmp_path / name
    p.write_text(json.dumps(data), encoding="utf-8")
    return p


def test_two_candidates_sharing_a_phone_are_both_flagged(tmp_path, store):
    a = _write(tmp_path, "a.json", {"basics": {"name": "Alex Kim", "email": "alex@example.com",
                                               "phone": "+1 (555) 010-2000"}})
    b = _write(tmp_path, "b.json", {"basics": {"name": "Sam Lee", "email": "sam@example.net",
                                               "phone": "+1 555 010 2000"}})
    checks = ("resume.contact_reuse",)
    first = _analyze(store, a, "cand-A", "case-A1", checks)["resume.contact_reuse"]
    assert first.status == "ok"
    sig_b = _analyze(store, b, "cand-B", "case-B1", checks)["resume.contact_reuse"]
    assert sig_b.status == "flag" and "phone" in sig_b.summary and "cand-A" in sig_b.evidence[0].summary
    sig_a = _analyze(store, a, "cand-A", "case-A2", checks)["resume.contact_reuse"]  # A re-checked later
    assert sig_a.status == "flag" and "cand-B" in sig_a.evidence[0].summary
    assert "email" not in sig_a.summary


def test_template_reuse_across_candidates(tmp_path, store):
    body = ("Led the migration of a monolith to services, cut latency by half and mentored engineers. " * 3 +
            " ".join(f"Built component {i} with care and tests." for i in range(40)))
    a = _write(tmp_path, "a.json", {"basics": {"name": "Alex Kim", "summary": body}})
    b = _write(tmp_path, "b.json", {"basics": {"name": "Sam Lee", "summary": body.replace("half", "a third")}})
    c = _write(tmp_path, "c.json", {"basics": {"name": "Kai Wu", "summary": "Gardener and baker. " * 20}})
    checks = ("resume.template_reuse",)
    assert _analyze(store, a, "cand-A", "case-A", checks)["resume.template_reuse"].status == "ok"
    assert _analyze(store, c, "cand-C", "case-C", checks)["resume.template_reuse"].status == "ok"
    s = _analyze(store, b, "cand-B", "case-B", checks)["resume.template_reuse"]
    assert s.status == "flag" and "cand-A" in s.evidence[0].summary and len(s.evidence) == 1


def test_without_a_store_cross_candidate_checks_are_skipped():
    r = _resume([], phone="+1 555 0100", email="x@example.com")
    assert _run("resume.template_reuse", _ctx({"resume": r}))[0].status == "skipped"
    ctx = _ctx({"resume": r, "claims": r.to_claims()})
    assert _run("resume.contact_reuse", ctx)[0].status == "skipped"
    assert {lk.kind for lk in ctx.links} == {"email", "phone"}  # still recorded for a later store


def test_check_resume_cli(tmp_path, capsys):
    from interview_guard.cli import main

    p = _write(tmp_path, "cv.json", {"basics": {"name": "Jo Park"}, "work": [
        {"name": "Northwind Traders", "position": "Engineer", "startDate": "2019-01-01", "endDate": "2021-12-31"},
        {"name": "Contoso Ltd", "position": "Developer", "startDate": "2020-06-01"}]})
    assert main(["check-resume", str(p), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    sig = {s["name"]: s for s in out["signals"]}
    assert sig["resume.timeline"]["status"] == "flag"
    assert out["resume"]["name"] == "Jo Park" and out["claims"]["source"] == "resume"
