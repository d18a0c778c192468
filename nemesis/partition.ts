// The partition nemesis: cuts the network along a grudge (one node, halves, a majorities ring,
// a bridge, or the current primaries from everyone else) and heals it.
import { hasPrimaries } from '../src/db/primary.js';
import { complete, describeGrudge, partitionTargets, type PartitionTarget } from './grudge.js';
import type { Nemesis, NemesisContext } from './nemesis.js';

export function partitionNemesis(ctx: NemesisContext, targets: readonly PartitionTarget[] = ['one', 'halves', 'majorities-ring']): Nemesis {
  return {
    fault: 'partition',
    async invoke(op) {
      if (op.f === 'stop-partition') {
        await ctx.runtime.heal();
        return { description: 'healed' };
      }
      // Where the db can say who leads, a quarter of partitions cut the primaries off.
      const primaries = hasPrimaries(ctx.db) && ctx.random.chance(0.25) ? await ctx.db.primaries(ctx.dbCtx).catch(() => []) : [];
      if (primaries.length > 0 && primaries.length < ctx.nodes.length) {
        const grudge = complete([[...primaries].sort(), ctx.nodes.filter((n) => !primaries.includes(n))]);
        await ctx.runtime.partition(grudge);
        return { target: 'primaries', grudge, description: `${describeGrudge(grudge)} (primaries cut off)` };
      }
      const target = ctx.random.pick(targets);
      const grudge = partitionTargets[target](ctx.nodes, ctx.random);
      await ctx.runtime.partition(grudge);
      return { target, grudge, description: describeGrudge(grudge) };
    },
  };
}
