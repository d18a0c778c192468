// The partition nemesis: cuts the network along a grudge (one node, halves, a majorities ring,
// a bridge) and heals it.
import { describeGrudge, partitionTargets, type PartitionTarget } from './grudge.js';
import type { Nemesis, NemesisContext } from './nemesis.js';

export function partitionNemesis(ctx: NemesisContext, targets: readonly PartitionTarget[] = ['one', 'halves', 'majorities-ring']): Nemesis {
  return {
    fault: 'partition',
    async invoke(op) {
      if (op.f === 'stop-partition') {
        await ctx.runtime.heal();
        return { description: 'healed' };
      }
      const target = ctx.random.pick(targets);
      const grudge = partitionTargets[target](ctx.nodes, ctx.random);
      await ctx.runtime.partition(grudge);
      return { target, grudge, description: describeGrudge(grudge) };
    },
  };
}
