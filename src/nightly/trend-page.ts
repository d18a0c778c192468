// The trend page (<out>/trend.html): a verdict grid of tests over nights, then throughput and
// latency per test over nights with each night's change from the one before and a sparkline.
// Static HTML with inline SVG: no scripts, so it works from a CI artifact or a file:// URL.
import { escapeHtml } from '../html-escape.js';
import { badge, renderPage } from '../html-page.js';
import { exitWord } from './night.js';
import { relativeChange, type Trend, type TrendCell } from './trend.js';

/** A change of more than this (20 %) in the bad direction is marked. */
const NOTABLE_CHANGE = 0.2;
const SYMBOLS: Record<TrendCell['status'], string> = { valid: '\u2713', invalid: '\u2717', unknown: '?', crashed: '!', skipped: '\u2013' };

export function renderTrendPage(trend: Trend, problems: readonly string[] = []): string {
  const first = trend.nights[0];
  const last = trend.nights.at(-1);
  const body = [
    '<h1>faultline nightly trend</h1>',
    `<p class="muted">${trend.nights.length} nights${first && last ? `, ${escapeHtml(day(first.startedAt))} to ${escapeHtml(day(last.startedAt))}` : ''}; ${trend.rows.length} tests. ` +
      'A cell is one night: its colour the worst verdict of the night\u2019s runs, one mark per run (seed), outlined when a run missed what the matrix expected.</p>',
    ...problems.map((p) => `<p class="muted">${escapeHtml(p)}</p>`),
    '<h2>Verdicts</h2>',
    legend(),
    verdictGrid(trend),
    '<h2>Throughput (ops/s)</h2>',
    metricTable(trend, (c) => c.throughputPerS, 'higher', 1),
    '<h2>Latency p50 (ms, slowest op kind)</h2>',
    metricTable(trend, (c) => c.p50Ms, 'lower', 1),
    '<h2>Latency p99 (ms, slowest op kind)</h2>',
    metricTable(trend, (c) => c.p99Ms, 'lower', 1),
    `<footer>Changes are from the night before; more than ${NOTABLE_CHANGE * 100} % in the bad direction is marked red. Built by faultline nightly from each night's summary.json.</footer>`,
  ].join('\n');
  return renderPage(`faultline nightly trend${last ? ` \u00b7 ${exitWord(last.exitCode)} last night` : ''}`, body);
}

function legend(): string {
  const marks = (Object.keys(SYMBOLS) as TrendCell['status'][]).map((s) => `<span class="cell ${s}">${SYMBOLS[s]}</span> ${s}`);
  return `<p class="legend muted">${marks.join(' &nbsp; ')} &nbsp; <span class="cell valid unexpected">${SYMBOLS.valid}</span> missed what the matrix expected</p>`;
}

function nightHeaders(trend: Trend): string {
  return trend.nights.map((n) => `<th><a href="${escapeHtml(n.href)}" title="${escapeHtml(n.startedAt)}">${escapeHtml(n.night)}</a><br>${badge(statusOfExit(n.exitCode), exitWord(n.exitCode))}</th>`).join('');
}

function verdictGrid(trend: Trend): string {
  const rows = trend.rows.map((row) => {
    const cells = row.cells.map((cell, i) => {
      if (!cell) return '<td class="grid"><span class="cell none" title="not run that night"></span></td>';
      const marks = cell.runs.map((r) => {
        const title = `${row.test} seed ${r.seed}: ${r.status}`;
        const mark = `class="cell ${r.status}${cell.unexpected ? ' unexpected' : ''}" title="${escapeHtml(title)}"`;
        return r.href ? `<a ${mark} href="${escapeHtml(r.href)}">${SYMBOLS[r.status]}</a>` : `<span ${mark}>${SYMBOLS[r.status]}</span>`;
      });
      return `<td class="grid" data-night="${escapeHtml(trend.nights[i]?.night ?? '')}" data-status="${cell.status}">${marks.join('')}</td>`;
    });
    return `<tr><th>${escapeHtml(row.test)}</th>${cells.join('')}</tr>`;
  });
  return `<table class="trend"><thead><tr><th>test</th>${nightHeaders(trend)}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function metricTable(trend: Trend, pick: (cell: TrendCell) => number | undefined, better: 'higher' | 'lower', digits: number): string {
  const rows = trend.rows.map((row) => {
    const values = row.cells.map((c) => (c ? pick(c) : undefined));
    const cells = values.map((value, i) => {
      if (value === undefined) return '<td class="num muted">\u2013</td>';
      const change = relativeChange(i > 0 ? values[i - 1] : undefined, value);
      return `<td class="num">${value.toFixed(digits)}${change === undefined ? '' : ` ${changeHtml(change, better)}`}</td>`;
    });
    return `<tr><th>${escapeHtml(row.test)}</th>${cells.join('')}<td>${sparkline(values)}</td></tr>`;
  });
  return `<table class="metric"><thead><tr><th>test</th>${nightHeaders(trend)}<th>over nights</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function changeHtml(change: number, better: 'higher' | 'lower'): string {
  const worse = better === 'higher' ? change < -NOTABLE_CHANGE : change > NOTABLE_CHANGE;
  const improved = better === 'higher' ? change > NOTABLE_CHANGE : change < -NOTABLE_CHANGE;
  const text = `${change >= 0 ? '+' : '\u2212'}${Math.abs(change * 100).toFixed(0)}%`;
  return `<span class="${worse ? 'worse' : improved ? 'better' : 'muted'}">${text}</span>`;
}

/** An inline SVG line through the nights that have a value. */
export function sparkline(values: readonly (number | undefined)[], width = 120, height = 28): string {
  const present = values.flatMap((v, i) => (v === undefined ? [] : [[i, v] as const]));
  if (present.length === 0) return '';
  const max = Math.max(...present.map(([, v]) => v));
  const min = Math.min(...present.map(([, v]) => v));
  const x = (i: number) => (values.length === 1 ? width / 2 : 3 + (i * (width - 6)) / (values.length - 1));
  const y = (v: number) => (max === min ? height / 2 : height - 3 - ((v - min) * (height - 6)) / (max - min));
  const points = present.map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
  const [lastI, lastV] = present.at(-1) as readonly [number, number];
  return `<svg class="spark" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="trend">` +
    `<polyline points="${points.join(' ')}"></polyline><circle cx="${x(lastI).toFixed(1)}" cy="${y(lastV).toFixed(1)}" r="2.5"></circle></svg>`;
}

function statusOfExit(code: number): TrendCell['status'] {
  return code === 0 ? 'valid' : code === 1 ? 'invalid' : code === 2 ? 'unknown' : 'crashed';
}

function day(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}
