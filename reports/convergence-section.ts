// The convergence checker's evidence: final values the acknowledged ops do not explain (with the
// read that returned them), then keys whose replicas disagree, then nodes missing final reads.
import type { ConvergenceResult } from '../checkers/convergence.js';
import type { CheckResult } from '../src/checker.js';
import { escapeHtml } from '../src/html-escape.js';
import { formatCount } from './time-format.js';
import { opLink } from './witness-table.js';

export const convergenceKeys = ['valid', 'summary', 'error', 'diverged', 'unexplained', 'missingFinalReads', 'keys', 'nodes', 'finalReads', 'type'];

/** True for a result with diverged and unexplained keys (the convergence checker's shape). */
export function isConvergenceResult(result: CheckResult): result is ConvergenceResult {
  return Array.isArray(result.diverged) && Array.isArray(result.unexplained);
}

export function renderConvergenceBody(result: ConvergenceResult): string {
  const parts: string[] = [];
  const code = (v: unknown): string => `<code>${escapeHtml(JSON.stringify(v) ?? String(v))}</code>`;
  if (result.unexplained.length > 0) {
    const rows = result.unexplained.map(
      (u) =>
        `<tr><td>${code(u.key)}</td><td><code>${escapeHtml(u.problem)}</code></td><td>${code(u.value)}</td><td>${escapeHtml((u.nodes ?? []).join(' '))}</td>` +
        `<td>${escapeHtml(u.explanation)} <span class="muted">read ${opLink(u.read)}${u.write ? `, write ${opLink(u.write)}` : ''}</span></td></tr>`,
    );
    parts.push(`<div class="witness"><h4>Final values the acknowledged ops do not explain: ${formatCount(result.unexplained.length)}</h4><table><thead><tr><th>key</th><th>problem</th><th>value</th><th>nodes</th><th>why</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`);
  }
  if (result.diverged.length > 0) {
    const rows = result.diverged.flatMap((k) => k.values.map((v, i) => `<tr>${i === 0 ? `<td rowspan="${k.values.length}">${code(k.key)}</td>` : ''}<td>${code(v.value)}</td><td>${escapeHtml(v.nodes.join(' '))}</td></tr>`));
    parts.push(`<div class="witness"><h4>Replicas disagree on ${formatCount(result.diverged.length)} key${result.diverged.length === 1 ? '' : 's'}</h4><table><thead><tr><th>key</th><th>final value</th><th>read on</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`);
  }
  if (Array.isArray(result.missingFinalReads) && result.missingFinalReads.length > 0) {
    parts.push(`<p>No final read of ${result.missingFinalReads.map((m) => `${code(m.key)} from ${escapeHtml((m.nodes ?? []).join(' '))}`).join('; ')}.</p>`);
  }
  parts.push(`<p class="muted">${formatCount(Number(result.keys))} ${escapeHtml(result.type)} keys, ${formatCount(Number(result.finalReads))} final reads from ${escapeHtml((result.nodes ?? []).join(' '))}.</p>`);
  return parts.join('\n');
}
