// The linearizability checker's evidence: for each failure the stuck op(s) first, then the
// partial linearization that led there, then a lane diagram of the ops involved.
import type { CheckResult, LinearizabilityFailure, WitnessOp } from '../src/checker.js';
import type { FaultWindow } from '../src/fault-window.js';
import { anchorId, escapeHtml } from '../src/html-escape.js';
import type { ChartMarker } from './chart-data.js';
import type { FaultColor } from './fault-colors.js';
import { renderLaneDiagram, type LaneOp } from './lane-diagram.js';
import { formatSeconds } from './time-format.js';
import { opCell, opLink } from './witness-table.js';

/** How many linearized ops to show before the expander, and in the lane diagram. */
const recentOps = 20;
/** Failures rendered in full; the rest are listed by their stuck op. */
const fullFailures = 10;
/** Rows in the "all ops" expander; longer linearizations are cut, with a note. */
const maxExpandedRows = 5_000;

export type LinearizableResult = CheckResult & { failures: LinearizabilityFailure[] };

/** True for a result that carries linearizability failures (the linearizable checker's shape). */
export function isLinearizableResult(result: CheckResult): result is LinearizableResult {
  return Array.isArray(result.failures);
}

/** The keys of a linearizable result that this section renders; the rest are shown as raw JSON. */
export const linearizableKeys = ['valid', 'summary', 'error', 'failures'];

/** Renders every failure of a linearizable result, smallest witness first. */
export function renderLinearizableBody(name: string, result: LinearizableResult, windows: readonly FaultWindow[], colors: ReadonlyMap<string, FaultColor>): string {
  const failures = result.failures.map(normalizeFailure);
  if (failures.length === 0) return '<p class="muted">No linearizability failures were reported.</p>';
  const parts = failures.slice(0, fullFailures).map((f, i) => renderFailure(name, f, i, failures.length, windows, colors));
  if (failures.length > fullFailures) {
    const rest = failures.slice(fullFailures).map((f, i) => {
      const first = f.stuck[0];
      return `<li>failure ${i + fullFailures + 1}${keyText(f)}: ${first ? `${escapeHtml(first.op.description)} (${opLink(first.op)}) \u2014 ${escapeHtml(first.reason)}` : 'no stuck op recorded'}</li>`;
    });
    parts.push(`<details><summary>${failures.length - fullFailures} more failures</summary><ul>${rest.join('')}</ul></details>`);
  }
  return parts.join('\n');
}

/** One line for the report header: the first stuck op of the first failure, linked to its section. */
export function firstStuckLine(name: string, result: LinearizableResult): string | undefined {
  const failure = result.failures[0];
  const stuck = failure && normalizeStuck(failure)[0];
  if (!failure || !stuck) return undefined;
  return (
    `<a href="#${anchorId('failure', `${name}-1`)}">first failure</a>${keyText(failure)}: ` +
    `<code>${escapeHtml(stuck.op.description)}</code> (${opLink(stuck.op)}, process ${escapeHtml(stuck.op.process)}, invoked at ${formatSeconds(stuck.op.start)} s) ` +
    `could not be linearized: ${escapeHtml(stuck.reason)}`
  );
}

/** Chart markers at the invocation of each failure's first stuck op. */
export function stuckMarkers(result: LinearizableResult): ChartMarker[] {
  return result.failures.slice(0, fullFailures).flatMap((raw, i) => {
    const stuck = normalizeStuck(raw)[0];
    return stuck ? [{ atNs: stuck.op.start, label: `\u2717 failure ${i + 1}: ${stuck.op.description}` }] : [];
  });
}

function renderFailure(name: string, f: LinearizabilityFailure, i: number, total: number, windows: readonly FaultWindow[], colors: ReadonlyMap<string, FaultColor>): string {
  const n = f.linearized.length;
  const recentStart = Math.max(0, n - recentOps);
  const recent = f.linearized.slice(recentStart);
  const laneOps: LaneOp[] = [
    ...recent.map((l, j) => {
      const before = recentStart + j === 0 ? undefined : f.linearized[recentStart + j - 1]?.stateAfter;
      return { op: l.op, order: recentStart + j + 1, transition: `state ${before ?? 'initial'} -> ${l.stateAfter}` };
    }),
    ...f.stuck.slice(0, recentOps).map((s) => ({ op: s.op, stuck: true, transition: `from state ${f.state}: ${s.reason}` })),
  ];
  const stuckRows = f.stuck
    .map((s) => `<tr><td>${opCell(s.op)}</td><td>${escapeHtml(s.op.process)}</td><td>${escapeHtml(s.op.node ?? '')}</td>${timeCells(s.op)}<td class="reason">${escapeHtml(s.reason)}</td></tr>`)
    .join('');
  const parts = [
    `<article class="failure" id="${anchorId('failure', `${name}-${i + 1}`)}">`,
    `<h3>Failure ${i + 1} of ${total}${keyText(f)}</h3>`,
    `<div class="stuck"><h4>Could not be linearized</h4>`,
    `<table><thead><tr><th>op</th><th>process</th><th>node</th><th class="num">invoked (s)</th><th class="num">completed (s)</th><th>reason</th></tr></thead><tbody>${stuckRows || '<tr><td colspan="6">no stuck op recorded</td></tr>'}</tbody></table>`,
    `<p>State after the partial linearization: <code>${escapeHtml(f.state)}</code></p></div>`,
    `<h4>Partial linearization: ${n} op${n === 1 ? '' : 's'}${n > recentOps ? `, last ${recentOps} shown` : ''}</h4>`,
    n === 0 ? '<p class="muted">No op could be linearized before the stuck op(s).</p>' : linearizationTable(recent, recentStart),
  ];
  if (n > recentOps) {
    const shown = Math.min(n, maxExpandedRows);
    parts.push(
      `<details><summary>all ${n} linearized ops${shown < n ? ` (last ${shown} listed)` : ''}</summary>`,
      linearizationTable(f.linearized.slice(n - shown), n - shown),
      '</details>',
    );
  }
  parts.push(
    `<h4>Timeline</h4><p class="muted">Bars run from invocation to completion, in event order (not to scale); numbers are positions in the linearization; \u2717 marks the stuck op; a dashed bar with an arrow never completed definitely. Hover a bar for its times.</p>`,
    renderLaneDiagram(laneOps, windows, colors),
    '</article>',
  );
  return parts.join('\n');
}

function linearizationTable(rows: LinearizabilityFailure['linearized'], offset: number): string {
  const body = rows
    .map((l, j) => `<tr><td class="num">${offset + j + 1}</td><td>${opCell(l.op)}</td><td>${escapeHtml(l.op.process)}</td>${timeCells(l.op)}<td><code>${escapeHtml(l.stateAfter)}</code></td></tr>`)
    .join('');
  return `<table class="linearization"><thead><tr><th class="num">#</th><th>op</th><th>process</th><th class="num">invoked (s)</th><th class="num">completed (s)</th><th>state after</th></tr></thead><tbody>${body}</tbody></table>`;
}

function timeCells(op: WitnessOp): string {
  return `<td class="num">${formatSeconds(op.start)}</td><td class="num">${op.end === null ? '<span class="muted">never (info)</span>' : formatSeconds(op.end)}</td>`;
}

function keyText(f: LinearizabilityFailure): string {
  return f.key === undefined ? '' : ` \u00b7 key <code>${escapeHtml(JSON.stringify(f.key) ?? String(f.key))}</code>`;
}

/** Tolerates results written by older or foreign checkers: missing arrays become empty, ops get descriptions. */
function normalizeFailure(raw: LinearizabilityFailure): LinearizabilityFailure {
  const r = (raw ?? {}) as Partial<LinearizabilityFailure>;
  return {
    key: r.key,
    state: String(r.state ?? ''),
    linearized: (Array.isArray(r.linearized) ? r.linearized : []).map((l) => ({ op: normalizeOp(l?.op), stateAfter: String(l?.stateAfter ?? '') })),
    stuck: normalizeStuck(raw),
  };
}

function normalizeStuck(raw: LinearizabilityFailure): LinearizabilityFailure['stuck'] {
  const stuck = (raw as Partial<LinearizabilityFailure> | undefined)?.stuck;
  return (Array.isArray(stuck) ? stuck : []).map((s) => ({ op: normalizeOp(s?.op), reason: String(s?.reason ?? '') }));
}

function normalizeOp(raw: Partial<WitnessOp> | undefined): WitnessOp {
  const op = raw ?? {};
  const f = String(op.f ?? '?');
  return {
    index: Number(op.index ?? -1),
    process: op.process ?? '?',
    f,
    value: op.value,
    result: op.result,
    start: Number(op.start ?? 0),
    end: op.end === null || op.end === undefined ? null : Number(op.end),
    ...(op.node === undefined ? {} : { node: String(op.node) }),
    description: String(op.description ?? `${f} ${JSON.stringify(op.value) ?? ''}`),
  };
}
