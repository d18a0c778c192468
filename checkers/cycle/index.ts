// The cycle checker (Elle-style, for list-append histories): infers the version order of every key
// from the reads, builds the transaction dependency graph (ww, wr, rw, plus process and real-time
// order when the models asked for need them), and reports each anomaly with its shortest cycle in
// words and as data, the non-cycle anomalies, and the weakest consistency models the history
// violates. Op shapes: see transactions.ts.
import type { Checker, CheckResult, Validity, WitnessOp } from '../../src/checker.js';
import type { History } from '../../src/op.js';
import { anomaliesProhibitedBy, canonicalModel, violatedModels } from './consistency-models.js';
import { searchCycles, type OrderVariant } from './cycle-search.js';
import { buildDependencyGraph } from './dependency-graph.js';
import { describeCycleClass, explainCycle, showElement, showKey, showList, txnWitness, type CycleAnomaly } from './explain-cycle.js';
import { SccFinder } from './scc.js';
import { txnAnomalyScanner, UNKNOWN_PREFIX, type TxnAnomalies } from './txn-anomalies.js';
import { collectTransactions, FAIL, INFO, OK, type Transactions } from './transactions.js';
import { fileReaders, indexVersions, type VersionIndex } from './version-orders.js';

export { consistencyModels } from './consistency-models.js';
export type { CycleAnomaly, CycleStep } from './explain-cycle.js';

export interface CycleOptions {
  /** The models the history should satisfy (default strict-serializable); anomalies they allow are reported but keep it valid. */
  consistencyModels?: readonly string[];
  /** The f of transaction ops (default "txn"). */
  f?: string;
  /** Edge visits allowed per component and anomaly class (default 2,000,000). */
  budgetPerClass?: number;
  /** Start edges tried per component and class once a cycle is found, looking for a shorter one (default 64). */
  maxStarts?: number;
  /** Most anomalies listed per type (default 8); counts are complete. */
  maxReported?: number;
}

/** A non-cycle anomaly: the transaction(s) concerned and what was wrong, in words. */
export interface TxnAnomaly {
  op?: WitnessOp;
  ops?: WitnessOp[];
  key?: unknown;
  explanation: string;
  [detail: string]: unknown;
}

export interface CycleResult extends CheckResult {
  valid: Validity;
  summary: string;
  /** Anomaly types found, most severe first. */
  anomalyTypes: string[];
  /**
   * Per type, the anomalies (cycles shortest first), at most maxReported each. Cycle anomalies come
   * one per strongly connected component and class (as in Elle): a component holding thousands of
   * G0 cycles shows its shortest one.
   */
  anomalies: Record<string, (CycleAnomaly | TxnAnomaly)[]>;
  anomalyCounts: Record<string, number>;
  /** The weakest consistency models the anomalies rule out, and every stronger one. */
  not: string[];
  alsoNot: string[];
  consistencyModels: string[];
  stats: { txns: number; ok: number; info: number; fail: number; keys: number; edges: number; components: number; largestComponent: number; phasesMs: Record<string, number> };
}

const SEVERITY = ['G0', 'G1a', 'G1b', 'G1c', 'G-single-item', 'G-nonadjacent-item', 'G2-item', 'G0-process', 'G1c-process', 'G-single-item-process', 'G-nonadjacent-item-process', 'G2-item-process', 'G0-realtime', 'G1c-realtime', 'G-single-item-realtime', 'G-nonadjacent-item-realtime', 'G2-item-realtime', 'internal', 'future-read', 'garbage-read', 'dirty-update', 'incompatible-order', 'duplicate-elements', 'lost-update', 'duplicate-appends', 'cycle-search-timeout', 'empty-transaction-graph'];
const UNKNOWN_TYPES = new Set(['duplicate-appends', 'cycle-search-timeout', 'empty-transaction-graph']);

/** A list-append checker against the given consistency models. */
export function cycle(options: CycleOptions = {}): Checker {
  return (history) => checkListAppend(history, options);
}

/** Checks a list-append history now; what `cycle` runs. */
export function checkListAppend(history: History, options: CycleOptions = {}): CycleResult {
  const models = (options.consistencyModels ?? ['strict-serializable']).map(canonicalModel);
  const prohibited = anomaliesProhibitedBy(models);
  const orders = { process: [...prohibited].some((a) => a.endsWith('-process')), realtime: [...prohibited].some((a) => a.endsWith('-realtime')) };
  const phasesMs: Record<string, number> = {};
  let mark = performance.now();
  const phase = (name: string): void => {
    const now = performance.now();
    phasesMs[name] = Math.round(now - mark);
    mark = now;
  };

  const txns = collectTransactions(history, options.f ?? 'txn');
  phase('collect');
  const index = indexVersions(txns);
  phase('index');
  // Per type: how many, and the first maxReported, described (describing is skipped beyond those).
  const maxReported = options.maxReported ?? 8;
  const found = new Map<string, (CycleAnomaly | TxnAnomaly)[]>();
  const counts = new Map<string, number>();
  const add = (type: string, describe: () => CycleAnomaly | TxnAnomaly): void => {
    const n = counts.get(type) ?? 0;
    counts.set(type, n + 1);
    if (n < maxReported) (found.get(type) ?? found.set(type, []).get(type)!).push(describe());
  };
  const stats = { txns: txns.count, ok: 0, info: 0, fail: 0, keys: index.keys.length, edges: 0, components: 0, largestComponent: 0, phasesMs };
  for (let t = 0; t < txns.count; t++) stats[txns.status[t] === OK ? 'ok' : txns.status[t] === INFO ? 'info' : 'fail']++;

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
    const graph = buildDependencyGraph(txns, index, history.length, orders);
    stats.edges = graph.targets.length;
    phase('graph');
    const finder = new SccFinder(graph);
    const components = finder.components(0xff);
    stats.components = components.length;
    stats.largestComponent = components.reduce((max, c) => Math.max(max, c.length), 0);
    phase('scc');
    const variants: OrderVariant[] = ['', ...(orders.process ? (['-process'] as const) : []), ...(orders.realtime ? (['-realtime'] as const) : [])];
    const search = searchCycles(graph, components, finder, { variants, budgetPerClass: options.budgetPerClass ?? 2_000_000, maxStarts: options.maxStarts ?? 64, prohibited });
    for (const c of search.cycles.sort((a, b) => a.nodes.length - b.nodes.length)) add(c.anomaly, () => explainCycle(txns, index, c));
    for (const size of search.unsearched) {
      add('cycle-search-timeout', () => ({ explanation: `a strongly connected component of ${size} transactions may hold a cycle with exactly one read-write anti-dependency (G-single-item), which the models asked for forbid, but the search for one ran out of budget` }));
    }
    phase('search');
    if (txns.count > 0 && graph.targets.length === 0) {
      add('empty-transaction-graph', () => ({ explanation: 'no dependency orders any two transactions, so there is nothing to check them against' }));
    }
  }

  const anomalyTypes = [...found.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const { not, alsoNot } = violatedModels(anomalyTypes.filter((t) => !UNKNOWN_TYPES.has(t)));
  // anomaliesProhibitedBy closes over implication: anything implying a prohibited anomaly is in it.
  const violating = anomalyTypes.filter((t) => prohibited.has(t));
  const valid: Validity = violating.length > 0 ? false : anomalyTypes.some((t) => UNKNOWN_TYPES.has(t)) || txns.count === 0 ? 'unknown' : true;
  return {
    valid,
    summary: summarise(valid, txns, anomalyTypes, found, counts, not, models),
    anomalyTypes,
    anomalies: Object.fromEntries(anomalyTypes.map((t) => [t, found.get(t)!])),
    anomalyCounts: Object.fromEntries(anomalyTypes.map((t) => [t, counts.get(t)!])),
    not,
    alsoNot,
    consistencyModels: models,
    stats,
  };
}

function isCycle(anomaly: CycleAnomaly | TxnAnomaly): anomaly is CycleAnomaly {
  return Array.isArray(anomaly.steps) && typeof anomaly.type === 'string';
}

function rank(type: string): number {
  const i = SEVERITY.indexOf(type);
  return i < 0 ? SEVERITY.length : i;
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

function summarise(valid: Validity, txns: Transactions, types: string[], found: Map<string, unknown[]>, counts: Map<string, number>, not: string[], models: string[]): string {
  const committed = txns.status.reduce((n, s) => n + (s === FAIL ? 0 : 1), 0);
  if (txns.count === 0) return 'no transactions';
  if (types.length === 0) return `${txns.count} transactions (${committed} ok or info): no anomaly; consistent with ${models.join(', ')}`;
  const listed = types.map((t) => `${t}${counts.get(t)! > 1 ? ` \u00d7${counts.get(t)!}` : ''}`).join(', ');
  const first = found.get(types[0]!)![0] as CycleAnomaly | TxnAnomaly;
  const witness = isCycle(first) ? `${first.steps.map((s) => s.from).join(' < ')} < T1 (${describeCycleClass(first.type)})` : first.explanation;
  const verdict = valid === false ? `not ${not.join(', ')}` : valid === 'unknown' ? 'unknown' : `allowed by ${models.join(', ')}`;
  return `${listed} in ${txns.count} transactions; ${verdict}; first: ${witness}`;
}
