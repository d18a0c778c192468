// The front page of `faultline serve`: every run, newest first, with its verdict, its checkers'
// summaries and links, filtered by test name and verdict through query parameters (no scripts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { escapeHtml } from '../html-escape.js';
import { badge, renderPage } from '../html-page.js';
import type { RunVerdict } from '../run-summary.js';
import { RUN_FILES } from '../store.js';
import type { RunEntry } from './run-index.js';

export const VERDICTS: readonly RunVerdict[] = ['valid', 'invalid', 'unknown', 'crashed', 'incomplete'];
/** Rows shown at most; filters narrow the rest down. */
const MAX_ROWS = 1000;

export interface ListingFilter {
  /** Case-insensitive substring of the test name; empty matches all. */
  test: string;
  verdict: RunVerdict | '';
}

/** Reads `?test=` and `?verdict=`; throws one line naming a verdict that is not known. */
export function parseFilter(params: URLSearchParams): ListingFilter {
  const verdict = params.get('verdict') ?? '';
  if (verdict !== '' && !(VERDICTS as readonly string[]).includes(verdict)) {
    throw new Error(`verdict "${verdict}" is not known; expected one of: ${VERDICTS.join(', ')}`);
  }
  return { test: (params.get('test') ?? '').trim(), verdict: verdict as ListingFilter['verdict'] };
}

export function filterRuns(runs: readonly RunEntry[], filter: ListingFilter): RunEntry[] {
  const needle = filter.test.toLowerCase();
  return runs.filter((run) =>
    (needle === '' || run.summary.test.toLowerCase().includes(needle) || run.testDir.toLowerCase().includes(needle)) &&
    (filter.verdict === '' || run.summary.verdict === filter.verdict));
}

/** The URL path of a run's page (segments encoded). */
export function runHref(run: Pick<RunEntry, 'testDir' | 'runDir'>): string {
  return `/runs/${encodeURIComponent(run.testDir)}/${encodeURIComponent(run.runDir)}/`;
}

export function zipHref(run: Pick<RunEntry, 'testDir' | 'runDir'>): string {
  return `/zip/${encodeURIComponent(run.testDir)}/${encodeURIComponent(run.runDir)}.zip`;
}

export function renderListing(all: readonly RunEntry[], filter: ListingFilter, storeDir: string): string {
  const byTest = filterRuns(all, { ...filter, verdict: '' });
  const shown = filterRuns(byTest, filter);
  const counts = VERDICTS.map((v) => {
    const n = byTest.filter((r) => r.summary.verdict === v).length;
    const query = new URLSearchParams({ ...(filter.test && { test: filter.test }), verdict: v });
    return n === 0 ? '' : `<li><a href="/?${escapeHtml(query.toString())}">${badge(v)}</a> ${n}</li>`;
  }).join('');
  const tests = [...new Set(all.map((r) => r.summary.test))].sort();
  const body = [
    `<h1>faultline runs</h1>`,
    `<p class="muted">${all.length} runs in <code>${escapeHtml(storeDir)}</code>, newest first${shown.length !== all.length ? `; ${shown.length} shown` : ''}.</p>`,
    renderFilterForm(filter, tests),
    `<ul class="counts">${counts}</ul>`,
    shown.length === 0 ? '<p>No runs match.</p>' : renderTable(shown.slice(0, MAX_ROWS), storeDir),
    shown.length > MAX_ROWS ? `<p class="muted">and ${shown.length - MAX_ROWS} older runs; filter to see them.</p>` : '',
  ].join('\n');
  return renderPage(`faultline runs${filter.test || filter.verdict ? ' (filtered)' : ''}`, body);
}

function renderFilterForm(filter: ListingFilter, tests: readonly string[]): string {
  const options = ['', ...VERDICTS].map((v) => `<option value="${v}"${v === filter.verdict ? ' selected' : ''}>${v || 'any'}</option>`).join('');
  const names = tests.map((t) => `<option value="${escapeHtml(t)}"></option>`).join('');
  return [
    '<form class="filters" method="get" action="/">',
    `<label>test name contains<input type="search" name="test" list="test-names" size="40" value="${escapeHtml(filter.test)}"></label>`,
    `<datalist id="test-names">${names}</datalist>`,
    `<label>verdict<select name="verdict">${options}</select></label>`,
    '<button type="submit">filter</button> <a href="/">clear</a>',
    '</form>',
  ].join('');
}

function renderTable(runs: readonly RunEntry[], storeDir: string): string {
  const rows = runs.map((run) => {
    const s = run.summary;
    const links = [
      existsSync(join(run.path, RUN_FILES.report)) ? `<a href="${runHref(run)}${RUN_FILES.report}">report</a>` : '',
      `<a href="${runHref(run)}">files</a>`,
      `<a href="${zipHref(run)}" download>zip</a>`,
    ].filter(Boolean).join(' \u00b7 ');
    const testQuery = new URLSearchParams({ test: s.test }).toString();
    return `<tr class="run ${s.verdict}">` +
      `<td class="num">${escapeHtml(formatTime(run))}</td>` +
      `<td><a href="/?${escapeHtml(testQuery)}" title="only this test">${escapeHtml(s.test)}</a></td>` +
      `<td>${badge(s.verdict)}</td>` +
      `<td class="summary">${summaryLines(run, storeDir)}</td>` +
      `<td class="num">${s.seed ?? ''}</td>` +
      `<td class="num">${s.durationS === undefined ? '' : `${s.durationS.toFixed(1)} s`}</td>` +
      `<td class="num">${s.throughputPerS === undefined ? '' : s.throughputPerS.toFixed(1)}</td>` +
      `<td>${links}</td></tr>`;
  });
  return `<table class="runs"><thead><tr><th>started</th><th>test</th><th>verdict</th><th>checkers</th><th class="num">seed</th><th class="num">took</th><th class="num">ops/s</th><th></th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function summaryLines(run: RunEntry, storeDir: string): string {
  const s = run.summary;
  const lines = s.checkers.map((c) => `<div>${badge(c.verdict, c.name)} ${escapeHtml(c.summary)}</div>`);
  if (s.problem) lines.unshift(`<div>${escapeHtml(s.problem)}</div>`);
  if (s.verdict === 'incomplete') {
    lines.push(`<div class="muted">still running, or its controller died; re-check: <code>npx faultline check ${escapeHtml(join(storeDir, run.testDir, run.runDir))}</code></div>`);
  }
  return lines.join('');
}

function formatTime(run: RunEntry): string {
  if (!run.startedAt) return run.runDir;
  const d = run.startedAt;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
