// The fault schedule: the chosen faults behind one invoke, each started and stopped on its own
// staggered schedule, and healed in the order of their definitions' heal ranks.
import { any, cycle, sleep, stagger, type Gen, type OpTemplate } from './generator.js';
import type { Nemesis } from './define/fault.js';
import type { Op } from './op.js';

/** A nemesis as the run uses it: all chosen fault kinds behind one invoke. */
export interface CombinedNemesis {
  readonly faults: readonly string[];
  invoke(op: Op): Promise<unknown>;
  /** Start/stop ops for the main phase, each fault kind on its own staggered schedule. */
  generator: Gen;
  /** Ops that undo every fault, for the final phase (resume, restart, heal). */
  healOps: OpTemplate[];
}

/** A nemesis with its fault's heal rank (lower heals first), as its definition gives it. */
export interface RankedNemesis {
  nemesis: Nemesis;
  healRank: number;
}

/** Combines fault kinds; each alternates start/stop at random intervals averaging `intervalS`, and heals in rank order. */
export function combineNemeses(ranked: readonly RankedNemesis[], intervalS: number): CombinedNemesis {
  const nemeses = ranked.map((r) => r.nemesis);
  const byFault = new Map(nemeses.map((n) => [n.fault, n]));
  const intervalNs = intervalS * 1e9;
  return {
    faults: nemeses.map((n) => n.fault),
    async invoke(op) {
      const fault = op.f.replace(/^(start|stop)-/, '');
      const nemesis = byFault.get(fault);
      if (!nemesis) throw new Error(`no nemesis handles f="${op.f}"; expected start-/stop- of ${[...byFault.keys()].join(', ')}`);
      return nemesis.invoke(op);
    },
    generator: any(...nemeses.map((n) => [sleep(intervalNs), stagger(intervalNs, cycle([{ f: `start-${n.fault}` }, { f: `stop-${n.fault}` }]))])),
    // Array.prototype.sort is stable: equal ranks heal in the order the faults were given.
    healOps: [...ranked].sort((a, b) => a.healRank - b.healRank).map((r) => ({ f: `stop-${r.nemesis.fault}` })),
  };
}
