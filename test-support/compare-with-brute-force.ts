// Compares the cycle checker with the brute-force search on one small history, for the property
// test and `npm run bench:cycle-models`:
//   - for every consistency model the checker accepts, checked alone (so with only the order edges
//     that model needs), its verdict is the one the brute-force cycles give, plus the checker's own
//     non-cycle anomalies (which the brute force does not look for);
//   - with every order edge built, each cycle it reports is a cycle of the brute-force graph, named
//     as the brute force names it, and the models it rules out (not, alsoNot) are those the
//     brute-force cycles rule out.
import type { Validity } from '../src/checker.js';
import type { History } from '../src/op.js';
import { bruteForceClass, bruteForceCycleClasses, bruteForceGraph, type EdgeName } from './brute-force-cycles.js';
import { CYCLE_ANOMALIES } from '../checkers/cycle/cycle-class.js';
import { anomaliesProhibitedBy, violatedModels } from '../checkers/cycle/consistency-models.js';
import { checkListAppend, consistencyModels, type CycleAnomaly } from '../checkers/cycle/index.js';

const UNKNOWN_TYPES = new Set(['duplicate-appends', 'cycle-search-timeout', 'empty-transaction-graph']);
const isCycleType = (type: string): boolean => CYCLE_ANOMALIES.includes(type);

export interface BruteForceComparison {
  /** What disagreed, in words; empty when everything agreed. */
  mismatches: string[];
  /** The models whose verdict disagreed. */
  disagreeingModels: string[];
  /** The checker's verdict per model. */
  verdicts: Record<string, Validity>;
  /** Cycle classes the brute force found. */
  classes: string[];
  /** Simple cycles of transactions the brute force enumerated. */
  cycles: number;
}

/** Runs the checker for every model and compares it with the brute force. */
export function compareWithBruteForce(history: History): BruteForceComparison {
  const graph = bruteForceGraph(history);
  const { classes, cycles } = bruteForceCycleClasses(graph);
  const mismatches: string[] = [];
  const verdicts: Record<string, Validity> = {};
  const disagreeingModels: string[] = [];

  for (const model of consistencyModels) {
    const r = checkListAppend(history, { consistencyModels: [model] });
    verdicts[model] = r.valid;
    const prohibited = anomaliesProhibitedBy([model]);
    const others = r.anomalyTypes.filter((t) => !isCycleType(t));
    const expected: Validity = [...classes, ...others].some((t) => prohibited.has(t)) ? false : others.some((t) => UNKNOWN_TYPES.has(t)) ? 'unknown' : true;
    if (r.valid !== expected) {
      const forbidden = [...classes].filter((c) => prohibited.has(c));
      disagreeingModels.push(model);
      mismatches.push(`${model}: checker says ${String(r.valid)} (${r.anomalyTypes.join(', ') || 'no anomaly'}), brute force ${String(expected)} (cycles ${[...classes].join(', ') || 'none'}; forbidden ${forbidden.join(', ') || 'none'})`);
    }
  }

  const all = checkListAppend(history, { consistencyModels: ['strict-serializable', 'strong-session-serializable'] });
  const byIndex = new Map(graph.txns.map((t, i) => [t.index, i]));
  for (const [type, list] of Object.entries(all.anomalies)) {
    if (!isCycleType(type)) continue;
    for (const anomaly of list as CycleAnomaly[]) {
      const nodes = anomaly.cycle.map((op) => byIndex.get(op.index)!);
      const types = anomaly.steps.map((s) => s.type as EdgeName);
      const missing = types.findIndex((t, i) => !graph.edges[nodes[i]!]?.[nodes[(i + 1) % nodes.length]!]?.has(t));
      if (new Set(nodes).size !== nodes.length) mismatches.push(`${type} cycle ${nodes.join(' ')} repeats a transaction`);
      if (missing >= 0) mismatches.push(`${type} cycle step ${anomaly.steps[missing]!.from} -${types[missing]}-> ${anomaly.steps[missing]!.to} is no edge of the brute-force graph`);
      else if (bruteForceClass(types) !== type) mismatches.push(`cycle ${types.join(' ')} reported as ${type}, which is a ${bruteForceClass(types)}`);
    }
  }
  const expectedBoundary = violatedModels([...classes, ...all.anomalyTypes.filter((t) => !isCycleType(t) && !UNKNOWN_TYPES.has(t))]);
  if (all.not.join() !== expectedBoundary.not.join() || all.alsoNot.join() !== expectedBoundary.alsoNot.join()) {
    mismatches.push(`not ${all.not.join(', ')} (also ${all.alsoNot.join(', ')}); brute force: not ${expectedBoundary.not.join(', ')} (also ${expectedBoundary.alsoNot.join(', ')})`);
  }
  return { mismatches, disagreeingModels, verdicts, classes: [...classes].sort(), cycles };
}
