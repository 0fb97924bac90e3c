"""Resume readers: JSON Resume, Markdown / text, DOCX, PDF -> the same fields and Claims."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.textpdf import write_text_pdf

from interview_guard.documents.resume import from_json_resume, read_resume
from interview_guard.documents.resume_text import language_level, normalize_month

ROOT = Path(__file__).resolve().parents[1]

MARKDOWN = """# Mei Lin Chen
Taipei, Taiwan · mei.chen@example.org · +886 2 2345 6789
https://github.com/meichen-dev

## Experience
**Data Engineer** at Formosa Analytics — Mar 2020 – Present
- Owns the ingestion pipelines
Software Developer, Harbor Logistics | 2016-07 – 2020-02
Part-time tutor, Code Club | 2015 – 2019

## Education
National Taiwan University, B.Sc. Computer Science (2012 – 2016)

## Languages
Mandarin (native), English (C1), Japanese: basic
"""


def _check_common(r):
    assert r.name == "Mei Lin Chen"
    assert r.email == "mei.chen@example.org"
    assert r.phone and r.phone.replace(" ", "").endswith("223456789")
    assert (r.city, r.country) == ("Taipei", "TW")
    emp = {e.name: e for e in r.employers}
    assert set(emp) == {"Formosa Analytics", "Harbor Logistics", "Code Club"}
    assert emp["Formosa Analytics"].title == "Data Engineer" and emp["Formosa Analytics"].end is None
    assert (emp["Harbor Logistics"].start, emp["Harbor Logistics"].end) == ("2016-07", "2020-02")
    assert emp["Code Club"].full_time is False and emp["Formosa Analytics"].full_time is True
    assert [(x.code, x.level) for x in r.languages] == [("zh", "native"), ("en", "professional"), ("ja", "basic")]
    assert r.education[0].institution == "National Taiwan University"
    assert "https://github.com/meichen-dev" in r.links


def test_markdown_resume(tmp_path):
    p = tmp_path / "cv.md"
    p.write_text(MARKDOWN, encoding="utf-8")
    r = read_resume(p)
    assert r.format == "text"
    _check_common(r)


def test_pdf_resume(tmp_path):
    p = write_text_pdf([line.replace("**", "") for line in MARKDOWN.splitlines()], tmp_path / "cv.pdf")
    r = read_resume(p)
    assert r.format == "pdf"
    _check_common(r)


def test_docx_resume(tmp_path):
    import docx

    d = docx.Document()
    for line in MARKDOWN.splitlines():
        if line.startswith("## "):
            d.add_heading(line[3:], level=2)
        elif line.startswith("# "):
            d.add_heading(line[2:], level=1)
        else:
            d.add_paragraph(line.replace("**", ""))
    p = tmp_path / "cv.docx"
    d.save(p)
    r = read_resume(p)
    assert r.format == "docx"
    _check_common(r)


def test_docx_tables_are_read(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("Ola Nordmann")
    d.add_paragraph("ola@example.no")
    d.add_heading("Experience", level=1)
    t = d.add_table(rows=1, cols=3)
    cells = t.rows[0].cells
    cells[0].text, cells[1].text, cells[2].text = "Fjord AS", "Engineer", "2018-01 – 2022-12"
    p = tmp_path / "t.docx"
    d.save(p)
    r = read_resume(p)
    assert [(e.name, e.title, e.start, e.end) for e in r.employers] == [("Fjord AS", "Engineer", "2018-01", "2022-12")]


def test_sample_case_resume_and_claims():
    r = read_resume(ROOT / "samples" / "case" / "resume.json")
    assert r.format == "json" and r.name == "Taro Yamada" and (r.city, r.country) == ("Osaka", "JP")
    c = r.to_claims()
    assert [(x.code, x.level) for x in c.languages] == [("ja", "native"), ("en", "professional")]
    assert c.source == "resume" and len(c.employers) == 2


def test_json_resume_edge_cases():
    r = from_json_resume({"basics": {"name": "A B", "location": "nowhere"}, "work": "oops",
                          "languages": [{"language": "Klingon", "fluency": "fluent"}]})
    assert r.name == "A B" and r.employers == () and r.languages[0].code is None
    assert any("work" in w for w in r.warnings)
    r2 = from_json_resume({"basics": {}, "work": [{"company": "Old Schema Inc", "startDate": "2019-13"}]})
    assert r2.employers[0].name == "Old Schema Inc" and r2.employers[0].start is None
    assert any("2019-13" in w for w in r2.warnings)


@pytest.mark.parametrize("raw,level", [("Native speaker", "native"), ("Bilingual", "native"), ("C2", "fluent"),
                                       ("Full professional proficiency", "fluent"), ("B2", "professional"),
                                       ("Professional working proficiency", "professional"),
                                       ("conversational", "intermediate"), ("A1", "basic"), ("", "professional")])
def test_language_levels(raw, level):
    assert language_level(raw) == level


@pytest.mark.parametrize("raw,out", [("2019-04-01", "2019-04-01"), ("Apr 2019", "2019-04"),
                                     ("September 2020", "2020-09"),
                                     ("04/2019", "2019-04"), ("2019/4", "2019-04"), ("2019", "2019"), ("13/2019", None),
                                     ("soon", None)])
def test_month_normalisation(raw, out):
    assert normalize_month(raw) == out


def test_resume_claims_feed_the_claims_feature(tmp_path):
    """inputs_features merges the resume-derived claims (claims file fields win)."""
    from interview_guard.config import AnalyzerConfig
    from interview_guard.features import FeatureEnv, registry
    from interview_guard.resolver import CaseTimer, FeatureResolver
    from interview_guard.types import CaseInputs

    claims = tmp_path / "claims.toml"
    claims.write_text('name = "Taro Yamada"\ntimezone = "Asia/Tokyo"\n', encoding="utf-8")
    inputs = CaseInputs(resume=ROOT / "samples" / "case" / "resume.json", claims=claims)
    env = FeatureEnv(config=AnalyzerConfig(store_path=None), runtime=None, models=None, inputs=inputs)
    merged = FeatureResolver(env, registry(), CaseTimer()).get("claims")
    assert merged.timezone == "Asia/Tokyo" and merged.country == "JP" and merged.language("ja").level == "native"


@pytest.mark.models
def test_jsonresume_registry_samples_round_trip(registry_data, tmp_path):
    """The @jsonresume/schema samples, read as JSON and as a rendered PDF: same employers and contacts."""
    from support.resume_render import render_lines

    for name in ("sample.resume.json", "examples/senior-engineer.resume.json", "examples/new-grad.resume.json",
                 "examples/career-changer.resume.json"):
        src = registry_data("jsonresume-schema", name)
        as_json = read_resume(src)
        data = json.loads(src.read_text(encoding="utf-8"))
        assert as_json.name == data["basics"]["name"]
        assert [e.name for e in as_json.employers] == [w["name"] for w in data.get("work", [])]
        pdf = read_resume(write_text_pdf(render_lines(data), tmp_path / "r.pdf"))
        assert pdf.email == as_json.email
        assert {e.name for e in pdf.employers} == {e.name for e in as_json.employers}
