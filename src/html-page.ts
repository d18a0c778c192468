// The page shell of faultline's own pages (serve, nightly summary, trend): one stylesheet pinned by
// its hash in a strict Content-Security-Policy, no scripts at all, nothing fetched.
import { createHash } from 'node:crypto';
import { escapeHtml } from './html-escape.js';

/** Verdict words shared by every page: a class name each, coloured by the stylesheet. */
export type VerdictClass = 'valid' | 'invalid' | 'unknown' | 'crashed' | 'incomplete' | 'skipped';

const css = `
:root { --valid: #1a7f37; --invalid: #cf222e; --unknown: #9a6700; --crashed: #6e40c9; --incomplete: #57606a; --skipped: #8c959f; --muted: #57606a; --line: #d0d7de; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #24292f; background: #fff; }
main { max-width: 1400px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { margin: 0 0 6px; font-size: 22px; word-break: break-word; }
h2 { margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); font-size: 18px; }
a { color: #0969da; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 13px; }
pre { padding: 6px 10px; background: var(--soft); border: 1px solid var(--line); border-radius: 6px; white-space: pre-wrap; word-break: break-all; }
.muted { color: var(--muted); }
.badge { display: inline-block; min-width: 74px; padding: 0 6px; border-radius: 10px; font-size: 12px; font-weight: 600; text-align: center; color: #fff; background: var(--incomplete); }
.badge.valid, .cell.valid { background: var(--valid); }
.badge.invalid, .cell.invalid { background: var(--invalid); }
.badge.unknown, .cell.unknown { background: var(--unknown); }
.badge.crashed, .cell.crashed { background: var(--crashed); }
.badge.incomplete, .cell.incomplete { background: var(--incomplete); }
.badge.skipped, .cell.skipped { background: var(--skipped); }
.verdict-bar { padding: 10px 16px; border-radius: 8px; color: #fff; font-size: 20px; font-weight: 700; background: var(--incomplete); }
.verdict-bar.valid { background: var(--valid); }
.verdict-bar.invalid { background: var(--invalid); }
.verdict-bar.unknown { background: var(--unknown); }
.verdict-bar.crashed { background: var(--crashed); }
table { border-collapse: collapse; margin: 6px 0; font-size: 14px; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { font-size: 12px; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.summary { min-width: 380px; max-width: 560px; word-break: break-word; font-size: 13px; }
details summary { cursor: pointer; font-size: 12px; }
details code { display: block; max-width: 420px; word-break: break-all; }
p.legend .cell { vertical-align: middle; }
td.summary div { margin: 1px 0; }
form.filters { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: end; margin: 12px 0; padding: 10px 12px; background: var(--soft); border: 1px solid var(--line); border-radius: 6px; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
form.filters input, form.filters select, form.filters button { font: inherit; font-size: 14px; padding: 2px 6px; }
ul.counts { list-style: none; display: flex; flex-wrap: wrap; gap: 6px 18px; padding: 0; margin: 8px 0; }
dl.facts { display: flex; flex-wrap: wrap; gap: 4px 28px; margin: 12px 0; }
dl.facts dt { font-size: 12px; color: var(--muted); }
dl.facts dd { margin: 0; font-weight: 600; }
nav.links a { margin-right: 14px; }
.cell { display: inline-block; min-width: 22px; height: 22px; margin: 1px; border-radius: 4px; color: #fff; font-size: 11px; line-height: 22px; text-align: center; text-decoration: none; }
.cell.unexpected { outline: 3px solid #24292f; outline-offset: -3px; }
.cell.none { background: #eaeef2; }
td.grid { white-space: nowrap; }
.worse { color: var(--invalid); font-weight: 600; }
.better { color: var(--valid); }
svg.spark polyline { fill: none; stroke: #0969da; stroke-width: 1.5; }
svg.spark circle { fill: #0969da; }
footer { margin-top: 32px; font-size: 12px; color: var(--muted); }
`;

const styleHash = `'sha256-${createHash('sha256').update(css).digest('base64')}'`;

/** No scripts, no fetches: only this page's own stylesheet, images as data: URLs, forms to this origin. */
export const PAGE_CSP = `default-src 'none'; style-src ${styleHash}; img-src data:; form-action 'self'; base-uri 'none'`;

/** A whole page; `body` must already be escaped HTML. */
export function renderPage(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${PAGE_CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    // An empty icon, so browsers do not ask for /favicon.ico.
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${css}</style>`,
    '</head><body><main>',
    body,
    '</main></body></html>',
    '',
  ].join('\n');
}

/** A coloured verdict badge. */
export function badge(verdict: VerdictClass, text: string = verdict): string {
  return `<span class="badge ${verdict}">${escapeHtml(text.toUpperCase())}</span>`;
}
