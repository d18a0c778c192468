// A small static SVG plot over the run's time axis, for checker evidence that is a series (a
// bank's total per read, a counter's reads within their bounds): no script, fault windows shaded,
// long series thinned to the extremes of each pixel column so no spike is lost.
import type { FaultWindow } from '../src/fault-window.js';
import { escapeHtml } from '../src/html-escape.js';
import type { FaultColor } from './fault-colors.js';

export interface PlotSeries {
  label: string;
  color: string;
  /** [seconds, value] in time order. */
  points: readonly (readonly [number, number])[];
  /** Draw points (default) or a line. */
  line?: boolean;
  dashed?: boolean;
}

export interface PlotOptions {
  yLabel: string;
  windows: readonly FaultWindow[];
  colors: ReadonlyMap<string, FaultColor>;
  /** Vertical marks, e.g. the first bad read. */
  marks?: { atS: number; label: string }[];
}

const width = 1000;
const height = 220;
const left = 64;
const right = 12;
const top = 10;
const bottom = 34;

/** Renders the series as one SVG, with a legend below it. */
export function renderTimePlot(series: readonly PlotSeries[], options: PlotOptions): string {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return '';
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of all) [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
  for (const w of options.windows) x1 = Math.max(x1, (w.end ?? w.start) / 1e9);
  x0 = Math.min(x0, 0);
  if (x1 <= x0) x1 = x0 + 1;
  const pad = (y1 - y0) * 0.08 || Math.abs(y0) * 0.1 || 1;
  [y0, y1] = [y0 - pad, y1 + pad];
  const px = (x: number): number => left + ((x - x0) / (x1 - x0)) * (width - left - right);
  const py = (y: number): number => top + (1 - (y - y0) / (y1 - y0)) * (height - top - bottom);
  const out = [`<svg class="plot" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px" role="img" aria-label="${escapeHtml(options.yLabel)} over time">`];
  for (const w of options.windows) {
    const a = px(w.start / 1e9);
    const b = w.end === null ? width - right : px(w.end / 1e9);
    out.push(`<rect x="${f1(a)}" y="${top}" width="${f1(Math.max(b - a, 1))}" height="${height - top - bottom}" fill="${options.colors.get(w.fault)?.band ?? 'rgba(0,0,0,0.1)'}"><title>${escapeHtml(w.label)}</title></rect>`);
  }
  for (const tick of ticks(y0, y1, 4)) out.push(`<line class="grid" x1="${left}" x2="${width - right}" y1="${f1(py(tick))}" y2="${f1(py(tick))}"/><text x="${left - 6}" y="${f1(py(tick) + 4)}" text-anchor="end">${tick}</text>`);
  for (const tick of ticks(x0, x1, 8)) out.push(`<text x="${f1(px(tick))}" y="${height - bottom + 14}" text-anchor="middle">${tick}</text>`);
  out.push(`<line class="axis" x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}"/>`);
  out.push(`<text x="${(left + width - right) / 2}" y="${height - 4}" text-anchor="middle">seconds since test start</text>`);
  out.push(`<text x="12" y="${(top + height - bottom) / 2}" transform="rotate(-90 12 ${(top + height - bottom) / 2})" text-anchor="middle">${escapeHtml(options.yLabel)}</text>`);
  for (const s of series) {
    const pts = thin(s.points, px);
    if (s.line) {
      const d = pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${f1(px(x))},${f1(py(y))}`).join('');
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="5 3"' : ''}><title>${escapeHtml(s.label)}</title></path>`);
    } else {
      out.push(`<g fill="${s.color}"><title>${escapeHtml(s.label)}</title>${pts.map(([x, y]) => `<circle cx="${f1(px(x))}" cy="${f1(py(y))}" r="2"/>`).join('')}</g>`);
    }
  }
  for (const m of options.marks ?? []) {
    const x = f1(px(m.atS));
    out.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${height - bottom}" stroke="#cf222e" stroke-dasharray="4 3"><title>${escapeHtml(m.label)}</title></line>`);
  }
  out.push('</svg>');
  const legend = series.map((s) => `<span class="swatch" style="background:${s.color}"></span>${escapeHtml(s.label)}`).join(' &nbsp; ');
  return `${out.join('')}<p class="muted chart-note">${legend}</p>`;
}

/** Keeps, per pixel column, the first, lowest and highest point: the shape survives, the size does not grow with the run. */
function thin(points: readonly (readonly [number, number])[], px: (x: number) => number): (readonly [number, number])[] {
  if (points.length <= 2_000) return [...points];
  const out: (readonly [number, number])[] = [];
  let column = NaN;
  let lo: readonly [number, number] | undefined;
  let hi: readonly [number, number] | undefined;
  const flush = (): void => {
    if (lo) out.push(...(lo === hi ? [lo] : lo[0] <= hi![0] ? [lo, hi!] : [hi!, lo]));
  };
  for (const p of points) {
    const c = Math.round(px(p[0]));
    if (c !== column) {
      flush();
      column = c;
      lo = hi = p;
    } else {
      if (p[1] < lo![1]) lo = p;
      if (p[1] > hi![1]) hi = p;
    }
  }
  flush();
  return out;
}

/** Round tick values between a and b, about `count` of them. */
function ticks(a: number, b: number, count: number): number[] {
  const raw = (b - a) / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let t = Math.ceil(a / step) * step; t <= b; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

function f1(n: number): string {
  return n.toFixed(1);
}
