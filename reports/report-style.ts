// The report's stylesheet: system fonts, one readable column, colours that say valid / invalid / unknown.

/** CSS inlined into every report; no external fonts or images. */
export const reportCss = `
:root { --valid: #1a7f37; --invalid: #cf222e; --unknown: #9a6700; --crashed: #24292f; --muted: #57606a; --line: #d0d7de; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #24292f; background: #fff; }
main { max-width: 1240px; margin: 0 auto; padding: 16px 24px 48px; }
code, pre { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 13px; }
h1 { margin: 0; font-size: 22px; word-break: break-word; }
h2 { margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); font-size: 19px; }
h3 { margin: 20px 0 6px; font-size: 16px; }
h4 { margin: 14px 0 4px; font-size: 14px; }
a { color: #0969da; }
.muted { color: var(--muted); }
.verdict { display: flex; align-items: center; gap: 20px; padding: 14px 20px; border-radius: 8px; color: #fff; }
.verdict p { margin: 2px 0 0; opacity: 0.9; }
.verdict.valid { background: var(--valid); }
.verdict.invalid { background: var(--invalid); }
.verdict.unknown { background: #bf8700; }
.verdict.crashed { background: var(--crashed); }
.verdict-word { font-size: 38px; font-weight: 800; letter-spacing: 1px; }
.badge { display: inline-block; min-width: 62px; padding: 0 6px; border-radius: 10px; font-size: 12px; font-weight: 600; text-align: center; color: #fff; vertical-align: 2px; }
.badge.valid { background: var(--valid); }
.badge.invalid { background: var(--invalid); }
.badge.unknown { background: var(--unknown); }
ul.checkers, ul.problems { list-style: none; padding: 0; margin: 12px 0; }
ul.checkers li { margin: 3px 0; }
ul.problems li { margin: 4px 0; padding: 6px 10px; border-left: 4px solid var(--invalid); background: #ffebe9; }
dl.facts { display: flex; flex-wrap: wrap; gap: 4px 28px; margin: 12px 0; }
dl.facts dt { font-size: 12px; color: var(--muted); }
dl.facts dd { margin: 0; font-weight: 600; }
dl.commands dt { font-size: 12px; color: var(--muted); margin-top: 6px; }
dl.commands dd { margin: 0; display: flex; gap: 8px; align-items: flex-start; }
pre.command { flex: 1; margin: 2px 0; padding: 6px 10px; background: var(--soft); border: 1px solid var(--line); border-radius: 6px; white-space: pre-wrap; word-break: break-all; }
button.copy { margin-top: 4px; font: inherit; font-size: 12px; padding: 3px 10px; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: pointer; }
p.recovered { padding: 8px 12px; background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; }
pre.error { padding: 8px 12px; background: #ffebe9; border: 1px solid #ff8182; border-radius: 6px; white-space: pre-wrap; }
pre.json { max-height: 480px; overflow: auto; padding: 8px 12px; background: var(--soft); border: 1px solid var(--line); border-radius: 6px; }
nav { margin: 14px 0 0; font-size: 14px; }
nav a { margin-right: 14px; }
.chart { position: relative; height: 380px; }
.chart.short { height: 260px; }
.chart-note { margin: 0 0 4px; font-size: 13px; }
table { border-collapse: collapse; margin: 6px 0; font-size: 14px; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { font-size: 12px; color: var(--muted); font-weight: 600; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td code, li code, p code { word-break: break-word; }
tr.total th, tr.total td { font-weight: 600; }
td.count-fail { color: var(--invalid); font-weight: 600; }
td.count-info { color: var(--unknown); font-weight: 600; }
table.spec th { font-weight: 600; white-space: nowrap; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; border-radius: 2px; vertical-align: -1px; }
article.failure { margin: 16px 0 28px; }
.stuck { padding: 4px 14px 8px; border: 1px solid #ff8182; border-left: 5px solid var(--invalid); border-radius: 6px; background: #fff5f5; }
.stuck h4 { color: var(--invalid); }
.stuck table { background: #fff; }
td.reason { color: var(--invalid); }
details { margin: 8px 0; }
summary { cursor: pointer; color: #0969da; }
svg.lanes { display: block; font: 11px system-ui, -apple-system, "Segoe UI", sans-serif; }
svg.lanes .lane { stroke: #eaeef2; }
svg.lanes .lane-label, svg.lanes .tick-label { fill: var(--muted); }
svg.lanes .band-label { fill: #24292f; }
svg.lanes .axis, svg.lanes .tick { stroke: #8c959f; }
svg.lanes .bar rect { fill: #ddf4ff; stroke: #0969da; }
svg.lanes .bar.stuck rect { fill: #ffd8d3; stroke: var(--invalid); stroke-width: 2; }
svg.lanes .bar text { fill: #0a3069; }
svg.lanes .bar.stuck text { fill: #82071e; font-weight: 600; }
svg.lanes .bar.open rect { stroke-dasharray: 4 2; }
svg.lanes .open-end { fill: none; stroke: #57606a; stroke-width: 1.5; }
footer { margin-top: 40px; font-size: 12px; color: var(--muted); }
.chart-grid { display: grid; grid-template-columns: 1fr 1fr; gap: 0 24px; }
.timeline-controls { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; margin: 6px 0; font-size: 13px; }
.timeline-controls select, .timeline-controls input, .timeline-controls button { font: inherit; padding: 1px 6px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.timeline-controls button { min-width: 28px; cursor: pointer; }
.timeline-scroll { position: relative; overflow-y: auto; border: 1px solid var(--line); border-radius: 6px; }
#tl-canvas { position: sticky; top: 0; display: block; cursor: crosshair; outline: none; }
.timeline-detail { min-height: 3.2em; margin: 6px 0; padding: 6px 10px; background: var(--soft); border: 1px solid var(--line); border-radius: 6px; font-size: 13px; word-break: break-word; }
.timeline-detail b { font-weight: 600; }
.timeline-detail a { margin-left: 8px; }
table.events td.event { white-space: nowrap; }
table.membership td.member, table.membership th.member { text-align: center; }
table.membership td.in { color: #1a7f37; }
table.membership td.out { color: #cf222e; }
.event-dot { display: inline-block; width: 9px; height: 9px; margin-right: 5px; transform: rotate(45deg); }
svg.plot { display: block; font: 11px system-ui, -apple-system, "Segoe UI", sans-serif; }
svg.plot .axis { stroke: #8c959f; }
svg.plot .grid { stroke: #eaeef2; }
svg.plot text { fill: var(--muted); }
svg.cycle { display: block; font: 12px system-ui, -apple-system, "Segoe UI", sans-serif; }
svg.cycle .txn circle { fill: #ddf4ff; stroke: #0969da; stroke-width: 1.5; }
svg.cycle .txn text { fill: #0a3069; font-weight: 600; }
svg.cycle .edge path { fill: none; stroke-width: 1.5; }
svg.cycle .edge text { font-size: 11px; }
.witness { padding: 4px 14px 8px; border: 1px solid #ff8182; border-left: 5px solid var(--invalid); border-radius: 6px; background: #fff5f5; margin: 8px 0; }
.witness h4 { color: var(--invalid); }
pre.explanation { margin: 4px 0; white-space: pre-wrap; word-break: break-word; }
ul.anomalies li { margin: 6px 0; }
.witness table { background: #fff; }
`;
