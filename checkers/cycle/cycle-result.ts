// What the list-append and rw-register checkers share once each has its transactions and version
// orders: collecting anomalies (counted in full, described up to a limit), searching the dependency
// graph for cycles, and the result: validity against the models asked for, the models ruled out and
// the strongest ones left standing.
import type { CheckResult, Validity, WitnessOp } from '../../src/checker.js';
import { anomaliesProhibitedBy, canonicalModel, strongestNotRuledOut, violatedModels } from './consistency-models.js';
import { searchCycles, type OrderVariant } from './cycle-search.js';
import { buildDependencyGraph, type LinkDataDependencies } from './dependency-graph.js';
import { describeCycleClass, explainCycle, type CycleAnomaly, type ExplainDataStep } from './explain-cycle.js';
import { SccFinder } from './scc.js';
import { FAIL, INFO, OK, type Transactions } from './transactions.js';

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

export interface CycleStats {
  txns: number;
  ok: number;
  info: number;
  fail: number;
  keys: number;
  edges: number;
  components: number;
  largestComponent: number;
  phasesMs: Record<string, number>;
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
  /** The strongest models the anomalies do not rule out (the history may still satisfy them). */
  strongestNotRuledOut: string[];
  consistencyModels: string[];
  stats: CycleStats;
}

const SEVERITY = ['G0', 'G1a', 'G1b', 'G1c', 'G-single-item', 'G-nonadjacent-item', 'G2-item', 'G0-process', 'G1c-process', 'G-single-item-process', 'G-nonadjacent-item-process', 'G2-item-process', 'G0-realtime', 'G1c-realtime', 'G-single-item-realtime', 'G-nonadjacent-item-realtime', 'G2-item-realtime', 'cyclic-versions', 'internal', 'future-read', 'garbage-read', 'dirty-update', 'incompatible-order', 'duplicate-elements', 'lost-update', 'duplicate-appends', 'duplicate-writes', 'cycle-search-timeout', 'empty-transaction-graph'];
const UNKNOWN_TYPES = new Set(['duplicate-appends', 'duplicate-writes', 'cycle-search-timeout', 'empty-transaction-graph']);

/** Anomalies by type: every one counted, the first maxReported described (describing is skipped beyond those). */
export class AnomalyCollector {
  readonly found = new Map<string, (CycleAnomaly | TxnAnomaly)[]>();
  readonly counts = new Map<string, number>();
  constructor(private readonly maxReported: number) {}

  add(type: string, describe: () => CycleAnomaly | TxnAnomaly): void {
    const n = this.counts.get(type) ?? 0;
    this.counts.set(type, n + 1);
    if (n < this.maxReported) (this.found.get(type) ?? this.found.set(type, []).get(type)!).push(describe());
  }
}

/** The models asked for, the anomalies they prohibit, and which order edges the graph needs to find those. */
export function modelsOf(options: CycleOptions): { models: string[]; prohibited: Set<string>; orders: { process: boolean; realtime: boolean } } {
  const models = (options.consistencyModels ?? ['strict-serializable']).map(canonicalModel);
  const prohibited = anomaliesProhibitedBy(models);
  const orders = { process: [...prohibited].some((a) => a.endsWith('-process')), realtime: [...prohibited].some((a) => a.endsWith('-realtime')) };
  return { models, prohibited, orders };
}

/** Times the phases of a check into stats.phasesMs. */
export function phaseTimer(phasesMs: Record<string, number>): (name: string) => void {
  let mark = performance.now();
  return (name) => {
    const now = performance.now();
    phasesMs[name] = Math.round(now - mark);
    mark = now;
  };
}

/** Stats with the transactions counted by outcome. */
export function initialStats(txns: Transactions, keys: number, phasesMs: Record<string, number>): CycleStats {
  const stats = { txns: txns.count, ok: 0, info: 0, fail: 0, keys, edges: 0, components: 0, largestComponent: 0, phasesMs };
  for (let t = 0; t < txns.count; t++) stats[txns.status[t] === OK ? 'ok' : txns.status[t] === INFO ? 'info' : 'fail']++;
  return stats;
}

export interface GraphSearch {
  txns: Transactions;
  linkData: LinkDataDependencies;
  explainData: ExplainDataStep;
  historyLength: number;
  orders: { process: boolean; realtime: boolean };
  prohibited: ReadonlySet<string>;
  options: CycleOptions;
  stats: CycleStats;
  phase: (name: string) => void;
}

/** Builds the dependency graph, finds its components and their cycles, and adds each cycle explained. */
export function searchDependencyGraph(s: GraphSearch, anomalies: AnomalyCollector): void {
  const { txns, orders, options, stats, phase } = s;
  const graph = buildDependencyGraph(txns, s.linkData, s.historyLength, orders);
  stats.edges = graph.targets.length;
  phase('graph');
  const finder = new SccFinder(graph);
  const components = finder.components(0xff);
  stats.components = components.length;
  stats.largestComponent = components.reduce((max, c) => Math.max(max, c.length), 0);
  phase('scc');
  const variants: OrderVariant[] = ['', ...(orders.process ? (['-process'] as const) : []), ...(orders.realtime ? (['-realtime'] as const) : [])];
  const search = searchCycles(graph, components, finder, { variants, budgetPerClass: options.budgetPerClass ?? 2_000_000, maxStarts: options.maxStarts ?? 64, prohibited: s.prohibited });
  for (const c of search.cycles.sort((a, b) => a.nodes.length - b.nodes.length)) anomalies.add(c.anomaly, () => explainCycle(txns, c, s.explainData));
  for (const size of search.unsearched) {
    anomalies.add('cycle-search-timeout', () => ({ explanation: `a strongly connected component of ${size} transactions may hold a cycle with exactly one read-write anti-dependency (G-single-item), which the models asked for forbid, but the search for one ran out of budget` }));
  }
  phase('search');
  if (txns.count > 0 && graph.targets.length === 0) {
    anomalies.add('empty-transaction-graph', () => ({ explanation: 'no dependency orders any two transactions, so there is nothing to check them against' }));
  }
}

/**
 * The result. `informational` anomaly types are reported but rule out no model (rw-register's reads
 * of values nobody wrote, when the keys' initial state is unknown).
 */
export function cycleResult(txns: Transactions, models: string[], prohibited: ReadonlySet<string>, anomalies: AnomalyCollector, stats: CycleStats, informational: ReadonlySet<string> = new Set()): CycleResult {
  const { found, counts } = anomalies;
  const anomalyTypes = [...found.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const { not, alsoNot } = violatedModels(anomalyTypes.filter((t) => !UNKNOWN_TYPES.has(t) && !informational.has(t)));
  // anomaliesProhibitedBy closes over implication: anything implying a prohibited anomaly is in it.
  const violating = anomalyTypes.filter((t) => prohibited.has(t) && !informational.has(t));
  const valid: Validity = violating.length > 0 ? false : anomalyTypes.some((t) => UNKNOWN_TYPES.has(t)) || txns.count === 0 ? 'unknown' : true;
  return {
    valid,
    summary: summarise(valid, txns, anomalyTypes, found, counts, not, models),
    anomalyTypes,
    anomalies: Object.fromEntries(anomalyTypes.map((t) => [t, found.get(t)!])),
    anomalyCounts: Object.fromEntries(anomalyTypes.map((t) => [t, counts.get(t)!])),
    not,
    alsoNot,
    strongestNotRuledOut: strongestNotRuledOut([...not, ...alsoNot]),
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
