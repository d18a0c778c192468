// The partition nemesis: cuts the network along a grudge (one node, halves, a majorities ring,
// a bridge, or the current primaries from everyone else) and heals it. A node that is dead or
// paused gets its part when it runs again; the op names those nodes, and fails when the
// partition is in force on no node at all.
import { hasPrimaries } from '../src/db-contract.js';
import { complete, describeGrudge, type Grudge } from '../src/runtime/grudge.js';
import type { Deferred } from '../src/runtime/runtime.js';
import { partitionTargets, type PartitionTarget } from './partition-targets.js';
import type { Nemesis, NemesisContext } from './nemesis.js';
import { describeReasons } from './node-faults.js';
import { defineFault, HEAL_RANK } from '../src/define/fault.js';

export function partitionNemesis(ctx: NemesisContext, targets: readonly PartitionTarget[] = ['one', 'halves', 'majorities-ring']): Nemesis {
  return {
    fault: 'partition',
    async invoke(op) {
      if (op.f === 'stop-partition') {
        const deferred = await ctx.runtime.heal();
        return { ...deferredValue(deferred), description: `healed${describeDeferred(deferred)}` };
      }
      // Where the db can say who leads, a quarter of partitions cut the primaries off.
      const primaries = hasPrimaries(ctx.db) && ctx.random.chance(0.25) ? await ctx.db.primaries(ctx.dbCtx).catch(() => []) : [];
      if (primaries.length > 0 && primaries.length < ctx.nodes.length) {
        const grudge = complete([[...primaries].sort(), ctx.nodes.filter((n) => !primaries.includes(n))]);
        const deferred = inForce(grudge, await ctx.runtime.partition(grudge));
        return { target: 'primaries', grudge, ...deferredValue(deferred), description: `${describeGrudge(grudge)} (primaries cut off)${describeDeferred(deferred)}` };
      }
      const target = ctx.random.pick(targets);
      const grudge = partitionTargets[target](ctx.nodes, ctx.random);
      const deferred = inForce(grudge, await ctx.runtime.partition(grudge));
      return { target, grudge, ...deferredValue(deferred), description: `${describeGrudge(grudge)}${describeDeferred(deferred)}` };
    },
  };
}

/** Returns `deferred`, or throws when every node that holds a grudge got nothing now. */
function inForce(grudge: Grudge, deferred: Deferred): Deferred {
  const holders = Object.keys(grudge).filter((node) => (grudge[node] ?? []).length > 0);
  if (holders.length > 0 && holders.every((node) => deferred[node] !== undefined)) {
    throw new Error(`partition ${describeGrudge(grudge)} is in force on no node: ${describeReasons(deferred)}; it lands when they run again`);
  }
  return deferred;
}

function deferredValue(deferred: Deferred): { deferred?: Deferred } {
  return Object.keys(deferred).length > 0 ? { deferred } : {};
}

function describeDeferred(deferred: Deferred): string {
  return Object.keys(deferred).length > 0 ? `; pending on ${describeReasons(deferred)} until they run again` : '';
}

/** The partition fault, as --nemesis partition names it. */
export const partitionFault = defineFault({
  name: 'partition',
  description: 'cuts the network along a grudge (one node, halves, a majorities ring, the primaries) and heals it',
  healRank: HEAL_RANK.partition,
  create: (ctx) => partitionNemesis(ctx),
});
