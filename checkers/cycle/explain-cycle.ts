// Cycles and transactions in words and in data the report can draw: each step of a cycle says why
// one transaction must precede the next ("T1 < T2 because T2 read T1's append of 3 to key x").
// Process and real-time steps are explained here; data steps by the workload's explainer
// (`explainAppendStep` for list-append, register-explain.ts for rw-register).
import type { WitnessOp } from '../../src/checker.js';
import { witnessOp } from '../witness-op.js';
import { EDGE_NAMES, PROCESS, REALTIME, RW, WR, WW } from './dependency-graph.js';
import type { FoundCycle } from './cycle-search.js';
import { OK, type MicroOp, type Transactions } from './transactions.js';
import { denormalise, normalise, positionOf, slotBefore, writerOf, type VersionIndex } from './version-orders.js';

/** One edge of a cycle: why `from` must come before `to`. */
export interface CycleStep {
  from: string;
  to: string;
  type: 'ww' | 'wr' | 'rw' | 'process' | 'realtime';
  key?: unknown;
  /** ww/rw: the value appended (or read last) before; wr: the value read. */
  value?: unknown;
  /** ww/rw: the value `to` appended. */
  valuePrime?: unknown;
  explanation: string;
}

/** A cycle anomaly as the report shows it: the transactions (T1, T2, ...) and the steps between them. */
export interface CycleAnomaly {
  type: string;
  /** T1..Tn, in cycle order. */
  cycle: WitnessOp[];
  steps: CycleStep[];
  /** The steps in words, then the conclusion. */
  explanation: string;
}

const CLASS_TEXT: Record<string, string> = {
  G0: 'dirty write: a cycle of write-write dependencies',
  G1c: 'circular information flow: a cycle of write-write and write-read dependencies',
  'G-single-item': 'read skew: a cycle with exactly one read-write anti-dependency',
  'G-nonadjacent-item': 'a cycle with two or more read-write anti-dependencies, no two of them adjacent (which snapshot isolation forbids)',
  'G2-item': 'write skew: a cycle with two or more read-write anti-dependencies, two of them adjacent',
};

/** What a cycle anomaly class means, in one line. */
export function describeCycleClass(anomaly: string): string {
  const base = anomaly.replace(/-(process|realtime)$/, '');
  const suffix = anomaly.endsWith('-process') ? ', using the order of a process\u2019s transactions' : anomaly.endsWith('-realtime') ? ', using real-time order' : '';
  return `${CLASS_TEXT[base] ?? anomaly}${suffix}`;
}

/** A transaction as a witness, described by its micro-ops. */
export function txnWitness(txns: Transactions, t: number): WitnessOp {
  const status = txns.status[t] === OK ? '' : txns.complete[t]?.type === 'fail' ? ' (failed)' : ' (unknown outcome)';
  const nil = txns.kind === 'rw-register' && txns.status[t] === OK ? 'nil' : '?';
  return witnessOp(txns.invoke[t]!, txns.complete[t], `${txns.mops[t]!.map((mop) => describeMop(mop, nil)).join(', ')}${status}`);
}

/** "append x 3", "r x [1, 2, 3]", "w x 3" or "r x 3" (a register read); a null read shows as `nil` ("?": not known). */
export function describeMop([f, key, value]: MicroOp, nil = '?'): string {
  if (f === 'append' || f === 'w') return `${f} ${showKey(key)} ${showElement(value)}`;
  return `r ${showKey(key)} ${value === null ? nil : Array.isArray(value) ? showList(value) : showElement(value)}`;
}

export function showKey(key: unknown): string {
  return typeof key === 'string' || typeof key === 'number' ? String(key) : JSON.stringify(key);
}

export function showElement(value: unknown): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** A list, abbreviated to its last 8 elements. */
export function showList(list: readonly unknown[]): string {
  const shown = list.length > 8 ? ['\u2026', ...list.slice(-8).map(showElement)] : list.map(showElement);
  return `[${shown.join(' ')}]`;
}

/** Explains why `a` (named `from`) precedes `b` by a data edge of type `bit`, or undefined when it cannot tell. */
export type ExplainDataStep = (a: number, b: number, bit: number, from: string, to: string) => CycleStep | undefined;

/** Explains a found cycle: names T1..Tn, says why each precedes the next, and concludes. */
export function explainCycle(txns: Transactions, found: FoundCycle, explainData: ExplainDataStep): CycleAnomaly {
  const n = found.nodes.length;
  const name = (i: number): string => `T${(i % n) + 1}`;
  const steps = found.nodes.map((a, i) => explainStep(txns, explainData, a, found.nodes[(i + 1) % n]!, found.types[i]!, name(i), name(i + 1)));
  const order = [...found.nodes.map((_, i) => name(i)), name(0)].join(' < ');
  const cycle = found.nodes.map((t) => txnWitness(txns, t));
  const explanation = [
    `${found.anomaly} (${describeCycleClass(found.anomaly)}):`,
    ...cycle.map((op, i) => `${name(i)} is op ${op.index} (process ${String(op.process)}): ${op.description}.`),
    ...steps.map((s) => `${s.from} < ${s.to} because ${s.explanation}.`),
    `So ${order}: a cycle, and no order of these transactions explains what they observed.`,
  ].join('\n');
  return { type: found.anomaly, cycle, steps, explanation };
}

function explainStep(txns: Transactions, explainData: ExplainDataStep, a: number, b: number, bit: number, from: string, to: string): CycleStep {
  const step = { from, to, type: EDGE_NAMES[bit]! };
  if (bit === PROCESS) return { ...step, explanation: `process ${String(txns.invoke[a]!.process)} ran ${from} before ${to}` };
  if (bit === REALTIME) {
    const completed = txns.complete[a]!;
    const began = txns.invoke[b]!;
    return { ...step, explanation: `${from} completed (op ${completed.index}, ${showTime(completed.time)}) before ${to} began (op ${began.index}, ${showTime(began.time)})` };
  }
  return explainData(a, b, bit, from, to) ?? { ...step, explanation: `of a ${step.type} dependency` };
}

/** The list-append explainer of data steps: which append or read of which key orders the two transactions. */
export function explainAppendStep(txns: Transactions, index: VersionIndex): ExplainDataStep {
  return (a, b, bit, from, to) => explainAppend(txns, index, a, b, bit, from, to);
}

function explainAppend(txns: Transactions, index: VersionIndex, a: number, b: number, bit: number, from: string, to: string): CycleStep | undefined {
  const step = { from, to, type: EDGE_NAMES[bit]! };
  const keyOf = (key: unknown) => index.keys[index.keyIdOf.get(normalise(key))!]!; // keys by their history value
  if (bit === WR) {
    for (const [f, key, value] of txns.mops[b]!) {
      const read = value as unknown[] | null;
      if (f !== 'r' || !read || read.length === 0) continue;
      const last = read[read.length - 1];
      if (writerOf(index, keyOf(key), normalise(last)) === a) {
        return { ...step, key, value: last, explanation: `${to} read ${from}'s append of ${showElement(last)} to key ${showKey(key)} (it read ${showList(read)})` };
      }
    }
  } else if (bit === WW || bit === RW) {
    for (const [f, key, value] of txns.mops[b]!) {
      if (f !== 'append') continue;
      const ks = keyOf(key);
      const slot = slotBefore(index, ks, normalise(value));
      const position = slot - ks.slotBase;
      const previous = position > 0 ? denormalise(ks.order[position - 1]) : undefined;
      if (bit === WW && position > 0 && ks.orderWriter[position - 1] === a) {
        return { ...step, key, value: previous, valuePrime: value, explanation: `${to} appended ${showElement(value)} to key ${showKey(key)} after ${from}'s append of ${showElement(previous)}` };
      }
      if (bit === RW && index.readers.subarray(index.readerOffsets[slot]!, index.readerOffsets[slot + 1]!).includes(a)) {
        const seen = position > 0 ? `read key ${showKey(key)} as ${readOf(txns, a, key, previous)}` : `read key ${showKey(key)} empty`;
        const observed = positionOf(index, ks, normalise(value)) >= 0 ? `, which came right after ${position > 0 ? showElement(previous) : 'the empty list'}` : ', which no read saw and so came after every value read';
        return { ...step, key, value: previous ?? null, valuePrime: value, explanation: `${from} ${seen} and did not see ${to}'s append of ${showElement(value)}${observed}` };
      }
    }
  }
  return undefined;
}

/** A history time: seconds for real runs, nanoseconds for the small integers of hand-written histories. */
function showTime(ns: number): string {
  return ns >= 1e6 ? `at ${(ns / 1e9).toFixed(3)} s` : `at ${ns} ns`;
}

/** How transaction t read `key` when its read ended with `last`. */
function readOf(txns: Transactions, t: number, key: unknown, last: unknown): string {
  for (const [f, k, value] of txns.mops[t]!) {
    const read = value as unknown[] | null;
    if (f === 'r' && read && read.length > 0 && normalise(k) === normalise(key) && normalise(read[read.length - 1]) === normalise(last)) return showList(read);
  }
  return `[\u2026 ${showElement(last)}]`;
}
