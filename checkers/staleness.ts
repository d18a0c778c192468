// Staleness: how long each acknowledged write took to become visible on every node.
//
// A write is visible on a node from the first read there, begun after the write began, from which
// on every read on that node reflects it. Its lag on the node is a lower bound: how long after the
// write was acknowledged the last read there that missed it began (0 when none did); its staleness
// is the largest lag over the nodes that read the key after it. A read reflects a write when:
//   - set: it holds the element;
//   - counter: its value is at least the sum of the ok adds completed by the time the write
//     completed (so a counter with negative adds has no staleness measure);
//   - register: its value was not written by a write that completed before this one began, nor is
//     it the initial value (the node has caught up with this write or something as new).
import type { WitnessOp } from '../src/checker.js';
import type { KeyOps, KeyRead, KeyWrite, ReplicatedType } from './convergence-ops.js';
import { quantile } from './stats.js';
import { elapsedMs, showValue, witnessOp } from './witness-op.js';

export interface Staleness {
  /** Acknowledged writes, and how many of them were measured (read after on every node). */
  writes: number;
  measured: number;
  /** Writes some node never stably showed after them. */
  neverVisible: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** For a chart: counts of staleness by bucket upper bound in ms (powers of two; the last is open). */
  histogram: { upToMs: number; count: number }[];
  /** The stalest writes, worst first. */
  worst: { key: string; write: WitnessOp; node: string; lagMs: number }[];
  note?: string;
}

/** Measures the staleness of every ok write of every key. */
export function measureStaleness(keys: Iterable<KeyOps>, type: ReplicatedType, maxReported: number): Staleness {
  const lags: number[] = [];
  const worst: Staleness['worst'] = [];
  let writes = 0;
  let neverVisible = 0;
  let note: string | undefined;
  for (const ops of keys) {
    const reflects = reflection(ops, type);
    if (!reflects) {
      note = `counter ${ops.key} has negative adds, so the staleness of its adds is not measured`;
      continue;
    }
    for (const write of ops.writes) {
      if (write.outcome !== 'ok') continue;
      writes++;
      let lag = 0;
      let lagNode = '';
      let measured = true;
      for (const [node, reads] of ops.readsByNode) {
        const from = firstAfter(reads, write.pair.invokeAt);
        if (from === reads.length) continue;
        let visible = reads.length;
        while (visible > from && reflects(reads[visible - 1]!, write)) visible--;
        if (visible === reads.length) {
          measured = false;
          break;
        }
        const nodeLag = visible === from ? 0 : Math.max(0, elapsedMs(write.pair.complete!.time, reads[visible - 1]!.pair.invoke.time));
        if (nodeLag >= lag) [lag, lagNode] = [nodeLag, node];
      }
      if (!measured) {
        neverVisible++;
        continue;
      }
      lags.push(lag);
      if (lagNode !== '') worst.push({ key: ops.key, write: witnessOp(write.pair.invoke, write.pair.complete, `${type === 'register' ? 'write' : 'add'} ${showValue(write.value)} to ${ops.key}`), node: lagNode, lagMs: lag });
    }
  }
  lags.sort((a, b) => a - b);
  worst.sort((a, b) => b.lagMs - a.lagMs);
  const staleness: Staleness = {
    writes,
    measured: lags.length,
    neverVisible,
    p50Ms: quantile(lags, 0.5),
    p90Ms: quantile(lags, 0.9),
    p99Ms: quantile(lags, 0.99),
    maxMs: lags.at(-1) ?? 0,
    histogram: histogram(lags),
    worst: worst.slice(0, maxReported),
  };
  if (note) staleness.note = note;
  return staleness;
}

type Reflects = (read: KeyRead, write: KeyWrite) => boolean;

function reflection(ops: KeyOps, type: ReplicatedType): Reflects | undefined {
  if (type === 'set') {
    const cache = new WeakMap<KeyRead, Set<string>>();
    const elements = (read: KeyRead): Set<string> =>
      cache.get(read) ?? cache.set(read, new Set(((read.value ?? []) as unknown[]).map((e) => JSON.stringify(e)))).get(read)!;
    return (read, write) => elements(read).has(JSON.stringify(write.value));
  }
  if (type === 'counter') {
    if (ops.writes.some((w) => (w.value as number) < 0)) return undefined;
    // What the counter must at least read once a write is visible: the ok adds completed by then.
    const due = new Map<KeyWrite, number>();
    let sum = 0;
    for (const w of ops.writes.filter((w) => w.outcome === 'ok').sort((a, b) => a.pair.completeAt - b.pair.completeAt)) due.set(w, (sum += w.value as number));
    return (read, write) => ((read.value ?? 0) as number) >= due.get(write)!;
  }
  // register: when the write of each value completed (Infinity when unknown: info, or never written).
  const completed = new Map<string, number>();
  for (const w of ops.writes) {
    if (w.outcome === 'fail') continue;
    const at = w.outcome === 'info' ? Infinity : w.pair.completeAt;
    const text = JSON.stringify(w.value);
    completed.set(text, Math.max(completed.get(text) ?? -1, at));
  }
  return (read, write) => read.value !== null && read.value !== undefined && (completed.get(JSON.stringify(read.value)) ?? Infinity) > write.pair.invokeAt;
}

/** The index of the first read invoked after position `at`. */
function firstAfter(reads: readonly KeyRead[], at: number): number {
  let lo = 0;
  let hi = reads.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (reads[mid]!.pair.invokeAt > at) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function histogram(sortedLags: readonly number[]): Staleness['histogram'] {
  if (sortedLags.length === 0) return [];
  const buckets: Staleness['histogram'] = [];
  let bound = 1;
  let i = 0;
  while (i < sortedLags.length) {
    let count = 0;
    while (i < sortedLags.length && sortedLags[i]! <= bound) {
      count++;
      i++;
    }
    buckets.push({ upToMs: bound, count });
    bound *= 2;
  }
  return buckets;
}
