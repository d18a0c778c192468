// The availability checker: the share of client ops that succeeded, overall, by f, outside faults
// and during each fault window. An op counts where it was invoked; fail, info and ops that never
// completed count as not succeeded. Availability is a measurement, so the history is valid unless
// `minOkShare` is set and some share falls below it.
import type { Checker, CheckResult, Validity } from '../src/checker.js';
import { faultWindows } from '../src/fault-window.js';
import type { History } from '../src/op.js';
import { outcomeOf, positionedPairs } from './positioned-pairs.js';

export interface AvailabilityOptions {
  /** The least share of ok ops (0..1) required overall and in each fault window; default none. */
  minOkShare?: number;
}

/** Counts of ops by outcome and the share that succeeded (null when there were none). */
export interface Availability {
  ops: number;
  ok: number;
  fail: number;
  info: number;
  okShare: number | null;
}

export interface AvailabilityResult extends CheckResult {
  valid: Validity;
  summary: string;
  overall: Availability;
  byF: Record<string, Availability>;
  /** Ops invoked while no fault was in effect. */
  outsideFaults: Availability;
  /** One entry per fault window, in start order; times in s. */
  windows: (Availability & { fault: string; label: string; startS: number; endS: number | null })[];
}

/** An availability checker. */
export function availability(options: AvailabilityOptions = {}): Checker {
  return (history) => checkAvailability(history, options);
}

/** Measures availability now; what `availability` runs. */
export function checkAvailability(history: History, options: AvailabilityOptions = {}): AvailabilityResult {
  const { minOkShare } = options;
  if (minOkShare !== undefined && !(minOkShare >= 0 && minOkShare <= 1)) {
    throw new Error(`minOkShare ${minOkShare} is not a share; expected a number from 0 to 1`);
  }
  const pairs = positionedPairs(history);
  const windows = faultWindows(history);
  const overall = empty();
  const outsideFaults = empty();
  // Keyed by f, which is user data: no prototype, so an f named `constructor` is just an f.
  const byF = Object.create(null) as Record<string, Availability>;
  const perWindow = windows.map(() => empty());
  for (const pair of pairs) {
    const outcome = outcomeOf(pair);
    const t = pair.invoke.time;
    add(overall, outcome);
    add((byF[pair.invoke.f] ??= empty()), outcome);
    let inFault = false;
    windows.forEach((w, i) => {
      if (t >= w.start && (w.end === null || t < w.end)) {
        add(perWindow[i]!, outcome);
        inFault = true;
      }
    });
    if (!inFault) add(outsideFaults, outcome);
  }
  const shown = windows.map((w, i) => ({ fault: w.fault, label: w.label, startS: w.start / 1e9, endS: w.end === null ? null : w.end / 1e9, ...perWindow[i]! }));
  const below = minOkShare === undefined ? [] : [{ label: 'overall', ...overall }, ...shown].filter((a) => a.okShare !== null && a.okShare < minOkShare);
  const valid: Validity = overall.ops === 0 ? 'unknown' : below.length === 0;
  const percent = (a: Availability): string => (a.okShare === null ? 'no ops' : `${(a.okShare * 100).toFixed(1)}%`);
  const worst = shown.filter((w) => w.okShare !== null).sort((a, b) => a.okShare! - b.okShare!)[0];
  return {
    valid,
    summary:
      overall.ops === 0
        ? 'no client ops'
        : `${percent(overall)} of ${overall.ops} ops ok; ${percent(outsideFaults)} outside faults` +
          (worst ? `, ${percent(worst)} during ${worst.label} (the worst of ${shown.length} fault windows)` : '') +
          (below.length > 0 ? `; below the required ${(minOkShare! * 100).toFixed(1)}%: ${below.map((b) => b.label).join(', ')}` : ''),
    overall,
    byF,
    outsideFaults,
    windows: shown,
  };
}

function empty(): Availability {
  return { ops: 0, ok: 0, fail: 0, info: 0, okShare: null };
}

function add(a: Availability, outcome: 'ok' | 'fail' | 'info'): void {
  a.ops++;
  a[outcome]++;
  a.okShare = a.ok / a.ops;
}
