// The partition nemesis: cuts the network along a grudge drawn among --partition-targets (one
// node, a minority third, halves, a majorities ring, a bridge, the current primaries, and one-way
// variants where one side stops hearing the other) and heals it. A node that is dead or paused
// gets its part when it runs again; the op names those nodes, and fails when the partition is in
// force on no node at all.
import { hasPrimaries } from '../src/db-contract.js';
import { option } from '../src/define/options.js';
import { complete, describeGrudge, type Grudge } from '../src/runtime/grudge.js';
import type { Deferred } from '../src/runtime/runtime.js';
import { DEFAULT_PARTITION_TARGETS, PARTITION_TARGETS, partitionTargets, type PartitionTarget } from './partition-targets.js';
import type { Nemesis, NemesisContext } from './nemesis.js';
import { describeReasons } from './node-faults.js';
import { replayedValue } from '../src/schedule.js';
import type { Op } from '../src/op.js';
import { defineFault, HEAL_RANK } from '../src/define/fault.js';

export function partitionNemesis(ctx: NemesisContext, targets: readonly PartitionTarget[] = DEFAULT_PARTITION_TARGETS): Nemesis {
  return {
    fault: 'partition',
    async invoke(op) {
      if (op.f === 'stop-partition') {
        const deferred = await ctx.runtime.heal();
        return { ...deferredValue(deferred), description: `healed${describeDeferred(deferred)}` };
      }
      const { target, grudge } = recordedGrudge(op) ?? (await drawGrudge(ctx, targets));
      const deferred = inForce(grudge, await ctx.runtime.partition(grudge));
      // A clean split reads as its components; any other grudge (who drops whom) names its shape.
      const described = describeGrudge(grudge);
      const shape = target === 'primaries' ? ' (primaries cut off)' : described.includes(' | ') ? '' : ` (${target})`;
      return { target, grudge, ...deferredValue(deferred), description: `${described}${shape}${describeDeferred(deferred)}` };
    },
  };
}

/** The grudge a replayed op's original cut the network along, or undefined when the op is no replay. */
function recordedGrudge(op: Pick<Op, 'value'>): { target: PartitionTarget; grudge: Grudge } | undefined {
  const recorded = replayedValue(op);
  const grudge = recorded?.['grudge'];
  if (grudge === null || typeof grudge !== 'object' || Array.isArray(grudge)) return undefined;
  const target = (PARTITION_TARGETS as readonly unknown[]).includes(recorded?.['target']) ? (recorded!['target'] as PartitionTarget) : 'halves';
  return { target, grudge: grudge as Grudge };
}

/**
 * Draws a target among `targets` and its grudge. `primaries` cuts the primaries off from everyone
 * else where the db names some but not all nodes; where it cannot, another target is drawn
 * (`one` when primaries is the only one).
 */
async function drawGrudge(ctx: NemesisContext, targets: readonly PartitionTarget[]): Promise<{ target: PartitionTarget; grudge: Grudge }> {
  const target = ctx.random.pick(targets);
  if (target !== 'primaries') return { target, grudge: partitionTargets[target](ctx.nodes, ctx.random) };
  const primaries = hasPrimaries(ctx.db) ? await ctx.db.primaries(ctx.dbCtx).catch(() => []) : [];
  if (primaries.length > 0 && primaries.length < ctx.nodes.length) {
    return { target, grudge: complete([[...primaries].sort(), ctx.nodes.filter((n) => !primaries.includes(n))]) };
  }
  const others = targets.filter((t): t is Exclude<PartitionTarget, 'primaries'> => t !== 'primaries');
  const fallback = others.length > 0 ? ctx.random.pick(others) : 'one';
  return { target: fallback, grudge: partitionTargets[fallback](ctx.nodes, ctx.random) };
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
  description: 'cuts the network along a grudge (one node, a minority third, halves, a majorities ring, a bridge, the primaries, or one way) and heals it',
  healRank: HEAL_RANK.partition,
  options: {
    targets: option.list(PARTITION_TARGETS, {
      flag: 'partition-targets',
      help: 'partition shapes, drawn among these (Jepsen\'s names; majority is halves; one-way-*: one side stops hearing the other, which still hears it)',
      default: DEFAULT_PARTITION_TARGETS,
    }),
  },
  create: (ctx) => partitionNemesis(ctx, ctx.options.targets),
});
