// The bank checker's evidence: the first read that broke a rule, the errors by type (first, worst,
// last), and the total of every read over time against the expected total.
import type { BankError, BankResult } from '../checkers/bank.js';
import type { CheckResult } from '../src/checker.js';
import type { FaultWindow } from '../src/fault-window.js';
import { escapeHtml } from '../src/html-escape.js';
import type { FaultColor } from './fault-colors.js';
import { renderTimePlot } from './svg-plot.js';
import { formatCount } from './time-format.js';
import { opLink, witnessTable } from './witness-table.js';

export const bankKeys = ['valid', 'summary', 'error', 'readCount', 'errorCount', 'firstError', 'errors', 'expectedTotal', 'totals'];

/** True for a result with per-read totals (the bank checker's shape). */
export function isBankResult(result: CheckResult): result is BankResult {
  return Array.isArray(result.totals) && 'expectedTotal' in result && typeof result.errors === 'object';
}

export function renderBankBody(result: BankResult, windows: readonly FaultWindow[], colors: ReadonlyMap<string, FaultColor>): string {
  const parts: string[] = [];
  if (result.firstError) parts.push(`<div class="witness"><h4>First bad read</h4>${witnessTable([{ op: result.firstError.op, note: escapeHtml(describe(result.firstError)) }], 'what is wrong')}</div>`);
  const types = Object.entries(result.errors ?? {});
  if (types.length > 0) {
    const rows = types.map(([type, e]) => `<tr><td><code>${escapeHtml(type)}</code></td><td class="num">${formatCount(e.count)}</td>${[e.first, e.worst, e.last].map((x) => `<td>${opLink(x.op)}: ${escapeHtml(describe(x))}</td>`).join('')}</tr>`);
    parts.push(`<table><thead><tr><th>error</th><th class="num">reads</th><th>first</th><th>worst</th><th>last</th></tr></thead><tbody>${rows.join('')}</tbody></table>`);
  }
  parts.push(`<p>${formatCount(result.readCount)} ok reads; expected total ${result.expectedTotal === null ? 'unknown' : escapeHtml(result.expectedTotal)}.</p>`);
  const totals = result.totals.map(([t, total]) => [t, total] as const);
  const end = totals.length > 0 ? totals[totals.length - 1]![0] : 0;
  parts.push(
    renderTimePlot(
      [
        { label: 'total of each ok read', color: '#4e79a7', points: totals },
        ...(result.expectedTotal === null ? [] : [{ label: 'expected total', color: '#1a7f37', points: [[0, result.expectedTotal], [end, result.expectedTotal]] as const, line: true, dashed: true }]),
      ],
      { yLabel: 'total', windows, colors, ...(result.firstError ? { marks: [{ atS: (result.firstError.op.end ?? result.firstError.op.start) / 1e9, label: 'first bad read' }] } : {}) },
    ),
  );
  return parts.join('\n');
}

function describe(e: BankError): string {
  switch (e.type) {
    case 'wrong-total':
      return `total ${e.total}, expected ${e.expected}`;
    case 'negative-value':
      return `negative balances ${JSON.stringify(e.negative)}`;
    default:
      return `${e.type}: ${(e.accounts ?? []).join(', ')}`;
  }
}
