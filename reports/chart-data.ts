// The numbers behind the report's charts: a downsampled latency scatter, latency quantiles and
// throughput per time bucket, clock offsets, availability per fault window, fault bands, failure
// markers and node events, all in seconds since the test started.
import { checkAvailability } from '../checkers/availability.js';
import type { FaultWindow } from '../src/fault-window.js';
import { pairOps, type History } from '../src/op.js';
import { clockSteps } from './clock-offsets.js';
import { faultColors, nodeEventColor } from './fault-colors.js';
import { latencyQuantiles, type LatencyQuantiles } from './latency-quantiles.js';
import type { NodeAnnotation } from './node-annotations.js';
import { formatCount } from './time-format.js';

export type CompletionType = 'ok' | 'fail' | 'info';
const completionTypes: readonly CompletionType[] = ['ok', 'fail', 'info'];

/** Point shapes given to each `f` in order of appearance, so shape says f and colour says outcome. */
const pointStyles = ['circle', 'triangle', 'rect', 'rectRot', 'star', 'crossRot', 'cross', 'rectRounded'] as const;

/** One scatter series: the ops of one `f` that ended with one completion type; xy is flat [x0, y0, x1, y1, ...]. */
export interface LatencySeries {
  f: string;
  type: CompletionType;
  pointStyle: string;
  xy: number[];
}

export interface ChartData {
  /** Right edge of the time axis: the last op's time, in seconds. */
  endS: number;
  /** `minMs`/`maxMs` bound the shown latencies, so the log axis can leave room around them. */
  latency: { series: LatencySeries[]; shown: number; total: number; note: string; minMs: number; maxMs: number };
  /** Completions per second in buckets of `bucketS` (the last one absorbs the remainder), plotted at `centersS`. */
  throughput: { bucketS: number; centersS: number[]; perS: Record<CompletionType, number[]> };
  /** Latency of ok ops per throughput bucket (by completion time), in ms. */
  quantiles: LatencyQuantiles;
  /** Each node's clock offset as steps, when clock faults ran. */
  clock: { nodes: string[]; steps: { atS: number; offsetsS: Record<string, number>; label: string }[] } | null;
  /** The share of ok client ops invoked during each fault window, then outside faults; null without faults. */
  availability: { label: string; color: string; okShare: number | null; ops: number }[] | null;
  faults: { fault: string; label: string; startS: number; endS: number | null; color: string }[];
  markers: { atS: number; label: string }[];
  /** Node events (elections, failovers, ...) as ticks along the top of each chart. */
  events: { atS: number; label: string; color: string }[];
}

/** A moment to mark on both charts, e.g. the invocation of an op that could not be linearized. */
export interface ChartMarker {
  atNs: number;
  label: string;
}

export interface ChartDataOptions {
  /** Most scatter points to draw (default 20,000); fail and info ops are kept before ok ops are sampled. */
  maxPoints?: number;
  markers?: readonly ChartMarker[];
  events?: readonly NodeAnnotation[];
}

/** Most node event ticks on a chart. */
const maxEvents = 2_000;

/** Builds the chart data for a history; the sampling is deterministic, so the same run draws the same chart. */
export function chartData(history: History, windows: readonly FaultWindow[], options: ChartDataOptions = {}): ChartData {
  const maxPoints = options.maxPoints ?? 20_000;
  let endNs = 0;
  for (const op of history) if (op.time > endNs) endNs = op.time;
  const endS = endNs / 1e9;
  const colors = faultColors(windows);
  const throughput = throughputBuckets(history, endS);
  return {
    endS,
    latency: latencySeries(history, maxPoints),
    throughput,
    quantiles: latencyQuantiles(history, throughput.bucketS, throughput.centersS.length),
    clock: clockChart(history),
    availability: windows.length === 0 ? null : availabilityBars(history, colors),
    faults: windows.map((w) => ({
      fault: w.fault,
      label: w.label,
      startS: w.start / 1e9,
      endS: w.end === null ? null : w.end / 1e9,
      color: colors.get(w.fault)?.band ?? 'rgba(0,0,0,0.1)',
    })),
    markers: (options.markers ?? []).map((m) => ({ atS: m.atNs / 1e9, label: m.label })),
    events: (options.events ?? [])
      .filter((e) => e.atNs >= 0)
      .slice(0, maxEvents)
      .map((e) => ({ atS: e.atNs / 1e9, label: `${e.node} ${e.event}: ${e.message}`, color: nodeEventColor(e.event) })),
  };
}

function clockChart(history: History): ChartData['clock'] {
  const steps = clockSteps(history);
  if (steps.length === 0) return null;
  const nodes = [...new Set(steps.flatMap((s) => Object.keys(s.offsetsS)))].sort();
  return { nodes, steps: steps.map((s) => ({ atS: s.atNs / 1e9, offsetsS: s.offsetsS, label: s.label })) };
}

/** Windows past this many are summed per fault kind, so the bars stay readable. */
const maxAvailabilityBars = 40;

function availabilityBars(history: History, colors: ReturnType<typeof faultColors>): ChartData['availability'] {
  const a = checkAvailability(history);
  const bars = a.windows.map((w) => ({ label: w.label, fault: w.fault, ok: w.ok, ops: w.ops }));
  const grouped = bars.length <= maxAvailabilityBars ? bars : [...new Set(bars.map((b) => b.fault))].map((fault) => {
    const of = bars.filter((b) => b.fault === fault);
    return { label: `${fault} (all ${of.length} windows)`, fault, ok: of.reduce((n, b) => n + b.ok, 0), ops: of.reduce((n, b) => n + b.ops, 0) };
  });
  return [
    ...grouped.map((b) => ({ label: b.label, color: colors.get(b.fault)?.solid ?? '#999', okShare: b.ops === 0 ? null : b.ok / b.ops, ops: b.ops })),
    { label: 'outside faults', color: '#4e79a7', okShare: a.outsideFaults.okShare, ops: a.outsideFaults.ops },
  ];
}

function latencySeries(history: History, maxPoints: number): ChartData['latency'] {
  const completed = pairOps(history).filter((p) => p.invoke.process !== 'nemesis' && p.complete !== undefined);
  const counts: Record<CompletionType, number> = { ok: 0, fail: 0, info: 0 };
  for (const p of completed) counts[p.complete!.type as CompletionType]++;
  // Fail and info ops are the interesting ones: keep them all, unless they would take more than half
  // the points, where keeping them all would make a mostly-ok run look mostly failed.
  const rare = counts.fail + counts.info;
  const rareBudget = Math.min(rare, Math.floor(maxPoints / 2));
  const okBudget = Math.min(counts.ok, maxPoints - rareBudget);
  const keepOk = evenSampler(counts.ok, okBudget);
  const keepRare = evenSampler(rare, rareBudget);

  const series = new Map<string, LatencySeries>();
  const styleOfF = new Map<string, string>();
  let shown = 0;
  let minMs = Infinity;
  let maxMs = 0;
  for (const { invoke, complete } of completed) {
    const type = complete!.type as CompletionType;
    if (!(type === 'ok' ? keepOk() : keepRare())) continue;
    let style = styleOfF.get(invoke.f);
    if (style === undefined) {
      style = pointStyles[styleOfF.size % pointStyles.length]!;
      styleOfF.set(invoke.f, style);
    }
    const id = `${type}\u0000${invoke.f}`;
    let s = series.get(id);
    if (!s) {
      s = { f: invoke.f, type, pointStyle: style, xy: [] };
      series.set(id, s);
    }
    const latencyMs = Math.max((complete!.time - invoke.time) / 1e6, 0.001);
    if (latencyMs < minMs) minMs = latencyMs;
    if (latencyMs > maxMs) maxMs = latencyMs;
    s.xy.push(Math.round(invoke.time / 1e5) / 1e4, Number(latencyMs.toPrecision(3)));
    shown++;
  }
  const total = completed.length;
  const fOrder = [...styleOfF.keys()];
  const ordered = [...series.values()].sort((a, b) => completionTypes.indexOf(a.type) - completionTypes.indexOf(b.type) || fOrder.indexOf(a.f) - fOrder.indexOf(b.f));
  const note =
    shown === total
      ? `${formatCount(total)} completed client ops`
      : `showing ${formatCount(shown)} of ${formatCount(total)} completed client ops: ` +
        (rareBudget === rare ? 'every fail and info op' : `${formatCount(rareBudget)} of ${formatCount(rare)} fail/info ops`) +
        `, ${formatCount(okBudget)} of ${formatCount(counts.ok)} ok ops sampled evenly`;
  return { series: ordered, shown, total, note, minMs: shown > 0 ? minMs : 0.1, maxMs: shown > 0 ? maxMs : 1000 };
}

/** Returns a function that, called once per item of `count`, says whether to keep it: exactly `keep` are kept, evenly spread. */
function evenSampler(count: number, keep: number): () => boolean {
  let i = 0;
  return () => {
    const take = Math.floor(((i + 1) * keep) / count) > Math.floor((i * keep) / count);
    i++;
    return take;
  };
}

/** Bucket widths tried in order; the first that yields at most 200 buckets wins (1 s for runs up to 200 s). */
const bucketWidthsS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];

function throughputBuckets(history: History, endS: number): ChartData['throughput'] {
  // Sub-second buckets only for runs too short to show a shape with 1 s buckets.
  const candidates = endS >= 10 ? bucketWidthsS.filter((w) => w >= 1) : bucketWidthsS;
  const bucketS = candidates.find((w) => endS / w <= (endS >= 10 ? 200 : 50)) ?? candidates[candidates.length - 1]!;
  // The last bucket absorbs the remainder, so a run ending at 30.07 s has no 0.07 s bucket whose rate looks like a collapse.
  const bucketCount = Math.max(1, Math.floor(endS / bucketS));
  const widthS = (i: number): number => (i === bucketCount - 1 ? Math.max(endS - i * bucketS, bucketS) : bucketS);
  const perS: Record<CompletionType, number[]> = {
    ok: new Array<number>(bucketCount).fill(0),
    fail: new Array<number>(bucketCount).fill(0),
    info: new Array<number>(bucketCount).fill(0),
  };
  for (const op of history) {
    if (op.process === 'nemesis' || op.type === 'invoke') continue;
    const bucket = Math.min(bucketCount - 1, Math.floor(op.time / 1e9 / bucketS));
    perS[op.type][bucket]! += 1;
  }
  for (const type of completionTypes) perS[type] = perS[type].map((n, i) => Number((n / widthS(i)).toPrecision(4)));
  const centersS = perS.ok.map((_, i) => Number((i * bucketS + widthS(i) / 2).toFixed(3)));
  return { bucketS, centersS, perS };
}
