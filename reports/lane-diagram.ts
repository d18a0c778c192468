// A small SVG timeline of the ops in a linearizability failure: one lane per process, each op a
// bar from invocation to completion, linearized ops numbered, stuck ops highlighted, faults shaded.
import type { WitnessOp } from '../src/checker.js';
import type { FaultWindow } from '../src/fault-window.js';
import type { FaultColor } from './fault-colors.js';
import { escapeHtml } from './html-escape.js';

/** An op to draw: `order` is its 1-based position in the linearization; `stuck` marks an op that could not be linearized. */
export interface LaneOp {
  op: WitnessOp;
  order?: number;
  stuck?: boolean;
}

const width = 960;
const laneLabelW = 92;
const rightPad = 16;
const headerH = 20;
const laneH = 26;
const barH = 18;
const axisH = 26;
const charW = 6.3; // approximate width of one 11px character, to fit labels inside bars

/** Renders the ops as an SVG lane diagram; ops that never completed definitely run off the right edge. */
export function renderLaneDiagram(ops: readonly LaneOp[], windows: readonly FaultWindow[], colors: ReadonlyMap<string, FaultColor>): string {
  if (ops.length === 0) return '';
  const lanes = [...new Set(ops.map((o) => o.op.process))].sort(compareProcesses);
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const { op } of ops) {
    t0 = Math.min(t0, op.start);
    t1 = Math.max(t1, op.end ?? op.start, op.start);
  }
  const span = t1 - t0 || 1e6;
  t0 -= span * 0.03;
  t1 += span * 0.08; // room on the right for open-ended ops to visibly run on
  const plotW = width - laneLabelW - rightPad;
  const xOf = (t: number): number => laneLabelW + ((t - t0) / (t1 - t0)) * plotW;
  const height = headerH + lanes.length * laneH + axisH;
  const plotBottom = headerH + lanes.length * laneH;

  const parts: string[] = [];
  parts.push(
    `<svg class="lanes" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="timeline of the ops in this failure">`,
  );
  // Fault bands first so everything else is drawn over them.
  for (const w of windows) {
    const end = w.end ?? Infinity;
    if (end < t0 || w.start > t1) continue;
    const left = xOf(Math.max(w.start, t0));
    const right = w.end === null ? xOf(t1) : xOf(Math.min(end, t1));
    const band = colors.get(w.fault)?.band ?? 'rgba(0,0,0,0.1)';
    parts.push(
      `<rect x="${f1(left)}" y="0" width="${f1(Math.max(right - left, 1))}" height="${plotBottom}" fill="${band}"><title>${escapeHtml(w.label)}</title></rect>`,
      `<text class="band-label" x="${f1(left + 3)}" y="13">${escapeHtml(fit(w.label, right - left - 6))}</text>`,
    );
  }
  lanes.forEach((process, i) => {
    const y = headerH + i * laneH;
    parts.push(
      `<line class="lane" x1="${laneLabelW}" x2="${width - rightPad}" y1="${y + laneH / 2}" y2="${y + laneH / 2}"/>`,
      `<text class="lane-label" x="${laneLabelW - 8}" y="${y + laneH / 2 + 4}" text-anchor="end">${escapeHtml(processLabel(process))}</text>`,
    );
  });
  for (const laneOp of ops) parts.push(renderBar(laneOp, headerH + lanes.indexOf(laneOp.op.process) * laneH + (laneH - barH) / 2, xOf, xOf(t1)));
  parts.push(renderAxis(t0, t1, xOf, plotBottom));
  parts.push('</svg>');
  return parts.join('\n');
}

function renderBar({ op, order, stuck }: LaneOp, y: number, xOf: (t: number) => number, rightEdge: number): string {
  const left = xOf(op.start);
  const open = op.end === null;
  const right = open ? rightEdge : Math.max(xOf(op.end!), left + 2);
  const cls = stuck ? 'bar stuck' : 'bar';
  const prefix = stuck ? '\u2717 ' : order !== undefined ? `${order}. ` : '';
  const label = fit(prefix + op.description, right - left - 6);
  const title = `${prefix}${op.description} (op ${op.index}, process ${op.process}${op.node ? `, node ${op.node}` : ''}) ` +
    `${(op.start / 1e9).toFixed(6)} s \u2192 ${open ? 'never completed definitely' : `${(op.end! / 1e9).toFixed(6)} s`}`;
  const out = [`<g class="${cls}${open ? ' open' : ''}"><title>${escapeHtml(title)}</title>`];
  out.push(`<rect x="${f1(left)}" y="${y}" width="${f1(right - left)}" height="${barH}" rx="3"/>`);
  if (open) out.push(`<path class="open-end" d="M${f1(rightEdge - 7)},${y + 3} l6,${barH / 2 - 3} l-6,${barH / 2 - 3}"/>`);
  if (label) out.push(`<text x="${f1(left + 4)}" y="${y + barH / 2 + 4}">${escapeHtml(label)}</text>`);
  // Too narrow for text: put the number (or the stuck mark) just above the bar.
  else out.push(`<text class="tiny" x="${f1(left)}" y="${y - 1}">${escapeHtml(prefix.trim())}</text>`);
  out.push('</g>');
  return out.join('');
}

function renderAxis(t0: number, t1: number, xOf: (t: number) => number, y: number): string {
  const spanS = (t1 - t0) / 1e9;
  const step = niceStep(spanS / 6);
  const decimals = Math.max(0, Math.min(9, -Math.floor(Math.log10(step))));
  const out = [`<line class="axis" x1="${laneLabelW}" x2="${width - rightPad}" y1="${y}" y2="${y}"/>`];
  for (let k = Math.ceil(t0 / 1e9 / step); k * step <= t1 / 1e9; k++) {
    const s = k * step;
    const x = xOf(s * 1e9);
    out.push(`<line class="tick" x1="${f1(x)}" x2="${f1(x)}" y1="${y}" y2="${y + 4}"/>`, `<text class="tick-label" x="${f1(x)}" y="${y + 16}" text-anchor="middle">${s.toFixed(decimals)} s</text>`);
  }
  return out.join('');
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw || 1e-9));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

function fit(text: string, widthPx: number): string {
  const max = Math.floor(widthPx / charW);
  if (max < 2) return '';
  return text.length <= max ? text : `${text.slice(0, max - 1)}\u2026`;
}

function processLabel(process: number | string): string {
  return typeof process === 'number' ? `process ${process}` : process;
}

function compareProcesses(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function f1(n: number): string {
  return n.toFixed(1);
}
