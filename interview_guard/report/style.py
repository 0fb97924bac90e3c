"""Inline CSS of the HTML report (no external fonts or URLs: the file must stand alone)."""

CSS = """
:root { --ink:#1f2d3d; --muted:#5d6d7e; --line:#dfe4ea; --bg:#f4f6f9; --card:#ffffff;
  --low:#1e8449; --review:#b9770e; --high:#b03a2e; --flag:#c0392b; --ok:#1e8449; --err:#566573; --skip:#95a5a6; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 20px 48px; }
header.top { background: #1f2d3d; color: #fff; padding: 18px 0; }
header.top .wrap { max-width: 1120px; margin: 0 auto; padding: 0 20px; }
header.top h1 { margin: 0 0 10px; font-size: 20px; font-weight: 600; letter-spacing: .2px; }
header.top h1 span { color: #aeb6bf; font-weight: 400; }
dl.meta { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 6px 18px; margin: 0; }
dl.meta div { min-width: 0; }
dl.meta dt { font-size: 11px; text-transform: uppercase; letter-spacing: .6px; color: #aeb6bf; }
dl.meta dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
section.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 16px 20px; margin: 18px 0; }
section.card > h2 { margin: 0 0 12px; font-size: 16px; }
h3.family { margin: 18px 0 6px; font-size: 14px; text-transform: uppercase; letter-spacing: .6px;
  color: var(--muted); }
.risk { display: flex; gap: 20px; align-items: center; flex-wrap: wrap; }
.badge { display: inline-block; min-width: 120px; text-align: center; color: #fff; border-radius: 8px;
  padding: 12px 18px; font-size: 22px; font-weight: 700; letter-spacing: 1px; text-transform: uppercase; }
.badge small { display: block; font-size: 12px; font-weight: 500; letter-spacing: .3px;
  text-transform: none; opacity: .9; }
.risk-low { background: var(--low); } .risk-review { background: var(--review); }
.risk-high { background: var(--high); }
.risk .note { font-size: 15px; font-weight: 600; max-width: 560px; }
.counts { color: var(--muted); margin-top: 6px; font-weight: 400; font-size: 13px; }
ol.reasons { margin: 0; padding-left: 22px; } ol.reasons li { margin: 3px 0; }
.notice { background: #fbf3e4; border: 1px solid #f0d9a8; border-radius: 6px; padding: 10px 14px;
  margin-top: 12px; }
.notice ul { margin: 4px 0 0; padding-left: 20px; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 7px 8px; border-bottom: 1px solid var(--line); }
th { font-size: 11px; text-transform: uppercase; letter-spacing: .5px; color: var(--muted); font-weight: 600; }
table.signals { table-layout: fixed; }
table.signals col.c-name { width: 25%; } table.signals col.c-status { width: 10%; }
table.signals col.c-score { width: 11%; } table.signals col.c-conf { width: 10%; }
table.signals td.num { white-space: nowrap; } table.signals td { overflow-wrap: anywhere; }
tr.dim td { color: #7b8794; background: #fafbfc; }
tr.dim td.name code { color: #7b8794; }
.pill { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 11px; font-weight: 700;
  text-transform: uppercase; letter-spacing: .5px; color: #fff; }
.pill-flag { background: var(--flag); } .pill-ok { background: var(--ok); }
.pill-error { background: var(--err); } .pill-skipped { background: var(--skip); }
.bar { display: inline-block; width: 44px; height: 6px; background: #e5e8ec; border-radius: 3px;
  vertical-align: middle; margin-right: 6px; overflow: hidden; }
.bar i { display: block; height: 100%; background: var(--flag); }
.reason { font-style: italic; }
ul.evidence { list-style: none; margin: 6px 0 0; padding: 0; }
ul.evidence li { margin: 4px 0; padding-left: 10px; border-left: 3px solid var(--line); }
.ev-kind { font-size: 11px; color: var(--muted); text-transform: uppercase; letter-spacing: .4px;
  margin-right: 6px; }
.ev-time { font-variant-numeric: tabular-nums; font-weight: 600; margin-right: 6px; }
img.thumb { display: block; width: 112px; max-height: 160px; object-fit: contain; margin: 4px 0;
  border: 1px solid var(--line); border-radius: 4px; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  font-size: 12px; }
code { background: #f1f3f5; padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
pre { background: #f6f8fa; padding: 8px; border-radius: 4px; white-space: pre-wrap;
  overflow-wrap: anywhere; margin: 4px 0; }
details summary { cursor: pointer; color: var(--muted); font-size: 12px; }
svg.timeline { display: block; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.legend { font-size: 12px; color: var(--muted); margin-top: 6px; }
.legend i { display: inline-block; width: 12px; height: 10px; border-radius: 2px;
  margin: 0 4px 0 12px; vertical-align: middle; }
ul.followups { margin: 0; padding-left: 20px; } ul.followups li { margin: 6px 0; }
table.transcript td.t { width: 110px; white-space: nowrap; color: var(--muted);
  font-variant-numeric: tabular-nums; }
table.kv th { width: 200px; text-transform: none; letter-spacing: 0; font-size: 13px; font-weight: 500; }
td.hash code { font-size: 11px; }
.muted { color: var(--muted); }
footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 24px; }
@media print { body { background: #fff; } section.card { break-inside: avoid-page; border-color: #ccc; } }
"""
