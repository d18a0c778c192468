// The nemesis contract: a fault kind that performs start and stop ops, and how several combine.
import { any, cycle, sleep, stagger, type Gen, type OpTemplate } from '../src/generator.js';
import type { Nemesis } from '../src/define/fault.js';
import type { Op } from '../src/op.js';
import type { Random } from '../src/random.js';

export type { Nemesis, NemesisContext } from '../src/define/fault.js';

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

/** Target sets for node faults: one node, a minority, a majority, or all. */
export function pickNodes(nodes: readonly string[], random: Random): string[] {
  const shuffled = random.shuffle(nodes);
  const count = {
    one: 1,
    minority: Math.max(1, Math.floor((nodes.length - 1) / 2)),
    majority: Math.floor(nodes.length / 2) + 1,
    all: nodes.length,
  }[random.pick(['one', 'minority', 'majority', 'all'] as const)];
  return shuffled.slice(0, count).sort();
}
