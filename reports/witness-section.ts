// The witness of an invalid run, first in its report: the few ops (witness.jsonl) its checker still
// finds invalid the same way, drawn as a lane diagram (one lane per process, each op a bar from
// invocation to completion), with the sizes before and after and the line that re-checks it.
import { relative } from 'node:path';
import { showValue, witnessOp } from '../checkers/witness-op.js';
import type { CheckResult, WitnessOp } from '../src/checker.js';
import { faultWindows } from '../src/fault-window.js';
import { escapeHtml } from '../src/html-escape.js';
import { pairOps, type History, type Op } from '../src/op.js';
import type { FaultColor } from './fault-colors.js';
import { renderLaneDiagram } from './lane-diagram.js';

/** More ops than this (a shrink whose budget ran out early) are listed as a count, not drawn. */
const MAX_DRAWN_OPS = 150;

/** The witness section, or '' when the run has no witness entry. `witness` is witness.jsonl as read, or why it could not be. */
export function renderWitnessSection(results: CheckResult, witness: History | string | undefined, dir: string, colors: ReadonlyMap<string, FaultColor>): string {
  const entry = results['witness'];
  if (typeof entry !== 'object' || entry === null) return '';
  const w = entry as Record<string, unknown>;
  const what = `${escapeHtml(String(w['checker']))}: ${escapeHtml(String(w['anomaly']))}`;
  if (typeof w['error'] === 'string') return `<section id="witness"><h2>Witness</h2><p>${what}</p><pre class="error">${escapeHtml(w['error'])}</pre></section>`;
  const before = sizes(w['before']);
  const after = sizes(w['after']);
  const file = `${relative(process.cwd(), dir) || '.'}/${String(w['file'])}`;
  const parts = [
    `<section id="witness"><h2>Witness: ${after.ops} ops still show ${what}</h2>`,
    `<p>The smallest sub-history found that the same checker still finds invalid with the same anomaly: ` +
      `${after.ops} of ${before.ops} ops, ${after.processes} of ${before.processes} processes, ${after.keys} of ${before.keys} keys ` +
      `(${Number(w['checkerCalls'])} checker calls, ${(Number(w['ms']) / 1000).toFixed(1)} s; ` +
      `${w['minimal'] === true ? 'minimal: removing any one op, with the ops that depend on it, loses the anomaly' : 'the budget ran out: smaller than the history, maybe not minimal'}). ` +
      `Every op a kept op read from is kept. Re-check it: <code>npx faultline check ${escapeHtml(file)}</code></p>`,
  ];
  if (typeof witness === 'string') parts.push(`<pre class="error">${escapeHtml(witness)}</pre>`);
  else if (witness !== undefined) parts.push(witnessDiagram(witness, colors));
  parts.push('</section>');
  return parts.join('\n');
}

function witnessDiagram(witness: History, colors: ReadonlyMap<string, FaultColor>): string {
  const pairs = pairOps(witness);
  if (pairs.length > MAX_DRAWN_OPS) return `<p class="muted">${pairs.length} ops: too many to draw; witness.jsonl has them all.</p>`;
  const ops = pairs.map(({ invoke, complete }) => ({ op: witnessOp(invoke, complete, describe(invoke, complete)) as WitnessOp }));
  const rows = pairs.map(({ invoke, complete }) =>
    `<tr><td>${invoke.index}</td><td>${escapeHtml(String(invoke.process))}</td><td>${escapeHtml(complete?.node ?? invoke.node ?? '')}</td><td>${(invoke.time / 1e9).toFixed(3)}</td>` +
    `<td>${complete === undefined ? '' : (complete.time / 1e9).toFixed(3)}</td><td>${escapeHtml(invoke.f)}</td><td><code>${escapeHtml(showValue(invoke.value, 200))}</code></td>` +
    `<td>${escapeHtml(complete?.type ?? 'never completed')}</td><td><code>${complete === undefined ? '' : escapeHtml(showValue(complete.value, 200))}</code></td></tr>`);
  return `<p class="muted">Bars run from invocation to completion, in event order (not to scale); a dashed bar with an arrow never completed definitely. Hover a bar for its times; the table gives each op's index in history.jsonl.</p>` +
    renderLaneDiagram(ops, faultWindows(witness), colors) +
    `<table class="witness-ops"><thead><tr><th>op</th><th>process</th><th>node</th><th>invoked s</th><th>completed s</th><th>f</th><th>value</th><th>outcome</th><th>returned</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** "read [9,null] → ok [9,3]": what was asked and what came back. */
function describe(invoke: Op, complete: Op | undefined): string {
  const asked = `${invoke.f} ${showValue(invoke.value, 40)}`;
  if (complete === undefined) return `${asked} (never completed)`;
  const same = JSON.stringify(complete.value) === JSON.stringify(invoke.value);
  return `${asked} \u2192 ${complete.type}${same ? '' : ` ${showValue(complete.value, 40)}`}`;
}

function sizes(v: unknown): { ops: number; processes: number; keys: number } {
  const s = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  return { ops: Number(s['ops']), processes: Number(s['processes']), keys: Number(s['keys']) };
}
