// The session checker's evidence: for each broken guarantee its first violation, with the read,
// the write it saw and the write it should have seen, then the counts.
import type { SessionResult, SessionViolation } from '../checkers/session.js';
import type { CheckResult } from '../src/checker.js';
import { escapeHtml } from '../src/html-escape.js';
import { formatCount } from './time-format.js';
import { witnessTable, type WitnessRow } from './witness-table.js';

export const sessionKeys = ['valid', 'summary', 'error', 'counts', 'violations', 'unwritten', 'reads', 'order'];

/** True for a result with violations by guarantee (the session checker's shape). */
export function isSessionResult(result: CheckResult): result is SessionResult {
  return typeof result.violations === 'object' && result.violations !== null && !Array.isArray(result.violations) && Array.isArray(result.unwritten);
}

export function renderSessionBody(result: SessionResult): string {
  const parts: string[] = [];
  for (const [guarantee, list] of Object.entries(result.violations ?? {}) as [string, SessionViolation[]][]) {
    const first = list[0];
    if (!first) continue;
    const rows: WitnessRow[] = [
      { op: first.read, role: 'read' },
      ...(first.observed ? [{ op: first.observed, role: 'saw' }] : []),
      { op: first.expected, role: 'should have seen' },
      ...(first.because ? [{ op: first.because, role: 'because' }] : []),
    ];
    const count = Number(result.counts?.[guarantee as keyof SessionResult['counts']] ?? list.length);
    parts.push(`<div class="witness"><h4><code>${escapeHtml(guarantee)}</code>: ${formatCount(count)} violation${count === 1 ? '' : 's'}, the first</h4><p>${escapeHtml(first.explanation)}</p>${witnessTable(rows)}</div>`);
  }
  if (Array.isArray(result.unwritten) && result.unwritten.length > 0) {
    parts.push(`<div class="witness"><h4>Reads of values never written: ${formatCount(result.unwritten.length)}</h4>${witnessTable(result.unwritten.map((u) => ({ op: u.read, role: `key ${u.key}` })))}</div>`);
  }
  const counts = Object.entries(result.counts ?? {});
  parts.push(`<table class="counts"><thead><tr><th class="num">reads</th>${counts.map(([k]) => `<th class="num">${escapeHtml(k)}</th>`).join('')}</tr></thead><tbody><tr><td class="num">${formatCount(Number(result.reads))}</td>${counts.map(([, v]) => `<td class="num">${formatCount(Number(v))}</td>`).join('')}</tr></tbody></table>`);
  return parts.join('\n');
}
