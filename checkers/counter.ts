// The counter checker (Jepsen's counter): each read must lie within the bounds implied by the adds.
//
//   { f: 'add',  value: n }    -> ok | fail | info      (n may be negative: a PN-counter)
//   { f: 'read', value: null } -> ok n
//
// For a read R, an add that completed ok before R was invoked certainly took effect: it counts in
// both bounds. An add that failed never did. Every other add invoked before R completed (ok later,
// info, or never completed) may or may not have taken effect before R: its positive part widens the
// upper bound and its negative part the lower bound. "Before" is history order, not time, so equal
// timestamps cannot blur it.
import type { Checker, CheckResult, Validity, WitnessOp } from '../src/checker.js';
import type { History } from '../src/op.js';
import { outcomeOf, positionedPairs, type PositionedPair } from './positioned-pairs.js';
import { showValue, witnessOp } from './witness-op.js';

export interface CounterOptions {
  /** The counter's value before the first add (default 0). */
  initial?: number;
  /** Most errors listed (default 20). */
  maxReported?: number;
}

/** A read with the bounds the adds imply for it. */
export interface CounterRead {
  op: WitnessOp;
  value: number;
  lower: number;
  upper: number;
}

export interface CounterResult extends CheckResult {
  valid: Validity;
  summary: string;
  reads: number;
  /** Reads outside their bounds, earliest first. */
  errors: CounterRead[];
  /** For a chart: one point per read, [time s, value, lower, upper]. */
  series: [number, number, number, number][];
}

/** A counter checker with the given initial value. */
export function counter(options: CounterOptions = {}): Checker {
  return (history) => checkCounter(history, options);
}

/** Checks a counter history now; what `counter` runs. */
export function checkCounter(history: History, options: CounterOptions = {}): CounterResult {
  const initial = options.initial ?? 0;
  const pairs = positionedPairs(history, ['add', 'read']);
  const adds = pairs.filter((p) => p.invoke.f === 'add' && outcomeOf(p) !== 'fail');
  for (const add of adds) {
    if (typeof add.invoke.value !== 'number' || !Number.isFinite(add.invoke.value)) {
      throw new Error(`op ${add.invoke.index}: add of ${showValue(add.invoke.value)}; expected a finite number`);
    }
  }
  // Prefix sums: definite adds by completion position, possible adds by invocation position.
  const definite = adds.filter((p) => outcomeOf(p) === 'ok').sort((a, b) => a.completeAt - b.completeAt);
  const byCompletion = prefixSums(definite, (p) => p.completeAt);
  const byInvocation = prefixSums(adds, (p) => p.invokeAt);
  const reads: CounterRead[] = [];
  for (const read of pairs) {
    if (read.invoke.f !== 'read' || outcomeOf(read) !== 'ok') continue;
    const value = read.complete!.value;
    if (typeof value !== 'number') throw new Error(`op ${read.complete!.index}: read returned ${showValue(value)}; expected a number`);
    const done = byCompletion.before(read.invokeAt);
    const possible = byInvocation.before(read.completeAt);
    const lower = initial + done.sum + (possible.negative - done.negative);
    const upper = initial + done.sum + (possible.positive - done.positive);
    reads.push({ op: witnessOp(read.invoke, read.complete, `read -> ${value} (bounds ${lower}..${upper})`), value, lower, upper });
  }
  const errors = reads.filter((r) => r.value < r.lower || r.value > r.upper);
  const valid = errors.length === 0;
  const first = errors[0];
  return {
    valid,
    summary: first
      ? `${errors.length} of ${reads.length} reads out of bounds; first: op ${first.op.index} read ${first.value}, expected ${first.lower}..${first.upper}`
      : `${reads.length} reads within bounds over ${adds.length} adds`,
    reads: reads.length,
    errors: errors.slice(0, options.maxReported ?? 20),
    series: reads.map((r) => [r.op.start / 1e9, r.value, r.lower, r.upper]),
  };
}

interface Sums {
  sum: number;
  positive: number;
  negative: number;
}

/** Sums of the adds whose position (by `at`, sorted ascending) is before a given position. */
function prefixSums(adds: readonly PositionedPair[], at: (p: PositionedPair) => number): { before(position: number): Sums } {
  const positions = adds.map(at);
  const sums: Sums[] = [{ sum: 0, positive: 0, negative: 0 }];
  for (const add of adds) {
    const n = add.invoke.value as number;
    const last = sums.at(-1)!;
    sums.push({ sum: last.sum + n, positive: last.positive + Math.max(n, 0), negative: last.negative + Math.min(n, 0) });
  }
  return {
    before(position) {
      let lo = 0;
      let hi = positions.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (positions[mid]! < position) lo = mid + 1;
        else hi = mid;
      }
      return sums[lo]!;
    },
  };
}
