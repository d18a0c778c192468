// The rw-register checker (Elle's rw-register): transactions of register reads and writes, with
// written values unique per key. Versions are ordered from what the database is said to guarantee
// (register-versions.ts); ww, wr and rw edges follow from that order, and the cycle search, its
// explanations and the result are the list-append checker's (cycle-result.ts). Op shapes: see
// transactions.ts.
//
// A read of a value no transaction wrote: Elle takes it for the key's state before the history
// began and reports nothing. Here it is reported as garbage-read, and with `initialState: 'empty'`
// (every key starts unwritten, as in faultline's own runs) it rules out read committed, like an
// aborted read; with the default 'unknown' it rules out no model, so Elle's verdicts stand.
import type { Checker, WitnessOp } from '../../src/checker.js';
import type { History } from '../../src/op.js';
import { AnomalyCollector, cycleResult, initialStats, modelsOf, phaseTimer, searchDependencyGraph, type CycleOptions, type CycleResult, type TxnAnomaly } from './cycle-result.js';
import { RW, WR, WW, type LinkDataDependencies } from './dependency-graph.js';
import { showElement, showKey, txnWitness, type CycleStep, type ExplainDataStep } from './explain-cycle.js';
import { findRegisterAnomalies } from './register-anomalies.js';
import { EXT_READ, EXT_WRITE, indexRegisters, SOURCES, type KeyGuarantees, type RegisterIndex, type VersionSource } from './register-versions.js';
import { collectTransactions, type Transactions } from './transactions.js';

export interface RwRegisterOptions extends CycleOptions, KeyGuarantees {
  /** What a key held before the history: 'unknown' (default, as Elle assumes) or 'empty' (nil; a read of a value nobody wrote is then garbage, like an aborted read). */
  initialState?: 'unknown' | 'empty';
}

/** An rw-register checker against the given consistency models and key guarantees. */
export function rwRegister(options: RwRegisterOptions = {}): Checker {
  return (history) => checkRwRegister(history, options);
}

/** Checks an rw-register history now; what `rwRegister` runs. */
export function checkRwRegister(history: History, options: RwRegisterOptions = {}): CycleResult {
  const { models, prohibited, orders } = modelsOf(options);
  const phasesMs: Record<string, number> = {};
  const phase = phaseTimer(phasesMs);
  const txns = collectTransactions(history, options.f ?? 'txn', 'rw-register');
  phase('collect');
  const index = indexRegisters(txns, options, history.length);
  phase('index');
  const stats = initialStats(txns, txns.keys.length, phasesMs);
  const anomalies = new AnomalyCollector(options.maxReported ?? 8);
  const w = (t: number): WitnessOp => txnWitness(txns, t);
  const opName = (t: number): string => `op ${txns.invoke[t]!.index}`;
  const show = (v: unknown): string => (v === null || v === undefined ? 'nil' : showElement(v));

  if (index.duplicateWrites.length > 0) {
    // Written values must be unique for a read to name its writer; nothing sound can be inferred.
    for (const d of index.duplicateWrites) {
      anomalies.add('duplicate-writes', () => ({ ops: d.txns.map(w), key: d.key, value: d.value, explanation: `${show(d.value)} was written to key ${showKey(d.key)} twice (ops ${d.txns.map((t) => txns.invoke[t]!.index).join(' and ')}); written values must be unique per key` }));
    }
    return cycleResult(txns, models, prohibited, anomalies, stats);
  }
  for (const c of index.cyclicVersions) {
    const steps = c.steps.map((s) => `${show(s.value)} < ${show(s.next)} because ${versionReason(txns, s.source, s.a, s.b, c.key, s.value, s.next)}`);
    anomalies.add('cyclic-versions', () => ({
      key: c.key, values: c.values, sources: c.sources,
      order: c.steps.map((s) => ({ value: s.value, next: s.next, source: s.source, ops: [s.a, s.b].filter((t) => t >= 0).map((t) => txns.invoke[t]!.index) })),
      ops: [...new Set(c.steps.flatMap((s) => [s.a, s.b]).filter((t) => t >= 0))].map(w),
      explanation: [`key ${showKey(c.key)}'s versions form a cycle under ${c.sources.join(', ')} (so no order of its versions exists; ${c.sources.at(-1)} was left out of the inference):`, ...steps, `So ${[...c.values, c.values[0]].map(show).join(' < ')}.`].join('\n'),
    }));
  }
  const a = findRegisterAnomalies(txns, index);
  for (const c of a.internal) anomalies.add('internal', () => ({ op: w(c.txn), key: c.key, read: c.read, expected: c.expected, explanation: `${opName(c.txn)} read key ${showKey(c.key)} = ${show(c.read)}, but its own earlier read or write of the key left it ${show(c.expected)}` }));
  for (const c of a.futureRead) anomalies.add('future-read', () => ({ op: w(c.txn), key: c.key, value: c.value, explanation: `${opName(c.txn)} read key ${showKey(c.key)} = ${show(c.value)} before writing that value itself` }));
  for (const c of a.g1a) anomalies.add('G1a', () => ({ op: w(c.txn), ops: [w(c.writer)], key: c.key, value: c.value, explanation: `${opName(c.txn)} read key ${showKey(c.key)} = ${show(c.value)}, written by ${opName(c.writer)}, which failed (aborted read)` }));
  for (const c of a.g1b) anomalies.add('G1b', () => ({ op: w(c.txn), ops: [w(c.writer)], key: c.key, value: c.value, explanation: `${opName(c.txn)} read key ${showKey(c.key)} = ${show(c.value)}, an intermediate state of ${opName(c.writer)}, which wrote the key again afterwards (intermediate read)` }));
  for (const c of a.garbageRead) {
    const why = options.initialState === 'empty' ? 'every key started unwritten, so it is garbage' : 'it may be the key\u2019s state from before the history, so it rules out no model (initial state unknown)';
    anomalies.add('garbage-read', () => ({ op: w(c.txn), key: c.key, value: c.value, explanation: `${opName(c.txn)} read key ${showKey(c.key)} = ${show(c.value)}, which no transaction wrote; ${why}` }));
  }
  for (const c of a.lostUpdate) anomalies.add('lost-update', () => ({ ops: c.txns.map(w), key: c.key, read: c.read, explanation: `${c.txns.map(opName).join(' and ')} ${c.txns.length === 2 ? 'both' : 'all'} read key ${showKey(c.key)} = ${show(c.read)} and then wrote it: in any serial order one of them would have read the other's write (lost update)` }));
  phase('reads');
  searchDependencyGraph({ txns, linkData: linkRegisterDependencies(index), explainData: explainRegisterStep(txns, index), historyLength: history.length, orders, prohibited, options, stats, phase }, anomalies);
  return cycleResult(txns, models, prohibited, anomalies, stats, options.initialState === 'empty' ? new Set() : new Set(['garbage-read']));
}

/**
 * The data edges: each version's writer precedes its readers (wr); along each edge v1 -> v2 of the
 * version order, v1's writer precedes v2's (ww) and v1's readers precede v2's writer (rw).
 */
export function linkRegisterDependencies(index: RegisterIndex): LinkDataDependencies {
  const { writer, readers, readerOffsets, versions, nodes } = index;
  return (sink) => {
    for (let v1 = 0; v1 < nodes; v1++) {
      const w1 = writer[v1]!;
      const from = readerOffsets[v1]!;
      const to = readerOffsets[v1 + 1]!;
      if (w1 >= 0) for (let r = from; r < to; r++) if (readers[r] !== w1) sink.link(w1, readers[r]!, WR);
      for (let e = versions.offsets[v1]!; e < versions.offsets[v1 + 1]!; e++) {
        const w2 = writer[versions.targets[e]!]!;
        if (w2 < 0) continue;
        if (w1 >= 0 && w1 !== w2) sink.link(w1, w2, WW);
        for (let r = from; r < to; r++) if (readers[r] !== w2) sink.link(readers[r]!, w2, RW);
      }
    }
  };
}

/** Explains register data steps: the value read, or the two versions and why one came first. */
export function explainRegisterStep(txns: Transactions, index: RegisterIndex): ExplainDataStep {
  return (a, b, bit, from, to) => {
    const type = bit === WW ? 'ww' : bit === WR ? 'wr' : 'rw';
    const show = (v: unknown): string => (v === null || v === undefined ? 'nil' : showElement(v));
    if (bit === WR) {
      for (const i of mopsOf(txns, b)) {
        if (index.mopFlags[i]! & EXT_READ && index.writer[index.mopNode[i]!] === a) {
          const key = txns.keys[txns.mopKey[i]!];
          const value = index.nodeValue[index.mopNode[i]!];
          return { from, to, type, key, value, explanation: `${to} read key ${showKey(key)} = ${show(value)}, which ${from} wrote` };
        }
      }
      return undefined;
    }
    const flag = bit === WW ? EXT_WRITE : EXT_READ;
    for (const j of mopsOf(txns, b)) {
      if (!(index.mopFlags[j]! & EXT_WRITE)) continue;
      const v2 = index.mopNode[j]!;
      for (const i of mopsOf(txns, a)) {
        if (txns.mopKey[i] !== txns.mopKey[j] || !(index.mopFlags[i]! & flag)) continue;
        const v1 = index.mopNode[i]!;
        const e = versionEdge(index, v1, v2);
        if (e < 0) continue;
        const key = txns.keys[txns.mopKey[i]!];
        const [value, valuePrime] = [index.nodeValue[v1], index.nodeValue[v2]];
        const reason = versionReason(txns, SOURCES[index.versions.source[e]!]!, index.versions.witnessA[e]!, index.versions.witnessB[e]!, key, value, valuePrime);
        const did = bit === WW ? `wrote key ${showKey(key)} = ${show(value)}` : `read key ${showKey(key)} = ${show(value)}`;
        const step: CycleStep = { from, to, type, key, value: value ?? null, valuePrime, explanation: `${from} ${did} and ${to} wrote ${show(valuePrime)}, which came later in the version order (${reason})` };
        return step;
      }
    }
    return undefined;
  };
}

function* mopsOf(txns: Transactions, t: number): Generator<number> {
  for (let i = txns.mopStart[t]!; i < txns.mopStart[t + 1]!; i++) yield i;
}

function versionEdge(index: RegisterIndex, v1: number, v2: number): number {
  const { offsets, targets } = index.versions;
  for (let e = offsets[v1]!; e < offsets[v1 + 1]!; e++) if (targets[e] === v2) return e;
  return -1;
}

/** Why v1 precedes v2 in a key's version order, from the source of the edge and its witnesses. */
function versionReason(txns: Transactions, source: VersionSource, a: number, b: number, key: unknown, v1: unknown, v2: unknown): string {
  const show = (v: unknown): string => (v === null || v === undefined ? 'nil' : showElement(v));
  const op = (t: number): string => `op ${txns.invoke[t]!.index}`;
  switch (source) {
    case 'initial-state':
      return `every value of a key follows its initial nil`;
    case 'wfr-keys':
      return `${op(a)} read key ${showKey(key)} = ${show(v1)} and then wrote ${show(v2)}, and writes follow reads (wfr-keys)`;
    case 'sequential-keys':
      return `process ${String(txns.invoke[a]!.process)} saw key ${showKey(key)} at ${show(v1)} in ${op(a)} and then at ${show(v2)} in ${op(b)}, and keys are sequential (sequential-keys)`;
    case 'linearizable-keys':
      return `${op(a)} left key ${showKey(key)} at ${show(v1)} and completed before ${op(b)}, which saw ${show(v2)}, began, and keys are linearizable (linearizable-keys)`;
  }
}


