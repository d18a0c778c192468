// The cycle checker's evidence: the shortest cycle first (in words, drawn, and as a table of its
// transactions and dependencies), then every anomaly type with its count and explanations.
import type { CycleAnomaly, CycleResult, TxnAnomaly } from '../checkers/cycle/index.js';
import type { CheckResult } from '../src/checker.js';
import { escapeHtml } from '../src/html-escape.js';
import { renderCycleGraph } from './cycle-graph.js';
import { opLink, witnessTable } from './witness-table.js';

export const cycleKeys = ['valid', 'summary', 'error', 'anomalyTypes', 'anomalies', 'anomalyCounts', 'not', 'alsoNot', 'strongestNotRuledOut', 'consistencyModels'];

/** True for a result with anomalies by type (the cycle checker's shape). */
export function isCycleResult(result: CheckResult): result is CycleResult {
  return Array.isArray(result.anomalyTypes) && typeof result.anomalies === 'object' && result.anomalies !== null;
}

function isCycle(a: CycleAnomaly | TxnAnomaly): a is CycleAnomaly {
  return Array.isArray((a as CycleAnomaly).cycle) && Array.isArray((a as CycleAnomaly).steps);
}

/** Renders the shortest cycle, then each anomaly type. */
export function renderCycleBody(result: CycleResult): string {
  const parts: string[] = [];
  const models = (list: unknown): string => (Array.isArray(list) ? list.map((m) => `<code>${escapeHtml(m)}</code>`).join(', ') : '');
  if (Array.isArray(result.not) && result.not.length > 0) {
    const also = Array.isArray(result.alsoNot) && result.alsoNot.length > 0 ? ` <span class="muted">Hence none of the ${result.alsoNot.length} stronger models either: ${models(result.alsoNot)}.</span>` : '';
    parts.push(`<p>Checked against ${models(result.consistencyModels)}: not ${models(result.not)}.${also}</p>`);
  }
  if (Array.isArray(result.strongestNotRuledOut)) {
    parts.push(result.strongestNotRuledOut.length > 0
      ? `<p class="models-left">Strongest models not ruled out: ${models(result.strongestNotRuledOut)} <span class="muted">(no anomaly found excludes them or any weaker model; the search does not prove them)</span>.</p>`
      : '<p class="models-left">Strongest models not ruled out: none; the anomalies rule out every model the checker knows.</p>');
  }
  const cycles = Object.values(result.anomalies).flat().filter(isCycle);
  const shortest = cycles.sort((a, b) => a.cycle.length - b.cycle.length)[0];
  if (shortest) parts.push(renderShortest(shortest));
  for (const type of result.anomalyTypes) {
    const list = result.anomalies[type] ?? [];
    const count = Number(result.anomalyCounts?.[type] ?? list.length);
    const items = list.map((a) => `<li>${isCycle(a) ? `${a.cycle.length} transactions: ` : ''}<pre class="explanation">${escapeHtml(a.explanation)}</pre>${opsOf(a)}</li>`).join('');
    const open = !shortest && type === result.anomalyTypes[0] ? ' open' : '';
    parts.push(`<details${open}><summary><code>${escapeHtml(type)}</code>: ${count} found${list.length < count ? `, ${list.length} listed` : ''}</summary><ul class="anomalies">${items}</ul></details>`);
  }
  if (result.anomalyTypes.length === 0) parts.push('<p class="muted">No anomalies found.</p>');
  return parts.join('\n');
}

function renderShortest(a: CycleAnomaly): string {
  const stepRows = a.steps
    .map((s) => `<tr><td>${escapeHtml(s.from)} \u2192 ${escapeHtml(s.to)}</td><td><code>${escapeHtml(s.type)}</code></td><td>${s.key === undefined ? '' : `<code>${escapeHtml(JSON.stringify(s.key))}</code>`}</td><td>${escapeHtml(s.explanation)}</td></tr>`)
    .join('');
  return [
    '<div class="witness">',
    `<h4>Shortest cycle: <code>${escapeHtml(a.type)}</code>, ${a.cycle.length} transactions</h4>`,
    `<pre class="explanation">${escapeHtml(a.explanation)}</pre>`,
    renderCycleGraph(a),
    witnessTable(a.cycle.map((op, i) => ({ op, role: `T${i + 1}` }))),
    `<table class="steps"><thead><tr><th>edge</th><th>kind</th><th>key</th><th>why</th></tr></thead><tbody>${stepRows}</tbody></table>`,
    '</div>',
  ].join('\n');
}

function opsOf(a: CycleAnomaly | TxnAnomaly): string {
  const ops = isCycle(a) ? a.cycle : [...(a.op ? [a.op] : []), ...(Array.isArray(a.ops) ? a.ops : [])];
  return ops.length === 0 ? '' : `<span class="muted">${ops.map((op) => opLink(op)).join(', ')}</span>`;
}
