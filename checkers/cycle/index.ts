// The cycle checker (Elle-style, for list-append histories): infers the version order of every key
// from the reads, builds the transaction dependency graph (ww, wr, rw, plus process and real-time
// order when the models asked for need them), and reports each anomaly with its shortest cycle in
// words and as data, the non-cycle anomalies, and the weakest consistency models the history
// violates. Op shapes: see transactions.ts. The rw-register checker (rw-register.ts) shares the
// graph, search and result (cycle-result.ts).
import type { Checker, WitnessOp } from '../../src/checker.js';
import type { History } from '../../src/op.js';
import { AnomalyCollector, cycleResult, initialStats, modelsOf, phaseTimer, searchDependencyGraph, type CycleOptions, type CycleResult, type TxnAnomaly } from './cycle-result.js';
import { explainAppendStep, showElement, showKey, showList, txnWitness } from './explain-cycle.js';
import { txnAnomalyScanner, UNKNOWN_PREFIX, type TxnAnomalies } from './txn-anomalies.js';
import { collectTransactions, type Transactions } from './transactions.js';
import { fileReaders, indexVersions, linkAppendDependencies, type VersionIndex } from './version-orders.js';

export { consistencyModels, strongestNotRuledOut } from './consistency-models.js';
export type { CycleAnomaly, CycleStep } from './explain-cycle.js';
export type { CycleOptions, CycleResult, TxnAnomaly } from './cycle-result.js';
export { checkRwRegister, rwRegister, type RwRegisterOptions } from './rw-register.js';

/** A list-append checker against the given consistency models. */
export function cycle(options: CycleOptions = {}): Checker {
  return (history) => checkListAppend(history, options);
}

/** Checks a list-append history now; what `cycle` runs. */
export function checkListAppend(history: History, options: CycleOptions = {}): CycleResult {
  const { models, prohibited, orders } = modelsOf(options);
  const phasesMs: Record<string, number> = {};
  const phase = phaseTimer(phasesMs);
  const txns = collectTransactions(history, options.f ?? 'txn');
  phase('collect');
  const index = indexVersions(txns);
  phase('index');
  const stats = initialStats(txns, index.keys.length, phasesMs);
  const anomalies = new AnomalyCollector(options.maxReported ?? 8);
  const add = anomalies.add.bind(anomalies);

  if (index.duplicateAppends.length > 0) {
    // Appends must be unique for reads to reveal the version order; nothing sound can be inferred.
    for (const d of index.duplicateAppends) {
      add('duplicate-appends', () => ({ ops: d.txns.map((t) => txnWitness(txns, t)), key: d.key, value: d.value, explanation: `${showElement(d.value)} was appended to key ${showKey(d.key)} twice (ops ${d.txns.map((t) => txns.invoke[t]!.index).join(' and ')}); appended values must be unique per key` }));
    }
  } else {
    const scanner = txnAnomalyScanner(txns, index);
    fileReaders(txns, index, scanner.scan);
    reportTxnAnomalies(txns, index, scanner.finish(), add);
    phase('reads');
    searchDependencyGraph({ txns, linkData: linkAppendDependencies(index), explainData: explainAppendStep(txns, index), historyLength: history.length, orders, prohibited, options, stats, phase }, anomalies);
  }
  return cycleResult(txns, models, prohibited, anomalies, stats);
}

function reportTxnAnomalies(txns: Transactions, index: VersionIndex, a: TxnAnomalies, add: (type: string, describe: () => TxnAnomaly) => void): void {
  const w = (t: number): WitnessOp => txnWitness(txns, t);
  const opName = (t: number): string => `op ${txns.invoke[t]!.index}`;
  for (const c of index.incompatibleOrders) {
    add('incompatible-order', () => ({ op: w(c.txn), key: c.key, values: c.values, explanation: `key ${showKey(c.key)} was read as ${showList(c.values[0])} (${opName(c.txn)}) and as ${showList(c.values[1])}: neither is a prefix of the other, so no single order of appends explains both` }));
  }
  for (const c of index.duplicateElements) {
    add('duplicate-elements', () => ({ op: w(c.txn), key: c.key, duplicates: c.duplicates, explanation: `${opName(c.txn)} read key ${showKey(c.key)} as ${showList(c.read)}, holding ${Object.entries(c.duplicates).map(([v, n]) => `${v} ${n} times`).join(', ')}; each value was appended once` }));
  }
  for (const c of a.internal) {
    add('internal', () => ({ op: w(c.txn), key: c.key, read: c.read, expected: c.expected, explanation: `${opName(c.txn)} read key ${showKey(c.key)} as ${showList(c.read)}, but its own earlier reads and appends imply ${c.expected[0] === UNKNOWN_PREFIX ? `[\u2026 ${c.expected.slice(1).map(showElement).join(' ')}]` : showList(c.expected)}` }));
  }
  for (const c of a.futureRead) {
    add('future-read', () => ({ op: w(c.txn), key: c.key, element: c.element, explanation: `${opName(c.txn)} read ${showElement(c.element)} in key ${showKey(c.key)} before appending it itself` }));
  }
  for (const c of a.g1a) {
    add('G1a', () => ({ op: w(c.txn), ops: [w(c.writer)], key: c.key, element: c.element, explanation: `${opName(c.txn)} read ${showElement(c.element)} in key ${showKey(c.key)}, appended by ${opName(c.writer)}, which failed (aborted read)` }));
  }
  for (const c of a.g1b) {
    add('G1b', () => ({ op: w(c.txn), ops: [w(c.writer)], key: c.key, element: c.element, explanation: `${opName(c.txn)} read key ${showKey(c.key)} ending at ${showElement(c.element)}, an intermediate state of ${opName(c.writer)}, which appended to ${showKey(c.key)} again afterwards (intermediate read)` }));
  }
  for (const c of a.garbageRead) {
    add('garbage-read', () => ({ op: w(c.txn), key: c.key, element: c.element, explanation: `${opName(c.txn)} read ${showElement(c.element)} in key ${showKey(c.key)}, which no transaction appended` }));
  }
  for (const c of a.dirtyUpdate) {
    add('dirty-update', () => ({ ops: c.txns.map(w), key: c.key, values: c.values, explanation: `key ${showKey(c.key)} holds ${showElement(c.values[0])} from ${opName(c.txns[0])}, which failed, followed by ${showElement(c.values.at(-1))} from committed ${opName(c.txns[1])}` }));
  }
  for (const c of a.lostUpdate) {
    add('lost-update', () => ({ ops: c.txns.map(w), key: c.key, read: c.read, explanation: `${c.txns.map(opName).join(' and ')} ${c.txns.length === 2 ? 'both' : 'all'} read key ${showKey(c.key)} as ${showList(c.read)} and then appended to it: in any serial order one of them would have read the other's append (lost update)` }));
  }
}

