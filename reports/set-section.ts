// The set checker's evidence: lost elements first (added, known, then missing from a later read),
// then unexpected elements, the outcome counts, and the stale elements.
import type { SetElementReport, SetResult } from '../checkers/set.js';
import type { CheckResult } from '../src/checker.js';
import { escapeHtml } from '../src/html-escape.js';
import { formatSeconds, formatCount, formatMs } from './time-format.js';
import { opCell, opLink } from './witness-table.js';

export const setKeys = ['valid', 'summary', 'error', 'counts', 'lost', 'stale', 'neverRead', 'unconfirmed', 'unexpected', 'latencyMs'];

/** True for a result with lost and stale element lists (the set checker's shape). */
export function isSetResult(result: CheckResult): result is SetResult {
  return Array.isArray(result.lost) && Array.isArray(result.stale) && typeof result.counts === 'object';
}

export function renderSetBody(result: SetResult): string {
  const parts: string[] = [];
  if (result.lost.length > 0) {
    const alone = Number(result.counts?.lostAlone ?? 0);
    const aloneNote = alone > 0
      ? `<p>${formatCount(alone)} of them overlapped no other add: racing read-modify-writes cannot explain those; in a store that orders writes by timestamp, a later write stamped older won (look at the clocks).</p>`
      : '';
    parts.push(`<div class="witness"><h4>Lost elements: ${formatCount(Number(result.counts?.lost ?? result.lost.length))}</h4>${aloneNote}${elementTable(result.lost, 'missing in')}</div>`);
  }
  if (Array.isArray(result.unexpected) && result.unexpected.length > 0) {
    const rows = result.unexpected.map((u) => `<tr><td><code>${escapeHtml(JSON.stringify(u.element))}</code></td><td>${opCell(u.read)}</td></tr>`).join('');
    parts.push(`<div class="witness"><h4>Read but never added: ${formatCount(Number(result.counts?.unexpected ?? result.unexpected.length))}</h4><table><thead><tr><th>element</th><th>read</th></tr></thead><tbody>${rows}</tbody></table></div>`);
  }
  const counts = Object.entries(result.counts ?? {});
  parts.push(`<table class="counts"><thead><tr>${counts.map(([k]) => `<th class="num">${escapeHtml(k)}</th>`).join('')}</tr></thead><tbody><tr>${counts.map(([, v]) => `<td class="num">${escapeHtml(formatCount(Number(v)))}</td>`).join('')}</tr></tbody></table>`);
  const l = result.latencyMs;
  if (l) parts.push(`<p>Latency to stable visibility: p50 ${formatMs(l.p50)} ms, p90 ${formatMs(l.p90)} ms, p99 ${formatMs(l.p99)} ms, max ${formatMs(l.max)} ms.</p>`);
  if (result.stale.length > 0) parts.push(`<details><summary>${result.stale.length} stale elements (worst first)</summary>${elementTable(result.stale, 'missed by')}</details>`);
  return parts.join('\n');
}

function elementTable(elements: readonly SetElementReport[], missingHeader: string): string {
  const rows = elements.map((e) => {
    const missing = e.missingIn ? `${opLink(e.missingIn)} at ${formatSeconds(e.missingIn.start)} s` : '';
    return (
      `<tr><td><code>${escapeHtml(JSON.stringify(e.element))}</code></td><td>${opCell(e.add)}</td><td>${e.lastSeen ? `${opLink(e.lastSeen)} at ${formatSeconds(e.lastSeen.start)} s` : '<span class="muted">never</span>'}</td>` +
      `<td>${missing}</td><td class="num">${e.concurrentAdds === undefined ? '' : formatCount(e.concurrentAdds)}</td><td class="num">${e.latencyMs === undefined ? '' : formatMs(e.latencyMs)}</td></tr>`
    );
  });
  return `<table><thead><tr><th>element</th><th>added by</th><th>last seen in</th><th>${escapeHtml(missingHeader)}</th><th class="num">concurrent adds</th><th class="num">latency (ms)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
