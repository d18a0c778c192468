// The set checker (Jepsen's set-full): follows each element added to a set through every read that
// could have seen it, and says whether it was lost, stale, stable or never read.
//
//   { f: 'add',  value: e }    -> ok | fail | info
//   { f: 'read', value: null } -> ok [e, ...]
//
// Elements are compared by their JSON text, so 1 and "1" differ and [0, 5] is one element.
//
// An element is *known* once its add returned ok or a read returned it; every read that begins
// after that should see it. Outcomes:
//   - lost: known, and a read that began after it was known, and after every read that saw it had
//     completed, did not see it (with `finalFrom`: some final read that began after it was known
//     lacks it). Lost elements make the history invalid.
//   - stale: not lost, but some read that began after it was known missed it (seen then gone, or
//     read late).
//   - stable: known, not lost, never missed once known.
//   - never-read: acknowledged, never seen, and no read began after it was acknowledged.
//   - unconfirmed: the add was info (or never completed) and no read saw it; it may not have happened.
// Each lost element says how many other adds overlapped its own (`concurrentAdds`): a loss with none
// cannot come from racing read-modify-writes, and `counts.lostAlone` counts those.
// A read containing an element that no add attempted, or only failed adds attempted, is
// `unexpected`, which also makes the history invalid. `latencyMs` is a lower bound on the time from
// an add's invocation to the element's stable visibility: how long after the add began the last
// read that missed it began (0 when none did).
import type { Checker, CheckResult, Validity, WitnessOp } from '../src/checker.js';
import type { History } from '../src/op.js';
import { finalPosition, type FinalFrom } from './final-reads.js';
import { outcomeOf, positionedPairs, type PositionedPair } from './positioned-pairs.js';
import { quantile } from './stats.js';
import { elapsedMs, showValue, witnessOp } from './witness-op.js';

export interface SetOptions {
  /** Judge lost elements by the final reads only (see final-reads.ts); default: by all reads. */
  finalFrom?: FinalFrom;
  /** Most elements listed per outcome (default 20); counts are always complete. */
  maxReported?: number;
}

export type SetOutcome = 'stable' | 'stale' | 'lost' | 'never-read' | 'unconfirmed';

/** One element's story: its add, when it became known, and the reads that decide its outcome. */
export interface SetElementReport {
  element: unknown;
  outcome: SetOutcome;
  add: WitnessOp;
  /** The latest read that saw it. */
  lastSeen?: WitnessOp;
  /** For lost elements: the read that began after it was known and did not see it. */
  missingIn?: WitnessOp;
  /**
   * For lost elements: how many adds of other elements overlapped this add in real time (info adds
   * count as open to the end). 0 means no concurrent add can explain the loss; in a store that
   * orders writes by timestamp that points at clocks (a later write stamped older lost to an earlier one).
   */
  concurrentAdds?: number;
  latencyMs?: number;
}

export interface SetResult extends CheckResult {
  valid: Validity;
  summary: string;
  counts: Record<SetOutcome | 'attempted' | 'acknowledged' | 'unexpected' | 'reads' | 'finalReads' | 'lostAlone', number>;
  lost: SetElementReport[];
  /** Worst latency first. */
  stale: SetElementReport[];
  neverRead: unknown[];
  unconfirmed: unknown[];
  unexpected: { element: unknown; read: WitnessOp }[];
  /** Latency to stable visibility of stable and stale elements, in ms. */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

interface ElementState {
  element: unknown;
  add: PositionedPair;
  acknowledged: boolean;
  firstPresent: number;
  lastPresent: number;
  lastPresentCompleteAt: number;
  lastAbsent: number;
  presentInFinals: number;
}

/** A set-full checker (see the module comment for the outcomes). */
export function setFull(options: SetOptions = {}): Checker {
  return (history) => checkSet(history, options);
}

/** Checks a set history now; what `setFull` runs. */
export function checkSet(history: History, options: SetOptions = {}): SetResult {
  const maxReported = options.maxReported ?? 20;
  const pairs = positionedPairs(history, ['add', 'read']);
  const elements = new Map<string, ElementState>();
  for (const pair of pairs) {
    if (pair.invoke.f !== 'add') continue;
    const key = JSON.stringify(pair.invoke.value) ?? 'undefined';
    const acknowledged = outcomeOf(pair) === 'ok';
    const known = elements.get(key);
    if (!known) {
      elements.set(key, { element: pair.invoke.value, add: pair, acknowledged, firstPresent: -1, lastPresent: -1, lastPresentCompleteAt: -1, lastAbsent: -1, presentInFinals: 0 });
    } else if (acknowledged && !known.acknowledged) {
      Object.assign(known, { add: pair, acknowledged });
    } else if (outcomeOf(known.add) === 'fail' && outcomeOf(pair) !== 'fail') {
      known.add = pair;
    }
  }
  const reads = pairs.filter((p) => p.invoke.f === 'read' && outcomeOf(p) === 'ok');
  const contents = reads.map((read) => readElements(read));
  const finalAt = options.finalFrom === undefined ? undefined : finalPosition(history, options.finalFrom);
  const unexpected: SetResult['unexpected'] = [];
  const unexpectedSeen = new Set<string>();

  // One pass over every read's elements: first and last read that saw each element, and the latest
  // read after its add began that missed it (the read just before each run of present reads).
  reads.forEach((read, i) => {
    for (const key of contents[i]!) {
      const state = elements.get(key);
      if (!state || outcomeOf(state.add) === 'fail') {
        if (!unexpectedSeen.has(key)) {
          unexpectedSeen.add(key);
          unexpected.push({ element: JSON.parse(key) as unknown, read: describeRead(read, contents[i]!.size) });
        }
        continue;
      }
      if (state.lastPresent === i) continue;
      if (state.firstPresent < 0) state.firstPresent = i;
      if (state.lastPresent < i - 1 && reads[i - 1]!.invokeAt > state.add.invokeAt) state.lastAbsent = i - 1;
      state.lastPresent = i;
      state.lastPresentCompleteAt = Math.max(state.lastPresentCompleteAt, read.completeAt);
    }
  });
  const last = reads.length - 1;
  const finals = finalAt === undefined ? [] : reads.flatMap((read, i) => (read.invokeAt >= finalAt ? [i] : []));
  for (const state of elements.values()) {
    if (state.lastPresent < last && reads[last]!.invokeAt > state.add.invokeAt) state.lastAbsent = last;
  }
  const knownAt = (state: ElementState): number =>
    Math.min(state.acknowledged ? state.add.completeAt : Infinity, state.firstPresent >= 0 ? reads[state.firstPresent]!.completeAt : Infinity);
  for (const i of finals) {
    for (const key of contents[i]!) {
      const state = elements.get(key);
      if (state && reads[i]!.invokeAt > knownAt(state)) state.presentInFinals++;
    }
  }

  const invokeAts = reads.map((r) => r.invokeAt);
  const finalInvokeAts = finals.map((i) => reads[i]!.invokeAt);
  const reports: Record<SetOutcome, SetElementReport[]> = { stable: [], stale: [], lost: [], 'never-read': [], unconfirmed: [] };
  let attempted = 0;
  let acknowledged = 0;
  for (const state of elements.values()) {
    if (outcomeOf(state.add) === 'fail') continue;
    attempted++;
    if (state.acknowledged) acknowledged++;
    const known = knownAt(state);
    const report: SetElementReport = { element: state.element, outcome: 'stable', add: describeAdd(state.add) };
    if (state.lastPresent >= 0) report.lastSeen = describeRead(reads[state.lastPresent]!, contents[state.lastPresent]!.size);
    const missedAfterKnown = state.lastAbsent >= 0 && reads[state.lastAbsent]!.invokeAt > known;
    let missingIn: number | undefined;
    if (known === Infinity) {
      report.outcome = 'unconfirmed';
    } else if (finalAt !== undefined) {
      const firstFinal = firstAfter(finalInvokeAts, known);
      const finalsAfterKnown = finals.length - firstFinal;
      if (finalsAfterKnown > state.presentInFinals) {
        report.outcome = 'lost';
        missingIn = finals.slice(firstFinal).find((i) => !contents[i]!.has(JSON.stringify(state.element) ?? 'undefined'));
      } else if (finalsAfterKnown === 0 && state.lastPresent < 0) report.outcome = 'never-read';
      else if (missedAfterKnown) report.outcome = 'stale';
    } else {
      const after = firstAfter(invokeAts, Math.max(known, state.lastPresentCompleteAt));
      if (after < reads.length) {
        report.outcome = 'lost';
        missingIn = after;
      } else if (state.lastPresent < 0) report.outcome = 'never-read';
      else if (missedAfterKnown) report.outcome = 'stale';
    }
    if (missingIn !== undefined) report.missingIn = describeRead(reads[missingIn]!, contents[missingIn]!.size);
    if (report.outcome === 'stable' || report.outcome === 'stale') {
      report.latencyMs = state.lastAbsent >= 0 ? Math.max(0, elapsedMs(state.add.invoke.time, reads[state.lastAbsent]!.invoke.time)) : 0;
    }
    reports[report.outcome].push(report);
  }

  const lost = reports.lost.sort((a, b) => a.add.index - b.add.index);
  const adds = [...elements.values()].filter((state) => outcomeOf(state.add) !== 'fail').map((state) => state.add);
  for (const report of lost) report.concurrentAdds = concurrentAdds(adds, elements.get(JSON.stringify(report.element) ?? 'undefined')!.add);
  const stale = reports.stale.sort((a, b) => (b.latencyMs ?? 0) - (a.latencyMs ?? 0));
  const latencies = [...reports.stable, ...stale].map((r) => r.latencyMs ?? 0).sort((a, b) => a - b);
  const counts: SetResult['counts'] = {
    attempted,
    acknowledged,
    stable: reports.stable.length,
    stale: stale.length,
    lost: lost.length,
    lostAlone: lost.filter((r) => r.concurrentAdds === 0).length,
    'never-read': reports['never-read'].length,
    unconfirmed: reports.unconfirmed.length,
    unexpected: unexpected.length,
    reads: reads.length,
    finalReads: finals.length,
  };
  const valid: Validity = lost.length > 0 || unexpected.length > 0 ? false : reads.length === 0 || (finalAt !== undefined && finals.length === 0) ? 'unknown' : true;
  return {
    valid,
    summary: summarise(valid, counts, lost[0]),
    counts,
    lost: lost.slice(0, maxReported),
    stale: stale.slice(0, maxReported),
    neverRead: reports['never-read'].slice(0, maxReported).map((r) => r.element),
    unconfirmed: reports.unconfirmed.slice(0, maxReported).map((r) => r.element),
    unexpected: unexpected.slice(0, maxReported),
    latencyMs: { p50: quantile(latencies, 0.5), p90: quantile(latencies, 0.9), p99: quantile(latencies, 0.99), max: latencies.at(-1) ?? 0 },
  };
}

/** The adds other than `add` whose invoke-to-completion span overlaps its own. */
function concurrentAdds(adds: readonly PositionedPair[], add: PositionedPair): number {
  let n = 0;
  for (const other of adds) if (other !== add && other.invokeAt < add.completeAt && other.completeAt > add.invokeAt) n++;
  return n;
}

function readElements(read: PositionedPair): Set<string> {
  const value = read.complete!.value;
  if (!Array.isArray(value)) {
    throw new Error(`op ${read.complete!.index}: read returned ${showValue(value)}; expected an array of the set's elements`);
  }
  return new Set(value.map((e) => JSON.stringify(e) ?? 'undefined'));
}

/** The position of the first of sorted `ats` greater than `at`. */
function firstAfter(ats: readonly number[], at: number): number {
  let lo = 0;
  let hi = ats.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ats[mid]! > at) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function describeAdd(pair: PositionedPair): WitnessOp {
  const outcome = outcomeOf(pair);
  return witnessOp(pair.invoke, pair.complete, `add ${showValue(pair.invoke.value)}${outcome === 'ok' ? '' : ` (${outcome === 'info' ? 'unknown' : outcome})`}`);
}

function describeRead(read: PositionedPair, size: number): WitnessOp {
  const witness = witnessOp(read.invoke, read.complete, `read -> ${size} element${size === 1 ? '' : 's'}`);
  if (size > 32) witness.result = `${size} elements`;
  return witness;
}

function summarise(valid: Validity, counts: SetResult['counts'], firstLost: SetElementReport | undefined): string {
  const tally = `${counts.attempted} elements: ${counts.stable} stable, ${counts.stale} stale, ${counts.lost} lost, ${counts['never-read']} never read, ${counts.unconfirmed} unconfirmed`;
  if (counts.reads === 0) return `no successful read; ${tally}`;
  if (valid === 'unknown') return `no final read; ${tally}`;
  const unexpected = counts.unexpected > 0 ? `; ${counts.unexpected} unexpected elements read` : '';
  const alone = counts.lostAlone > 0 ? `; ${counts.lostAlone} lost with no concurrent add` : '';
  const first = firstLost?.missingIn ? `; first: ${showValue(firstLost.element)} missing from the read at op ${firstLost.missingIn.index}` : '';
  return `${tally}${alone}${unexpected}${first}`;
}
