// A small SVG timeline of the ops in a linearizability failure: one lane per process, each op a
// bar from invocation to completion, linearized ops numbered, stuck ops highlighted, faults shaded.
//
// The horizontal axis is event order, not wall time (as in Knossos): every distinct invocation or
// completion time gets one equal slot. Linearizability depends only on the real-time order of
// events, and a proportional axis would shrink a 2 ms op next to a 1 s timeout to a hairline.
import type { WitnessOp } from '../src/checker.js';
import type { FaultWindow } from '../src/fault-window.js';
import { escapeHtml } from '../src/html-escape.js';
import type { FaultColor } from './fault-colors.js';

/** An op to draw: `order` is its 1-based position in the linearization; `stuck` marks an op that could not be linearized. */
export interface LaneOp {
  op: WitnessOp;
  order?: number;
  stuck?: boolean;
  /** The model state change (or why the op could not be placed), shown on hover. */
  transition?: string;
}

const laneLabelW = 88;
const minPlotW = 1000;
const minSlotW = 20;
const rightPad = 12;
const headerH = 22;
const laneH = 28;
const barH = 20;
const axisH = 30;
const charW = 6.4; // approximate width of one 11px character, to fit labels inside bars

/** Renders the ops as an SVG lane diagram; ops that never completed definitely run off the right edge. */
export function renderLaneDiagram(ops: readonly LaneOp[], windows: readonly FaultWindow[], colors: ReadonlyMap<string, FaultColor>): string {
  if (ops.length === 0) return '';
  const lanes = [...new Set(ops.map((o) => o.op.process))].sort(compareProcesses);
  const times = [...new Set(ops.flatMap(({ op }) => (op.end === null ? [op.start] : [op.start, op.end])))].sort((a, b) => a - b);
  // One slot per event plus one at the right for ops that never completed.
  const slotW = Math.max(minSlotW, minPlotW / (times.length + 1));
  const plotRight = laneLabelW + (times.length + 1) * slotW;
  const xOfRank = (rank: number): number => laneLabelW + (rank + 0.5) * slotW;
  const xOf = (t: number): number => interpolate(times, t, xOfRank);
  const plotBottom = headerH + lanes.length * laneH;
  const height = plotBottom + axisH;
  const bars = ops.map((laneOp) => barGeometry(laneOp, xOf, plotRight));
  // Room on the right for stuck ops whose description is written beside the bar.
  const width = Math.ceil(Math.max(plotRight + rightPad, ...bars.map((b) => (b.outside ? b.right + 8 + b.outside.length * charW : 0))));

  const parts = [
    // Natural size at most; narrower pages scale it down rather than scroll.
    `<svg class="lanes" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px" role="img" aria-label="timeline of the ops in this failure">`,
    `<text class="tick-label" x="${laneLabelW - 8}" y="14" text-anchor="end">event order \u2192</text>`,
  ];
  // Fault bands first so everything else is drawn over them.
  for (const w of windows) {
    const first = times[0]!;
    const last = times[times.length - 1]!;
    if ((w.end ?? Infinity) < first || w.start > last) continue;
    const left = w.start <= first ? laneLabelW : xOf(w.start);
    const right = w.end === null || w.end >= last ? plotRight : xOf(w.end);
    const band = colors.get(w.fault)?.band ?? 'rgba(0,0,0,0.1)';
    parts.push(
      `<rect x="${f1(left)}" y="0" width="${f1(Math.max(right - left, 1))}" height="${plotBottom}" fill="${band}"><title>${escapeHtml(w.label)}</title></rect>`,
      `<text class="band-label" x="${f1(left + 3)}" y="14">${escapeHtml(fit(w.label, right - left - 6))}</text>`,
    );
  }
  lanes.forEach((process, i) => {
    const y = headerH + i * laneH + laneH / 2;
    parts.push(
      `<line class="lane" x1="${laneLabelW}" x2="${f1(plotRight)}" y1="${y}" y2="${y}"/>`,
      `<text class="lane-label" x="${laneLabelW - 8}" y="${y + 4}" text-anchor="end">${escapeHtml(processLabel(process))}</text>`,
    );
  });
  bars.forEach((bar, i) => {
    const y = headerH + lanes.indexOf(ops[i]!.op.process) * laneH + (laneH - barH) / 2;
    parts.push(renderBar(ops[i]!, bar, y, plotRight));
  });
  parts.push(renderAxis(times, xOfRank, slotW, plotRight, plotBottom), '</svg>');
  return parts.join('\n');
}

interface BarGeometry {
  left: number;
  right: number;
  /** Text inside the bar, or just the mark when the description does not fit. */
  inside: string;
  /** For a stuck op whose description does not fit: the text written to the right of the bar. */
  outside?: string;
}

function barGeometry({ op, order, stuck }: LaneOp, xOf: (t: number) => number, plotRight: number): BarGeometry {
  const open = op.end === null;
  const left = xOf(op.start) - 1;
  const right = open ? plotRight - 2 : xOf(op.end!) + 1;
  const mark = stuck ? '\u2717' : order !== undefined ? String(order) : '';
  const text = `${mark}${mark ? ' ' : ''}${op.description}`;
  const fitted = fit(text, right - left - 8 - (open ? 10 : 0));
  if (stuck ? fitted === text : fitted.length > mark.length + 2) return { left, right, inside: fitted };
  // The stuck op is the point of the diagram: spell it out beside the bar.
  return { left, right, inside: mark, ...(stuck ? { outside: op.description } : {}) };
}

function renderBar({ op, order, stuck, transition }: LaneOp, bar: BarGeometry, y: number, plotRight: number): string {
  const open = op.end === null;
  const title = `${stuck ? 'stuck: ' : order !== undefined ? `${order}. ` : ''}${op.description} (op ${op.index}, process ${op.process}${op.node ? `, node ${op.node}` : ''}) ` +
    `invoked ${(op.start / 1e9).toFixed(6)} s, ${open ? 'never completed definitely' : `completed ${(op.end! / 1e9).toFixed(6)} s`}` +
    (transition ? `\n${transition}` : '');
  const textY = y + barH / 2 + 4;
  const out = [`<g class="bar${stuck ? ' stuck' : ''}${open ? ' open' : ''}"><title>${escapeHtml(title)}</title>`];
  out.push(`<rect x="${f1(bar.left)}" y="${y}" width="${f1(bar.right - bar.left)}" height="${barH}" rx="3"/>`);
  if (open) out.push(`<path class="open-end" d="M${f1(plotRight - 9)},${y + 4} l6,${barH / 2 - 4} l-6,${barH / 2 - 4}"/>`);
  if (bar.inside.length > 3) out.push(`<text x="${f1(bar.left + 4)}" y="${textY}">${escapeHtml(bar.inside)}</text>`);
  else out.push(`<text x="${f1((bar.left + bar.right) / 2)}" y="${textY}" text-anchor="middle">${escapeHtml(bar.inside)}</text>`);
  if (bar.outside) out.push(`<text class="outside" x="${f1(bar.right + 5)}" y="${textY}">${escapeHtml(bar.outside)}</text>`);
  out.push('</g>');
  return out.join('');
}

/** Ticks at every event; time labels (ms precision, in s) on as many as fit without overlapping. */
function renderAxis(times: readonly number[], xOfRank: (rank: number) => number, slotW: number, plotRight: number, y: number): string {
  const every = Math.max(1, Math.ceil(64 / slotW));
  const out = [`<line class="axis" x1="${laneLabelW}" x2="${f1(plotRight)}" y1="${y}" y2="${y}"/>`];
  times.forEach((t, rank) => {
    const x = xOfRank(rank);
    out.push(`<line class="tick" x1="${f1(x)}" x2="${f1(x)}" y1="${y}" y2="${y + 4}"/>`);
    if (rank % every === 0) out.push(`<text class="tick-label" x="${f1(x)}" y="${y + 17}" text-anchor="middle">${(t / 1e9).toFixed(3)} s</text>`);
  });
  return out.join('');
}

/** Maps a time to x: exact at event times, linear between neighbouring events, clamped outside. */
function interpolate(times: readonly number[], t: number, xOfRank: (rank: number) => number): number {
  let lo = 0;
  let hi = times.length - 1;
  if (t <= times[0]!) return xOfRank(0);
  if (t >= times[hi]!) return xOfRank(hi);
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! <= t) lo = mid;
    else hi = mid;
  }
  return xOfRank(lo + (t - times[lo]!) / (times[hi]! - times[lo]!));
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
