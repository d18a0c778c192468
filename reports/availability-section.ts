// The availability checker's measurement as a table: the share of ok ops overall, outside faults
// and in each fault window (the chart above shows the same per window).
import type { Availability, AvailabilityResult } from '../checkers/availability.js';
import type { CheckResult } from '../src/checker.js';
import { escapeHtml } from '../src/html-escape.js';
import { formatCount } from './time-format.js';

export const availabilityKeys = ['valid', 'summary', 'error', 'overall', 'outsideFaults', 'windows', 'byF'];

/** True for a result with per-window availability (the availability checker's shape). */
export function isAvailabilityResult(result: CheckResult): result is AvailabilityResult {
  return Array.isArray(result.windows) && typeof result.outsideFaults === 'object' && typeof result.overall === 'object';
}

export function renderAvailabilityBody(result: AvailabilityResult): string {
  const row = (label: string, a: Availability, when = ''): string =>
    `<tr><td>${escapeHtml(label)}</td><td class="num">${when}</td><td class="num">${formatCount(a.ops)}</td><td class="num">${formatCount(a.ok)}</td><td class="num">${formatCount(a.fail)}</td><td class="num">${formatCount(a.info)}</td>` +
    `<td class="num">${a.okShare === null ? '\u2014' : `${(a.okShare * 100).toFixed(1)}%`}</td></tr>`;
  const rows = [
    row('overall', result.overall),
    row('outside faults', result.outsideFaults),
    ...result.windows.map((w) => row(w.label, w, `${w.startS.toFixed(3)}\u2013${w.endS === null ? 'end' : w.endS.toFixed(3)}`)),
    ...Object.entries(result.byF ?? {}).map(([f, a]) => row(`f = ${f}`, a)),
  ];
  return `<table><thead><tr><th>ops invoked</th><th class="num">when (s)</th><th class="num">ops</th><th class="num">ok</th><th class="num">fail</th><th class="num">info</th><th class="num">ok share</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
